"""A work's body: Markdown → sanitised HTML, ready to embed in a page.

Bodies are rendered here rather than by the site engine so that exported
pages are already safe, whatever engine builds them: nh3 drops scripts,
event handlers and `javascript:`/`data:` URLs, and keeps an <iframe> only
when it points at one of the configured embed hosts.

Example:
    >>> render_body("你好 <script>x()</script>", base="../../").html
    '<p>你好 </p>'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
import nh3

from generator.content.references import media_path_problem, names_media

_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "sup", "sub",
    "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th",
    "td", "a", "img", "figure", "figcaption", "span", "div", "mark", "kbd", "abbr", "small", "iframe",
    "details", "summary", "video", "source",
}
_ATTRIBUTES = {
    "*": {"title", "lang"},
    "a": {"href", "id"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "code": {"class"},
    "img": {"src", "alt", "width", "height", "loading"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "iframe": {"src", "width", "height", "allowfullscreen", "allow", "frameborder"},
    "video": {"src", "controls", "poster", "width", "height"},
    "source": {"src", "type"},
    "ol": {"start"},
}
# A body's ids share the page with the theme's: an element named like one of
# Material's globals or looked up by id (`__config`, `__md_scope`, …) would
# stand in for it ("DOM clobbering"). Every body id, and every #fragment that
# points at one, gets this prefix, which no script of the theme or site uses.
ID_PREFIX = "koc-u-"
# Classes only as the code-highlighting language, never the theme's own class names.
_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_LOCAL = re.compile(r'(\s(?:src|href|poster)=")(media/[^"]*)"')
_URL_ATTRIBUTES = {"src", "href", "poster"}


_MD: markdown.Markdown | None = None


def _converter() -> markdown.Markdown:
    # One converter, reset per body: building one per call costs more than converting.
    global _MD
    if _MD is None:
        # Body headings shift one level down (## → h3): the page's own sections are h2.
        _MD = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", "md_in_html", "toc"],
                                extension_configs={"toc": {"baselevel": 2}}, output_format="html")
    return _MD


# https://<host>/… and nothing else: no userinfo, port, backslash, whitespace or
# control character, which browsers strip or read differently (WHATWG URL parsing).
_EMBED = re.compile(r"https://([a-z0-9.-]+)(?:[/?#][\x21-\x7e]*)?", re.I)


def embed_host(src: str) -> str | None:
    """The lower-case host of an iframe src that every URL parser reads the same way, or None."""
    m = _EMBED.fullmatch(src)
    if m is None or "\\" in src:
        return None
    return m.group(1).lower()


@dataclass(frozen=True)
class Body:
    html: str
    local_media: tuple[str, ...]  # media/… paths the body refers to


def render_body(text: str, base: str, embed_hosts: tuple[str, ...] = ()) -> Body:
    """Markdown → sanitised HTML; local `media/…` links are made relative to the page (`base`)."""
    html = _converter().reset().convert(text)
    hosts = {h.lower() for h in embed_hosts}

    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "iframe" and attr == "src":
            return value if embed_host(value) in hosts else None
        if attr == "id":
            return value if value.startswith(ID_PREFIX) else ID_PREFIX + value
        if attr == "class":
            kept = [c for c in value.split() if _CLASS.fullmatch(c)]
            return " ".join(kept) or None
        if attr in _URL_ATTRIBUTES:
            if value.startswith("#"):
                return "#" + (value[1:] if value[1:].startswith(ID_PREFIX) else ID_PREFIX + value[1:])
            if names_media(value) and media_path_problem(value):
                # A media file is referred to as the rule says, or not at all; `koc check` said why.
                return None
        return value

    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=keep,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # An iframe whose host is not allowed loses its src: drop the empty frame.
    clean = re.sub(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", "", clean, flags=re.S)
    media = tuple(dict.fromkeys(m.group(2) for m in _LOCAL.finditer(clean)))
    clean = _LOCAL.sub(lambda m: f'{m.group(1)}{base}{m.group(2)}"', clean)
    clean = clean.replace("<img ", '<img loading="lazy" ') if "loading=" not in clean else clean
    return Body(clean, media)
