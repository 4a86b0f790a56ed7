"""Querying the whoosh index: search with facets, related works, collections.

Queries use the SPEC §3.5 language. `scenario:`, `model:` and `tag:` accept
what editors write in works (a label or an alias) and are resolved to slugs
through the taxonomy, so `scenario:亲子游` and `scenario:family-weekend` match
the same works.

Example:
    >>> q = parse_query("scenario:亲子游 AND type:video", resolver)   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from whoosh import query as wq
from whoosh.qparser import MultifieldParser, QueryParserError
from whoosh.qparser.plugins import GtLtPlugin
from whoosh.searching import Searcher

from .search_index import FACETS

TEXT_FIELDS = ("title", "summary", "body")
# Query-time boosts multiply scores; index-time boosts would be flattened by BM25's saturation.
FIELD_BOOSTS = {"title": 4.0, "summary": 1.5, "body": 1.0}
FIELDS = ("type", "scenario", "model", "tag", "contributor", "use", "year", "featured", "score", "id")

# A resolver maps (field, written value) to the indexed value, or None when unknown.
Resolver = Callable[[str, str], "str | None"]


class QueryError(ValueError):
    pass


def parse_query(text: str, schema, resolve: Resolver | None = None) -> wq.Query:
    parser = MultifieldParser(list(TEXT_FIELDS), schema, fieldboosts=FIELD_BOOSTS)
    parser.add_plugin(GtLtPlugin())
    text = text.strip()
    if not text:
        return wq.Every()
    for name in _field_names(text):
        if name not in FIELDS and name not in TEXT_FIELDS:
            raise QueryError(f"未知字段 {name}:；可用字段：{', '.join(FIELDS + TEXT_FIELDS)}")
    try:
        q = parser.parse(text)
    except QueryParserError as exc:
        raise QueryError(f"查询语法错误：{exc}") from None
    if q is wq.NullQuery:
        return q
    unknown: list[str] = []

    def visit(node):
        if isinstance(node, wq.Term) and node.fieldname in ("scenario", "model", "tag", "type", "use", "contributor") and resolve:
            value = resolve(node.fieldname, node.text)
            if value is None:
                unknown.append(f"{node.fieldname}:{node.text}")
                return node
            return wq.Term(node.fieldname, value, boost=node.boost)
        if isinstance(node, wq.Term) and node.fieldname == "featured":
            return node
        return node.apply(visit) if hasattr(node, "apply") else node

    q = visit(q)
    if unknown:
        raise QueryError("未知的值：" + "、".join(unknown))
    return q


def _field_names(text: str) -> list[str]:
    import re

    # `word:` outside quotes names a field.
    return re.findall(r"(?:^|[\s(])([A-Za-z_]+):", re.sub(r'"[^"]*"', "", text))


@dataclass
class Hit:
    id: str
    score: float
    fields: dict
    snippet: str = ""


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def filters_query(filters: dict[str, str | None]) -> list[wq.Query]:
    return [wq.Term(name, value) for name, value in sorted(filters.items()) if value]


def search(searcher: Searcher, q: wq.Query, filters: list[wq.Query] = (), limit: int = 20,
           sort: str = "relevance", with_facets: bool = True, formatter=None) -> SearchResult:
    """Ranked (BM25F) results; facet counts over every match, not only the shown page."""
    full = wq.And([q, *filters]) if filters else q
    if sort == "date":
        results = searcher.search(full, limit=None, sortedby=["date", "id"], reverse=True)
    elif sort == "score":
        results = searcher.search(full, limit=None, sortedby=["score", "date"], reverse=True)
    else:
        results = searcher.search(full, limit=None)
    results.fragmenter.charlimit = None
    results.fragmenter.maxchars = 120
    results.fragmenter.surround = 30
    if formatter is not None:
        results.formatter = formatter
    hits = []
    for hit in results[: max(limit, 0)] if limit else results:
        snippet = hit.highlights("body", top=2) if formatter is not None else ""
        hits.append(Hit(hit["id"], float(hit.score or 0), dict(hit.fields()), snippet))
    if sort == "relevance":
        # whoosh breaks equal scores by document number, which depends on
        # indexing order; break them by id so output is reproducible.
        hits.sort(key=lambda h: (-round(h.score, 6), h.id))
    facets = facet_counts(searcher, set(results.docs())) if with_facets else {}
    return SearchResult(len(results), hits, facets)


def facet_counts(searcher: Searcher, docs: set[int]) -> dict[str, dict[str, int]]:
    reader = searcher.reader()
    counts: dict[str, dict[str, int]] = {}
    for name in FACETS:
        per_value = {}
        for term in reader.lexicon(name):
            value = term.decode("utf-8") if isinstance(term, bytes) else term
            n = len(docs.intersection(reader.postings(name, term).all_ids())) if docs else 0
            if n:
                per_value[value] = n
        counts[name] = dict(sorted(per_value.items(), key=lambda kv: (-kv[1], kv[0])))
    return counts


def collection_ids(searcher: Searcher, q: wq.Query, sort: str, limit: int) -> list[str]:
    """Ids a collection lists: evaluation score (then newest) or newest first."""
    results = searcher.search(q, limit=None)
    rows = [hit.fields() for hit in results]
    if sort == "date":
        rows.sort(key=lambda f: (f["date"], f["id"]), reverse=True)
    else:
        rows.sort(key=lambda f: (f.get("score") or 0, f["date"], f["id"]), reverse=True)
    return [f["id"] for f in rows[:limit]]


def make_resolver(library, tags) -> Resolver:
    """Resolve query values as works write them: labels, aliases, slugs, Chinese type names."""
    from .model import TYPE_LABELS, USE_LABELS
    from .taxonomy import Vocabulary, normalise

    scenarios = Vocabulary(library.taxonomy.scenarios)
    models = Vocabulary(library.taxonomy.models)
    types = {t.value: t.value for t in TYPE_LABELS} | {label: t.value for t, label in TYPE_LABELS.items()}
    uses = {u.value: u.value for u in USE_LABELS} | {label: u.value for u, label in USE_LABELS.items()}

    def resolve(fieldname: str, value: str) -> str | None:
        if fieldname in ("scenario", "model"):
            vocabulary = scenarios if fieldname == "scenario" else models
            if value in vocabulary.by_slug:
                return value
            term = vocabulary.resolve(value)
            return term.slug if term else None
        if fieldname == "tag":
            label = tags.label(value)
            try:
                return tags.slug(label)
            except KeyError:
                return value if value == normalise(value).lower() and value.isascii() else label
        if fieldname == "type":
            return types.get(value)
        if fieldname == "use":
            return uses.get(value)
        if fieldname == "contributor":
            return value if value in library.contributors else None
        return value

    return resolve
