"""Issue 14's rough edges, each found by a new user, and the page markup that screen
readers depend on (language, alt text, landmarks). Real builds of small libraries."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image

from conftest import DEFAULT_WORKS, REPO, build, bundle_text, demo_frontmatter, koc, page, site_files, work, write_library
from generator.model import CREDIT_PROGRAMME, default_credit_line

AS_OF = "2026-06-01"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """One small library with images and a role in brackets, built as both editions."""
    root = tmp_path_factory.mktemp("rough") / "p"
    works = dict(DEFAULT_WORKS)
    works["2026-winter-checks"] = work(
        "冬季七项检查", "article", "2026-01-05", [{"id": "bob", "role": "文案（燃油车部分）"}, {"id": "carol", "role": "拍摄"}],
        "入冬前检查防冻液。", cover="media/covers/snow.png", models=["L7"],
        media=[{"type": "image", "src": "media/photos/a.png", "caption": "检查防冻液"}, {"type": "image", "src": "media/photos/b.png"}],
        rights={"uses": ["training", "dealer_meeting"], "expires": None})
    project = write_library(root, works=works)
    for name in ("covers/snow.png", "photos/a.png", "photos/b.png"):
        path = project / "content/media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (64, 48), (40, 80, 160)).save(path)
    internal = build(project)
    build(project, "--audience", "dealer", "--site-dir", str(root / "site-dealer"))
    return {"internal": internal, "dealer": root / "site-dealer"}


def html_pages(site: Path):
    return sorted(site.rglob("*.html"))


# -- screen readers ------------------------------------------------------------


@pytest.mark.parametrize("audience", ["internal", "dealer"])
def test_every_page_says_it_is_simplified_chinese(sites, audience):
    for path in html_pages(sites[audience]):
        assert re.search(r'<html lang="zh-Hans"', path.read_text(encoding="utf-8")), path


def test_images_are_described_by_caption_or_title(sites):
    soup = page(sites["internal"], "works/2026-winter-checks/")
    assert soup.select_one(".koc-hero-image img")["alt"] == "冬季七项检查"
    thumbs = soup.select(".koc-thumb img")
    assert [img["alt"] for img in thumbs] == ["检查防冻液", "冬季七项检查"]  # no caption: the title
    # The caption shown under a thumbnail is read once, as the image's alt text.
    assert all(span.get("aria-hidden") == "true" for span in soup.select(".koc-thumb span"))
    for listing in ("", "models/xingtu-l7/"):
        covers = page(sites["internal"], listing).select(".koc-cover img")
        assert [img["alt"] for img in covers] == ["冬季七项检查"], listing
    # No work image anywhere without a description.
    for path in html_pages(sites["internal"]):
        soup = page(sites["internal"], path.relative_to(sites["internal"]).as_posix())
        for img in soup.select(".koc-cover img, .koc-hero-image img, .koc-gallery img, .koc-lightbox img"):
            assert img.get("alt", "").strip(), (path, img)


def test_edition_line_is_inside_the_footer_landmark(sites):
    soup = page(sites["dealer"], "")
    line = soup.select_one(".koc-asof")
    assert line.get_text(strip=True) == f"数据截至 {AS_OF} · 经销商版"
    assert line.find_parent("footer") is not None
    assert "Made with" not in soup.get_text()


# -- the rough edges -----------------------------------------------------------


@pytest.mark.parametrize("audience", ["internal", "dealer"])
def test_404_page_is_chinese_with_a_search_box(sites, audience):
    soup = page(sites[audience], "404.html")
    assert soup.h1.get_text(strip=True) == "页面不存在"
    assert "Not found" not in soup.get_text()
    form = soup.select_one("form.koc-notfound-search")
    assert form["action"] == "/finder/" and form.select_one("input[name=q]")
    dealer_line = "有些作品只在内部版中提供"
    assert (dealer_line in soup.get_text()) == (audience == "dealer")
    # Issue 10 item 19: the header search's base was "//" here.
    assert soup.select_one(".koc-search")["data-koc-base"] == "/"


def test_dealer_navigation_leaves_out_the_editors_guide(sites):
    for audience, shown in (("internal", True), ("dealer", False)):
        site = sites[audience]
        assert (site / "guide/index.html").exists() == shown
        for path in html_pages(site):
            soup = page(site, path.relative_to(site).as_posix())
            assert ("编辑指南" in soup.get_text()) == shown, (audience, path)
            if not shown:
                assert not [a["href"] for a in soup.select("a[href]") if "guide/" in a["href"]], path


def test_roles_with_brackets_are_not_bracketed_twice(sites, capsys):
    # Pages, the finder's data and the Pagefind bundle alike.
    for rel, data in site_files(sites["internal"]):
        text = data.decode("utf-8", "replace")
        assert "））" not in text and "（（" not in text, rel
    assert "小博（文案，燃油车部分）" in bundle_text(sites["internal"])
    cards = [c.get_text() for c in page(sites["internal"], "models/xingtu-l7/").select(".koc-card-credits")]
    assert "小博（文案，燃油车部分）、卡萝（拍摄）" in cards
    # On the work page the role stands alone, as written.
    roles = [s.get_text() for s in page(sites["internal"], "works/2026-winter-checks/").select(".koc-credits .koc-role")]
    assert roles == ["文案（燃油车部分）", "拍摄"]
    # And in the terminal.
    project = sites["internal"].parent
    assert koc("search", "防冻液", "--as-of", AS_OF, project=project) == 0
    assert "小博（文案，燃油车部分）、卡萝（拍摄）" in capsys.readouterr().out


def test_check_messages_never_double_their_punctuation(tmp_path, capsys):
    works = {"bad": work("坏", "article", "2026-01-10", ["alice"], rights={"uses": ["trainin"], "expire": dt.date(2027, 1, 1)},
                         evaluation={"reviewr": "x"}, tag=["x"]),
             "unknown-terms": work("词表外", "article", "2026-01-10", ["alicee"], scenarios=["露营地", "亲子"], models=["L8", "M9"])}
    project = write_library(tmp_path / "p", works=works)
    assert koc("check", project=project) == 1
    out = capsys.readouterr().out
    messages = [line for line in out.splitlines() if ": error: " in line]
    assert len(messages) >= 6, out
    doubled = [m for m in messages if re.search(r"[，。；：、？！][，。；：、？！]", m)]
    assert not doubled, doubled
    assert any("未知场景“露营地”" in m and "你是不是想写" in m and "？可选：" in m for m in messages), out


def test_unknown_nested_keys_get_a_did_you_mean(tmp_path, capsys):
    works = {"w": work("坏", "article", "2026-01-10", [{"id": "alice", "rol": "文案"}],
                       rights={"uses": [], "expire": dt.date(2027, 1, 1)}, evaluation={"score": 4, "reviewr": "x"},
                       media=[{"type": "link", "src": "https://example.com/", "captoin": "x"}])}
    project = write_library(tmp_path / "p", works=works)
    assert koc("check", project=project) == 1
    out = capsys.readouterr().out
    for wrong, right in (("rights.expire", "expires"), ("evaluation.reviewr", "reviewer"), ("media.0.captoin", "caption"),
                         ("contributors.0.rol", "role")):
        line = next((m for m in out.splitlines() if f"未知字段 {wrong}" in m), None)
        assert line and f'你是不是想写 "{right}"？' in line, (wrong, out)


def test_koc_new_writes_the_credit_line_the_site_would_print(project, capsys):
    assert koc("new", "--title", "雪地里的 L7", "--type", "video", "--contributor", "alice:拍摄剪辑", "--contributor", "bob",
               "--date", "2026-01-20", project=project) == 0
    path = next((project / "content/works/2026").glob("2026-xue-di-*.md"))
    data = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert data["rights"]["credit_line"] == "阿丽、小博 / 星途车主KOC计划" == default_credit_line(["阿丽", "小博"])
    assert koc("check", project=project) == 0
    # A work without a credit line gets the same words on its page.
    site = build(project)
    assert "引用请注明：阿丽、小博 / 星途车主KOC计划" in page(site, "works/2026-camping-video/").select_one(".koc-credit-box").get_text()


def test_demo_credit_lines_spell_the_programme_as_the_one_source_does():
    lines = []
    for fm in demo_frontmatter().values():
        rights = fm.get("rights") or {}
        if rights.get("credit_line"):
            lines.append(rights["credit_line"])
    assert len(lines) >= 10
    assert all(f" / {CREDIT_PROGRAMME}" in line for line in lines if "KOC" in line), lines
    assert not [line for line in lines if "KOC 计划" in line or "车主 KOC" in line], lines


def test_guide_quotes_the_address_that_koc_serve_prints(tmp_path):
    project = write_library(tmp_path / "p")
    env = dict(os.environ, KOC_AS_OF=AS_OF)
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "--project", str(project), "serve", "--dev-addr", "127.0.0.1:8000"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        printed = proc.stderr.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert printed.startswith("预览地址：http://127.0.0.1:8000/"), printed
    guide = (REPO / "site_templates/docs/guide/index.md").read_text(encoding="utf-8")
    assert printed in guide
    assert "不会打印网址" not in guide
