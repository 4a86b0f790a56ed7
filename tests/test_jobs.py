"""Background jobs (the whoosh index update, the Pagefind bundle) have a lifecycle:
an explicit wait, cancellation, and no temporary folder left behind."""

from __future__ import annotations

import datetime as dt
import gc
import time
import tempfile
from pathlib import Path

import pytest

from conftest import koc, write_library
from generator.options import Options
from generator.pages.site import generate_site

pytestmark = pytest.mark.slow  # runs Pagefind and whoosh processes, and koc build


@pytest.fixture
def scratch_tmp(tmp_path, monkeypatch):
    """Temporary folders of this test only, to count them."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def pagefind_folders(folder):
    return [p.name for p in folder.glob("koc-pagefind-*")]


def _options(project):
    return Options(project_dir=project, as_of=dt.date(2026, 6, 1)).resolve()


def test_closing_an_unpublished_build_stops_pagefind_and_removes_its_folder(tmp_path, scratch_tmp):
    project = write_library(tmp_path / "p")
    with generate_site(_options(project)) as sources:
        assert len(pagefind_folders(scratch_tmp)) == 2  # the analysed streams, and the bundle's work
        deadline = time.monotonic() + 60
        while sources.search_job.process is None and time.monotonic() < deadline:  # pages are written first
            time.sleep(0.05)
        proc = sources.search_job.process
        assert sources.index_job.wait().skipped  # an explicit wait (no index yet: the first koc search writes it)
    assert pagefind_folders(scratch_tmp) == []
    assert proc.poll() is not None  # not left running


def test_a_cancelled_index_update_says_so_instead_of_waiting_forever(tmp_path):
    project = write_library(tmp_path / "p")
    with generate_site(_options(project)) as sources:
        pass
    with pytest.raises(RuntimeError, match="cancelled"):
        sources.index_job.wait()


def test_a_build_dropped_without_closing_leaves_no_folder(tmp_path, scratch_tmp):
    project = write_library(tmp_path / "p")
    sources = generate_site(_options(project))
    assert pagefind_folders(scratch_tmp)
    sources.index_job.wait()
    del sources
    gc.collect()
    assert pagefind_folders(scratch_tmp) == []


def test_builds_published_or_failed_leave_no_folder(tmp_path, scratch_tmp):
    project = write_library(tmp_path / "p")
    assert koc("build", "--as-of", "2026-06-01", project=project) == 0
    # A build that fails after the pipeline ran (a strict MkDocs warning) cancels its jobs too.
    (project / "site_templates/docs/broken.md").write_text("[x](missing.md)\n", encoding="utf-8")
    assert koc("build", "--as-of", "2026-06-01", "--strict", project=project) == 1
    assert pagefind_folders(scratch_tmp) == []


def test_the_index_job_waits_then_opens_the_index_and_can_be_cancelled(tmp_path):
    from generator.search.index_job import IndexJob

    docs = [{"id": "a", "title": "第二排", "summary": "", "body": "", "type": "video", "scenario": "", "model": "", "tag": "",
             "contributor": "x", "use": "", "year": "2026", "status": "published", "featured": False, "score": 0,
             "date": "2026-01-01", "digest": "d1"}]
    with IndexJob(tmp_path / "cache", Options().audience, docs) as job:
        with job.searcher() as searcher:
            assert [f["id"] for f in searcher.all_stored_fields()] == ["a"]
    stopped = IndexJob(tmp_path / "cache2", Options().audience, docs)
    stopped.cancel()
    assert not stopped._proc.is_alive()


def test_the_index_job_analyses_the_works_in_its_child_and_caches_their_streams(tmp_path, monkeypatch):
    from generator.catalog.catalog import build_catalog
    from generator.catalog.rights import Edition
    from generator.content.check import check_library
    from generator.search import edition_index
    from generator.search.bundle_worker import read_streams
    from generator.search.index_job import IndexJob

    project = write_library(tmp_path / "p")
    options = Options(project_dir=project, as_of=dt.date(2026, 6, 1)).resolve()

    def catalog():
        checked = check_library(options)
        return build_catalog(checked.library, Edition(options.audience, options.as_of), checked.tags)

    expected = edition_index.work_streams(catalog())
    assert expected and all(expected.values())
    with IndexJob(options.cache_dir, options.audience, None, catalog=catalog()) as job:
        assert sorted(job.wait().added) == sorted(expected)
        source = job.streams_source()  # what the bundle's worker reads
        assert read_streams(Path(source["folder"]), source["pid"]) == expected
        with job.searcher() as searcher:
            assert sorted(f["id"] for f in searcher.all_stored_fields()) == sorted(expected)
    # A second build reads the streams from the derived cache: the analyzer is never asked.
    monkeypatch.setattr(edition_index.Analyzer, "work_stream", lambda *a, **k: pytest.fail("analysed again"))
    assert edition_index.work_streams(catalog(), options.cache_dir) == expected
