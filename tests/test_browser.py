"""Browser tests: the built site in headless Chromium (Debian's package) via Playwright.

Skipped, with the reason printed, when /usr/bin/chromium is missing; `.ci/run`
installs it. Never `playwright install`: browsers cannot be downloaded here.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import CONTRIBUTORS, build, work, write_library

from chromium import CHROMIUM  # noqa: E402
if not CHROMIUM.exists():
    pytest.skip("browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium)", allow_module_level=True)


pytestmark = [pytest.mark.browser, pytest.mark.slow]
DEALER = {"uses": ["training", "dealer_meeting"], "expires": None}

WORKS = {
    "camp-video": work("带娃露营两天一夜", "video", "2026-03-01", ["alice"], "第二排放平以后，孩子在车里睡得很香。营地旁边有一棵蓝鲸形状的老樟树。",
                       scenarios=["亲子游", "露营"], models=["L7"], rights=DEALER, evaluation={"score": 5}),
    "family-video": work("周末去外婆家", "video", "2026-02-01", ["bob"], "高速上孩子一直在看窗外的风车。",
                         scenarios=["亲子游"], models=["S5"], rights=DEALER, evaluation={"score": 3}),
    "family-photo": work("亲子游图集", "photo", "2025-10-01", ["carol"], "十二张照片记录了一个周末。", scenarios=["亲子游"], rights=DEALER),
    "camp-article": work("露营装备清单", "article", "2025-05-01", ["alice", "bob"], "帐篷、天幕、折叠桌。", scenarios=["露营"], rights=DEALER),
    "service": work("首保全记录", "article", "2025-09-01", ["bob"], "机油滤芯一起换了。", scenarios=["保养"], models=["S5"],
                    rights={"uses": ["training"], "expires": dt.date(2026, 6, 20)}),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(write_library(tmp_path_factory.mktemp("browser") / "p", works=WORKS, contributors=CONTRIBUTORS))


@pytest.fixture(scope="module")
def server(site, served):
    return served(site)


@pytest.fixture
def pg(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside, errors = [], []
    page.on("request", lambda r: None if urlsplit(r.url).hostname == "127.0.0.1" else outside.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    page.close()
    assert not outside, f"requests left the site: {outside}"
    assert not errors, errors


def finder_ready(pg):
    pg.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=45000)


def checked(pg, facet):
    """Values ticked in one finder filter."""
    return [e.get_attribute("value") for e in pg.query_selector_all(f".koc-finder__options input[name={facet}]:checked")]


def option_counts(pg, facet):
    """Value → label with count, of one finder filter's options."""
    return {e.query_selector("input").get_attribute("value"): e.text_content().strip()
            for e in pg.query_selector_all(f"[data-facet={facet}] .koc-finder__options label")}


def tick(pg, facet, value):
    pg.click(f"[data-facet={facet}] > summary")
    pg.check(f".koc-finder__options input[name={facet}][value='{value}']")


def test_header_search_finds_a_word_only_in_a_body(pg, server):
    pg.goto(server)
    pg.fill(".koc-search__input", "老樟树")
    pg.wait_for_selector(".koc-search__hit", timeout=45000)
    titles = [e.inner_text() for e in pg.query_selector_all(".koc-search__title")]
    assert titles == ["带娃露营两天一夜"]
    assert "<mark>" in pg.inner_html(".koc-search__excerpt")
    pg.click(".koc-search__hit")
    pg.wait_for_url("**/works/camp-video/")


def test_finder_url_filters_show_exactly_the_matching_works_and_counts(pg, server):
    pg.goto(server + "finder/?scenario=family-weekend&type=video")
    finder_ready(pg)
    titles = sorted(e.inner_text() for e in pg.query_selector_all(".koc-finder__results .koc-card-title"))
    assert titles == ["周末去外婆家", "带娃露营两天一夜"]
    assert pg.inner_text(".koc-finder__status") == "共 2 件作品"
    assert not pg.is_visible(".koc-finder__more")  # every result is already shown
    assert checked(pg, "scenario") == ["family-weekend"] and checked(pg, "type") == ["video"]
    # Type counts ignore the type choice itself: within 周末亲子出游 there are 2 videos and 1 photo set.
    options = option_counts(pg, "type")
    assert options["video"].endswith("（2）") and options["photo"].endswith("（1）") and "article" not in options
    # Scenario counts under type=video: 2 family trips, 1 camping.
    options = option_counts(pg, "scenario")
    assert options["family-weekend"].endswith("（2）") and options["camping"].endswith("（1）")


def test_changing_a_filter_updates_the_url_and_reload_restores_it(pg, server):
    pg.goto(server + "finder/")
    finder_ready(pg)
    assert pg.inner_text(".koc-finder__status") == "共 5 件作品"
    tick(pg, "scenario", "camping")
    pg.wait_for_function("location.search.includes('scenario=camping')")
    pg.wait_for_function("document.querySelector('.koc-finder__status').innerText === '共 2 件作品'")
    pg.select_option("select[name=sort]", "score")
    pg.wait_for_function("location.search.includes('sort=score')")
    pg.fill(".koc-finder__q", "帐篷")
    pg.wait_for_function("location.search.includes('q=')")
    query = parse_qs(urlsplit(pg.url).query)
    assert query == {"scenario": ["camping"], "sort": ["score"], "q": ["帐篷"]}
    pg.wait_for_function("document.querySelector('.koc-finder__status').innerText === '共 1 件作品'")
    pg.reload()
    finder_ready(pg)
    assert checked(pg, "scenario") == ["camping"]
    assert pg.input_value("select[name=sort]") == "score"
    assert pg.input_value(".koc-finder__q") == "帐篷"
    assert [e.inner_text() for e in pg.query_selector_all(".koc-finder__results .koc-card-title")] == ["露营装备清单"]


def test_finder_sorts_by_score_and_warns_of_expiring_rights(pg, server):
    pg.goto(server + "finder/?scenario=family-weekend&sort=score")
    finder_ready(pg)
    titles = [e.inner_text() for e in pg.query_selector_all(".koc-finder__results .koc-card-title")]
    assert titles[:2] == ["带娃露营两天一夜", "周末去外婆家"]
    pg.goto(server + "finder/?scenario=maintenance")
    finder_ready(pg)
    assert "授权 19 天后到期" in pg.inner_text(".koc-finder__results")


def test_first_results_transfer_little(browser, server):
    page = browser.new_page()
    sizes, urls = [], []
    page.on("requestfinished", lambda r: (sizes.append(r.sizes()["responseBodySize"]), urls.append(r.url)))
    start = time.monotonic()
    page.goto(server + "finder/?type=video")
    finder_ready(page)
    elapsed = time.monotonic() - start
    page.close()
    assert sum(sizes) < 1_000_000, sum(sizes)
    # Filters alone are answered from finder/data/, never from Pagefind's whole word index.
    assert not [u for u in urls if "/pagefind/" in u], urls
    assert any(u.endswith("finder/data/facets.json") for u in urls)
    assert elapsed < 10  # generous: a sanity bound, the real figure is in bench/


def test_a_filter_only_visit_fetches_the_data_of_its_values_not_the_whole_facet_data(pg, server):
    urls = []
    pg.on("requestfinished", lambda r: urls.append(r.url))
    pg.goto(server + "finder/?type=video&scenario=family-weekend")
    finder_ready(pg)
    data = sorted(u.split("/finder/data/", 1)[1] for u in urls if "/finder/data/" in u)
    # The facet list and counts without filters, the two chosen values' works and counts, one card file.
    assert data == ["cards-0.json", "facets.json", "scenario/family-weekend.json", "type/video.json"], data
    # Model counts under both filters need every model's works: fetched only once that list is opened.
    assert not any(option.endswith("）") for option in option_counts(pg, "model").values())
    pg.click("[data-facet=model] > summary")
    pg.wait_for_function("[...document.querySelectorAll('[data-facet=model] .koc-finder__count')].length === 2")
    assert any(u.endswith("finder/data/model/all.json") for u in urls)
    # Within 周末亲子出游 videos: one on the L7, one on the S5.
    assert option_counts(pg, "model") == {"xingtu-l7": "星途L7（1）", "xingtu-s5": "星途S5 EV（1）"}


def test_phone_width_header_search(browser, server):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server)
    page.click(".koc-search__toggle")
    page.fill(".koc-search__input", "风车")
    page.wait_for_selector(".koc-search__hit", timeout=45000)
    assert page.inner_text(".koc-search__title") == "周末去外婆家"
    # The open box lies over Material's header buttons (menu icon), so taps reach the input.
    assert page.evaluate("""() => { const r = document.querySelector('.koc-search__input').getBoundingClientRect();
        return document.elementFromPoint(r.x + 12, r.y + r.height / 2).classList.contains('koc-search__input'); }""")
    page.close()


def test_finder_filters_take_several_values_by_keyboard(pg, server):
    pg.goto(server + "finder/")
    finder_ready(pg)
    pg.focus("[data-facet=scenario] > summary")
    pg.keyboard.press("Enter")
    pg.keyboard.press("Tab")
    first = pg.evaluate("document.activeElement.value")
    pg.keyboard.press("Space")
    pg.wait_for_function(f"location.search.includes('scenario={first}')")
    finder_ready(pg)
    # The list is redrawn with new counts; the keyboard stays on the box just ticked.
    pg.wait_for_function(f"document.activeElement.value === '{first}' && document.activeElement.checked")
    pg.keyboard.press("Tab")
    second = pg.evaluate("document.activeElement.value")
    pg.keyboard.press("Space")
    pg.wait_for_function(f"new URLSearchParams(location.search).get('scenario') === '{first},{second}'")
    pg.keyboard.press("Escape")
    assert pg.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert not pg.get_attribute("[data-facet=scenario]", "open")
    # OR within the filter: the works of either scenario.
    expected = {"family-weekend": {"带娃露营两天一夜", "周末去外婆家", "亲子游图集"}, "camping": {"带娃露营两天一夜", "露营装备清单"},
                "maintenance": {"首保全记录"}}
    want = expected[first] | expected[second]
    pg.wait_for_function(f"document.querySelector('.koc-finder__status').innerText === '共 {len(want)} 件作品'")
    assert {e.inner_text() for e in pg.query_selector_all(".koc-finder__results .koc-card-title")} == want


def test_words_with_several_values_and_a_meeting_date(pg, server):
    # With words, Pagefind answers: OR within a filter there too.
    pg.goto(server + "finder/?q=孩子&scenario=camping,maintenance")
    finder_ready(pg)
    assert [e.inner_text() for e in pg.query_selector_all(".koc-finder__results .koc-card-title")] == ["带娃露营两天一夜"]
    pg.goto(server + "finder/?q=孩子&scenario=camping,family-weekend")
    finder_ready(pg)
    assert sorted(e.inner_text() for e in pg.query_selector_all(".koc-finder__results .koc-card-title")) == ["周末去外婆家", "带娃露营两天一夜"]
    # 首保全记录's rights end on 2026-06-20: a meeting on 2026-07-01 leaves it out, with words or without.
    for url in ("finder/?q=机油", "finder/?scenario=maintenance"):
        pg.goto(server + url)
        finder_ready(pg)
        assert pg.inner_text(".koc-finder__status") == "共 1 件作品"
        pg.goto(server + url + "&meeting=2026-07-01")
        finder_ready(pg)
        assert pg.inner_text(".koc-finder__status").startswith("没有符合条件的作品")
        assert pg.input_value("[name=meeting]") == "2026-07-01"
        pg.goto(server + url + "&meeting=2026-06-20")
        finder_ready(pg)
        assert pg.inner_text(".koc-finder__status").startswith("共 1 件作品")
