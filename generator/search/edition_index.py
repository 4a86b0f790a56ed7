"""The whoosh index of one edition: exactly the works it lists, updated in place.

Each work is analysed once (`work_streams`); the same streams feed the whoosh
index and the browser's Pagefind bundle, so both find the same works.

Example:
    >>> ix, report = index_library(cat, options)   # doctest: +SKIP
    >>> report.added                                # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import sys

from generator.catalog.catalog import Catalog
from generator.model import Work
from generator.options import Options
from generator.search.analysis import Analyzer, SearchVocabulary, VocabEntry
from generator.search.index import AUDIENCE_LABELS, SyncReport, index_exists, update_index, work_document


def analyzer_of(cat: Catalog) -> Analyzer:
    """The library's analyzer (its vocabulary), made once per catalog."""
    cached = getattr(cat, "_koc_analyzer", None)
    if cached is None:
        cached = Analyzer(SearchVocabulary.of_library(cat.library, cat.tags), segmenter=lambda: segmenter_of(cat))
        try:
            cat._koc_analyzer = cached
        except AttributeError:  # a frozen catalog: analyse again next time
            pass
    return cached


def segmenter_of(cat: Catalog):
    """The edition's query segmenter (`segmenter.py`): its dictionary is made from the text of the
    works the edition lists and the vocabulary, once per catalog; the browser gets the same one."""
    from generator.search.segmenter import Segmenter, edition_dictionary

    cached = getattr(cat, "_koc_segmenter", None)
    if cached is None:
        vocab = analyzer_of(cat).vocab
        texts = [t for w in cat.listed for t in (w.title, w.summary if w.summary_given else "", w.body)]
        texts += [n for e in vocab.entries for n in (e.label, *e.aliases)]
        cached = Segmenter(edition_dictionary(texts, vocab.forms))
        try:
            cat._koc_segmenter = cached
        except AttributeError:
            pass
    return cached


def work_entries(work: Work, cat: Catalog, analyzer: Analyzer) -> list[VocabEntry]:
    """The vocabulary entries a work is filed under: models, scenarios, tags, contributors."""
    by_key = analyzer.vocab.by_key
    keys = [("model", m) for m in work.models] + [("scenario", s) for s in work.scenarios]
    keys += [("tag", cat.tags.slug(t)) for t in work.tags]
    keys += [("contributor", c) for c in dict.fromkeys(work.contributor_ids)]
    return [by_key[k] for k in keys if k in by_key]


# Bump when the analysis changes, so that cached streams are made anew.
ANALYSIS_VERSION = 2


def work_streams(cat: Catalog, cache_dir=None) -> dict[str, str]:
    """Work id → its analysed token stream, for every work the edition lists.

    With a `cache_dir`, each stream is kept in the derived cache by the work's
    title, summary, body and facets and by the whole vocabulary (a form found in
    the text may be any vocabulary word), so that a warm build, `koc serve` after
    a save and the other edition analyse only the works whose text changed.
    """
    cached = getattr(cat, "_koc_streams", None)
    if cached is not None:
        return cached
    analyzer = analyzer_of(cat)

    def stream(w: Work) -> str:
        return analyzer.work_stream(w.title, w.summary if w.summary_given else "", w.body, work_entries(w, cat, analyzer))

    if cache_dir is None:
        streams = {w.id: stream(w) for w in cat.listed}
    else:
        from generator.content.derived_cache import DerivedCache

        vocab = hashlib.sha256(json.dumps(analyzer.vocab.to_json(), ensure_ascii=False).encode()).hexdigest()
        with DerivedCache(cache_dir) as cache:
            # Sealed with the body: the cache shows a work's words only to whoever has its text.
            streams = {w.id: cache.get("stream", [ANALYSIS_VERSION, vocab, w.title, w.summary if w.summary_given else "", w.body,
                                                  [(e.kind, e.key) for e in work_entries(w, cat, analyzer)]],
                                       lambda w=w: stream(w), secret=w.body.encode("utf-8"))
                       for w in cat.listed}
    try:
        cat._koc_streams = streams
    except AttributeError:
        pass
    return streams


def facet_documents(cat: Catalog) -> list[dict]:
    """The indexed fields of every listed work without its text (for the facet index of collections)."""
    return [work_document(w, cat.tags.slug, "") for w in cat.listed]


def index_documents(cat: Catalog) -> list[dict]:
    streams = work_streams(cat)
    return [work_document(w, cat.tags.slug, streams[w.id]) for w in cat.listed]


def index_library(cat: Catalog, options: Options) -> tuple[object, SyncReport]:
    """Bring the edition's whoosh index up to date, in this process (`koc search`)."""
    if not index_exists(options.cache_dir, options.audience):
        # A build writes no first index (`site.index_wanted`): say why this search takes a while.
        print(f"正在建立{AUDIENCE_LABELS[options.audience]}的检索索引（{len(cat.listed)} 件作品，仅首次检索需要）……",
              file=sys.stderr)
    work_streams(cat, options.cache_dir)
    return update_index(options.cache_dir, options.audience, index_documents(cat), procs=options.index_procs)
