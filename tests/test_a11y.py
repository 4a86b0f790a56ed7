"""Accessibility: axe-core (WCAG 2.1 A and AA) on every page kind of both editions of
the demo library, desktop and phone, in headless Chromium; keyboard paths through
the header search and the finder.

Run as a script to print the violations per page kind without asserting:

    .venv/bin/python tests/test_a11y.py site/ site-dealer/
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
AS_OF = "2026-11-22"  # the demo has a work whose rights end within 30 days of this date, in both editions
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# One page of each kind in the demo library (present in both editions at AS_OF).
PAGES = {
    "home": "",
    "work": "works/2024-t8-snow-mountain-video/",
    "work (rights ending)": "works/2026-l7-delivery-ceremony-photo/",
    "stub": "works/2025-x3-changshou-lake-fishing-photo/",
    "works index": "works/",
    "year archive": "archive/2025/",
    "tags": "tags/",
    "tag": "tags/di-er-pai/",
    "scenarios": "scenarios/",
    "scenario": "scenarios/camping/",
    "models": "models/",
    "model": "models/xingtu-l7/",
    "contributors": "contributors/",
    "contributor": "contributors/chen-mo/",
    "collections": "collections/",
    "collection": "collections/dealer-family-trips/",
    "training": "training/",
    "dealer meetings": "dealer-meetings/",
    "hall of fame": "hall-of-fame/",
    "finder": "finder/",
    "finder with query": "finder/?q=露营&type=video",
    "header search open": "",
    "guide": "guide/",
    "about": "about/",
    "404": "no/such/page/",
}


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
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SiteHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def open_kind(page, base: str, kind: str) -> None:
    """Load the page of `kind` and bring it to the state that is audited."""
    page.goto(base + PAGES[kind])
    if kind.startswith("finder"):
        page.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=15000)
    if kind == "header search open":
        if page.is_visible(".koc-search__toggle"):
            page.click(".koc-search__toggle")
        page.fill(".koc-search__input", "露营")
        page.wait_for_selector(".koc-search__hit", timeout=15000)


def audit(page) -> list[dict]:
    """axe-core's violations of the WCAG 2.1 A/AA rules and of best practice on the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": [*WCAG, "best-practice"]}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def is_wcag(violation: dict) -> bool:
    return bool(set(violation["tags"]) & set(WCAG))


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if is_wcag(v) and v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


# -- the tests -----------------------------------------------------------------


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """The demo library built as both editions with real MkDocs, each served over HTTP."""
    from conftest import REPO, koc

    out = tmp_path_factory.mktemp("a11y")
    servers = {}
    for audience in ("internal", "dealer"):
        site = out / audience
        assert koc("build", "--as-of", AS_OF, "--audience", audience, "--site-dir", str(site), project=REPO) == 0
        servers[audience] = serve(site)
    yield {a: f"http://127.0.0.1:{s.server_port}/" for a, s in servers.items()}
    for s in servers.values():
        s.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("audience", ["internal", "dealer"])
def test_no_serious_axe_violation_on_any_page_kind(browser, editions, audience, viewport):
    page = browser.new_page(viewport=VIEWPORTS[viewport], color_scheme="light")
    found = {}
    for kind in PAGES:
        open_kind(page, editions[audience], kind)
        bad = serious(audit(page))
        if bad:
            found[kind] = describe(bad)
    page.close()
    assert not found, "\n".join(f"[{kind}]\n{text}" for kind, text in found.items())


# -- a table of violations, for the record ---------------------------------------


def report(sites: list[str]) -> None:
    """Print violations per page kind and rule (nodes affected), serious/critical and moderate apart."""
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for site in sites:
            httpd = serve(Path(site))
            base = f"http://127.0.0.1:{httpd.server_port}/"
            for viewport, size in VIEWPORTS.items():
                page = b.new_page(viewport=size, color_scheme="light")
                print(f"\n## {site} · {viewport}\n")
                print("| page | serious/critical (WCAG) | other |\n|---|---|---|")
                for kind in PAGES:
                    open_kind(page, base, kind)
                    found = audit(page)
                    bad = Counter({v["id"]: len(v["nodes"]) for v in serious(found)})
                    rest = Counter({f"{v['id']} ({v['impact']})": len(v["nodes"]) for v in found if v not in serious(found)})
                    fmt = lambda c: ", ".join(f"{k} {n}" for k, n in sorted(c.items())) or "–"  # noqa: E731
                    print(f"| {kind} | {fmt(bad)} | {fmt(rest)} |", flush=True)
                page.close()
            httpd.shutdown()
        b.close()


if __name__ == "__main__":
    report(sys.argv[1:])
