"""The demo library in content/: what a new user sees first, built end to end."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from conftest import REPO, koc, page, site_files, tree_bytes

pytestmark = pytest.mark.slow  # end to end: the demo library built with MkDocs

AS_OF = "2026-11-22"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    before = tree_bytes(REPO / "content")
    env = {"KOC_AS_OF": AS_OF, "PATH": "/usr/bin:/bin", "HOME": str(out)}
    # Real MkDocs, strict: any warning (broken link, missing file) fails the build.
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out / "site")],
                         cwd=REPO, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "WARNING" not in run.stderr, run.stderr
    assert tree_bytes(REPO / "content") == before
    return out / "site"


def test_demo_library_checks_clean(capsys):
    assert koc("check", "--as-of", AS_OF, project=REPO) == 0
    assert ": error:" not in capsys.readouterr().out


def test_demo_library_is_big_enough():
    works = list((REPO / "content/works").rglob("*.md"))
    assert len(works) >= 40
    types = {yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])["type"] for p in works}
    assert types == {"article", "video", "photo", "qa", "review", "story", "report"}
    people = yaml.safe_load((REPO / "content/contributors.yml").read_text(encoding="utf-8"))
    assert len(people) >= 12 and {p["tier"] for p in people.values()} == {"explorer", "specialist", "collaborator", "leader"}


@pytest.mark.parametrize("url", ["", "works/", "tags/", "scenarios/", "models/", "contributors/", "training/",
                                 "dealer-meetings/", "hall-of-fame/", "collections/", "finder/", "about/"])
def test_demo_pages_exist(demo_site, url):
    assert page(demo_site, url).find("h1")


def test_every_work_page_is_small_and_credits_its_authors(demo_site):
    pages = list((demo_site / "works").glob("*/index.html"))
    assert len(pages) >= 40
    for path in pages:
        assert path.stat().st_size < 60_000, path
    for path in pages:
        soup = page(demo_site, path.relative_to(demo_site).as_posix())
        box = soup.select_one(".koc-credit-box")
        if box:  # stubs of offline works have none
            assert box.select("a[href^='../../contributors/']")


def test_no_private_field_is_published(demo_site):
    people = yaml.safe_load((REPO / "content/contributors.yml").read_text(encoding="utf-8"))
    secrets = [str(v) for p in people.values() for v in (p.get("private") or {}).values() if len(str(v)) >= 4]
    assert secrets, "the demo library should show what private: is for"
    for rel, data in site_files(demo_site):
        for secret in secrets:
            assert secret.encode() not in data, (secret, rel)


def test_caches_do_not_change_the_demo_pages(tmp_path):
    """A build from a warm cache (index, resized images) gives the same pages as a cold one."""
    from generator.options import Options
    from generator.pages.site import generate_site

    import datetime as dt

    cold = Options(project_dir=REPO, cache_dir=tmp_path / "cache", as_of=dt.date.fromisoformat(AS_OF)).resolve()
    from generator.search.results import search_library

    with generate_site(cold) as first:
        assert first.index_report.skipped  # really cold: no index yet, the first koc search writes it
    search_library(cold, "露营", {})
    with generate_site(cold) as second:
        assert second.index_report.added == [] and not second.index_report.skipped  # really warm, index and all
    assert first.pages == second.pages
    assert {k: v.read_bytes() for k, v in first.assets.items()} == {k: v.read_bytes() for k, v in second.assets.items()}
