"""The whoosh index of one edition: exactly the works it lists, updated in place.

Example:
    >>> ix, report = index_library(cat, options)   # doctest: +SKIP
    >>> report.added                                # doctest: +SKIP
"""

from __future__ import annotations

from generator.catalog.catalog import Catalog
from generator.options import Options
from generator.search.index import SyncReport, update_index, work_document


def index_documents(cat: Catalog) -> list[dict]:
    return [work_document(w, cat.tags.slug) for w in cat.listed]


def index_library(cat: Catalog, options: Options) -> tuple[object, SyncReport]:
    """Bring the edition's whoosh index up to date, in this process (`koc search`)."""
    return update_index(options.cache_dir, options.audience, index_documents(cat), procs=options.index_procs)
