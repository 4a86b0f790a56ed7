"""What content may point at: one rule for URLs, one for local media files.

`koc check` and the build both use these rules, so whatever the check
accepts the build can publish, and nothing else is published:

* a URL written in content (contributor links, https covers and media) is
  `https:` (or `mailto:` where a mail link makes sense; `http:` only with a
  warning), with no whitespace, control character or backslash anywhere,
  which browsers drop or read as `/` and so parse differently from us;
* a local file is `media/…` under `content/media/`, with no `..`, no
  symlink leading out, of a type that cannot run script when opened from the
  site (no HTML, SVG, XML, JSON, JavaScript or CSS), and it exists.

Example:
    >>> url_problem("javascript:alert(1)")[0]
    'error'
    >>> url_problem("https://example.com/a") is None
    True
"""

from __future__ import annotations

import html
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from generator.content.body_shape import blank_fenced_code

# Files the site may serve from content/media/. A browser opening any of these
# shows or plays it; none is a document that runs script in the site's origin.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif"})
MEDIA_SUFFIXES = IMAGE_SUFFIXES | {".mp4", ".webm", ".m4v", ".mov", ".mp3", ".m4a", ".aac", ".ogg", ".wav", ".pdf"}

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# Anything a browser strips, skips or reads as a separator before it parses a URL.
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]")
# An https URL: a plain host name (no userinfo, no port), then a path, query or fragment.
_HTTPS = re.compile(r"https://([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)(?:[/?#][^\s]*)?", re.I)
_URL_SPECIAL = re.compile(r"[%?#&<>\"']")
_MAILTO = re.compile(r"mailto:[^@\s]{1,64}@[^@\s]{1,255}", re.I)


def url_problem(url: str, mailto: bool = False) -> tuple[str, str] | None:
    """("error" | "warning", message) for a URL from content, or None when it is fine."""
    text = str(url)
    if _UNSAFE_CHARS.search(text):
        return "error", f"链接 {_show(text)} 含有空白、控制字符或反斜杠 \\：请写成不含这些字符的 https:// 地址"
    scheme = _SCHEME.match(text)
    allowed = "https:// 或 mailto:" if mailto else "https://"
    if scheme is None:
        return "error", f"链接 {_show(text)} 应以 {allowed} 开头"
    name = scheme.group(1).lower()
    if name == "mailto" and mailto:
        return None if _MAILTO.fullmatch(text) else ("error", f"邮件链接 {_show(text)} 应写成 mailto:名字@域名")
    if name in ("https", "http"):
        if not _HTTPS.fullmatch("https" + text[len(name):]):
            return "error", f"链接 {_show(text)} 应是 {name}://主机名/路径 的形式（不能含用户名、@ 或端口）"
        if name == "http":
            return "warning", f"链接 {_show(text)} 使用不加密的 http://，请尽量改成 https://"
        return None
    return "error", f"链接 {_show(text)} 的协议 {name}: 不允许；只能用 {allowed}"


def _show(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def media_path_problem(src: str) -> str | None:
    """Why the text `src` cannot name a media file, whatever is on disk, or None."""
    path = PurePosixPath(src)
    if _UNSAFE_CHARS.search(src) or _URL_SPECIAL.search(src):
        return f"媒体路径 {_show(src)} 含有空白、反斜杠、控制字符或 % ? # & < > 引号；请把文件改名为只含字母、数字、- _ . 的名字"
    if path.is_absolute() or ".." in path.parts or src != path.as_posix():
        return f"媒体路径 {_show(src)} 不能是绝对路径或包含 .. 或 ./；请写成 media/… 的相对路径"
    if not src.startswith("media/"):
        return f"媒体路径 {_show(src)} 应以 media/ 开头（文件放在 content/media/ 下）"
    if len(path.parts) > 2 and re.fullmatch(r"w\d+", path.parts[1]):
        # The site's resized copies live at media/w640/…: a folder of that name would collide with them.
        return f"媒体路径 {_show(src)}：media/{path.parts[1]}/ 是网站缩小图使用的保留文件夹名，请改名"
    if path.suffix.lower() not in MEDIA_SUFFIXES:
        kind = "SVG 可以包含脚本，" if path.suffix.lower() == ".svg" else ""
        return (f"媒体文件 content/{src} 的类型 {path.suffix or '（无扩展名）'} 不能发布：{kind}只接受 "
                f"{' '.join(sorted(MEDIA_SUFFIXES))}；图片请另存为 PNG 或 JPEG")
    return None


def media_problem(content_dir: Path, src: str) -> str | None:
    """Why `src` (a `media/…` path from content) may not be published, or None."""
    why = media_path_problem(src)
    if why:
        return why
    media_root = (Path(content_dir) / "media").resolve()
    target = (Path(content_dir) / src).resolve()
    if not target.is_relative_to(media_root):
        return f"媒体路径 {src} 指向 content/media/ 之外（可能是符号链接）"
    if not target.is_file():
        return f"找不到媒体文件 content/{src}"
    with open(target, "rb") as fh:
        head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if head[:1] in (b"<", b"{", b"[") and PurePosixPath(src).suffix.lower() != ".pdf":
        # HTML, SVG or JSON under an innocent name: a browser or script could still read it as such.
        return f"媒体文件 content/{src} 的内容看起来是 HTML、SVG 或 JSON，而不是 {PurePosixPath(src).suffix} 文件：不能发布"
    return None


# --- references written in a work's body ------------------------------------

# Markdown: ](dest "title"), ](<dest>), and reference definitions [id]: dest.
_MD_INLINE = re.compile(r"\]\(\s*(<[^<>\n]*>|[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)")
_MD_DEFINITION = re.compile(r"^[ ]{0,3}\[[^\]\n]{1,999}\]:[ \t]*(<[^<>\n]*>|\S+)", re.M)
# Raw HTML: any attribute that holds a URL, quoted or not (after a space, or a / or
# quote, which browsers also take as a separator: <img/src=…>).
_HTML_ATTR = re.compile(r"""[\s/"'](?:src|href|poster|data|srcset|action|formaction|background|cite|longdesc)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I)
_AUTOLINK = re.compile(r"<([^<>\s]*)>")


def body_references(body: str) -> list[tuple[str, int]]:
    """(reference, offset) for every link, image or HTML attribute of a body that names a media file.

    Entities and Markdown escapes are decoded as the renderer would, so
    `&#109;edia/../x` is seen as `media/../x`.
    """
    # Most bodies refer to no file at all: "media" spelled plainly, by entities or
    # %-escapes is the only way to name one, so the patterns run only then.
    if "edia" not in body.lower() and "&#" not in body and "%" not in body:
        return []
    # Fenced code is shown, not rendered: a Markdown example in it refers to nothing.
    body = blank_fenced_code(body)
    found = []
    patterns = [p for p, needed in ((_MD_INLINE, "]("), (_MD_DEFINITION, "]:"), (_HTML_ATTR, "=")) if needed in body]
    for pattern in patterns:
        for m in pattern.finditer(body):
            value = m.group(1)
            if value[:1] in "\"'" and value[-1:] == value[:1] or value[:1] == "<" and value[-1:] == ">":
                value = value[1:-1]
            value = html.unescape(value).strip()
            if pattern is not _HTML_ATTR:  # Markdown's backslash escapes; raw HTML keeps its backslashes
                value = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", value)
            if value and names_media(value):
                found.append((value, m.start(1)))
    for m in _AUTOLINK.finditer(body) if "<" in body else ():
        value = html.unescape(m.group(1))
        if names_media(value):
            found.append((value, m.start(1)))
    return found


def is_local(value: str) -> bool:
    """A path to a file rather than a URL or an anchor on the page."""
    return not (_SCHEME.match(value) or value.startswith("#"))


def names_media(value: str) -> bool:
    """Whether a relative reference means a file in media/, however it is spelled.

    Other relative links (`../other-work/`) are links between pages: the build
    publishes nothing for them. A reference that reaches media/ by any road
    (`./media/…`, `../media/…`, `%6Dedia/…`, `media\\…`) must be written as the
    rule says, so that the file is checked before it is published.
    """
    if not is_local(value):
        return False
    parts = [p for p in unquote(value).replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return bool(parts) and parts[0].strip().lower() == "media"
