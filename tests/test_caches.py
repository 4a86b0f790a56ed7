"""The build's shortcuts give the pages a full build would give."""

from __future__ import annotations

import pytest

from conftest import build, tree_bytes

from generator.mkdocs_adapter.chrome_cache import ChromeCache
from generator.content.derived_cache import DerivedCache

pytestmark = pytest.mark.slow  # end to end: builds compared with and without each cache


def _html(site):
    return {k: v for k, v in tree_bytes(site).items() if k.endswith(".html")}


def test_navigation_rendered_once_per_folder_matches_a_render_per_page(project, monkeypatch, tmp_path):
    shared = _html(build(project))
    calls = []
    real_key = ChromeCache.key

    def no_sharing(self, part, page):
        calls.append(real_key(self, part, page))
        return None

    monkeypatch.setattr(ChromeCache, "key", no_sharing)
    per_page = _html(build(project))
    assert any(k is not None for k in calls)  # the shortcut applies to some pages…
    assert any(k is None for k in calls)      # …and not to the pages in the navigation
    assert shared.keys() == per_page.keys() and len(shared) > 20
    assert [k for k in shared if shared[k] != per_page[k]] == []


def test_nav_pages_keep_their_own_active_tab(project):
    site = build(project)
    html = (site / "contributors" / "index.html").read_text(encoding="utf-8")
    active = html.split('md-tabs__item md-tabs__item--active">', 1)[1].split("</a>", 1)[0]
    assert "贡献者" in active


def test_derived_cache_keeps_entries_across_builds(tmp_path):
    computed = []

    def compute():
        computed.append(1)
        return {"html": "<p>正文</p>"}

    with DerivedCache(tmp_path) as cache:
        assert cache.get("body", ["v1", "正文"], compute) == {"html": "<p>正文</p>"}
    with DerivedCache(tmp_path) as cache:
        assert cache.get("body", ["v1", "正文"], compute) == {"html": "<p>正文</p>"}
        cache.get("body", ["v2", "正文"], compute)  # another key is computed anew
    assert len(computed) == 2


def test_a_damaged_derived_cache_is_started_again(tmp_path):
    (tmp_path / "derived.sqlite").write_bytes(b"not a database at all" * 100)
    with DerivedCache(tmp_path) as cache:
        assert cache.get("body", ["x"], lambda: {"n": 1}) == {"n": 1}
    with DerivedCache(tmp_path) as cache:
        assert cache.get("body", ["x"], lambda: {"n": 2}) == {"n": 1}


def test_parsing_on_every_core_reports_what_one_core_does(project, monkeypatch):
    from generator.content import load

    bad = project / "content" / "works" / "2026" / "2026-broken.md"
    bad.write_text("---\ntitle: 坏文件\ntype: [video\n---\n正文\n", encoding="utf-8")
    dup = project / "content" / "works" / "2026" / "2026-dup.md"
    dup.write_text("---\ntitle: 甲\ntitle: 乙\n---\n正文\n", encoding="utf-8")

    def loaded(threshold):
        monkeypatch.setattr(load, "PARALLEL_MIN", threshold)
        load._PARSED.clear()
        raw = load.load_library(project / "content", project)
        return [(w.rel, dict(w.data), w.data.lines, w.body, w.body_line, w.content_hash) for w in raw.works], raw.problems

    one_core, pool = loaded(10**9), loaded(2)
    assert pool == one_core
    works, problems = pool
    assert len(works) == 4
    assert {(p.path, p.line) for p in problems} >= {("content/works/2026/2026-broken.md", 3), ("content/works/2026/2026-dup.md", 3)}


def test_check_reuses_parses_across_runs_and_reparses_an_edited_file(project, monkeypatch):
    from generator.content import load

    bad = project / "content" / "works" / "2026" / "2026-broken.md"
    bad.write_text("---\ntitle: 坏文件\ntype: [video\n---\n正文\n", encoding="utf-8")
    cache = project / ".cache" / "koc"

    def loaded():
        load._PARSED.clear()  # as a new `koc check` process would start
        raw = load.load_library(project / "content", project, cache)
        return sorted(w.rel for w in raw.works), [p.format() for p in raw.problems]

    first = loaded()
    parsed = []
    real = load._parse_work
    monkeypatch.setattr(load, "_parse_work", lambda path, shown, *rest: parsed.append(shown) or real(path, shown, *rest))
    assert loaded() == first and parsed == []  # nothing parsed again, same problems
    bad.write_text("---\ntitle: 修好了\ntype: video\ndate: 2026-01-01\ncontributors: [alice]\n---\n正文\n", encoding="utf-8")
    works, problems = loaded()
    assert parsed == ["content/works/2026/2026-broken.md"]
    assert "content/works/2026/2026-broken.md" in works and not any("2026-broken" in p for p in problems)
