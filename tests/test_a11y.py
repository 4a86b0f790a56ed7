"""Accessibility: axe-core (WCAG 2.1 A and AA) on every page kind of both editions of
the demo library, desktop and phone, in headless Chromium; keyboard paths through
the header search and the finder; the 404 page; table layout at 1280 px.

Run as a script to print the violations per page kind without asserting:

    .venv/bin/python tests/test_a11y.py site/ site-dealer/
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from chromium import ARGS, CHROMIUM  # noqa: E402
from conftest import serve  # noqa: E402
if not CHROMIUM.exists():
    pytest.skip("browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
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
    "finder, several values and a meeting date": "finder/?scenario=camping,winter-driving&meeting=2026-12-01",
    "kit": "kit/?works=2024-t8-snow-mountain-video,2026-l7-delivery-ceremony-photo&date=2027-12-01&title=年度经销商大会",
    "empty kit": "kit/",
    "header search open": "",
    "guide": "guide/",
    "about": "about/",
    "tasks": "tasks/",
    "task": "tasks/family-weekend-l7-video/",
    "insights": "insights/",
    "dashboard": "dashboard/",
    "404": "no/such/page/",
}
INTERNAL_ONLY = {"guide", "insights", "dashboard"}  # pages the dealer edition does not publish


def kinds(audience: str) -> list[str]:
    return [k for k in PAGES if audience == "internal" or k not in INTERNAL_ONLY]


def open_kind(page, base: str, kind: str) -> None:
    """Load the page of `kind` and bring it to the state that is audited."""
    response = page.goto(base + PAGES[kind])
    # Every kind but the 404 must exist, or its audit would only check the 404 page again.
    assert response.status == (404 if kind == "404" else 200), f"{kind}: {PAGES[kind]} gave {response.status}"
    if kind.startswith("finder"):
        page.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=45000)
    if kind == "finder, several values and a meeting date":
        page.click("[data-facet=scenario] > summary")  # the open list of checkboxes is audited too
    if kind.endswith("kit"):
        page.wait_for_function("document.getElementById('koc-kit').dataset.count !== undefined", timeout=45000)
    if kind == "header search open":
        if page.is_visible(".koc-search__toggle"):
            page.click(".koc-search__toggle")
        page.fill(".koc-search__input", "露营")
        page.wait_for_selector(".koc-search__hit", timeout=45000)


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
def editions(demo_site, served):
    """The demo library built as both editions with real MkDocs, each served over HTTP."""
    return {audience: served(demo_site(audience, as_of=AS_OF)) for audience in ("internal", "dealer")}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("audience", ["internal", "dealer"])
def test_no_serious_axe_violation_on_any_page_kind(browser, editions, audience, viewport):
    page = browser.new_page(viewport=VIEWPORTS[viewport], color_scheme="light")
    found = {}
    for kind in kinds(audience):
        open_kind(page, editions[audience], kind)
        bad = serious(audit(page))
        if bad:
            found[kind] = describe(bad)
    page.close()
    assert not found, "\n".join(f"[{kind}]\n{text}" for kind, text in found.items())


@pytest.fixture
def pg(browser):
    """A desktop page that fails the test on a script error or a request leaving the site."""
    page = browser.new_page(viewport=VIEWPORTS["desktop"], color_scheme="light")
    errors, outside = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith("http://127.0.0.1:") else outside.append(r.url))
    yield page
    page.close()
    assert not errors, errors
    assert not outside, outside


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab from the top of the page until `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus with Tab")


def focus_is_visible(page) -> bool:
    return page.evaluate("""() => { const e = document.activeElement, st = getComputedStyle(e);
        return e.matches(':focus-visible') && st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2; }""")


def active(page, prop: str):
    return page.evaluate(f"document.activeElement.{prop}")


def focused(page, selector: str) -> bool:
    return page.evaluate("(s) => document.activeElement.matches(s)", selector)


def test_header_search_by_keyboard_alone(pg, editions):
    pg.goto(editions["internal"])
    tab_to(pg, ".koc-search__input")
    assert focus_is_visible(pg)
    pg.keyboard.type("露营")
    pg.wait_for_selector(".koc-search__hit", timeout=45000)
    hits = pg.query_selector_all(".koc-search__hit")
    total = int(re.search(r"找到 (\d+) 件作品", pg.inner_text(".koc-search__status")).group(1))
    assert total >= len(hits) >= 2
    pg.keyboard.press("ArrowDown")
    assert focused(pg, ".koc-search__hit") and focus_is_visible(pg)
    first = active(pg, "href")
    pg.keyboard.press("ArrowDown")
    assert active(pg, "href") == hits[1].evaluate("a => a.href") != first
    pg.keyboard.press("ArrowUp")
    pg.keyboard.press("ArrowUp")
    assert focused(pg, ".koc-search__input")
    pg.keyboard.press("Escape")
    assert not pg.is_visible(".koc-search__results") and focused(pg, ".koc-search__input")
    pg.keyboard.press("ArrowDown")  # the results were closed: the focus stays in the box
    assert focused(pg, ".koc-search__input")
    pg.keyboard.type("营")
    pg.wait_for_selector(".koc-search__hit", timeout=45000)
    pg.keyboard.press("ArrowDown")
    target = active(pg, "href")
    pg.keyboard.press("Enter")
    pg.wait_for_url(target)
    assert "/works/" in pg.url


def test_phone_search_opens_and_closes_by_keyboard(browser, editions):
    page = browser.new_page(viewport=VIEWPORTS["phone"], color_scheme="light")
    page.goto(editions["dealer"])
    tab_to(page, ".koc-search__toggle")
    page.keyboard.press("Enter")
    assert page.get_attribute(".koc-search__toggle", "aria-expanded") == "true"
    assert focused(page, ".koc-search__input")
    page.keyboard.type("露营")
    page.wait_for_selector(".koc-search__hit", timeout=45000)
    page.keyboard.press("Escape")  # closes the results
    assert page.is_visible(".koc-search__input") and not page.is_visible(".koc-search__results")
    page.keyboard.press("Escape")  # closes the box, back to the button that opened it
    assert not page.is_visible(".koc-search__input")
    assert page.get_attribute(".koc-search__toggle", "aria-expanded") == "false"
    assert focused(page, ".koc-search__toggle")
    page.close()


def test_finder_by_keyboard_announces_counts_and_filters(pg, editions):
    pg.goto(editions["internal"] + "finder/")
    pg.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=45000)
    announce = ".koc-finder__announce"
    assert pg.get_attribute(announce, "role") == "status" and pg.get_attribute(announce, "aria-live") == "polite"
    all_works = int(pg.get_attribute("#koc-finder", "data-total"))
    assert pg.inner_text(announce) == f"共 {all_works} 件作品。"
    tab_to(pg, ".koc-finder__q")
    assert focus_is_visible(pg)
    pg.keyboard.type("露营")
    pg.wait_for_function("document.querySelector('.koc-finder__announce').textContent.includes('露营')", timeout=45000)
    n = int(pg.get_attribute("#koc-finder", "data-total"))
    assert pg.inner_text(announce) == f"共 {n} 件作品：关键词“露营”。" and 0 < n < all_works
    pg.keyboard.press("Tab")  # the first filter: 类型, a list of checkboxes behind its button
    assert focused(pg, "[data-facet=type] > summary") and focus_is_visible(pg)
    pg.keyboard.press("Enter")
    pg.keyboard.press("Tab")
    assert active(pg, "name") == "type" and focus_is_visible(pg)
    pg.keyboard.press("Space")
    value = active(pg, "value")
    label = pg.evaluate("() => document.activeElement.parentElement.textContent.replace(/（.*/, '').trim()")
    pg.wait_for_function("(l) => document.querySelector('.koc-finder__announce').textContent.includes('类型 ' + l)", arg=label, timeout=45000)
    assert f"type={value}" in pg.url
    m = int(pg.get_attribute("#koc-finder", "data-total"))
    assert pg.inner_text(announce) == f"共 {m} 件作品：关键词“露营”，类型 {label}。"
    assert len(pg.query_selector_all(".koc-finder__results .koc-card")) == min(m, 12)


def test_finder_show_more_moves_the_focus_to_the_new_cards(pg, editions):
    pg.goto(editions["internal"] + "finder/")
    pg.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=45000)
    total = int(pg.get_attribute("#koc-finder", "data-total"))
    assert total > 12
    pg.focus(".koc-finder__more")
    pg.keyboard.press("Enter")
    pg.wait_for_function("document.activeElement.closest('.koc-card') !== null", timeout=45000)
    cards = pg.query_selector_all(".koc-finder__results .koc-card")
    assert len(cards) == min(total, 24)
    assert active(pg, "href") == cards[12].query_selector(".koc-card-title a").evaluate("a => a.href")
    assert pg.inner_text(".koc-finder__announce") == f"已显示 {len(cards)} / {total} 件作品。"
    # The cover repeats the title link: it is named by the title but skipped by Tab.
    cover = cards[0].query_selector(".koc-cover")
    if cover:
        assert cover.get_attribute("tabindex") == "-1"
        assert cover.query_selector("img").get_attribute("alt") == cards[0].query_selector(".koc-card-title").inner_text()


@pytest.mark.parametrize("audience", ["internal", "dealer"])
def test_404_page_is_chinese_and_its_searches_work_at_any_depth(pg, editions, audience):
    base = editions[audience]
    response = pg.goto(base + "a/b/c/no-such-work/")
    assert response.status == 404
    assert pg.inner_text("h1") == "页面不存在" and "Not found" not in pg.content()
    assert pg.title().startswith("页面不存在")
    line = "有些作品只在内部版中提供"
    assert (line in pg.inner_text("article")) == (audience == "dealer")
    # The header search (its base was "//": "Invalid URL") finds works from here.
    pg.fill(".koc-search__input", "露营")
    pg.wait_for_selector(".koc-search__hit", timeout=45000)
    href = pg.get_attribute(".koc-search__hit", "href")
    assert pg.evaluate("(h) => new URL(h, location.href).pathname", href).startswith("/works/")
    # The page's own search box opens the case finder with the words.
    pg.fill("#koc-notfound-q", "露营")
    pg.press("#koc-notfound-q", "Enter")
    pg.wait_for_url("**/finder/?q=*")
    pg.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=45000)
    assert int(pg.get_attribute("#koc-finder", "data-total")) > 0


@pytest.mark.parametrize("audience", ["internal", "dealer"])
def test_hub_tables_keep_dates_and_types_on_one_line_at_1280(pg, editions, audience):
    for hub in ("training/", "dealer-meetings/"):
        pg.goto(editions[audience] + hub)
        lines = pg.evaluate("""() => [...document.querySelectorAll('table.koc-table tr')].map((tr) => [1, 2].map((i) => {
            const cell = tr.children[i], range = document.createRange();
            range.selectNodeContents(cell);
            return [cell.textContent, new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size];
        })).flat()""")
        assert len(lines) > 10, hub
        wrapped = [text for text, n in lines if n != 1]
        assert not wrapped, f"{hub}: wrapped onto several lines: {wrapped[:5]}"


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
                    if kind in INTERNAL_ONLY and not (Path(site) / "guide").exists():
                        continue
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
