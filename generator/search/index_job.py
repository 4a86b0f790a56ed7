"""Run the whoosh index update beside the site build, not before it.

A cold full-text index of a large library takes longer than rendering it, and
only collections with free-text words need it before pages are written. So
the update runs in a forked child process while the site renders (two cores:
one renders, one indexes), and collections made only of field filters
(`type:video AND use:dealer_meeting`) are answered from a small in-memory
index of the facet fields, with the same parser and the same semantics.
Where no index exists yet, a build only analyses (the browser's bundle needs
the streams) and leaves the first index to `koc search` (`site.index_wanted`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import threading
import tempfile
import traceback
import uuid
import weakref
from pathlib import Path

from whoosh import query as wq
from whoosh.filedb.filestore import RamStorage

from generator.model import Audience
from generator.publish.leftovers import PAGEFIND_PREFIX, parent_death_hook, remove_tree, write_owner
from generator.search.bundle_worker import write_streams, write_streams_failure
from generator.search.index import SyncReport, index_lock, make_schema, open_index, update_index
from generator.search.query import TEXT_FIELDS


def _run(cache_dir, audience: Audience, docs: list[dict] | None, procs: int, queue, on_start, catalog=None,
         streams_folder=None, write_index: bool = True) -> None:
    if on_start is not None:
        on_start()  # ends with the build, not after it (a killed `koc build` leaves no indexer behind)
    try:
        # Rendering is the build's critical path; the index (and its writer
        # processes, which inherit this) takes whatever CPU rendering leaves.
        os.nice(10)
        if catalog is not None:
            from generator.search.edition_index import index_documents, work_streams

            # The analysis, off the build's critical path too: the browser's bundle reads
            # the streams from a file (its worker, never the build's process).
            try:
                write_streams(streams_folder, work_streams(catalog, cache_dir))
            except BaseException:
                write_streams_failure(streams_folder, traceback.format_exc())
                raise
            if not write_index:
                queue.put(("ok", SyncReport(skipped=True)))
                return
            docs = index_documents(catalog)
        _, report = update_index(cache_dir, audience, docs, procs=procs)
        queue.put(("ok", report))
    except BaseException:  # noqa: BLE001 - reported to the parent
        queue.put(("error", traceback.format_exc()))


class IndexJob:
    """The edition's index update, in a child process: started at once, `.wait()`
    returns its SyncReport, `.searcher()` searches the updated index, `.cancel()` stops it.

    Given a `catalog` instead of `docs`, the child also analyses the works first
    (`edition_index.work_streams`, cached by text) and writes the streams to a file
    of its own temporary folder (`.streams_source()` says where, for the bundle's worker)
    before it writes the index. With
    `write_index=False` it only analyses: a cold build leaves the first index to
    `koc search` (see `generate_site`).

    Used as a context manager, a job not waited for is cancelled on the way out.
    The child is not a daemon, so that for a large first index it may use
    whoosh's multi-process writer (4,126 works: 13.9 CPU s with one process, 11.6 with two; bench/index_cpu.py).
    """

    def __init__(self, cache_dir, audience: Audience, docs: list[dict] | None, procs: int = 1, catalog=None,
                 write_index: bool = True):
        ctx = multiprocessing.get_context("fork")
        self._queue = ctx.SimpleQueue()
        self._folder = None
        if catalog is not None:
            self._folder = Path(tempfile.mkdtemp(prefix=PAGEFIND_PREFIX))  # swept like Pagefind's, if a run is killed
            write_owner(self._folder)
        self._proc = ctx.Process(target=_run, args=(cache_dir, audience, docs, procs, self._queue, parent_death_hook(), catalog,
                                                    self._folder, write_index))
        self._proc.start()
        self._finalizer = weakref.finalize(self, remove_tree, self._folder) if self._folder else None
        self._report: SyncReport | None = None
        self._cancelled = False
        self._cache_dir, self._audience = cache_dir, audience
        # The child's messages are read at once, so that it never blocks on a full pipe.
        self._outcome: tuple[str, object] | None = None
        self._finished = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        self._outcome = self._queue.get()
        self._finished.set()

    def streams_source(self) -> dict | None:
        """Where the child writes the analysed streams ({"folder", "pid"}), for `bundle_worker.read_streams`."""
        return {"folder": str(self._folder), "pid": self._proc.pid} if self._folder else None

    def wait(self) -> SyncReport:
        if self._cancelled:
            raise RuntimeError("the whoosh index update was cancelled")
        if self._report is None:
            while not self._finished.wait(1.0):
                # A child killed from outside says nothing; its last message may still be on the way.
                if not self._proc.is_alive() and not self._finished.wait(2.0):
                    raise RuntimeError(f"the whoosh index update ended without a report (exit code {self._proc.exitcode})")
            status, value = self._outcome
            self._proc.join()
            if status != "ok":
                raise RuntimeError(f"whoosh index update failed:\n{value}")
            self._report = value
        return self._report

    @contextlib.contextmanager
    def searcher(self):
        """A searcher of the updated index, once the update is done, under the edition's
        lock (another build of the same edition may be updating the index meanwhile)."""
        self.wait()
        with index_lock(self._cache_dir, self._audience):
            ix = open_index(self._cache_dir, self._audience)
            with ix.searcher() as searcher:
                yield searcher

    def running(self) -> bool:
        """Is the child still at work? One that has ended is reaped."""
        if self._proc.is_alive():
            return True
        self._proc.join()
        return False

    def cancel(self) -> None:
        """Stop an update still running (a failed or abandoned build). whoosh commits
        by renaming its table of contents last, so a stopped writer leaves the
        previous index readable, and the next build brings it up to date."""
        if self._report is None:
            self._cancelled = True
            if self._proc.is_alive():
                self._proc.terminate()
        self._proc.join()
        if self._finalizer is not None:
            self._finalizer()  # the streams' folder

    def __enter__(self) -> IndexJob:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


def uses_text(q: wq.Query) -> bool:
    """Does the query look at title, summary or body?"""
    return any(getattr(leaf, "fieldname", None) in TEXT_FIELDS for leaf in q.leaves())


# The last facet index built, by its documents' fields without their text:
# `koc serve` rebuilds after every save, and most saves change no facet.
_FACETS: dict[str, object] = {}
# What a query without words never reads: left out of the facet index and of its key, so that
# saving a work's text reuses the index (at 1,000 works, indexing the streams again took most
# of a preview's rebuild).
_WORDS = (*TEXT_FIELDS, "title", "summary", "body", "digest")


def facet_index(docs: list[dict]):
    """An in-memory index of the same documents without their text."""
    facets = [{k: v for k, v in d.items() if k not in _WORDS} for d in docs]
    key = hashlib.sha256(json.dumps(facets, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    if key not in _FACETS:
        _FACETS.clear()
        _FACETS[key] = _build_facet_index(docs)
    return _FACETS[key]


def _build_facet_index(docs: list[dict]):
    # A name of its own: whoosh spills sortable columns to <tmp>/<indexname>.tmp,
    # and the default "MAIN" is shared with every other whoosh writer on the machine.
    ix = RamStorage().create_index(make_schema(), indexname=f"koc-facets-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    writer = ix.writer()
    for doc in docs:
        writer.add_document(**{k: ("" if k in _WORDS else v) for k, v in doc.items() if k != "digest"})
    writer.commit()
    return ix
