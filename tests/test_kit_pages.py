"""Kits, rights at a glance and collections in words (issue 13), without a browser:
view data on small in-memory values, then real builds inspected as files and HTML."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from whoosh import query as wq

from conftest import DEFAULT_WORKS, build, page, site_files, work, write_library
from generator.model import Rights, Use, Work, WorkType
from generator.pages.collections import describe_query
from generator.pages.kit import qr_svg
from generator.pages.works import rights_verdict

LABELS = {"scenario": {"camping": "露营自驾", "maintenance": "保养维修"}, "use": {"training": "内部培训"},
          "type": {"video": "视频"}}


def test_collection_queries_read_in_words():
    q = wq.And([wq.Term("use", "training"), wq.Not(wq.Term("type", "video")),
                wq.Or([wq.Term("title", "冬季"), wq.Term("body", "冬季")]), wq.NumericRange("score", 4, None)])
    assert describe_query(q, LABELS) == "可用于内部培训，且不类型为视频，且含“冬季”，且评分不低于 4"
    q = wq.Or([wq.Term("scenario", "camping"), wq.And([wq.Term("scenario", "maintenance"), wq.Term("featured", True)])])
    assert describe_query(q, LABELS) == "场景为露营自驾或（场景为保养维修，且为精选作品）"
    assert describe_query(wq.Every(), LABELS) == "全部作品"


def _work(uses, expires=None):
    return Work("a", "", "t", WorkType.QA, dt.date(2026, 1, 1), (), Rights(tuple(uses), expires))


@pytest.mark.parametrize("uses, expires, internal, text", [
    ([Use.DEALER_MEETING], dt.date(2028, 7, 31), False, "✓ 可在经销商会议展示 · 授权至 2028-07-31"),
    ([Use.DEALER_MEETING, Use.TRAINING], None, True, "✓ 可在经销商会议展示 · ✓ 可用于内部培训 · 长期有效"),
    ([Use.TRAINING], dt.date(2027, 1, 1), True, "✗ 不可用于经销商会议 · ✓ 可用于内部培训 · 授权至 2027-01-01"),
    ([], None, True, "✗ 不可用于经销商会议 · ✗ 不可用于内部培训"),
])
def test_rights_verdict(uses, expires, internal, text):
    verdict = rights_verdict(_work(uses, expires), internal)
    assert verdict.text == text and verdict.ok == (Use.DEALER_MEETING in uses)


def test_qr_svg_is_a_standalone_svg_of_the_url():
    svg = qr_svg("https://koc.example.com/works/a/")
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert "<title>https://koc.example.com/works/a/</title>" in svg


COLLECTIONS = {"camp": {"title": "露营合集", "audience": "dealer_meeting", "query": "scenario:露营 OR scenario:亲子游", "sort": "date", "limit": 5}}


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    works = dict(DEFAULT_WORKS)
    works["old"] = work("过期的作品", date="2024-01-01", rights={"uses": ["training", "dealer_meeting"], "expires": dt.date(2025, 1, 1)})
    root = tmp_path_factory.mktemp("kit-pages")
    with_url = write_library(root / "with-url", works=works, collections=COLLECTIONS)
    config = with_url / "mkdocs.yml"
    config.write_text("site_url: https://koc.example.com/lib/\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    return {"plain": build(write_library(root / "plain", works=works, collections=COLLECTIONS)), "url": build(with_url)}


@pytest.mark.slow
def test_kit_files_only_for_listed_works_with_qr_codes_when_the_address_is_known(sites):
    site = sites["url"]
    files = sorted(p.stem for p in (site / "kit" / "works").glob("*.json"))
    assert files == sorted(["2026-camping-video", "2025-maintenance-article", "2026-family-qa"])  # never "old"
    record = json.loads((site / "kit/works/2026-camping-video.json").read_text(encoding="utf-8"))
    assert record["absolute"] == "https://koc.example.com/lib/works/2026-camping-video/"
    assert record["credit_line"] == "阿丽、小博 / 星途车主KOC计划"
    assert record["credits"] == [{"name": "阿丽", "role": "拍摄剪辑", "note": "（拍摄剪辑）"}, {"name": "小博", "role": "文案", "note": "（文案）"}]
    assert ["经销商会议", True] in record["uses"] and ["印刷物料", False] in record["uses"]
    assert record["expiry_label"] == "长期有效" and record["qr"] == "kit/qr/2026-camping-video.svg"
    assert (site / record["qr"]).read_text(encoding="utf-8").startswith("<svg")
    plain = sites["plain"]
    assert json.loads((plain / "kit/works/2026-camping-video.json").read_text(encoding="utf-8"))["qr"] == ""
    assert not (plain / "kit" / "qr").exists()
    # The kit page itself: one static page whose script reads the URL.
    soup = page(plain, "kit/")
    assert soup.select_one("#koc-kit") and soup.select_one("#koc-kit-ui")
    # No inline script of ours (the CSP): the page's scripts are asset files.
    assert not [s for s in soup.select("article script") if s.get("type") != "application/json" and s.string]
    assert any(s.get("src", "").endswith("assets/javascripts/koc-kit.js") for s in soup.find_all("script"))


@pytest.mark.slow
def test_work_page_opens_with_the_verdict_and_offers_copy_and_kit_buttons(sites):
    soup = page(sites["plain"], "works/2025-maintenance-article/")
    h1 = soup.select_one("h1")
    verdict = h1.find_next("p")
    assert "koc-verdict" in verdict["class"] and verdict.get_text() == "✗ 不可用于经销商会议 · ✓ 可用于内部培训 · 授权至 2027-01-01"
    assert soup.select_one("[data-koc-kit-add='2025-maintenance-article']")
    assert soup.select_one(".koc-credit-line [data-koc-copy]")["data-koc-copy"] == "小博 / 星途车主KOC计划"
    assert soup.select_one("[data-koc-copy-link]")
    # Related works and internal notes are marked so that print leaves them out.
    camp = page(sites["plain"], "works/2026-camping-video/")
    assert camp.select_one(".koc-internal") and "内部意见甲" in camp.select_one(".koc-internal").get_text()


@pytest.mark.slow
def test_listings_show_uses_and_expiry_and_collections_read_in_words(sites):
    site = sites["plain"]
    rows = page(site, "training/").select("table.koc-table tbody tr")
    rights = {r.select_one("td a").get_text(): r.select_one(".koc-rights").get_text() for r in rows}
    assert "授权至 2027-01-01" in rights["首保全记录"] and "✓ 内部培训" in rights["首保全记录"]
    assert "长期有效" in rights["带娃露营两天一夜"]
    card = page(site, "scenarios/camping/").select_one(".koc-card .koc-rights").get_text()
    assert "✓ 经销商会议" in card and "长期有效" in card
    assert page(site, "contributors/bob/").select(".koc-table .koc-rights")
    soup = page(site, "collections/camp/")
    text = soup.select_one("article").get_text()
    assert "收录条件：场景为露营自驾或周末亲子出游" in text and "scenario:" not in text
    kit = soup.find("a", string=lambda s: s and "打印版资料包" in s)["href"]
    assert kit.startswith("../../kit/?works=") and "title=" in kit


@pytest.mark.slow
def test_private_fields_reach_no_kit_file(sites):
    for rel, data in site_files(sites["url"]):
        if rel.startswith("kit/"):
            assert b"13912345678" not in data and "秘密真名甲".encode() not in data
