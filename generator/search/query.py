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

TEXT_FIELDS = ("content",)
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
    """The query language; each free word is cut by the library's analysis (`resolve.analyzer`)."""
    parser = MultifieldParser(list(TEXT_FIELDS), schema)
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
    analyzer = getattr(resolve, "analyzer", None)

    def visit(node):
        if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS:
            text = node.text.decode("utf-8") if isinstance(node.text, bytes) else node.text
            groups = analyzer.query_groups(text) if analyzer else [(text,)]
            parts = [wq.Term(node.fieldname, g[0]) if len(g) == 1 else wq.Phrase(node.fieldname, list(g)) for g in groups]
            return wq.NullQuery if not parts else parts[0] if len(parts) == 1 else wq.And(parts)
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
    groups: list[tuple[str, ...]] = field(default_factory=list)


def filters_query(filters: dict[str, str | None]) -> list[wq.Query]:
    return [wq.Term(name, value) for name, value in sorted(filters.items()) if value]


def search(searcher: Searcher, q: wq.Query, filters: list[wq.Query] = (), limit: int = 20,
           sort: str = "relevance", with_facets: bool = True, snippets: bool = False) -> SearchResult:
    """The query language (fields, AND/OR/NOT): whoosh's BM25F; facet counts over every match."""
    full = wq.And([q, *filters]) if filters else q
    values = _doc_values(searcher)
    if sort in ("date", "score"):
        keys = ["date", "id"] if sort == "date" else ["score", "date", "id"]
        results = searcher.search(full, limit=None, sortedby=keys, reverse=True)
        ranked = list(results.items())
    else:
        results = searcher.search(full, limit=None)
        # whoosh breaks equal scores by document number, which depends on
        # indexing order; break them by id so output is reproducible.
        ranked = sorted(results.items(), key=lambda item: (-round(item[1] or 0, 6), values.ids[item[0]]))
    groups = _text_groups(q) if snippets else []
    return _result(searcher, ranked, groups, limit, snippets, results.docs() if with_facets else None)


def search_words(searcher: Searcher, analyzer, text: str, filters: list[wq.Query] = (), limit: int = 20,
                 sort: str = "relevance", with_facets: bool = True, snippets: bool = False) -> SearchResult:
    """Plain words, as the header search and the finder take them: the library's analysis, every
    group required, ranked by `rank.rank`; a query one edit from a vocabulary form that finds
    nothing is read as that form."""
    from generator.search.rank import rank

    allowed = None
    if filters:
        allowed = set(searcher.search(wq.And(list(filters)), limit=None).docs())
    groups = analyzer.query_groups(text)
    ranked = rank(searcher, groups, allowed, analyzer.vocab)
    if not ranked:
        fixed = analyzer.correct(text)
        if fixed:
            groups = analyzer.query_groups(fixed)
            ranked = rank(searcher, groups, allowed, analyzer.vocab)
    if sort in ("date", "score"):
        values = _doc_values(searcher)
        fields = {d: searcher.stored_fields(d) for d, _ in ranked}
        if sort == "date":
            ranked.sort(key=lambda item: (fields[item[0]]["date"], fields[item[0]]["id"]), reverse=True)
        else:
            ranked.sort(key=lambda item: (fields[item[0]].get("score") or 0, fields[item[0]]["date"], values.ids[item[0]]), reverse=True)
    result = _result(searcher, ranked, analyzer.marked(groups), limit, snippets, [d for d, _ in ranked] if with_facets else None)
    result.groups = groups
    return result


def _result(searcher, ranked, groups, limit, snippets, docs) -> SearchResult:
    from generator.search.analysis import excerpt

    hits = []
    for docnum, score in ranked[:limit] if limit else ranked:
        fields = searcher.stored_fields(docnum)
        text = f"{fields.get('title', '')}\n{fields.get('summary', '')}\n{fields.get('body', '')}"
        hits.append(Hit(fields["id"], float(score or 0), fields, excerpt(text, groups) if snippets else ""))
    facets = _doc_values(searcher).count(docs) if docs is not None else {}
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


def _text_groups(q: wq.Query) -> list[tuple[str, ...]]:
    groups = []
    for leaf in q.leaves():
        if getattr(leaf, "fieldname", None) not in TEXT_FIELDS:
            continue
        words = getattr(leaf, "words", None) or [getattr(leaf, "text", "")]
        groups.append(tuple(w.decode("utf-8") if isinstance(w, bytes) else w for w in words))
    return [g for g in groups if g and g[0]]


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

    from generator.search.analysis import Analyzer, SearchVocabulary

    resolve.analyzer = Analyzer(SearchVocabulary.of_library(library, tags))
    return resolve
