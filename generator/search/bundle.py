"""The browser's search bundle: a Pagefind index of the works' analysed token streams.

Each record's content is the work's token stream from `analysis` (the very
stream `koc search` indexes), under a language Pagefind does not segment, so
its index holds exactly our tokens; `koc-find.js` cuts the query as
`analysis.Analyzer.query_groups` does (with `koc-search/vocab.json.bin`, the
library's vocabulary) and asks Pagefind one exact search per token or
bigram phrase, then ranks as `rank.py` does. The record's plain text rides
in its meta for the excerpt, which marks the query's real words.

Pagefind (its extended binary segments Chinese) splits the index into chunks
that the browser fetches per query, so the header search and the finder
transfer a few hundred kilobytes whatever the library's size — Material's own
search would download ~10 KB per work before the first result.

The records come from the model, not from scanning built HTML: only works
listed in this edition are added (never drafts, offline or other-edition
works, never a `private:` field), and a worker process (`bundle_worker`)
has Pagefind index them on the other core while the site renders, so the
bundle adds next to nothing to a build's time (bench/README.md).

Example:
    >>> job = SearchBundleJob(search_records(inputs))   # doctest: +SKIP
    >>> job.write(Path("site"))                          # doctest: +SKIP
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import weakref
from pathlib import Path

from generator.catalog.catalog import Catalog
from generator.model import TYPE_LABELS, USE_LABELS, Use, Work
from generator.pages.images import CARD_WIDTH, web_src
from generator.pages.spec import PageInputs
from generator.pages.wording import VIEW_ONLY, expiry_note
from generator.publish.leftovers import PAGEFIND_PREFIX, describe_process, remove_tree, sweep_pagefind_dirs, write_owner
from generator.search.analysis import SearchVocabulary
# The worker's names that the browser's side and the tests read from here too.
from generator.search.bundle_worker import EVERY, FRAGMENT_HEADER, LANGUAGE, pagefind_word  # noqa: F401
from generator.search.bundle_worker import RESULT, SPEC, child_setup
from generator.search.facets import FACETS

_TAGS = re.compile(r"<[^>]+>")
# The facets, and one filter the finder sets without showing it: its meeting date keeps
# the works whose rights last until then.
NO_EXPIRY = "never"
FILTERS = (*FACETS, "expires")


def word_prefixes(vocab: SearchVocabulary) -> dict[str, str]:
    """Vocabulary form → the prefix of its Pagefind word: "y" + its entry's place.

    A query of a vocabulary form also asks for every other form of its entries
    (野营 for 露营); Pagefind keeps its words sorted in chunks of ~20,000 positions
    and the browser downloads one chunk per word, so the forms of one entry are
    given one prefix (the place of the first entry that names the form, 4 base-36
    digits) and sort side by side, mostly in one chunk. koc-find.js encodes alike;
    every other token is `pagefind_word` (`bundle_worker.encoder`).
    """
    place = {(e.kind, e.key): n for n, e in reversed(list(enumerate(vocab.entries)))}
    return {f: "y" + _base36(place[keys[0]]) for f, keys in vocab.forms.items()}


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(digits[n // 36 ** k % 36] for k in (3, 2, 1, 0))


def page_records(cat: Catalog, routes) -> list[dict]:
    """What Pagefind's page of each listed work holds besides its words: url, filters, sort keys.

    Made from the catalog alone, so that a build starts the bundle's worker before any
    page is rendered (the result-card meta follows: `SearchBundleJob.give_meta`).
    """
    order = {wid: n for n, wid in enumerate(sorted(w.id for w in cat.listed))}
    return [_page_record(work, cat, "/" + routes.url("work", id=work.id), order) for work in cat.listed]


def _page_record(work: Work, cat: Catalog, url: str, order: dict[str, int]) -> dict:
    score = work.evaluation.score if work.evaluation else None
    return {
        "url": url,
        "id": work.id,
        "language": LANGUAGE,
        "filters": _filters(work, cat),
        # n: the work's place in id order, which breaks ties of relevance as `koc search` does
        "sort": {"date": work.date.isoformat(), "score": str(score or 0), "n": f"{order[work.id]:06d}"},
    }


def search_records(inputs: PageInputs) -> list[dict]:
    """One Pagefind record per listed work: result-card meta and text, filters and sort keys.

    The records carry no words: the bundle's worker adds them from the analysed streams
    (`SearchBundleJob`), so that the build never waits for the analysis.
    """
    cat = inputs.catalog
    records = []
    order = {wid: n for n, wid in enumerate(sorted(w.id for w in cat.listed))}
    for work in cat.listed:
        card = inputs.cards[work.id]
        text = html.unescape(_TAGS.sub(" ", inputs.bodies[work.id].html))
        cover = web_src(work.cover, CARD_WIDTH) if work.cover else ""
        records.append({
            **_page_record(work, cat, "/" + card.url, order),
            "meta": {
                "title": work.title,
                "image": cover,
                "type": TYPE_LABELS[work.type],
                "date": work.date.isoformat(),
                "credits": "、".join(f"{c.name}{c.role_note}" for c in card.credits),
                "uses": " · ".join(card.uses) or VIEW_ONLY,
                "expiring": expiry_note(card.expiry_days) if card.expiry_days is not None else "",
                "expiry": card.expiry_label if work.rights.uses else "",
                "id": work.id,
                "score": str(card.score or ""),
                "text": " ".join(f"{work.title}\n{work.summary if work.summary_given else ''}\n{text}".split()),
            },
        })
    return records


def _filters(work: Work, cat: Catalog) -> dict[str, list[str]]:
    values = {
        "type": [work.type.value],
        "scenario": list(work.scenarios),
        "model": list(work.models),
        "tag": [cat.tags.slug(t) for t in work.tags],
        "contributor": list(dict.fromkeys(work.contributor_ids)),
        "use": [u.value for u in Use if u in work.rights.uses] or ["none"],
        "year": [str(work.year)],
        "expires": [work.rights.expires.isoformat() if work.rights.expires else NO_EXPIRY],
    }
    return {k: values[k] for k in FILTERS if values[k]}


def filter_labels(cat: Catalog) -> dict[str, dict[str, str]]:
    """Display names of filter values (slugs and ids in the bundle), for the finder."""
    lib = cat.library
    return {
        "type": {t.value: label for t, label in TYPE_LABELS.items()},
        "scenario": {t.slug: t.label for t in lib.taxonomy.scenarios},
        "model": {t.slug: t.label for t in lib.taxonomy.models},
        "tag": dict(sorted(cat.tag_labels.items())),
        "contributor": {c.id: c.name for c in lib.contributors.values()},
        "use": {u.value: label for u, label in USE_LABELS.items()} | {"none": VIEW_ONLY},
        "year": {str(y): f"{y} 年" for y in sorted({w.year for w in cat.listed}, reverse=True)},
    }


# Works per Pagefind bundle. The indexer holds ~460 bytes per token of its input (2.1 GB for the
# 4,126 works of the 5,000-work bench corpus, ~20 GB at 50,000), so a larger library is indexed as
# shards of this many works, one after another, and the browser searches every shard
# (koc-find.js). Below this size there is one bundle, `pagefind/`; shard k ≥ 1 is `pagefind/k/`.
SHARD_WORKS = 5000
# With several shards, the explicit sorts of the finder (newest, best score) cannot come from
# one Pagefind sort: this file, in `pagefind/`, lists every result id in each order.
ORDER_FILE = "koc-order.json"
SORTS = ("date", "score")


def shard_count(works: int, shard_works: int = SHARD_WORKS) -> int:
    """How many Pagefind bundles hold `works` works.

    >>> shard_count(0), shard_count(5000), shard_count(5001), shard_count(12, 5)
    (1, 1, 2, 3)
    """
    return max(1, -(-works // max(1, shard_works)))


def shards_of(records: list[dict], shard_works: int = SHARD_WORKS) -> list[list[dict]]:
    """Records in id order (their sort key n), in runs of `shard_works`: the browser breaks ties
    by id across shards from each shard's own order, and as new works (ids begin with their year)
    sort last, adding works leaves the earlier shards as they were."""
    ordered = sorted(records, key=lambda r: r["sort"]["n"])
    size = max(1, shard_works)
    return [ordered[k:k + size] for k in range(0, len(ordered), size)]


def shard_dir(bundle: Path, k: int) -> Path:
    return bundle if k == 0 else bundle / str(k)


def order_lists(records: list[dict], ids: dict[str, str]) -> dict[str, list[str]]:
    """Sort key → every result id ("shard/fragment id") in that order, best first (ties by id)."""
    by_n = sorted(records, key=lambda r: r["sort"]["n"])
    keys = {"date": lambda r: r["sort"]["date"], "score": lambda r: float(r["sort"]["score"] or 0)}
    out = {}
    for key in SORTS:
        ranked = sorted(by_n, key=keys[key], reverse=True)  # stable: ties stay in id order
        out[key] = [ids[r["url"]] for r in ranked]
    return out


class SearchBundleJob:
    """Indexes `records` with Pagefind in a worker process (`bundle_worker`); `write(site_dir)` finishes it.

    The records, their card meta and where their words come from go into a temporary
    folder, and the worker starts at once: it writes each record as a tiny HTML page
    and runs the Pagefind CLI on them while the site renders (pagefind's Python
    service API took ~0.1 s per record here). A library of more than `shard_works`
    works is indexed in shards, one Pagefind after another, so that memory stays
    that of one shard. The words are the records' `content`, or, given `streams`
    (`IndexJob.streams_source()`), the analysed streams the index job's child writes,
    encoded with the vocabulary's `prefixes`: the build's process never touches them.

    The temporary folder lives exactly as long as the job: `write` or `cancel`
    removes it, so does leaving a `with` block, and a job dropped unfinished
    (a build never published) removes it when it is collected or at exit.
    """

    _lock = threading.Lock()
    _newest = 0  # the generation of the last job started in this process

    def __init__(self, records: list[dict], shard_works: int = SHARD_WORKS, cache_dir: Path | None = None,
                 streams: dict | None = None, prefixes: dict[str, str] | None = None):
        with SearchBundleJob._lock:
            SearchBundleJob._newest += 1
            self._generation = SearchBundleJob._newest
        _sweep_once()
        self._dir = Path(tempfile.mkdtemp(prefix=PAGEFIND_PREFIX))
        write_owner(self._dir)
        shards = shards_of(records, shard_works)
        self._count = len(shards)
        self._sorts = [{"url": r["url"], "sort": r["sort"]} for r in records] if len(shards) > 1 else None
        self._result: dict | None = None
        self._finished = False
        # The card meta waits in a file per shard for the worker's slimming of the fragments
        # (records without it: `give_meta`); the worker's input has only what Pagefind's pages hold.
        (self._dir / "meta").mkdir()
        self._shard_urls = [[r["url"] for r in shard] for shard in shards]
        if records and all("meta" in r for r in records):
            self.give_meta({r["url"]: r["meta"] for r in records})
        page_keys = ("url", "language", "filters", "sort", "content")
        spec = {
            "shards": [[{key: r[key] for key in page_keys if key in r} | {"id": r.get("id", r["url"])} for r in shard]
                       for shard in shards],
            "cache": str(Path(cache_dir).resolve()) if cache_dir is not None else None,
            "streams": streams,
            "prefixes": prefixes,
            "owner": os.getpid(),
        }
        (self._dir / SPEC).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        self._worker = _Worker(self._dir) if self._count else None
        # Whoever drops the job unpublished (a failed build, a test, an export
        # that was refused) still gets its folder and processes cleared.
        self._finalizer = weakref.finalize(self, _clean_up, self._dir, self._worker)

    def give_meta(self, metas: dict[str, dict]) -> None:
        """Each record's result-card meta (url → meta), which the worker puts into the fragments."""
        for k, urls in enumerate(self._shard_urls):
            text = json.dumps({url: metas[url] for url in urls}, ensure_ascii=False)
            tmp = self._dir / "meta" / f".{k}.json"
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(self._dir / "meta" / f"{k}.json")  # whole, or not yet there for the worker

    @property
    def indexed(self) -> set[int]:
        """Shards Pagefind indexed in this job (the others came from the cache), once finished."""
        return set(self._result["indexed"]) if self._result else set()

    def wait(self) -> Path | None:
        """The finished bundle's folder (None for an empty library); raises if Pagefind failed."""
        if not self._count:
            return None
        self._worker.join()
        bundle = self._dir / "bundle"
        if not self._finished:
            self._result = json.loads((self._dir / RESULT).read_text(encoding="utf-8"))
            for k in range(self._count):
                shutil.move(str(self._dir / "out" / str(k)), str(shard_dir(bundle, k)))
            if self._sorts is not None:
                text = json.dumps(order_lists(self._sorts, self._result["ids"]), separators=(",", ":"))
                (bundle / ORDER_FILE).write_text(text, encoding="utf-8")
            self._finished = True
        return bundle

    def write(self, site_dir: Path) -> Path:
        target = Path(site_dir) / "pagefind"
        try:
            bundle = self.wait()
            if bundle is not None:
                shutil.rmtree(target, ignore_errors=True)
                shutil.move(str(bundle), str(target))
            return target
        finally:
            self.cancel()

    def write_later(self, site_dir: Path) -> None:
        """For the preview: the saved page shows at once, and its search catches up
        when Pagefind is done, unless a newer save has started a newer bundle."""
        def finish():
            if self._worker is not None:
                self._worker.join(quiet=True)
            with SearchBundleJob._lock:
                if self._generation == SearchBundleJob._newest:
                    try:
                        self.write(site_dir)
                    except (OSError, RuntimeError, ValueError):
                        pass  # the next save tries again; a build still fails loudly
                    return
            self.cancel()

        threading.Thread(target=finish, daemon=True).start()

    @property
    def process(self) -> subprocess.Popen | None:
        """The worker process (which runs Pagefind); None before it starts, or for an empty library."""
        return self._worker.process if self._worker is not None else None

    def cancel(self) -> None:
        self._finalizer()  # once: later calls do nothing

    def __enter__(self) -> SearchBundleJob:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


class _Worker:
    """Starts `bundle_worker` on a folder and waits for it, in a thread of its own: the worker
    (and its Pagefind) die with that thread, so also with this process; `join` raises if it failed."""

    def __init__(self, folder: Path):
        self._folder = folder
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with self._lock:
            if self._stopped:
                return
            with open(self._folder / "worker.log", "wb") as log:
                self._proc = subprocess.Popen([sys.executable, "-m", "generator.search.bundle_worker", str(self._folder)],
                                              stdout=log, stderr=subprocess.STDOUT, preexec_fn=child_setup())
            write_owner(self._folder, [describe_process(self._proc.pid)])
        self._proc.wait()

    @property
    def process(self) -> subprocess.Popen | None:
        return self._proc

    def join(self, quiet: bool = False) -> None:
        self._thread.join()
        if quiet or self._stopped:
            return
        if self._proc is None or self._proc.returncode != 0:
            try:
                log = (self._folder / "worker.log").read_bytes().decode("utf-8", "replace")[-2000:].strip()
            except OSError:
                log = ""  # it never started
            raise RuntimeError(log or "the search bundle's worker failed")

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()  # its Pagefind dies with it
        self._thread.join()


def _clean_up(folder: Path, worker: _Worker | None) -> None:
    if worker is not None:
        worker.stop()
    remove_tree(folder)


_swept = False


def _sweep_once() -> None:
    """Folders and processes of killed runs go once per process (`koc serve` starts many jobs)."""
    global _swept
    if not _swept:
        _swept = True
        sweep_pagefind_dirs()


VOCAB_FILE = "koc-search/vocab.json.bin"


def search_data(cat: Catalog, shard_works: int = SHARD_WORKS) -> dict[str, bytes]:
    """`koc-search/vocab.json.bin`: the library's vocabulary forms (for cutting queries and saying why
    a work matched), the number of works (for idf) and of Pagefind shards (`shards_of`), shared by the
    header search and the finder.

    Gzip'd JSON (7 KB against 26 KB at 5,000 works, most of it contributors' names), unpacked by
    the browser's DecompressionStream; not named .gz, so that no server adds a Content-Encoding.
    The query segmenter's words go beside it, `koc-search/words/<xx>.json`, fetched per character.
    """
    from generator.search.edition_index import analyzer_of, segmenter_of

    data = analyzer_of(cat).vocab.to_json() | {"n": len(cat.listed), "shards": shard_count(len(cat.listed), shard_works)}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return {VOCAB_FILE: gzip.compress(text, compresslevel=9, mtime=0), **segmenter_of(cat).dictionary.shards()}
