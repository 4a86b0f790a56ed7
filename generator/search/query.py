"""Querying the whoosh index: search with facets, related works, collections.

Queries use whoosh's syntax over the fields of `index.make_schema` (see the README). `scenario:`, `model:` and `tag:` accept
what editors write in works (a label or an alias) and are resolved to slugs
through the taxonomy, so `scenario:亲子游` and `scenario:family-weekend` match
the same works.

Example:
    >>> q = parse_query("scenario:亲子游 AND type:video", resolver)   # doctest: +SKIP
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import Callable

from whoosh import query as wq
from whoosh.qparser import MultifieldParser, QueryParserError
from whoosh.qparser.plugins import GtLtPlugin
from whoosh.searching import Searcher

from generator.search.facets import FACETS

TEXT_FIELDS = ("title", "summary", "body")
# Query-time boosts multiply scores; index-time boosts would be flattened by BM25's saturation.
FIELD_BOOSTS = {"title": 4.0, "summary": 1.5, "body": 1.0}
FIELDS = (*FACETS, "featured", "score", "id")

# Facets whose values are written as editors write them (labels, aliases) and resolved to the indexed value.
RESOLVED = tuple(f for f in FACETS if f != "year")
# Sort orders of `koc search` and the finder.
SORTS = ("relevance", "date", "score")

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
        if isinstance(node, wq.Term) and node.fieldname in RESOLVED and resolve:
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
           sort: str = "relevance", with_facets: bool = True, snippets: bool = False) -> SearchResult:
    """Ranked (BM25F) results; facet counts over every match, not only the shown page."""
    full = wq.And([q, *filters]) if filters else q
    values = _doc_values(searcher)
    if sort == "date":
        results = searcher.search(full, limit=None, sortedby=["date", "id"], reverse=True)
        ranked = list(results.items())
    elif sort == "score":
        results = searcher.search(full, limit=None, sortedby=["score", "date", "id"], reverse=True)
        ranked = list(results.items())
    else:
        results = searcher.search(full, limit=None)
        # whoosh breaks equal scores by document number, which depends on
        # indexing order; break them by id so output is reproducible.
        ranked = sorted(results.items(), key=lambda item: (-round(item[1] or 0, 6), values.ids[item[0]]))
    terms = _text_terms(q) if snippets else set()
    hits = []
    for docnum, score in ranked[:limit] if limit else ranked:
        fields = searcher.stored_fields(docnum)
        hits.append(Hit(fields["id"], float(score or 0), fields, snippet(fields.get("body", ""), terms) if snippets else ""))
    facets = values.count(results.docs()) if with_facets else {}
    return SearchResult(len(ranked), hits, facets)


class _DocValues:
    """Per searcher: each document's id and facet values, read once, so that
    counting facets over thousands of matches is a loop over integers."""

    def __init__(self, searcher: Searcher):
        self.ids: dict[int, str] = {}
        self.facets: dict[int, list[tuple[str, str]]] = {}
        for docnum, fields in searcher.iter_docs():
            self.ids[docnum] = fields["id"]
            self.facets[docnum] = [(name, v) for name in FACETS for v in str(fields.get(name) or "").split(",") if v]

    def count(self, docs) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for docnum in docs:
            for name, value in self.facets.get(docnum, ()):
                bucket = counts[name]
                bucket[value] = bucket.get(value, 0) + 1
        return {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for name, c in counts.items()}


def _doc_values(searcher: Searcher) -> _DocValues:
    cached = getattr(searcher, "_koc_doc_values", None)
    if cached is None:
        cached = searcher._koc_doc_values = _DocValues(searcher)
    return cached


def _text_terms(q: wq.Query) -> set[str]:
    terms = set()
    for fieldname, text in q.iter_all_terms():
        if fieldname in TEXT_FIELDS:
            terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return terms


def snippet(text: str, terms: set[str], width: int = 120) -> str:
    """HTML-escaped excerpt around the first hit, every hit wrapped in <mark>.

    Query terms are bigrams and lowercased words, so overlapping matches are
    merged into runs (第二+二排 marks 第二排).
    """
    import html

    text = " ".join(re.sub(r"(^|\n)\s*(#+|[-*>]|\d+\.)\s+", " ", text).split())
    lower = text.lower()
    marked = bytearray(len(text))
    for term in terms:
        start = lower.find(term)
        while start != -1:
            marked[start:start + len(term)] = b"\x01" * len(term)
            start = lower.find(term, start + 1)
    first = marked.find(1)
    begin = max(0, first - width // 4) if first != -1 else 0
    end = min(len(text), begin + width)
    out, i = [], begin
    while i < end:
        j = i
        while j < end and marked[j] == marked[i]:
            j += 1
        piece = html.escape(text[i:j])
        out.append(f"<mark>{piece}</mark>" if marked[i] else piece)
        i = j
    return ("…" if begin else "") + "".join(out) + ("…" if end < len(text) else "")


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
    from generator.model import TYPE_LABELS, USE_LABELS
    from generator.content.taxonomy import Vocabulary, normalise

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
