"""Search on a real whoosh index: Chinese analysis, facets, filters, editions,
related works, collections, and incremental updates."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import build, koc, page, work, write_library
from generator.options import Options
from generator.search.index import index_exists, open_index
from generator.search.results import search_library

pytestmark = pytest.mark.slow  # builds whoosh indexes (and some sites) per test

AS_OF = dt.date(2026, 6, 1)

WORKS = {
    "isofix": work("安全座椅怎么装", "article", "2026-01-05", ["alice"], "后排的ISOFIX接口藏在坐垫缝里，摸到两个金属扣就对了。",
                   scenarios=["亲子游"], models=["L7"], tags=["安全座椅", "后排"], rights={"uses": ["training", "dealer_meeting"], "expires": None},
                   evaluation={"score": 4}),
    "ota": work("车机OTA升级实测", "review", "2026-02-10", ["bob"], "这次OTA升级以后，语音助手反应快了不少，导航也更准。",
                models=["S5"], tags=["车机"], rights={"uses": ["training"], "expires": None}, evaluation={"score": 5}),
    "camp": work("带娃露营两天一夜", "video", "2026-03-01", ["alice", "bob"], "第二排放平以后，孩子在车里睡得很香。后排空间足够两个孩子躺下。",
                 scenarios=["露营", "亲子游"], models=["L7"], tags=["后排", "露营装备"], rights={"uses": ["training", "dealer_meeting"], "expires": None}),
    "camp2": work("雨天露营的车内收纳", "photo", "2025-09-01", ["carol"], "下雨天在车里收纳湿衣服，后排脚垫铺上防水布。",
                  scenarios=["露营"], models=["L7"], tags=["露营装备"], rights={"uses": ["dealer_meeting"], "expires": None}),
    "expired": work("过期的露营故事", "story", "2024-05-01", ["carol"], "独一无二的过期词汇蓝鲸座椅，后排露营。",
                    scenarios=["露营"], tags=["后排"], rights={"uses": ["training", "dealer_meeting"], "expires": dt.date(2025, 1, 1)}),
    "withdrawn": work("撤回的作品", "article", "2025-05-01", ["carol"], "独一无二的撤回词汇白鹭座椅，后排露营。", status="withdrawn", scenarios=["露营"]),
    "draft": work("草稿作品", "article", "2026-05-01", ["carol"], "独一无二的草稿词汇灰鹤座椅，后排露营。", status="draft", scenarios=["露营"]),
    "internal-only": work("仅内部的测评", "review", "2026-04-01", ["bob"], "独一无二的内部词汇海燕座椅，后排露营。",
                          scenarios=["露营"], rights={"uses": ["training"], "expires": None}),
}


@pytest.fixture
def lib(tmp_path):
    return write_library(tmp_path / "p", works=WORKS, collections={
        "camping": {"title": "露营案例", "audience": "dealer_meeting", "query": "scenario:露营 AND use:dealer_meeting", "sort": "date", "limit": 10},
        "best": {"title": "高分", "audience": "training", "query": "score:[4 TO]", "sort": "score", "limit": 1},
    })


def run(project, text="", audience="internal", **filters):
    opts = Options(project_dir=project, as_of=AS_OF, audience=__import__("generator.model", fromlist=["Audience"]).Audience(audience)).resolve()
    return search_library(opts, text, filters, limit=50)


def ids(result):
    return [r["id"] for r in result["results"]]


def test_body_only_word_finds_its_work(lib):
    assert ids(run(lib, "金属扣")) == ["isofix"]
    assert ids(run(lib, "语音助手")) == ["ota"]


def test_mixed_chinese_and_latin_parts_are_each_findable(lib):
    for q in ("ISOFIX", "isofix", "接口", "ISOFIX接口"):
        assert ids(run(lib, q)) == ["isofix"], q
    for q in ("OTA", "升级", "OTA升级"):
        assert ids(run(lib, q)) == ["ota"], q


def test_word_a_segmenter_would_cut_differently_is_still_found(lib):
    # a segmenter reads 第二排放平 as 第二/排放/平; a dealer types 第二排.
    assert ids(run(lib, "第二排")) == ["camp"]


def test_index_holds_every_bigram_and_no_segmenter_words():
    from generator.search.analysis import Analyzer, SearchVocabulary

    tokens = Analyzer(SearchVocabulary([])).text_tokens("在第二排放平")
    # the bigrams of a run stand side by side, so a query word is a phrase of them;
    # no query is cut into a segmenter's words, so none is indexed
    assert tokens == ["在第", "第二", "二排", "排放", "放平"]


def test_title_match_ranks_first(lib):
    # camp and camp2 have 露营 in the title; internal-only only in its body.
    assert ids(run(lib, "露营"))[-1] == "internal-only"
    assert set(ids(run(lib, "露营"))) == {"camp", "camp2", "internal-only"}


def test_facets_count_every_match(lib):
    result = run(lib, "后排")
    assert set(ids(result)) == {"isofix", "camp", "camp2", "internal-only"}
    facets = result["facets"]
    assert facets["type"] == {"article": 1, "photo": 1, "review": 1, "video": 1}
    assert facets["scenario"] == {"camping": 3, "family-weekend": 2}
    assert facets["model"] == {"xingtu-l7": 3}
    assert facets["contributor"] == {"alice": 2, "bob": 2, "carol": 1}
    assert facets["use"] == {"dealer_meeting": 3, "training": 3}


def test_filters_combine_and_accept_labels(lib):
    assert sorted(ids(run(lib, "", scenario="露营"))) == ["camp", "camp2", "internal-only"]
    assert ids(run(lib, "", scenario="露营", type="video")) == ["camp"]
    assert sorted(ids(run(lib, "后排", scenario="亲子游", use="dealer_meeting", model="星途L7"))) == ["camp", "isofix"]
    assert ids(run(lib, "后排", scenario="亲子游", use="dealer_meeting", type="video")) == ["camp"]
    assert ids(run(lib, "", contributor="carol")) == ["camp2"]
    assert ids(run(lib, "", year="2025")) == ["camp2"]
    assert ids(run(lib, "type:review AND score:[5 TO]")) == ["ota"]
    with pytest.raises(ValueError):
        run(lib, "", scenario="火星")


@pytest.mark.parametrize("word", ["蓝鲸座椅", "白鹭座椅", "灰鹤座椅"])
def test_expired_withdrawn_and_draft_works_are_never_returned(lib, word):
    assert ids(run(lib, word)) == []
    assert ids(run(lib, word, audience="dealer")) == []


def test_dealer_edition_index_holds_only_dealer_works(lib):
    assert ids(run(lib, "海燕座椅")) == ["internal-only"]
    assert ids(run(lib, "海燕座椅", audience="dealer")) == []
    assert sorted(ids(run(lib, "", audience="dealer"))) == ["camp", "camp2", "isofix"]


def test_related_works_obey_their_rules(lib):
    site = build(lib, as_of="2026-06-01")
    for wid in ("isofix", "ota", "camp", "camp2", "internal-only"):
        soup = page(site, f"works/{wid}/")
        related = [a["href"].split("/")[-2] for a in soup.select("h2#related ~ .koc-cards .koc-card-title a")]
        assert wid not in related
        assert not set(related) & {"expired", "withdrawn", "draft"}
        assert len(related) <= 5
    camp = [a["href"].split("/")[-2] for a in page(site, "works/camp/").select(".koc-card-title a")]
    assert "camp2" in camp[:2]  # shares scenario, model, tag and words
    build(lib, "--audience", "dealer", "--site-dir", str(lib / "site-dealer"), as_of="2026-06-01")
    dealer = lib / "site-dealer"
    camp_dealer = [a["href"].split("/")[-2] for a in page(dealer, "works/camp/").select(".koc-card-title a")]
    assert "internal-only" not in camp_dealer and camp_dealer
    # Deterministic: a fresh index gives the same related lists.
    import shutil
    shutil.rmtree(lib / ".cache")
    again = build(lib, as_of="2026-06-01")
    assert [a["href"].split("/")[-2] for a in page(again, "works/camp/").select(".koc-card-title a")] == camp


def test_collection_page_lists_exactly_its_query(lib):
    site = build(lib, as_of="2026-06-01")
    listed = [a["href"].split("/")[-2] for a in page(site, "collections/camping/").select(".koc-card-title a")]
    assert listed == ["camp", "camp2"]  # by date, newest first; expired and view-only excluded
    best = [a["href"].split("/")[-2] for a in page(site, "collections/best/").select(".koc-card-title a")]
    assert best == ["ota"]  # score 5 beats 4; limit 1
    hub = page(site, "dealer-meetings/")
    assert hub.select_one("a[href='../collections/camping/']") and not hub.select_one("a[href='../collections/best/']")


def test_incremental_update_reindexes_only_the_changed_work(lib):
    from generator.pages.site import generate_site

    opts = Options(project_dir=lib, as_of=AS_OF).resolve()
    assert generate_site(opts).index_report.skipped  # no index yet: a build leaves the first to koc search
    assert not index_exists(opts.cache_dir, opts.audience)
    assert ids(run(lib, "导航")) == ["ota"]  # which writes it
    with open_index(opts.cache_dir, opts.audience).searcher() as searcher:
        assert sorted(f["id"] for f in searcher.all_stored_fields()) == ["camp", "camp2", "internal-only", "isofix", "ota"]
    report = generate_site(opts).index_report  # and each build keeps it up to date
    assert report.added == [] and report.unchanged == 5 and not report.skipped
    path = lib / "content/works/2026/ota.md"
    path.write_text(path.read_text(encoding="utf-8").replace("导航也更准", "导航也更准，续航显示更稳"), encoding="utf-8")
    report = generate_site(opts).index_report
    assert report.added == ["ota"] and report.deleted == ["ota"] and report.unchanged == 4
    assert ids(run(lib, "续航显示")) == ["ota"]
    # A work whose rights lapse leaves the index on the next build.
    later = Options(project_dir=lib, as_of=dt.date(2030, 1, 1)).resolve()
    assert generate_site(later).index_report.deleted == []  # nothing expires: expiries are null or past already
    path.write_text(path.read_text(encoding="utf-8").replace("expires: null", "expires: 2027-01-01"), encoding="utf-8")
    report = generate_site(later).index_report
    assert report.deleted == ["ota"] and report.added == []


def test_schema_version_change_rebuilds_the_index(lib, monkeypatch):
    from generator.search import index as search_index
    from generator.pages.site import generate_site

    opts = Options(project_dir=lib, as_of=AS_OF).resolve()
    run(lib, "导航")  # the first index
    monkeypatch.setattr(search_index, "SCHEMA_VERSION", search_index.SCHEMA_VERSION + 1)
    assert len(generate_site(opts).index_report.added) == 5


def test_koc_search_json_and_bad_query(lib, capsys):
    assert koc("search", "后排", "--scenario", "露营", "--json", "--as-of", "2026-06-01", project=lib) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"query", "filters", "sort", "total", "results", "facets", "labels"}
    assert data["total"] == len(data["results"]) == 3
    row = next(r for r in data["results"] if r["id"] == "camp")
    assert row["contributors"][0] == {"id": "alice", "name": "阿丽", "role": ""}
    assert "<mark>" in row["snippet"]
    assert data["labels"]["scenario"]["camping"] == "露营自驾"
    assert koc("search", "type:vlog", "--as-of", "2026-06-01", project=lib) == 2
    assert "type:vlog" in capsys.readouterr().err
    assert koc("search", "foo:bar", "--as-of", "2026-06-01", project=lib) == 2
    assert "未知字段 foo" in capsys.readouterr().err


def test_koc_search_terminal_output(lib, capsys):
    assert koc("search", "第二排", "--as-of", "2026-06-01", project=lib) == 0
    out = capsys.readouterr().out
    assert "1 件作品匹配" in out and "带娃露营两天一夜" in out and "阿丽" in out and "类型" in out


def test_a_cold_build_writes_the_index_only_when_a_collection_needs_it(tmp_path, capsys):
    """Without an index, only a collection with words makes a build write one; else the first
    koc search does, and says so."""
    from generator.pages.site import generate_site

    plain = write_library(tmp_path / "plain", works=WORKS)
    opts = Options(project_dir=plain, as_of=AS_OF).resolve()
    with generate_site(opts) as sources:
        assert sources.index_report.skipped
    assert not index_exists(opts.cache_dir, opts.audience)
    capsys.readouterr()
    assert koc("search", "导航", "--as-of", "2026-06-01", project=plain) == 0
    assert "检索索引" in capsys.readouterr().err and index_exists(opts.cache_dir, opts.audience)
    assert koc("search", "导航", "--as-of", "2026-06-01", project=plain) == 0
    assert "检索索引" not in capsys.readouterr().err  # once only
    worded = write_library(tmp_path / "worded", works=WORKS, collections={
        "seats": {"title": "座椅", "audience": "training", "query": "后排 AND scenario:露营", "sort": "date", "limit": 10}})
    opts = Options(project_dir=worded, as_of=AS_OF).resolve()
    with generate_site(opts) as sources:
        assert sorted(sources.index_report.added) == ["camp", "camp2", "internal-only", "isofix", "ota"]
    assert index_exists(opts.cache_dir, opts.audience)


def test_a_free_text_collection_waits_for_the_full_text_index(tmp_path):
    """Words in a collection's query need the whoosh index of the body, not only the facets."""
    from generator.pages.site import generate_site

    project = write_library(tmp_path / "p", works=WORKS, collections={
        "seats": {"title": "座椅", "audience": "training", "query": "后排 AND scenario:露营", "sort": "date", "limit": 10}})
    with generate_site(Options(project_dir=project, as_of=AS_OF).resolve()) as sources:
        page_text = sources.pages["collections/seats.md"]
    # Listed works whose text says 后排, newest first; never the expired, withdrawn or draft ones.
    assert [wid for wid in ("internal-only", "camp", "camp2") if f"works/{wid}/" in page_text] == ["internal-only", "camp", "camp2"]
    assert page_text.index("works/internal-only/") < page_text.index("works/camp/") < page_text.index("works/camp2/")
    assert "isofix" not in page_text and "expired" not in page_text
