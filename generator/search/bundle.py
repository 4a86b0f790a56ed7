"""The browser's search bundle: a Pagefind index of the works' analysed token streams.

Each record's content is the work's token stream from `analysis` (the very
stream `koc search` indexes), under a language Pagefind does not segment, so
its index holds exactly our tokens; `koc-find.js` cuts the query as
`analysis.Analyzer.query_groups` does (with `koc-search/vocab.json`, the
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

import html
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import weakref
from pathlib import Path

from generator.catalog.catalog import Catalog
from generator.model import TYPE_LABELS, USE_LABELS, Use, Work, is_remote
from generator.pages.images import CARD_WIDTH, sized_path
from generator.pages.spec import PageInputs
from generator.pages.wording import VIEW_ONLY, expiry_note
from generator.publish.leftovers import PAGEFIND_PREFIX, describe_process, parent_death_hook, remove_tree, sweep_pagefind_dirs, write_owner
from generator.search.facets import FACETS

_TAGS = re.compile(r"<[^>]+>")
# The facets, and one filter the finder sets without showing it: its meeting date keeps
# the works whose rights last until then.
NO_EXPIRY = "never"
FILTERS = (*FACETS, "expires")


# A language code without a Pagefind stemmer or segmenter: our tokens stay as they are.
LANGUAGE = "und"


EVERY = "xz"  # pagefind_word(""): no token is empty, so no other word is this one


def pagefind_word(token: str) -> str:
    """A token as Pagefind stores it: "x" + the hex of its UTF-8 + "z".

    ASCII only, because Pagefind 1.5.2 loses pages of some multibyte words in
    long records (measured: 陈默说车 found in 1 of the 3 records holding it;
    hex-encoded, in all 3). And the browser searches exactly this word: no
    other word starts with it (hex digits never hold a z), so Pagefind's prefix
    matching is an exact match and its fallback to a shorter word never happens.
    """
    return "x" + token.encode("utf-8").hex() + "z"


def search_records(inputs: PageInputs) -> list[dict]:
    """One Pagefind record per listed work: token stream, result-card meta and text, filters and sort keys."""
    from generator.search.edition_index import work_streams

    cat = inputs.catalog
    streams = work_streams(cat)
    records = []
    order = {wid: n for n, wid in enumerate(sorted(w.id for w in cat.listed))}
    for work in cat.listed:
        card = inputs.cards[work.id]
        text = html.unescape(_TAGS.sub(" ", inputs.bodies[work.id].html))
        cover = ""
        if work.cover:
            cover = work.cover if is_remote(work.cover) else sized_path(work.cover, CARD_WIDTH)
        records.append({
            "url": "/" + card.url,
            # EVERY closes each record: one word all works hold, so the browser reads the order of all
            # works by a sort key from that word's entry alone (a search without words would
            # download the whole index).
            "content": " ".join(pagefind_word(t) for t in streams[work.id].split()) + " " + EVERY,
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
    """A minimal HTML page that carries one record for Pagefind's indexer."""
    esc = html.escape
    meta = "".join(f'<span data-pagefind-meta="{k}:{esc(v)}"></span>' for k, v in record["meta"].items() if v)
    filters = "".join(f'<span data-pagefind-filter="{k}:{esc(v)}"></span>' for k, vs in record["filters"].items() for v in vs)
    sort = "".join(f'<span data-pagefind-sort="{k}:{esc(v)}"></span>' for k, v in record["sort"].items())
    return (f'<!doctype html><html lang="{record["language"]}"><head><meta charset="utf-8"></head><body>'
            f'<main data-pagefind-body>{esc(record["content"])}</main>{meta}{filters}{sort}</body></html>')


class SearchBundleJob:
    """Indexes `records` with the Pagefind CLI in the background; `write(site_dir)` finishes it.

    Each record becomes a tiny HTML page in a temporary folder and the CLI runs
    on that folder at once, in its own process, while the site renders. (The
    CLI indexes ~1,000 such pages in 2-3 s; pagefind's Python service API
    took ~0.1 s per record here.)

    The temporary folder lives exactly as long as the job: `write` or `cancel`
    removes it, so does leaving a `with` block, and a job dropped unfinished
    (a build never published) removes it when it is collected or at exit.
    """

    _lock = threading.Lock()
    _newest = 0  # the generation of the last job started in this process

    def __init__(self, records: list[dict]):
        with SearchBundleJob._lock:
            SearchBundleJob._newest += 1
            self._generation = SearchBundleJob._newest
        _sweep_once()
        self._dir = Path(tempfile.mkdtemp(prefix=PAGEFIND_PREFIX))
        write_owner(self._dir)
        # Whoever drops the job unpublished (a failed build, a test, an export
        # that was refused) still gets its folder and process cleared.
        self._finalizer = weakref.finalize(self, _clean_up, self._dir, None, None)
        for record in records:
            # Where Pagefind will say the page is: `works/x/` → works/x/index.html, `works/x.html` as it is.
            url = record["url"].lstrip("/")
            page = self._dir / "pages" / (url + "index.html" if url.endswith("/") else url)
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(record_page(record), encoding="utf-8")
        self._log = open(self._dir / "pagefind.log", "w+b")
        cmd = [sys.executable, "-m", "pagefind", "--site", str(self._dir / "pages"),
               "--output-path", str(self._dir / "bundle"), "--force-language", LANGUAGE]
        # An empty library has nothing to index; the finder then says so itself.
        self._proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                      preexec_fn=parent_death_hook()) if records else None
        if self._proc is not None:
            # The next run kills it if this process dies without doing so.
            write_owner(self._dir, [describe_process(self._proc.pid)])
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _clean_up, self._dir, self._proc, self._log)

    def wait(self) -> Path | None:
        """The finished bundle's folder (None for an empty library); raises if Pagefind failed."""
        if self._proc is None:
            return None
        if self._proc.wait() != 0:
            self._log.seek(0)
            raise RuntimeError("Pagefind failed:\n" + self._log.read().decode("utf-8", "replace")[-2000:])
        return self._dir / "bundle"

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
            if self._proc is not None:
                self._proc.wait()
            with SearchBundleJob._lock:
                if self._generation == SearchBundleJob._newest:
                    try:
                        self.write(site_dir)
                    except (OSError, RuntimeError):
                        pass  # the next save tries again; a build still fails loudly
                    return
            self.cancel()

        threading.Thread(target=finish, daemon=True).start()

    def cancel(self) -> None:
        self._finalizer()  # once: later calls do nothing

    def __enter__(self) -> SearchBundleJob:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()



def _clean_up(folder: Path, proc: subprocess.Popen | None, log) -> None:
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()
    if log is not None:
        log.close()
    remove_tree(folder)


_swept = False


def _sweep_once() -> None:
    """Folders and processes of killed runs go once per process (`koc serve` starts many jobs)."""
    global _swept
    if not _swept:
        _swept = True
        sweep_pagefind_dirs()


CARD_SHARD = 50


def finder_data(records: list[dict]) -> dict[str, bytes]:
    """Compact data for filter-only finder queries, which Pagefind would answer only
    after downloading its whole word index (5.7 MB at 5,000 works).

    `finder/data/facets.json` holds, per listed work (newest first), its sort keys and
    facet values as small integers; `finder/data/cards-<n>.json` hold the result-card
    meta of works n×50 … n×50+49, so a page of results fetches a few small shards.
    """
    import json

    names = FILTERS
    dicts: dict[str, dict[str, int]] = {n: {} for n in names}
    rows, cards = [], []
    for record in records:
        codes = []
        for name in names:
            table = dicts[name]
            codes.append([table.setdefault(v, len(table)) for v in record["filters"].get(name, [])])
        rows.append([record["sort"]["date"], int(record["sort"]["score"] or 0), *codes])
        m = record["meta"]
        cards.append([record["url"], m["title"], m["type"], m["date"], m["credits"], m["uses"], m["expiring"], m["score"], m["image"], m["expiry"], m["id"]])
    dump = lambda data: json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")  # noqa: E731
    files = {"finder/data/facets.json": dump({"facets": list(names), "values": {n: list(t) for n, t in dicts.items()},
                                               "rows": rows, "shard": CARD_SHARD})}
    for start in range(0, len(cards), CARD_SHARD):
        files[f"finder/data/cards-{start // CARD_SHARD}.json"] = dump(cards[start:start + CARD_SHARD])
    return files


def search_data(cat: Catalog) -> dict[str, bytes]:
    """`koc-search/vocab.json`: the library's vocabulary forms (for cutting queries and saying why a
    work matched) and the number of works (for idf), shared by the header search and the finder."""
    import json

    from generator.search.edition_index import analyzer_of, segmenter_of

    data = analyzer_of(cat).vocab.to_json() | {"n": len(cat.listed)}
    return {"koc-search/vocab.json": json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
            **segmenter_of(cat).dictionary.shards()}  # the query segmenter's words, koc-search/words/<xx>.json
