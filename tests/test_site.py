"""End-to-end builds of small libraries with real MkDocs, inspected as HTML."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from conftest import CONTRIBUTORS, DEFAULT_WORKS, build, bundle_text, koc, page, site_files, tree_bytes, work, write_library

pytestmark = pytest.mark.slow  # end to end: real MkDocs builds of small libraries

SPEC_PAGES = [
    "", "works/2026-camping-video/", "tags/", "tags/xu-hang/", "scenarios/", "scenarios/camping/", "models/",
    "models/xingtu-l7/", "contributors/", "contributors/alice/", "training/", "dealer-meetings/", "hall-of-fame/",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = write_library(tmp_path_factory.mktemp("site") / "p", collections={
        "family": {"title": "亲子案例", "audience": "dealer_meeting", "query": "scenario:亲子游 OR scenario:露营", "sort": "date", "limit": 5}})
    return build(project)


@pytest.mark.parametrize("url", SPEC_PAGES + ["collections/family/", "works/", "collections/"])
def test_every_spec_page_exists(site, url):
    assert (site / url / "index.html").is_file()
    soup = page(site, url)
    assert soup.find("h1"), url
    assert soup.html["lang"] == "zh-Hans"


def test_work_page_credits_every_contributor_with_role_and_profile_link(site):
    soup = page(site, "works/2026-camping-video/")
    box = soup.select_one(".koc-credit-box")
    items = box.select("ul.koc-credits li")
    got = [(li.a.get_text(), li.select_one(".koc-role").get_text(), li.a["href"], li.select_one(".koc-tier").get_text()) for li in items]
    assert got == [("阿丽", "拍摄剪辑", "../../contributors/alice/", "引领者"), ("小博", "文案", "../../contributors/bob/", "专精者")]
    assert "引用请注明：阿丽、小博 / 星途车主KOC计划" in box.get_text()


def test_work_page_shows_rights_evaluation_reuse_and_links(site):
    soup = page(site, "works/2026-camping-video/")
    rights = soup.select_one(".koc-rights-box")
    uses = {li.get_text(strip=True) for li in rights.select("li")}
    assert "✓ 内部培训" in uses and "✓ 经销商会议" in uses and "✗ 印刷物料" in uses
    assert "长期有效" in rights.get_text()
    assert soup.select_one(".koc-stars").get_text() == "★★★★★"
    assert "已复用 1 次" in soup.get_text() and "华西区经销商大会" in soup.get_text()
    hrefs = {a["href"] for a in soup.select(".koc-meta a, .koc-tags a")}
    assert {"../../models/xingtu-l7/", "../../scenarios/camping/", "../../tags/xu-hang/"} <= hrefs
    assert soup.select_one(".koc-body h3").get_text() == "装备"


def test_view_only_and_expiry_warning(tmp_path):
    works = dict(DEFAULT_WORKS)
    works["2026-soon"] = work("快到期的作品", date="2026-01-01", rights={"uses": ["training"], "expires": dt.date(2026, 6, 20)})
    site = build(write_library(tmp_path / "p", works=works))
    soon = page(site, "works/2026-soon/")
    assert "授权将在 19 天后到期" in soon.select_one(".koc-rights-box").get_text()
    qa = page(site, "works/2026-family-qa/")
    assert "仅供浏览" in qa.select_one(".koc-rights-box").get_text()


def test_term_and_index_pages_count_works(site):
    tags = page(site, "tags/")
    chips = {a.contents[0].strip(): a.span.get_text() for a in tags.select(".koc-chip")}
    assert chips == {"续航": "1", "后备箱": "1"}
    scenario = page(site, "scenarios/family-weekend/")
    assert [a.get_text() for a in scenario.select(".koc-card-title a")] == ["带两个孩子，第三排够用吗？"]
    models = page(site, "models/")
    counts = {li.select_one(".koc-card-title a").get_text(): li.select_one(".koc-count-badge").get_text() for li in models.select(".koc-terms li")}
    assert counts == {"星途L7": "2 件", "星途S5 EV": "1 件"}


def test_contributor_profile(site):
    soup = page(site, "contributors/bob/")
    rows = [[td.select_one("a").get_text() if td.select_one("a") else td.get_text() for td in tr.select("td")]
            for tr in soup.select(".koc-table tbody tr")]
    assert rows == [["带娃露营两天一夜", "视频", "2026-03-01", "文案", "✓ 内部培训✓ 经销商会议长期有效"],
                    ["首保全记录", "图文", "2025-10-01", "文案", "✓ 内部培训授权至 2027-01-01"]]
    assert "专精者" in soup.get_text() and "贡献分构成" in soup.get_text()


def test_hubs_group_by_scenario_and_respect_uses(site):
    training = page(site, "training/")
    titles = [a.get_text() for a in training.select(".koc-table td:first-child a")]
    assert sorted(titles) == ["带娃露营两天一夜", "首保全记录"]  # the view-only Q&A is not usable
    dealer = page(site, "dealer-meetings/")
    assert [a.get_text() for a in dealer.select(".koc-table td:first-child a")] == ["带娃露营两天一夜"]
    assert dealer.select_one("a[href='../collections/family/']")


def test_leaderboard_follows_the_formula(tmp_path):
    # big: video (4) scored 6/3... alice alone: 4 × 5/3 + 5 featured + 2 × 2 reuses = 15.67
    # mid: bob alone, two articles: 3 + 3 = 6; carol: qa 1 shared with bob → 0.5 each
    reuse = [{"date": dt.date(2026, 2, 1), "event": f"会议{i}", "audience": "经销商", "by": "市场部"} for i in range(2)]
    works = {
        "a": work("A", "video", "2026-01-01", ["alice"], featured=True, evaluation={"score": 5}, reuse=reuse),
        "b1": work("B1", "article", "2025-01-01", ["bob"]),
        "b2": work("B2", "article", "2025-02-01", ["bob"]),
        "c": work("C", "qa", "2026-01-02", ["carol", "bob"]),
    }
    site = build(write_library(tmp_path / "p", works=works))
    soup = page(site, "hall-of-fame/")
    rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select(".koc-all-time tbody tr")]
    assert [(r[1], r[4]) for r in rows] == [("阿丽", "15.67"), ("小博", "6.50"), ("卡萝", "0.50")]
    year_rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select(".koc-leaderboard:not(.koc-all-time) tbody tr")]
    assert [r[1] for r in year_rows] == ["阿丽", "卡萝", "小博"]  # 2026 only; tie 0.5/0.5 broken by name
    text = soup.get_text()
    assert "类型权重 × （有评分时为 评分 ÷ 3" in text and "视频 4" in text
    assert "复用最多：A，2 次" in text.replace("\n", "")


def test_leaderboard_weights_are_plugin_options(tmp_path):
    project = write_library(tmp_path / "p")
    cfg = (project / "mkdocs.yml").read_text(encoding="utf-8").replace("featured_bonus: 5", "featured_bonus: 50")
    (project / "mkdocs.yml").write_text(cfg, encoding="utf-8")
    soup = page(build(project), "hall-of-fame/")
    assert "精选作品加 50 分" in soup.get_text()


def test_private_fields_reach_no_output_file(site):
    secrets = [v for person in CONTRIBUTORS.values() for v in (person.get("private") or {}).values()]
    assert secrets
    for rel, data in site_files(site):
        for secret in secrets:
            assert secret.encode() not in data, (secret, rel)


def test_internal_feedback_only_in_internal_edition(tmp_path):
    project = write_library(tmp_path / "p")
    internal = build(project)
    assert "内部意见甲" in (internal / "works/2026-camping-video/index.html").read_text(encoding="utf-8")
    assert "首保全记录" in bundle_text(internal)
    build(project, "--audience", "dealer", "--site-dir", str(tmp_path / "dealer"))
    dealer = tmp_path / "dealer"
    html = (dealer / "works/2026-camping-video/index.html").read_text(encoding="utf-8")
    assert "内部意见甲" not in html and "运营-周" not in html and "经销商版" in html
    # Only works usable at dealer meetings exist in the dealer edition.
    assert sorted(p.name for p in (dealer / "works").iterdir() if p.is_dir()) == ["2026-camping-video"]
    assert "首保全记录" not in bundle_text(dealer) and "带娃露营两天一夜" in bundle_text(dealer)


def test_expired_and_withdrawn_works_keep_a_stub_and_leave_listings(tmp_path):
    works = dict(DEFAULT_WORKS)
    works["old"] = work("过期的作品", date="2024-01-01", body="过期正文秘密", rights={"uses": ["training"], "expires": dt.date(2025, 1, 1)}, tags=["后备箱"])
    works["gone"] = work("撤回的作品", date="2025-01-01", body="撤回正文秘密", status="withdrawn", scenarios=["露营"])
    works["wip"] = work("草稿作品", date="2026-05-01", body="草稿正文秘密", status="draft")
    project = write_library(tmp_path / "p", works=works)
    site = build(project)
    for wid, reason in (("old", "授权已到期（2025-01-01），内容已下线"), ("gone", "已撤回，内容已下线")):
        soup = page(site, f"works/{wid}/")
        assert reason in soup.select_one(".koc-stub").get_text()
    assert not (site / "works/wip").exists()
    everything = "".join(data.decode("utf-8", "replace") for _, data in site_files(site))
    for secret in ("过期正文秘密", "撤回正文秘密", "草稿正文秘密"):
        assert secret not in everything
    for url in ("", "tags/hou-bei-xiang/", "scenarios/camping/", "training/", "works/"):
        assert "../works/old/" not in str(page(site, url)) and "works/gone/" not in str(page(site, url))
    preview = build(project, "--drafts")
    assert "草稿预览" in page(preview, "works/wip/").get_text()


def test_hostile_strings_are_escaped_and_bodies_sanitised(tmp_path):
    works = {"evil": work('<script>alert("t")</script>[x](javascript:alert(1))', date="2026-01-01",
                          contributors=[{"id": "alice", "role": "<img src=x onerror=alert(1)>"}],
                          body='正文 <script>alert(2)</script> <a href="javascript:alert(3)">点</a> <img src="x" onerror="alert(4)">\n\n<iframe src="https://evil.example/x"></iframe>',
                          tags=["<b>标签</b>"])}
    contributors = dict(CONTRIBUTORS, alice=dict(CONTRIBUTORS["alice"], name='<svg onload=alert(5)>'))
    site = build(write_library(tmp_path / "p", works=works, contributors=contributors))
    for path in site.rglob("*.html"):
        soup = page(site, path.relative_to(site).as_posix())
        for script in soup.find_all("script"):
            if script.get("type") == "application/json":
                assert "<" not in (script.string or ""), path  # data only, and it cannot close its element
            else:
                assert "alert" not in (script.string or ""), path
        for tag in soup.find_all(True):
            assert not any(attr.startswith("on") for attr in tag.attrs), (path, tag)
            for attr in ("href", "src"):
                assert not str(tag.get(attr, "")).strip().lower().startswith("javascript:"), (path, tag)
        assert not soup.find("iframe"), path
    assert "<script>alert" in page(site, "works/evil/").select_one("h1").get_text()


def test_mkdocs_build_gives_the_same_pages(tmp_path):
    import subprocess
    import sys

    project = write_library(tmp_path / "p")
    site = build(project)
    env = {"KOC_AS_OF": "2026-06-01", "PATH": ""}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "m")], cwd=project, env=env, check=True)
    ours = {k: v for k, v in tree_bytes(site).items() if k.endswith(".html")}
    theirs = {k: v for k, v in tree_bytes(tmp_path / "m").items() if k.endswith(".html")}
    assert ours == theirs


def test_export_writes_the_same_pages_as_markdown(tmp_path):
    project = write_library(tmp_path / "p")
    assert koc("export", str(tmp_path / "out"), "--as-of", "2026-06-01", project=project) == 0
    out = tmp_path / "out"
    text = (out / "works/2026-camping-video.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: \"带娃露营两天一夜\"") and "koc-credit-box" in text
    assert (out / "hall-of-fame/index.md").exists() and (out / "index.md").exists()


def test_site_loads_nothing_from_outside(site):
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
        for url in re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html):
            raise AssertionError(f"{path}: loads {url}")


def test_footer_shows_as_of_date_and_edition(site):
    assert "数据截至 2026-06-01 · 内部版" in page(site, "").get_text()


def test_search_bundle_holds_the_listed_works_analysed(site):
    import gzip

    from conftest import decode_pagefind_words

    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["und"] and entry["languages"]["und"]["page_count"] == 3
    fragments = [json.loads(gzip.decompress(p.read_bytes())[len(b"pagefind_dcd"):]) for p in (site / "pagefind/fragment").iterdir()]
    assert sorted(f["url"] for f in fragments) == ["/works/2025-maintenance-article/", "/works/2026-camping-video/", "/works/2026-family-qa/"]
    # a result's fragment carries its card (title, text for the excerpt), not the encoded words
    camping = next(f for f in fragments if f["url"] == "/works/2026-camping-video/")
    assert camping["content"] == "" and camping["meta"]["id"] == "2026-camping-video"
    assert "带娃露营" in camping["meta"]["text"].replace(" ", "") and camping["meta"]["title"]
    # the index holds the works' analysed token streams (bigrams side by side), each token encoded,
    # and no word of the cards' meta (Pagefind would index it unsegmented)
    words = b"".join(gzip.decompress(p.read_bytes()) for p in (site / "pagefind/index").iterdir())
    for token in ("带娃", "娃露", "两天", "一夜"):
        assert token.encode() in decode_pagefind_words(words), token
    assert camping["meta"]["title"].encode() not in words
    vocab = json.loads(gzip.decompress((site / "koc-search/vocab.json.bin").read_bytes()))
    assert vocab["n"] == 3 and vocab["entries"]
    assert not (site / "search").exists()  # Material's lunr index is not built


def test_term_pages_are_paginated(tmp_path):
    works = {f"w{i:02d}": work(f"作品{i:02d}", date=f"2026-01-{i + 1:02d}", scenarios=["露营"]) for i in range(30)}
    site = build(write_library(tmp_path / "p", works=works))
    first, second = page(site, "scenarios/camping/"), page(site, "scenarios/camping/page/2/")
    assert len(first.select(".koc-card")) == 24 and len(second.select(".koc-card")) == 6
    assert "共 30 件作品，第 1 / 2 页" in first.get_text()
    assert first.select_one(".koc-pager a[href='../../scenarios/camping/page/2/']")
    assert second.select_one(".koc-pager a[href='../../../../scenarios/camping/']")
    listed = [a.get_text() for p in (first, second) for a in p.select(".koc-card-title a")]
    assert sorted(listed) == sorted(f"作品{i:02d}" for i in range(30))


def test_works_index_links_one_archive_page_per_year(site):
    index = page(site, "works/")
    assert [a["href"] for a in index.select(".koc-chip")] == ["../archive/2026/", "../archive/2025/"]
    archive = page(site, "archive/2025/")
    assert [a.get_text() for a in archive.select(".koc-table td:first-child a")] == ["首保全记录"]


def test_covers_and_gallery_are_resized_and_originals_linked(tmp_path):
    from PIL import Image

    project = write_library(tmp_path / "p")
    Image.new("RGB", (3000, 2000), (200, 120, 40)).save(project / "content/media/big.jpg", quality=95)
    path = project / "content/works/2026/2026-camping-video.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "featured: true", "featured: true\ncover: media/big.jpg\nmedia:\n- {type: image, src: media/big.jpg, caption: 营地}"), encoding="utf-8")
    site = build(project)
    with Image.open(site / "media/w640/big.jpg") as small, Image.open(site / "media/w1200/big.jpg") as large:
        assert small.width == 640 and large.width == 1200
    assert (site / "media/big.jpg").read_bytes() == (project / "content/media/big.jpg").read_bytes()
    soup = page(site, "works/2026-camping-video/")
    assert soup.select_one(".koc-hero-image img")["src"] == "../../media/w1200/big.jpg"
    assert soup.select_one(".koc-thumb img")["src"] == "../../media/w640/big.jpg"
    assert soup.select_one(".koc-lightbox a[href='../../media/big.jpg']")
    assert page(site, "").select_one(".koc-cover img")["src"] == "media/w640/big.jpg"


def test_exported_pages_build_without_the_plugin(tmp_path):
    """Engine-neutral output: the exported Markdown builds with a plain MkDocs config."""
    import subprocess
    import sys

    project = write_library(tmp_path / "p")
    out = tmp_path / "export"
    assert koc("export", str(out), "--as-of", "2026-06-01", project=project) == 0
    cfg = (project / "mkdocs.yml").read_text(encoding="utf-8")
    cfg = cfg.split("plugins:")[0].replace("docs_dir: site_templates/docs", f"docs_dir: {out}")
    cfg = cfg.replace("custom_dir: site_templates/overrides", f"custom_dir: {project / 'site_templates/overrides'}")
    (tmp_path / "plain.yml").write_text(cfg + "markdown_extensions: [admonition, attr_list, tables, toc]\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(tmp_path / "plain.yml"), "-d", str(tmp_path / "s")], check=True)
    soup = page(tmp_path / "s", "works/2026-camping-video/")
    assert [a.get_text() for a in soup.select(".koc-credit-box li a")] == ["阿丽", "小博"]
    assert (tmp_path / "s/contributors/alice/index.html").exists()


def test_finder_page_works_without_javascript(site):
    soup = page(site, "finder/")
    fallback = soup.find("noscript")
    links = {a["href"] for a in fallback.find_all("a")}
    assert {"../scenarios/", "../models/", "../tags/", "../training/", "../dealer-meetings/"} <= links
    # The filters' values and their names come from the finder's data, not from the page.
    facets = {f["key"]: f for f in json.loads((site / "finder/data/facets.json").read_text(encoding="utf-8"))["facets"]}
    assert list(facets) == ["type", "scenario", "model", "use", "year", "contributor", "tag"]
    scenario = facets["scenario"]
    assert scenario["labels"][scenario["values"].index("family-weekend")] == "周末亲子出游"
    assert facets["type"]["labels"][facets["type"]["values"].index("video")] == "视频"
    # The result card is the listings' card with markers, for finder.js to fill.
    card = soup.find("template", id="koc-finder-card")
    assert card is not None and "@title@" in card.decode_contents() and card.select_one(".koc-card-title a[href='#@url@']")
