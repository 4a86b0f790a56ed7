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
works, never a `private:` field), and the binary indexes them in its own
process while the site renders, so the bundle costs little extra time.

Example:
    >>> job = SearchBundleJob(search_records(inputs))   # doctest: +SKIP
    >>> job.write(Path("site"))                          # doctest: +SKIP
"""

from __future__ import annotations

import gzip
import html
import json
import os
import queue
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
from generator.publish.leftovers import (PAGEFIND_PREFIX, describe_process, die_with_parent, remove_tree,
                                        sweep_pagefind_dirs, write_owner)
from generator.search.analysis import SearchVocabulary
from generator.search.facets import FACETS
from generator.search.shard_cache import ShardCache, shard_digest

_TAGS = re.compile(r"<[^>]+>")
# The facets, and one filter the finder sets without showing it: its meeting date keeps
# the works whose rights last until then.
NO_EXPIRY = "never"
FILTERS = (*FACETS, "expires")


# A language code without a Pagefind stemmer or segmenter: our tokens stay as they are.
LANGUAGE = "und"


EVERY = "xz"  # the encoding of "": no token is empty, so no other word is this one


def pagefind_word(token: str) -> str:
    """A token as Pagefind stores it: "x" + the hex of its UTF-8 + "z".

    ASCII only, because Pagefind 1.5.2 loses pages of some multibyte words in
    long records (measured: 陈默说车 found in 1 of the 3 records holding it;
    hex-encoded, in all 3). And the browser searches exactly this word: no
    other word starts with it (hex digits never hold a z), so Pagefind's prefix
    matching is an exact match and its fallback to a shorter word never happens.
    """
    return "x" + token.encode("utf-8").hex() + "z"


def word_encoder(vocab: SearchVocabulary):
    """token → its Pagefind word; a vocabulary form is "y" + its entry's place + hex + "z".

    A query of a vocabulary form also asks for every other form of its entries
    (野营 for 露营); Pagefind keeps its words sorted in chunks of ~20,000 positions
    and the browser downloads one chunk per word, so the forms of one entry are
    given one prefix (the place of the first entry that names the form, 4 base-36
    digits) and sort side by side, mostly in one chunk. koc-find.js encodes alike.
    """
    place = {(e.kind, e.key): n for n, e in reversed(list(enumerate(vocab.entries)))}
    prefix = {f: "y" + _base36(place[keys[0]]) for f, keys in vocab.forms.items()}

    def encode(token: str) -> str:
        head = prefix.get(token)
        return pagefind_word(token) if head is None else head + token.encode("utf-8").hex() + "z"

    return encode


class ContentMaker:
    """A work's Pagefind content: its token stream, each token encoded (`word_encoder`), then EVERY,
    one word all works hold, so that the browser reads the order of all works by a sort key from
    that word's entry alone (a search without words would download the whole index).

    `streams()` gives the streams (work id → stream) when first needed: the index job's
    child sends them once it has analysed the works.
    """

    def __init__(self, cat: Catalog, streams):
        from generator.search.edition_index import analyzer_of

        self._streams, self._got = streams, None
        # Tokens repeat (3.3 million in 4,126 works, a few hundred thousand distinct): each is encoded once.
        self._word = _Memo(word_encoder(analyzer_of(cat).vocab))

    def __call__(self, work_id: str) -> str:
        if self._got is None:
            self._got = self._streams()
        return " ".join(map(self._word.__getitem__, self._got[work_id].split())) + " " + EVERY


class _Memo(dict):
    """encode(token), computed once per token (a dict lookup runs in C)."""

    def __init__(self, encode):
        super().__init__()
        self._encode = encode

    def __missing__(self, token: str) -> str:
        self[token] = word = self._encode(token)
        return word


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(digits[n // 36 ** k % 36] for k in (3, 2, 1, 0))


def search_records(inputs: PageInputs, streams: dict[str, str] | None = None, content: bool = True) -> list[dict]:
    """One Pagefind record per listed work: token stream, result-card meta and text, filters and sort keys.

    `streams` are the works' analysed token streams, if made elsewhere (the index job's child).
    Without `content`, the records carry no words: `SearchBundleJob` adds them with a
    `ContentMaker` in its own thread, so that the build never waits for the analysis.
    """
    from generator.search.edition_index import work_streams

    cat = inputs.catalog
    make = ContentMaker(cat, lambda: work_streams(cat) if streams is None else streams) if content else None
    records = []
    order = {wid: n for n, wid in enumerate(sorted(w.id for w in cat.listed))}
    for work in cat.listed:
        card = inputs.cards[work.id]
        text = html.unescape(_TAGS.sub(" ", inputs.bodies[work.id].html))
        cover = web_src(work.cover, CARD_WIDTH) if work.cover else ""
        records.append({
            "url": "/" + card.url,
            **({"content": make(work.id)} if make else {}),
            "language": LANGUAGE,
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
            "filters": _filters(work, cat),
            # n: the work's place in id order, which breaks ties of relevance as `koc search` does
            "sort": {"date": work.date.isoformat(), "score": str(card.score or 0), "n": f"{order[work.id]:06d}"},
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


def record_page(record: dict) -> str:
    """A minimal HTML page that carries one record's words, filters and sort keys for Pagefind's indexer.

    The result-card meta is not in the page: Pagefind 1.5 indexes every meta value as
    words (the whole text of each work, unsegmented: a fifth of the index at 5,000 works,
    never searched); `slim_fragments` puts it into each result's fragment afterwards.
    """
    esc = html.escape
    filters = "".join(f'<span data-pagefind-filter="{k}:{esc(v)}"></span>' for k, vs in record["filters"].items() for v in vs)
    sort = "".join(f'<span data-pagefind-sort="{k}:{esc(v)}"></span>' for k, v in record["sort"].items())
    return (f'<!doctype html><html lang="{record["language"]}"><head><meta charset="utf-8"></head><body>'
            f'<main data-pagefind-body>{esc(record["content"])}</main>{filters}{sort}</body></html>')


FRAGMENT_HEADER = b"pagefind_dcd"  # what Pagefind 1.5 writes before the JSON of a gzip'd fragment


def slim_fragments(bundle: Path, metas: dict[str, dict]) -> dict[str, str]:
    """Give each result fragment its card meta (url → meta) and drop its content; url → fragment id.

    A fragment is what the browser loads per result shown; its content is the
    record's encoded token stream, which nothing reads (koc-find.js ranks from the
    index and excerpts from the meta text), and half its size. Its id (the file's
    name) is the result id Pagefind gives the browser.
    """
    ids = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        if not data.startswith(FRAGMENT_HEADER):
            raise RuntimeError(f"unexpected Pagefind fragment format: {path.name}")
        fragment = json.loads(data[len(FRAGMENT_HEADER):])
        meta = metas.get(fragment["url"])
        if meta is None:
            raise RuntimeError(f"Pagefind fragment of an unknown page: {fragment['url']}")
        ids[fragment["url"]] = path.name.removesuffix(".pf_fragment")
        fragment["content"] = ""
        fragment["meta"] = {k: v for k, v in meta.items() if v}
        body = json.dumps(fragment, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        path.write_bytes(gzip.compress(FRAGMENT_HEADER + body, mtime=0))
    return ids


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


def _shard_pages(shard: list[dict]) -> dict[str, str]:
    """Pagefind's input pages of one shard: where Pagefind will say each page is
    (`works/x/` → works/x/index.html, `works/x.html` as it is) → its HTML."""
    pages = {}
    for record in shard:
        url = record["url"].lstrip("/")
        pages[url + "index.html" if url.endswith("/") else url] = record_page(record)
    return pages


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
    """Indexes `records` with the Pagefind CLI in the background; `write(site_dir)` finishes it.

    Each record becomes a tiny HTML page in a temporary folder and the CLI runs
    on that folder at once, in its own process, while the site renders. (The
    CLI indexes ~1,000 such pages in 2-3 s; pagefind's Python service API
    took ~0.1 s per record here.) A library of more than `shard_works` works is
    indexed in shards, one Pagefind after another, so that memory stays that
    of one shard.

    The temporary folder lives exactly as long as the job: `write` or `cancel`
    removes it, so does leaving a `with` block, and a job dropped unfinished
    (a build never published) removes it when it is collected or at exit.
    """

    _lock = threading.Lock()
    _newest = 0  # the generation of the last job started in this process

    def __init__(self, records: list[dict], shard_works: int = SHARD_WORKS, cache_dir: Path | None = None,
                 content: ContentMaker | None = None):
        with SearchBundleJob._lock:
            SearchBundleJob._newest += 1
            self._generation = SearchBundleJob._newest
        _sweep_once()
        self._dir = Path(tempfile.mkdtemp(prefix=PAGEFIND_PREFIX))
        write_owner(self._dir)
        # The threads hold what they work on, never the job, so that a job dropped unfinished is
        # still collected (its finalizer stops them and removes the folder).
        self._work = work = _ShardWork(self._dir, ShardCache(cache_dir) if cache_dir is not None else None)
        self._state = work.runner
        # Whoever drops the job unpublished (a failed build, a test, an export
        # that was refused) still gets its folder and process cleared.
        self._finalizer = weakref.finalize(self, _clean_up, self._dir, self._state)
        shards = shards_of(records, shard_works)
        self._count = len(shards)
        self._sorts = [{"url": r["url"], "sort": r["sort"]} for r in records] if len(shards) > 1 else None
        self._finished = False
        # All of it in a thread beside the render: the records' words (`content`, once the index
        # job's child has analysed the works), Pagefind's pages (slow on some disks: ~1 ms a page),
        # the card meta in a file per shard, a shard at a time, while the runner indexes the
        # shards before; no shard's pages are kept in memory (at 50,000 works, gigabytes).
        (self._dir / "meta").mkdir()
        self._preparer = threading.Thread(target=work.prepare, args=(shards, content), daemon=True)
        self._preparer.start()

    @property
    def indexed(self) -> set[int]:
        """Shards Pagefind indexed in this job (the others came from the cache)."""
        return self._work.indexed

    def wait(self) -> Path | None:
        """The finished bundle's folder (None for an empty library); raises if Pagefind failed."""
        if not self._count:
            return None
        self._preparer.join()
        self._state.join()
        bundle = self._dir / "bundle"
        if not self._finished:
            for k in range(self._count):
                shutil.move(str(self._dir / "out" / str(k)), str(shard_dir(bundle, k)))
            if self._sorts is not None:
                text = json.dumps(order_lists(self._sorts, self._work.ids), separators=(",", ":"))
                (bundle / ORDER_FILE).write_text(text, encoding="utf-8")
            if self._work.cache is not None:
                self._work.cache.keep_only(set(self._work.digests))
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
            self._preparer.join()
            self._state.join(quiet=True)
            with SearchBundleJob._lock:
                if self._generation == SearchBundleJob._newest:
                    try:
                        self.write(site_dir)
                    except (OSError, RuntimeError):
                        pass  # the next save tries again; a build still fails loudly
                    return
            self.cancel()

        threading.Thread(target=finish, daemon=True).start()

    @property
    def process(self) -> subprocess.Popen | None:
        """The Pagefind process running now (or the last one run); None before the first starts."""
        return self._state.process

    def cancel(self) -> None:
        self._finalizer()  # once: later calls do nothing

    def __enter__(self) -> SearchBundleJob:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


class _ShardWork:
    """What the job's threads work on: the shards' digests, the cache, the runner, the result ids."""

    def __init__(self, folder: Path, cache: ShardCache | None):
        self.folder = folder
        self.cache = cache
        self.digests: list[str] = []
        self.indexed: set[int] = set()  # shards Pagefind indexed (the others came from the cache)
        self.ids: dict[str, str] = {}  # url → result id "k/fragment id"
        self._lock = threading.Lock()
        self.runner = _Runner(folder, self.indexed_shard)

    def prepare(self, shards: list[list[dict]], content: ContentMaker | None) -> None:
        """Each shard: its pages and their digest; then copied from the cache (checked against its
        manifest), or its pages written and handed to the runner for Pagefind."""
        try:
            for k, shard in enumerate(shards):
                if content is not None:
                    shard = [dict(record, content=content(record["meta"]["id"])) for record in shard]
                meta = {record["url"]: record["meta"] for record in shard}
                (self.folder / "meta" / f"{k}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
                pages = _shard_pages(shard)
                del shard, meta
                self.digests.append(shard_digest(pages, LANGUAGE))
                out = self.folder / "out" / str(k)
                if self.cache is not None and self.cache.fetch(self.digests[k], out):
                    self.slim(k, out)
                    continue
                pages_dir = self.folder / "pages" / str(k)
                for path, text in pages.items():
                    page = pages_dir / path
                    page.parent.mkdir(parents=True, exist_ok=True)
                    page.write_text(text, encoding="utf-8")
                del pages
                self.runner.submit(k, [sys.executable, "-m", "pagefind", "--site", str(pages_dir), "--output-path", str(out),
                                       "--force-language", LANGUAGE])
        except Exception as exc:  # noqa: BLE001 - reported by wait, in the build's thread (or the job was cancelled)
            self.runner.fail(f"the search bundle could not be prepared: {exc}")
        finally:
            self.runner.close()

    def indexed_shard(self, k: int) -> None:
        """In the runner's thread, when Pagefind has indexed shard k."""
        out = self.folder / "out" / str(k)
        remove_tree(self.folder / "pages" / str(k))
        if self.cache is not None:
            self.cache.store(self.digests[k], out)
        self.indexed.add(k)
        self.slim(k, out)

    def slim(self, k: int, out: Path) -> None:
        metas = json.loads((self.folder / "meta" / f"{k}.json").read_text(encoding="utf-8"))
        ids = {url: f"{k}/{i}" for url, i in slim_fragments(out, metas).items()}
        with self._lock:
            self.ids.update(ids)


class _Runner:
    """Runs the shards' Pagefind commands one after another in a thread, as they are submitted;
    `after(k)` runs there once shard k is indexed; `join` raises if a command failed."""

    def __init__(self, folder: Path, after=None):
        self._lock = threading.Lock()
        self._folder = folder
        self._after = after
        self._proc: subprocess.Popen | None = None
        self._stopped = False
        self._error: str | None = None
        self._queue: queue.Queue = queue.Queue()
        self._log = open(folder / "pagefind.log", "w+b")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def start(self, commands: list[list[str]]) -> None:
        """Run these commands (shards 0, 1, …) and no more."""
        for k, cmd in enumerate(commands):
            self.submit(k, cmd)
        self.close()

    def submit(self, k: int, cmd: list[str]) -> None:
        self._queue.put((k, cmd))

    def close(self) -> None:
        self._queue.put(None)

    def fail(self, message: str) -> None:
        with self._lock:
            if not self._stopped and self._error is None:
                self._error = message

    @property
    def process(self) -> subprocess.Popen | None:
        """The Pagefind running now, or the last one."""
        return self._proc

    def _launch(self, cmd: list[str]) -> bool:
        with self._lock:
            if self._stopped:
                return False
            self._proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_child_setup())
            # The next run kills it if this process dies without doing so.
            write_owner(self._folder, [describe_process(self._proc.pid)])
            return True

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            k, cmd = item
            if not self._launch(cmd):
                return
            if self._proc.wait() != 0:
                with self._lock:
                    if not self._stopped:
                        self._log.seek(0)
                        self._error = "Pagefind failed:\n" + self._log.read().decode("utf-8", "replace")[-2000:]
                return
            if self._after is not None:
                try:
                    self._after(k)
                except Exception as exc:  # noqa: BLE001 - reported by join, in the build's thread
                    self.fail(f"Pagefind's bundle could not be finished: {exc!r}")
                    return

    def join(self, quiet: bool = False) -> None:
        self._thread.join()
        if self._error and not quiet:
            raise RuntimeError(self._error)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            proc = self._proc
        self._queue.put(None)  # a runner still waiting for work ends
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        self._thread.join()
        self._log.close()


def _child_setup():
    """Pagefind dies with the runner thread that starts and waits for it, and runs at low
    priority: rendering is the build's critical path, as for the whoosh child."""
    def setup() -> None:
        die_with_parent()
        os.nice(10)

    return setup


def _clean_up(folder: Path, runner: _Runner) -> None:
    runner.stop()
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
