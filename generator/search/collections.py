"""Which works each curated collection lists: its query, run on the edition's index.

A collection made only of field filters (`type:video AND use:dealer_meeting`)
is answered from a small in-memory index of the facet fields, so the build
need not wait for the full-text index; one with words waits for it.
"""

from __future__ import annotations

from generator.model import Library
from generator.search.index import make_schema
from generator.search.index_job import IndexJob, facet_index, uses_text
from generator.search.query import collection_ids, make_resolver, parse_query


def collections_need_words(library: Library, tags) -> bool:
    """Does any collection's query look at the text (and so need the full-text index)?"""
    schema, resolver = make_schema(), make_resolver(library, tags)
    return any(uses_text(parse_query(c.query, schema, resolver)) for c in library.collections)


def run_collections(library: Library, tags, docs: list[dict], job: IndexJob) -> dict[str, list[str]]:
    """Collection slug → ids of the works it lists, in its order."""
    schema = make_schema()
    resolver = make_resolver(library, tags)
    queries = {c.slug: parse_query(c.query, schema, resolver) for c in library.collections}
    if not any(uses_text(q) for q in queries.values()):
        with facet_index(docs).searcher() as searcher:
            return {c.slug: collection_ids(searcher, queries[c.slug], c.sort, c.limit) for c in library.collections}
    with job.searcher() as searcher:
        return {c.slug: collection_ids(searcher, queries[c.slug], c.sort, c.limit) for c in library.collections}
