"""Fixtures: small real libraries written into tmp_path, built with real MkDocs."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import inspect
import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-06-01"

TAXONOMY = {
    "scenarios": [
        {"slug": "family-weekend", "label": "周末亲子出游", "aliases": ["亲子游", "亲子出游"], "description": "周末带孩子短途出游"},
        {"slug": "camping", "label": "露营自驾", "aliases": ["露营"]},
        {"slug": "maintenance", "label": "保养维修", "aliases": ["保养"]},
    ],
    "models": [
        {"slug": "xingtu-l7", "label": "星途L7", "aliases": ["L7"]},
        {"slug": "xingtu-s5", "label": "星途S5 EV", "aliases": ["S5"]},
    ],
    "tags": [{"label": "续航", "aliases": ["续航里程"]}],
}

CONTRIBUTORS = {
    "alice": {"name": "阿丽", "tier": "leader", "city": "成都", "bio": "五年露营老手。",
              "private": {"real_name": "秘密真名甲", "phone": "13912345678", "wechat": "secret_wx_alice"}},
    "bob": {"name": "小博", "tier": "specialist", "city": "杭州"},
    "carol": {"name": "卡萝", "tier": "explorer"},
}


def work(title="标题", type="article", date="2026-01-10", contributors=("alice",), body="正文第一段。", **fields):
    fm = {"title": title, "type": type, "date": dt.date.fromisoformat(date), "contributors": list(contributors),
          "rights": fields.pop("rights", {"uses": ["training", "dealer_meeting"], "expires": None})}
    fm.update(fields)
    return fm, body


DEFAULT_WORKS = {
    "2026-camping-video": work("带娃露营两天一夜", "video", "2026-03-01", [{"id": "alice", "role": "拍摄剪辑"}, {"id": "bob", "role": "文案"}],
                               "第二排放平以后，孩子在车里睡得很香。\n\n## 装备\n\n帐篷和天幕都放进了后备箱。",
                               scenarios=["露营"], models=["L7"], tags=["续航里程", "后备箱"], featured=True,
                               evaluation={"score": 5, "highlights": "真实", "feedback": "内部意见甲", "reviewer": "运营-周"},
                               reuse=[{"date": dt.date(2026, 4, 1), "event": "华西区经销商大会", "audience": "经销商", "by": "市场部"}]),
    "2025-maintenance-article": work("首保全记录", "article", "2025-10-01", [{"id": "bob", "role": "文案"}],
                                     "首保花了四十分钟，机油滤芯一起换了。", scenarios=["保养"], models=["星途S5 EV"],
                                     rights={"uses": ["training"], "expires": dt.date(2027, 1, 1)}),
    "2026-family-qa": work("带两个孩子，第三排够用吗？", "qa", "2026-02-01", ["carol"], "问：第三排够用吗？\n\n答：短途足够。",
                           scenarios=["亲子游"], models=["L7"], rights={"uses": [], "expires": None}),
}


def write_library(root: Path, works=None, contributors=None, taxonomy=None, honors=None, collections=None) -> Path:
    """Write a project (content/, mkdocs.yml, site_templates/) into `root`."""
    content = root / "content"
    (content / "works").mkdir(parents=True, exist_ok=True)
    (content / "media").mkdir(exist_ok=True)
    dump = lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False)  # noqa: E731
    (content / "taxonomy.yml").write_text(dump(taxonomy if taxonomy is not None else TAXONOMY), encoding="utf-8")
    (content / "contributors.yml").write_text(dump(contributors if contributors is not None else CONTRIBUTORS), encoding="utf-8")
    if honors is not None:
        (content / "honors.yml").write_text(dump(honors), encoding="utf-8")
    for slug, data in (collections or {}).items():
        (content / "collections").mkdir(exist_ok=True)
        (content / "collections" / f"{slug}.yml").write_text(dump(data), encoding="utf-8")
    for wid, (fm, body) in (DEFAULT_WORKS if works is None else works).items():
        year = fm["date"].year if isinstance(fm.get("date"), dt.date) else 2026
        path = content / "works" / str(year) / f"{wid}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{dump(fm)}---\n{body}\n", encoding="utf-8")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    if not (root / "site_templates").exists():
        shutil.copytree(REPO / "site_templates", root / "site_templates")
    return root


def demo_frontmatter() -> dict[str, dict]:
    """Work id → frontmatter of every work of the demo library (content/works), parsed anew
    on each call (a test may change what it gets); by libyaml when PyYAML has it, as it is
    read by several modules at collection and in the fast tests."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return {path.stem: yaml.load(path.read_text(encoding="utf-8").split("---\n", 2)[1], Loader=loader)
            for path in sorted((REPO / "content" / "works").rglob("*.md"))}


@pytest.fixture
def project(tmp_path) -> Path:
    return write_library(tmp_path / "project")


def koc(*args: str, project: Path | None = None) -> int:
    from generator.cli import main

    base = ["--project", str(project)] if project else []
    return main([*base, *args])


def build(project: Path, *extra: str, as_of: str = AS_OF) -> Path:
    assert koc("build", "--as-of", as_of, *extra, project=project) == 0
    return project / "site"


def page(site: Path, url: str) -> BeautifulSoup:
    path = site / url.strip("/") / "index.html" if not url.endswith(".html") else site / url
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def site_files(site: Path):
    """(relative path, bytes) of every file of a built site; gzip files (Pagefind's
    bundle) decompressed and its word separators (U+200B) removed, so that a
    string hidden in a compressed index is found as well."""
    import gzip

    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            rel = path.relative_to(site).as_posix()
            if rel.startswith("pagefind/"):
                data = decode_pagefind_words(data)
            yield rel, data.replace("\u200b".encode(), b"")


def decode_pagefind_words(data: bytes) -> bytes:
    """The bundle stores each token as "x" + hex of its UTF-8 + "z", a vocabulary form as "y" +
    4 base-36 digits + hex + "z" (generator/search/bundle.py): decode them, so that a string
    hidden in the index is found as well."""
    import re

    def plain(m):
        try:
            return bytes.fromhex((m.group(1) or m.group(2)).decode())
        except ValueError:
            return m.group(0)

    return re.sub(rb"x((?:[0-9a-f]{2})+)z|y[0-9a-z]{4}((?:[0-9a-f]{2})+)z", plain, data)


def bundle_text(site: Path) -> str:
    """All text of the site's Pagefind bundle, decompressed."""
    return "".join(data.decode("utf-8", "replace") for rel, data in site_files(site) if rel.startswith("pagefind/"))


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """`demo_site(audience, directory_urls=True, as_of=MANIFEST_AS_OF, site_url=None)` → the demo
    library built as that edition, once per run whichever modules ask for it
    (tests/demo_build.py). Shared: a test that changes a site works on a copy."""
    from demo_build import MANIFEST_AS_OF, build_demo

    root = tmp_path_factory.mktemp("demo-sites")
    built: dict[tuple, Path] = {}

    def site(audience: str = "internal", directory_urls: bool = True, as_of: str = MANIFEST_AS_OF, site_url: str | None = None) -> Path:
        key = (audience, directory_urls, as_of, site_url)
        if key not in built:
            # One project per site_url (it is written in mkdocs.yml); its caches serve every build of it.
            project = root / (re.sub(r"\W+", "-", site_url).strip("-") if site_url else "plain")
            built[key] = build_demo(project, audience, directory_urls, as_of, site_url)
        return built[key]

    return site


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that answers a missing path with the site's 404.html, as nginx
    and caddy are configured to."""

    def log_message(self, *args) -> None:
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        data = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(site: Path) -> http.server.ThreadingHTTPServer:
    """A built site over HTTP on 127.0.0.1, on a free port; `shutdown()` it when done."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SiteHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="session")
def served():
    """`served(site)` → base URL (`http://127.0.0.1:<port>/`) of the site, served until the run ends."""
    servers: dict[Path, http.server.ThreadingHTTPServer] = {}

    def base(site: Path) -> str:
        if site not in servers:
            servers[site] = serve(site)
        return f"http://127.0.0.1:{servers[site].server_port}/"

    yield base
    for httpd in servers.values():
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, tests/chromium.py), one per test module: a module that
    drives Playwright itself (test_relevance) must not run inside another's session."""
    from chromium import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


# A test that builds a site, an index or a process (directly or through a fixture)
# is an end-to-end test: marked `slow`, so `pytest -m "not slow and not browser"`
# keeps only the fast unit tests. `make test` runs both.
_BUILDS = re.compile(r'\bbuild(?:_demo|_site)?\(|koc\("(?:build|export|serve|search)"|generate_site\(|subprocess\.|search_library\(|index_library\(|sync_page|chromium')


@functools.cache
def _builds(func) -> bool:
    try:
        return bool(_BUILDS.search(inspect.getsource(func)))
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("slow") or not hasattr(item, "function"):
            continue
        fixtures = getattr(item, "_fixtureinfo", None)
        funcs = [item.function] + [defs[-1].func for name, defs in (fixtures.name2fixturedefs.items() if fixtures else ())
                                   if defs and not name.startswith(("tmp", "capsys", "monkeypatch", "request"))]
        if any(_builds(f) for f in funcs):
            item.add_marker(pytest.mark.slow)
