"""Hostile content (issue 10, items 2, 4–10, 14–17, 20): each attack and its variants.

The safe outcome every time: `koc check` refuses with a clear message naming
file and line, `koc build` refuses too (whatever check accepts, build builds),
nothing outside content/media is published, no script runs, and each run ends
in bounded time (a generous alarm guards against a hang; nothing is timed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml
from PIL import Image

from conftest import CONTRIBUTORS, REPO, build, koc, page, site_files, work, write_library

W = "content/works/2026/2026-camping-video.md"
SECRET = "top-secret-outside-content-7f3a"


@contextlib.contextmanager
def guard(seconds: int = 60):
    """Fail (instead of hanging CI) if the block runs longer than `seconds`."""
    def stop(*_):
        raise TimeoutError(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check(project, capsys, *args) -> tuple[int, str]:
    with guard():
        code = koc("check", *args, project=project)
    out = capsys.readouterr()
    return code, out.out + out.err


def build_fails(project, capsys) -> str:
    """`koc build` refuses (exit 1, no traceback) and leaves no site; returns what it printed."""
    with guard(120):
        code = koc("build", "--as-of", "2026-06-01", project=project)
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 1, text
    assert "Traceback" not in text
    assert not (project / "site").exists()
    return text


def line_with(project, rel, needle) -> int:
    for n, line in enumerate((project / rel).read_text(encoding="utf-8").split("\n"), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {rel}")


def set_body(project, body: str, rel: str = W) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    head = text[: text.index("\n---\n", 4) + 5]
    path.write_text(head + body + "\n", encoding="utf-8")


def edit(project, rel, old, new) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "outside" / "passwd"
    path.parent.mkdir()
    path.write_text(f"root:x:0:0:{SECRET}\n", encoding="utf-8")
    return path


def published(root: Path) -> str:
    return "".join(data.decode("utf-8", "replace") for _, data in site_files(root))


# --- 2. media referenced from the body ---------------------------------------

BODY_REFS = [
    "![](media/photos/x.jpg)",  # a symlink to a file outside content/
    "[x](media/../contributors.yml)",
    "[x](media/../../../../../etc/hostname)",
    '<img src="&#109;edia/../contributors.yml">',
    "<a href='media/%2e%2e/contributors.yml'>x</a>",
    "<a href=media/../contributors.yml>x</a>",
    '<img/src="media/photos/x.jpg">',
    '<img alt="a"src="media/photos/missing.jpg">',
    '<img\nSRC = "media/photos/x.jpg">',
    "![](<media/../contributors.yml>)",
    "[ref]: media/../contributors.yml",
    '<video src="media/photos/x.jpg" poster="media/../taxonomy.yml"></video>',
    "[x](./media/photos/ok.jpg)",
    "[x](../media/../contributors.yml)",
    "[x](.//media/../../contributors.yml)",
    "[x](%6Dedia/../contributors.yml)",
    '<a href="media\\..\\contributors.yml">x</a>',
    "![](media/photos/missing.jpg)",  # a typo: a check error, not a build crash
    '<img src="media/photos/ok.jpg"><img src="media/photos/Missing.JPG">',
]


@pytest.mark.parametrize("ref", BODY_REFS)
@pytest.mark.slow  # many libraries, files or processes: end to end
def test_body_media_references_follow_the_media_rules(tmp_path, capsys, secret_file, ref):
    project = write_library(tmp_path / "p")
    (project / "content/media/photos").mkdir()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(project / "content/media/photos/ok.jpg")
    os.symlink(secret_file, project / "content/media/photos/x.jpg")
    set_body(project, f"第一段。\n\n{ref}\n")
    code, out = check(project, capsys)
    assert code == 1, out
    line = line_with(project, W, next(part for part in ref.split("\n") if "edia" in part))
    assert f"{W}:{line}: error:" in out, out
    assert any(word in out for word in ("content/media/ 之外", "不能是绝对路径", "应以 media/ 开头", "找不到媒体文件", "含有空白")), out
    text = build_fails(project, capsys)
    assert f"{W}:{line}" in text


def test_links_between_pages_publish_no_file(tmp_path, capsys, secret_file):
    """Relative links that do not name media/ are page links: allowed, and nothing is copied for them."""
    project = write_library(tmp_path / "p")
    set_body(project, "[x](../contributors.yml) ![](/etc/passwd) [y](contributors.yml) [z](../2026-family-qa/)")
    code, out = check(project, capsys)
    assert code == 0, out
    site = build(project)
    text = published(site)
    assert "secret_wx_alice" not in text and "root:x:0:0" not in text
    assert not list(site.rglob("contributors.yml")) and not list(site.rglob("passwd"))


def test_export_never_copies_a_body_reference_outside_media(tmp_path, capsys, secret_file):
    project = write_library(tmp_path / "p")
    os.symlink(secret_file, project / "content/media/x.jpg")
    set_body(project, "![](media/x.jpg)\n\n[c](media/../contributors.yml)\n\n[h](media/../../../../../etc/hostname)")
    out_dir = tmp_path / "export"
    with guard(120):
        code = koc("export", str(out_dir), "--as-of", "2026-06-01", project=project)
    capsys.readouterr()
    assert code == 1
    assert not (tmp_path / "etc").exists() and not (project.parent / "etc").exists()
    if out_dir.exists():
        assert SECRET not in published(out_dir) and "secret_wx_alice" not in published(out_dir)


def test_preview_publishes_only_what_passes_the_media_rule(tmp_path, secret_file):
    """A preview renders despite errors; the files it publishes still obey the rule."""
    from generator.options import Options
    from generator.pages.site import generate_site

    project = write_library(tmp_path / "p")
    os.symlink(secret_file, project / "content/media/x.jpg")
    Image.new("RGB", (40, 30)).save(project / "content/media/ok.png")
    set_body(project, "![](media/x.jpg) ![](media/ok.png) [c](media/../contributors.yml) <img src='media/nope.jpg'>")
    with guard(120):
        sources = generate_site(Options(project_dir=project, preview=True, drafts=True, as_of=dt.date(2026, 6, 1)).resolve())
        sources.index_report  # noqa: B018 - let the index job finish before tmp_path goes
    content_media = (project / "content/media").resolve()
    for path, source in sources.assets.items():
        assert Path(source).resolve().is_relative_to(content_media), path
        assert SECRET not in Path(source).read_text("latin-1")


def test_valid_body_media_is_published(tmp_path):
    project = write_library(tmp_path / "p")
    (project / "content/media/photos").mkdir()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(project / "content/media/photos/ok.jpg")
    set_body(project, "段落。\n\n![营地](media/photos/ok.jpg)\n\n[下载原图](media/photos/ok.jpg)")
    site = build(project)
    assert (site / "media/photos/ok.jpg").read_bytes() == (project / "content/media/photos/ok.jpg").read_bytes()
    assert page(site, "works/2026-camping-video/").select_one(".koc-body img")["src"] == "../../media/photos/ok.jpg"


# --- 4 and 6. active content: DOM clobbering, SVG, HTML/JSON in media -----------

CLOBBER_BODY = """正文。

<a id="__config" href="#__md_scope">a</a>
<img id="__md_scope" name="__md_get" src="media/ok.png">
<form name="__md_set"><input name="__md_hash" value="x"></form>
<div id="__md_hash" class="md-header md-search__input koc-finder">b</div>
<span id="__search" class="language-js md-typeset">c</span>
<h3 id="koc-finder-labels">{"base": "media/"}</h3>
<iframe name="__md_get" src="https://player.bilibili.com/x"></iframe>
"""


def clobber_library(root: Path) -> Path:
    project = write_library(root)
    Image.new("RGB", (40, 30)).save(project / "content/media/ok.png")
    set_body(project, CLOBBER_BODY)
    return project


def test_body_ids_are_prefixed_names_dropped_and_classes_restricted(tmp_path):
    site = build(clobber_library(tmp_path / "p"))
    body = page(site, "works/2026-camping-video/").select_one(".koc-body")
    ids = [tag["id"] for tag in body.find_all(id=True)]
    assert ids and all(i.startswith("koc-u-") for i in ids), ids
    assert not body.find_all(attrs={"name": True})
    assert not body.find("form") and not body.find("input")
    classes = {c for tag in body.find_all(class_=True) for c in tag["class"]}
    assert classes <= {"language-js"}, classes
    assert body.select_one("a[href='#koc-u-__md_scope']")


@pytest.mark.parametrize("name, data", [
    ("evil.json", b'{"base": "/", "search": "media/evil.js"}'),
    ("evil.html", b"<script>alert(1)</script>"),
    ("evil.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("evil.SVG", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("evil.xml", b"<x/>"),
    ("evil.js", b"alert(1)"),
    ("evil.mjs", b"alert(1)"),
    ("evil.css", b"body{}"),
    ("evil.xhtml", b"<html/>"),
    ("evil", b"alert(1)"),
    ("evil.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("evil.mp4", b'{"base": "/"}'),
    ("evil.png", b"\xef\xbb\xbf  <html><script>alert(1)</script></html>"),
], ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("where", ["body", "cover", "media", "avatar"])
@pytest.mark.slow  # many libraries, files or processes: end to end
def test_media_that_can_run_script_is_refused(tmp_path, capsys, name, data, where):
    project = write_library(tmp_path / "p")
    (project / "content/media" / name).write_bytes(data)
    src = f"media/{name}"
    if where == "body":
        set_body(project, f"段落。\n\n[附件]({src})")
        rel, needle = W, f"({src})"
    elif where == "cover":
        edit(project, W, "featured: true", f"featured: true\ncover: {src}")
        rel, needle = W, f"cover: {src}"
    elif where == "media":
        edit(project, W, "featured: true", f"featured: true\nmedia:\n- {{type: link, src: {src}}}")
        rel, needle = W, f"src: {src}"
    else:
        edit(project, "content/contributors.yml", "city: 杭州", f"city: 杭州\n  avatar: {src}")
        rel, needle = "content/contributors.yml", f"avatar: {src}"
    code, out = check(project, capsys)
    assert code == 1, out
    assert f"{rel}:{line_with(project, rel, needle)}: error:" in out, out
    assert any(w in out for w in ("不能发布", "SVG", "无法读取", "格式")), out


def test_svg_avatar_and_cover_are_refused_and_never_published(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(2)</script></svg>"
    (project / "content/media/a.svg").write_bytes(svg)
    edit(project, "content/contributors.yml", "city: 杭州", "city: 杭州\n  avatar: media/a.svg")
    edit(project, W, "featured: true", "featured: true\ncover: media/a.svg")
    code, out = check(project, capsys)
    assert code == 1 and out.count("SVG 可以包含脚本") == 2, out
    build_fails(project, capsys)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test skipped: /usr/bin/chromium is not installed")
def test_clobbering_body_runs_no_script_in_chromium(tmp_path):
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    site = build(clobber_library(tmp_path / "p"))
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    dialogs, errors = [], []
    try:
        with guard(120), sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            pg = browser.new_page()
            pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(f"http://127.0.0.1:{httpd.server_port}/works/2026-camping-video/")
            pg.wait_for_load_state("networkidle")
            state = pg.evaluate("""() => ({
                config: (document.getElementById('__config') || {}).tagName || null,
                scope: window.__md_scope instanceof URL || window.__md_scope === undefined,
                get: typeof window.__md_get,
                hash: window.__md_hash instanceof Element,
                inBody: ['__config', '__md_scope', '__md_hash', '__search', 'koc-finder-labels']
                    .filter(id => document.getElementById(id)?.closest('.koc-body')),
                bodyIds: [...document.querySelectorAll('.koc-body [id]')].map(e => e.id),
                named: document.querySelectorAll('.koc-body [name]').length,
            })""")
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not dialogs, dialogs
    assert not errors, errors
    assert state["config"] in (None, "SCRIPT"), state
    assert state["scope"] and state["get"] in ("function", "undefined"), state
    assert not state["hash"] and not state["inBody"], state
    assert state["bodyIds"] and all(i.startswith("koc-u-") for i in state["bodyIds"]), state
    assert state["named"] == 0


# --- 5. URL fields from content -------------------------------------------------

BAD_URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "\x01javascript:alert(1)", "javascript\x00:alert(1)", "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)", "data:text/html,<script>alert(1)</script>", "DATA:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)", "VBScript:msgbox(1)", "file:///etc/passwd", "//evil.example/x", "https:\\\\evil.example",
    "https://user@evil.example/", "https://evil.example:8443/", "ftp://example.com/", "\u2028javascript:alert(1)",
]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.slow  # many libraries, files or processes: end to end
def test_contributor_link_urls_only_https_or_mailto(tmp_path, capsys, url):
    people = json.loads(json.dumps(CONTRIBUTORS))
    people["bob"]["links"] = [{"label": "主页", "url": url}]
    project = write_library(tmp_path / "p", contributors=people)
    code, out = check(project, capsys, "--format", "json")
    assert code == 1
    problems = json.loads(out[: out.rindex("]") + 1])
    assert any(p["path"] == "content/contributors.yml" and p["severity"] == "error" and p["line"] and "链接" in p["message"]
               for p in problems), problems


@pytest.mark.parametrize("url, severity", [("https://weibo.com/u/1", None), ("mailto:bob@example.com", None),
                                           ("http://weibo.com/u/1", "warning")])
@pytest.mark.slow  # many libraries, files or processes: end to end
def test_good_links_pass_and_http_warns(tmp_path, capsys, url, severity):
    people = json.loads(json.dumps(CONTRIBUTORS))
    people["bob"]["links"] = [{"label": "主页", "url": url}]
    project = write_library(tmp_path / "p", contributors=people)
    code, out = check(project, capsys)
    assert code == 0, out
    assert ("warning: 链接" in out) == (severity == "warning"), out


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://evil.example\\@x.com/a.jpg", "https://a.example/x y.jpg",
                                 "http://a.example/x.jpg", "data:image/png;base64,AAAA", "https://u:p@a.example/x.jpg",
                                 "HTTPS://a.example/x.jpg", " https://a.example/x.jpg", "https://a.example/x.jpg\n"])
@pytest.mark.parametrize("field", ["cover", "media"])
@pytest.mark.slow  # many libraries, files or processes: end to end
def test_cover_and_media_urls_follow_the_same_rule(tmp_path, capsys, url, field):
    project = write_library(tmp_path / "p")
    value = json.dumps(url)
    edit(project, W, "featured: true", f"featured: true\ncover: {value}" if field == "cover" else
         f"featured: true\nmedia:\n- {{type: link, src: {value}}}")
    code, out = check(project, capsys)
    assert code == 1, out
    assert f"{W}:{line_with(project, W, value)}: error:" in out, out


# --- 7. iframe embed hosts --------------------------------------------------------

EVIL_FRAMES = [
    "https://player.bilibili.com@evil.example/x", "https://evil.example\\@player.bilibili.com/x",
    "https:\\\\player.bilibili.com.evil.example/x", "//evil.example@player.bilibili.com/x",
    "https://player.bilibili.com.evil.example/", "https://evil.example/player.bilibili.com",
    "https://player.bilibili.com:443@evil.example/", "https://player.bilibili.com%40evil.example/",
    "https://evil.example#@player.bilibili.com/", "https://player.bilibili.com:8080/x",
    "https://player.bilibili.com\t.evil.example/", "https://player.bilibili.com\n.evil.example/",
    "http://player.bilibili.com/x", "javascript:alert(1)//https://player.bilibili.com/",
    "https://user:pw@player.bilibili.com/x", "https://ｐlayer.bilibili.com/x", "  https://evil.example/",
]


@pytest.mark.parametrize("src", EVIL_FRAMES)
def test_iframe_only_loads_an_allowed_host_parsed_like_a_browser(src):
    from generator.pages.body import render_body

    with guard():
        html = render_body(f'<iframe src="{src}"></iframe>\n\n<iframe src="{src.replace(chr(34), "")}"></iframe>',
                           "../../", ("player.bilibili.com",)).html
    assert "<iframe" not in html, html


@pytest.mark.parametrize("src", ["https://player.bilibili.com/player.html?bvid=BV1&page=1", "https://PLAYER.bilibili.com/x"])
def test_iframe_of_an_allowed_host_is_kept(src):
    from generator.pages.body import render_body

    html = render_body(f'<iframe src="{src}"></iframe>', "../../", ("player.bilibili.com",)).html
    assert "<iframe" in html and "bilibili.com" in html


# --- 8 and 9. YAML bombs and nesting ----------------------------------------------

def alias_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines)


def indent(text: str, by: str) -> str:
    return "\n".join(by + line for line in text.split("\n"))


YAML_ATTACKS = {
    "frontmatter bomb": (W, lambda p: edit(p, W, "featured: true", "featured: true\nextra:\n" + indent(alias_bomb(), "  ")), "a0: &a0"),
    "frontmatter alias": (W, lambda p: edit(p, W, "featured: true", "featured: true\nsummary: &s 摘要\ntask: *s"), "summary: &s"),
    "merge key": (W, lambda p: edit(p, W, "featured: true", "featured: true\nrights_base: &r {uses: []}\nx:\n  <<: *r"), "rights_base"),
    "private bomb": ("content/contributors.yml",
                     lambda p: edit(p, "content/contributors.yml", "  private:\n", "  private:\n" + indent(alias_bomb(8), "    ") + "\n"), "a0: &a0"),
    "taxonomy anchor": ("content/taxonomy.yml", lambda p: edit(p, "content/taxonomy.yml", "scenarios:", "scenarios: &s"), "scenarios: &s"),
    "honors alias": ("content/honors.yml", lambda p: (p / "content/honors.yml").write_text(
        "- &h {year: 2025, award: 年度, contributor: alice}\n- *h\n", encoding="utf-8"), "- &h"),
    "collection alias": ("content/collections/c.yml", lambda p: (p / "content/collections").mkdir() or (p / "content/collections/c.yml").write_text(
        "title: &t 合集\naudience: training\nquery: *t\n", encoding="utf-8"), "title: &t"),
}


@pytest.mark.parametrize("name", sorted(YAML_ATTACKS))
def test_yaml_anchors_and_aliases_are_refused_before_expansion(tmp_path, capsys, name):
    rel, attack, needle = YAML_ATTACKS[name]
    project = write_library(tmp_path / "p")
    attack(project)
    code, out = check(project, capsys)
    assert code == 1
    assert f"{rel}:{line_with(project, rel, needle)}: error: 不支持 YAML 锚点和别名" in out, out
    assert "秘密真名甲" not in out and "13912345678" not in out


@pytest.mark.parametrize("depth", [41, 1000, 100_000])
@pytest.mark.parametrize("style", ["flow", "block", "compact", "mapping"])
def test_deep_yaml_nesting_is_refused_with_its_line(tmp_path, style, depth):
    """In a child process: before the fix, 100,000 levels crashed the interpreter itself."""
    project = write_library(tmp_path / "p")
    if style == "flow":
        fm = "tags: " + "[" * depth + "]" * depth
    elif style == "compact":
        fm = "tags:\n" + "  " + "- " * depth + "x"
    elif style == "block":
        fm = "tags:\n" + "\n".join(" " * (i + 1) + "-" for i in range(min(depth, 3000)))
    else:
        fm = "extra:\n" + "\n".join(" " * (i + 1) + f"k{i}:" for i in range(min(depth, 3000)))
    edit(project, W, "featured: true", "featured: true\n" + fm)
    run = subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(project), "check"],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
    assert "YAML 嵌套过深" in run.stdout and "Traceback" not in run.stderr, run.stdout[-2000:]
    assert f"{W}:{line_with(project, W, fm.split(chr(10))[0])}" in run.stdout or f"{W}:" in run.stdout


def test_reasonable_nesting_still_loads():
    from generator.content.yaml_source import load_yaml

    data = load_yaml("media:\n- {type: image, src: media/a.jpg, caption: '*星* & 月'}\nrights: {uses: [training]}\n")
    assert data["media"][0]["caption"] == "*星* & 月"


# --- 10. bounded time: patterns and Markdown nesting --------------------------------

@pytest.mark.parametrize("body", [
    "a" * 160_000 + "@",
    "a@" * 80_000,
    "a@" + "a." * 80_000,
    "a." * 80_000 + "@",
    "微信" + " " * 160_000,
    "微信：" * 50_000,
    "wxid_" * 30_000,
    "1 " * 80_000,
    "+86" * 50_000,
])
def test_personal_data_scan_is_linear(tmp_path, capsys, body):
    project = write_library(tmp_path / "p")
    set_body(project, body)
    with guard(30):
        code, out = check(project, capsys)
    assert "Traceback" not in out
    assert out.count("疑似") <= 25


def test_personal_data_is_still_found():
    from generator.content.privacy import find_personal_data

    kinds = [k for k, _ in find_personal_data("邮箱 a.b-c@mail.example.com.cn，电话 +86 139-1234-5678，微信：koc_user01，wxid_abcd1234")]
    assert kinds == ["电子邮箱", "手机号", "微信号", "微信号"]


DEEP_BODIES = {
    "indented list": "".join("    " * i + "- x\n" for i in range(200)),
    "two-space list": "".join("  " * i + "- x\n" for i in range(400)),
    "compact list": "- " * 10_000 + "x",
    "ordered": "".join("    " * i + "1. x\n" for i in range(100)),
    "quotes": "> " * 10_000 + "x",
    "quote lines": "".join(">" * i + " x\n" for i in range(1, 200)),
    "list in quote": "> - " * 5_000 + "x",
    "nested html": '<div markdown="1">\n' * 2_000 + "x\n" + "</div>\n" * 2_000,
    "nested spans": "<span>" * 5_000 + "x" + "</span>" * 5_000,
    "nested emphasis": "*a " * 3_000 + "a* " * 3_000,
    "nested links": "[" * 5_000 + "](x)" * 5_000,
    "unclosed brackets": ("[`" * 60 + "\n") * 2_000,
    "html in links": "[<b>" * 3_000 + "a" + "</b>](x)" * 3_000,
    "few unclosed, long": "[" * 8 + "a " * 450_000,
}


@pytest.mark.parametrize("name", sorted(DEEP_BODIES))
@pytest.mark.slow  # many libraries, files or processes: end to end
def test_bodies_that_would_stall_the_renderer_are_refused(tmp_path, capsys, name):
    project = write_library(tmp_path / "p")
    set_body(project, "第一段。\n\n" + DEEP_BODIES[name])
    code, out = check(project, capsys)
    assert code == 1, out
    assert any(w in out for w in ("嵌套过深", "方括号", "* 或 _")), out
    assert f"{W}:" in out
    build_fails(project, capsys)


def test_ordinary_structure_still_builds(tmp_path, capsys):
    body = ("## 装备\n\n- 帐篷\n    - 双人\n        - 防雨\n- 天幕 [链接](https://example.com) *强调* _下划线_ `[` \\[\n\n"
            "> 引用\n> > 二层\n\n```python\n" + "    " * 30 + "deep = [[[[[[[[[[]]]]]]]]]]\n```\n\n<div><p><b>x</b></p></div>\n")
    project = write_library(tmp_path / "p")
    set_body(project, body)
    code, out = check(project, capsys)
    assert code == 0, out
    site = build(project)
    assert "防雨" in page(site, "works/2026-camping-video/").select_one(".koc-body").text


# --- 14. what check passes, build builds: images and long slugs ------------------

def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width×height pixels in a few bytes (a decompression bomb's header)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    import io

    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (1, 2, 3)).save(buf, "JPEG")
    return buf.getvalue()[:800]


@pytest.mark.parametrize("name, data", [
    ("random.jpg", os.urandom(4096)),
    ("empty.jpg", b""),
    ("bomb.png", png_header(20_000, 20_000)),
    ("wide.png", png_header(100_000, 1_000)),
    ("truncated.jpg", truncated_jpeg()),
    ("text.png", b"just some text"),
], ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("field", ["cover", "media"])
@pytest.mark.slow  # many libraries, files or processes: end to end
def test_unreadable_or_huge_images_are_check_errors(tmp_path, capsys, name, data, field):
    project = write_library(tmp_path / "p")
    (project / "content/media" / name).write_bytes(data)
    line = f"cover: media/{name}" if field == "cover" else f"media:\n- {{type: image, src: media/{name}}}"
    edit(project, W, "featured: true", "featured: true\n" + line)
    code, out = check(project, capsys)
    assert code == 1, out
    assert f"{W}:{line_with(project, W, 'media/' + name)}: error: 图片 content/media/{name}" in out, out
    build_fails(project, capsys)


def test_long_tags_get_bounded_unique_slugs_and_build(tmp_path, capsys):
    long_a, long_b = "长" * 100, "长" * 99 + "短"
    project = write_library(tmp_path / "p")
    edit(project, W, "tags:\n", f"tags:\n- {long_a}\n- {long_b}\n- {'Ａ' * 300}\n")
    code, out = check(project, capsys)
    assert code == 0, out
    site = build(project)
    slugs = [p.name for p in (site / "tags").iterdir() if p.is_dir() and p.name.startswith(("chang", "a"))]
    assert len(slugs) == 3 and len(set(slugs)) == 3, slugs
    assert all(len(s) <= 60 for s in slugs), slugs


def test_overlong_ids_and_slugs_are_check_errors(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    (project / W).rename(project / "content/works/2026" / ("a" * 120 + ".md"))
    taxonomy = yaml.safe_load((project / "content/taxonomy.yml").read_text(encoding="utf-8"))
    taxonomy["tags"].append({"label": "很长", "slug": "b" * 200})
    (project / "content/taxonomy.yml").write_text(yaml.safe_dump(taxonomy, allow_unicode=True), encoding="utf-8")
    code, out = check(project, capsys)
    assert code == 1
    assert "太长" in out and "content/taxonomy.yml:" in out and "最多 80" in out, out


# --- 15. reserved slugs ------------------------------------------------------------

def test_names_that_would_replace_a_listing_page_are_refused(tmp_path, capsys):
    people = json.loads(json.dumps(CONTRIBUTORS))
    people["index"] = {"name": "首页"}
    taxonomy = json.loads(json.dumps(__import__("conftest").TAXONOMY))
    taxonomy["scenarios"].append({"slug": "index", "label": "索引"})
    taxonomy["tags"].append({"label": "目录", "slug": "index"})
    project = write_library(tmp_path / "p", contributors=people, taxonomy=taxonomy,
                            collections={"index": {"title": "合集", "audience": "training", "query": "type:video"}})
    (project / W).rename(project / "content/works/2026/index.md")
    code, out = check(project, capsys)
    assert code == 1
    for where in ("content/works/2026/index.md", "content/contributors.yml", "content/collections/index.yml", "content/taxonomy.yml"):
        assert any(line.startswith(where) and "保留" in line for line in out.splitlines()), (where, out)
    assert out.count("content/taxonomy.yml") >= 2


@pytest.mark.parametrize("tag", ["ＩＮＤＥＸ", "index", "Index", " INDEX "])
def test_a_tag_spelled_index_does_not_replace_the_tag_listing(tmp_path, capsys, tag):
    project = write_library(tmp_path / "p")
    edit(project, W, "tags:\n", f"tags:\n- {json.dumps(tag, ensure_ascii=False)}\n")
    code, out = check(project, capsys)
    assert code == 0, out
    site = build(project)
    listing = page(site, "tags/")
    assert listing.select_one("h1").text.strip() == "标签"
    assert listing.select_one("a[href*='index-']"), "the tag got a slug of its own"


def test_media_folders_named_like_resized_copies_are_reserved(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    (project / "content/media/w640").mkdir()
    Image.new("RGB", (40, 30)).save(project / "content/media/w640/a.png")
    set_body(project, "![](media/w640/a.png)")
    code, out = check(project, capsys)
    assert code == 1 and f"{W}:{line_with(project, W, 'media/w640/a.png')}: error:" in out and "保留" in out, out


# --- 16. ids match whole strings ---------------------------------------------------

@pytest.mark.parametrize("bad", ["x\n", "evil\n", "a\nb", "x\r", "index", "a" * 81, "-x", "X", "x y"])
def test_koc_new_refuses_ids_that_are_not_whole_ids(project, capsys, bad):
    before = {p: p.read_bytes() for p in (project / "content").rglob("*") if p.is_file()}
    assert koc("new", "--title", "标题", "--type", "qa", "--contributor", "alice", f"--id={bad}", project=project) == 1
    assert koc("new", "contributor", f"--id={bad}", "--name", "某人", project=project) == 1
    after = {p: p.read_bytes() for p in (project / "content").rglob("*") if p.is_file()}
    assert after == before
    assert "未创建" in capsys.readouterr().err


def test_koc_new_refuses_a_contributor_reference_that_would_inject_yaml(project, capsys):
    code = koc("new", "--title", "标题", "--type", "qa", "--contributor", "alice}, evil: {x: 1", "--id", "ok-id", project=project)
    assert code == 1
    assert not list((project / "content/works").rglob("ok-id.md"))


def test_ids_with_a_newline_in_content_are_refused(tmp_path, capsys):
    people = json.loads(json.dumps(CONTRIBUTORS))
    people["evil\n"] = {"name": "坏"}
    project = write_library(tmp_path / "p", contributors=people)
    (project / W).rename(project / "content/works/2026/x\n.md")
    code, out = check(project, capsys)
    assert code == 1
    assert "贡献者 id “evil\n”" in out and "不符合作品 id 规则" in out, out


# --- 17. symlinked content files ----------------------------------------------------

def test_work_file_symlinked_from_outside_content_is_refused(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    outside = tmp_path / "outside.md"
    outside.write_text((project / W).read_text(encoding="utf-8").replace("带娃露营两天一夜", SECRET), encoding="utf-8")
    link = project / "content/works/2026/2026-linked.md"
    os.symlink(outside, link)
    (project / "content/works/linked-dir").symlink_to(tmp_path, target_is_directory=True)
    code, out = check(project, capsys)
    assert code == 1
    assert "content/works/2026/2026-linked.md: error: 文件是指向 content/ 之外的符号链接" in out, out
    build_fails(project, capsys)


def test_symlinks_inside_content_still_work(tmp_path, capsys):
    project = write_library(tmp_path / "p")
    target = project / "content/works/2026/2026-camping-video.md"
    alias = project / "content/works/2026/2026-alias.md"
    os.symlink(target, alias)
    (project / W).rename(project / "content/works/2026/moved.md")
    os.symlink(project / "content/works/2026/moved.md", project / W)
    alias.unlink()
    code, out = check(project, capsys)
    assert code == 0, out


def test_registry_files_symlinked_from_outside_are_refused(tmp_path, capsys, secret_file):
    project = write_library(tmp_path / "p")
    real = tmp_path / "contributors.yml"
    (project / "content/contributors.yml").rename(real)
    os.symlink(real, project / "content/contributors.yml")
    code, out = check(project, capsys)
    assert code == 1 and "content/contributors.yml: error: 文件是指向 content/ 之外的符号链接" in out, out


# --- 20. private values never printed ---------------------------------------------

PRIVATE_VALUES = [
    "秘密真名甲 13912345678 secret_wx_alice",
    ["秘密真名甲", "13912345678"],
    13912345678,
    True,
    {"phone": {"deep": ["秘密真名甲", 13912345678]}, 5: "secret_wx_alice"},
]


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
@pytest.mark.parametrize("value", PRIVATE_VALUES, ids=["string", "list", "number", "bool", "odd keys"])
@pytest.mark.slow  # many libraries, files or processes: end to end
def test_private_values_are_never_printed(tmp_path, capsys, fmt, value):
    people = json.loads(json.dumps(CONTRIBUTORS))
    people["alice"]["private"] = value
    project = write_library(tmp_path / "p", contributors=people)
    code, out = check(project, capsys, "--format", fmt)
    for secret in ("秘密真名甲", "13912345678", "secret_wx_alice"):
        assert secret not in out, out
    if not isinstance(value, dict):
        assert code == 1 and "private" in out, out


def test_private_values_are_not_printed_by_a_failing_build(tmp_path, capsys):
    people = json.loads(json.dumps(CONTRIBUTORS))
    people["alice"]["private"] = "秘密真名甲 13912345678"
    project = write_library(tmp_path / "p", contributors=people)
    text = build_fails(project, capsys)
    assert "秘密真名甲" not in text and "13912345678" not in text


# --- check and build agree ----------------------------------------------------------

AGREEMENT = {
    "body typo": lambda p: set_body(p, "![](media/typo.jpg)"),
    "svg cover": lambda p: ((p / "content/media/c.svg").write_text("<svg/>") and None) or edit(p, W, "featured: true", "featured: true\ncover: media/c.svg"),
    "random cover": lambda p: (p / "content/media/c.jpg").write_bytes(os.urandom(2000)) and edit(p, W, "featured: true", "featured: true\ncover: media/c.jpg"),
    "long chinese tag": lambda p: edit(p, W, "tags:\n", "tags:\n- " + "长" * 100 + "\n"),
    "index tag": lambda p: edit(p, W, "tags:\n", "tags:\n- ＩＮＤＥＸ\n"),
    "deep list": lambda p: set_body(p, "- " * 5_000),
    "clobber": lambda p: set_body(p, CLOBBER_BODY.replace("media/ok.png", "https://example.com/a.png")),
}


@pytest.mark.parametrize("name", sorted(AGREEMENT))
def test_whatever_check_accepts_build_builds(tmp_path, capsys, name):
    project = write_library(tmp_path / "p")
    AGREEMENT[name](project)
    code, out = check(project, capsys)
    if code == 0:
        with guard(120):
            assert koc("build", "--as-of", "2026-06-01", project=project) == 0
        capsys.readouterr()
    else:
        assert ": error:" in out
        build_fails(project, capsys)
