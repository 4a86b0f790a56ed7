"""Curated collections (an index and a page each) and the hubs of works cleared for one use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple

from whoosh import query as wq

from generator.model import USE_LABELS, Collection, Use
from generator.pages.cards import Ref, WorkCard
from generator.pages.kit import kit_url
from generator.pages.routes import HUBS
from generator.pages.spec import LISTING, PageInputs, PageSpec
from generator.search.bundle import filter_labels
from generator.search.index import make_schema
from generator.search.query import make_resolver, parse_query

# How a collection's query reads to a trainer: "场景为保养维修，且可用于内部培训".
FIELD_WORDS = {"type": "类型为", "scenario": "场景为", "model": "车型为", "tag": "标签为", "contributor": "贡献者为",
               "use": "可用于", "year": "年份为"}
TEXT_FIELDS = ("title", "summary", "body")

HUB_TITLES = {Use.TRAINING: "培训素材", Use.DEALER_MEETING: "经销商会议素材"}


@dataclass(frozen=True)
class CollectionPage:
    collection: Collection
    audience: str  # label of the use it is made for
    sort: str  # 评分 or 日期
    meaning: str  # the query in words
    kit: str  # site URL of the printable kit of these works
    works: list[WorkCard]


@dataclass(frozen=True)
class CollectionsIndexPage:
    collections: list[CollectionPage]


class HubGroup(NamedTuple):
    scenario: Ref  # url '' for works without a scenario
    cards: list[WorkCard]


@dataclass(frozen=True)
class HubPage:
    use: str  # label
    total: int
    groups: list[HubGroup]
    collections: list[Ref]


def describe_query(q: wq.Query, labels: dict[str, dict[str, str]]) -> str:
    """A parsed collection query in words.

    >>> describe_query(wq.And([wq.Or([wq.Term("scenario", "a"), wq.Term("scenario", "b")]), wq.Term("use", "training")]),
    ...                {"scenario": {"a": "露营自驾", "b": "亲子游"}, "use": {"training": "内部培训"}})
    '场景为露营自驾或亲子游，且可用于内部培训'
    """
    def words(node, nested=False) -> str:
        if isinstance(node, wq.Every):
            return "全部作品"
        if isinstance(node, wq.Not):
            return "不" + words(node.query, True)
        if isinstance(node, wq.Term):
            field, value = node.fieldname, node.text
            if field in TEXT_FIELDS:
                return f"含“{value}”"
            if field == "featured":
                return "为精选作品" if value in (True, "true", "True") else "非精选作品"
            return FIELD_WORDS.get(field, f"{field}为") + labels.get(field, {}).get(str(value), str(value))
        if isinstance(node, wq.NumericRange) and node.fieldname == "score":
            low, high = node.start, node.end
            if low is not None and high is not None:
                return f"评分在 {low}–{high} 之间"
            return f"评分不低于 {low}" if low is not None else f"评分不高于 {high}"
        if isinstance(node, wq.Or):
            parts = [words(n, True) for n in node.subqueries]
            # Text in several fields is one word for the reader: 含“冬季”.
            if len(set(parts)) == 1:
                return parts[0]
            # scenario:a OR scenario:b → 场景为a或b
            fields = {getattr(n, "fieldname", None) for n in node.subqueries}
            if len(fields) == 1 and all(isinstance(n, wq.Term) for n in node.subqueries) and None not in fields:
                head = FIELD_WORDS.get(fields.pop(), "")
                if head and all(p.startswith(head) for p in parts):
                    return head + "或".join(p[len(head):] for p in parts)
            text = "或".join(parts)
            return f"（{text}）" if nested else text
        if isinstance(node, wq.And):
            text = "，且".join(words(n, True) for n in node.subqueries)
            return f"（{text}）" if nested else text
        return str(node)

    return words(q)


def collection_page(collection: Collection, inputs: PageInputs, meaning: str) -> CollectionPage:
    ids = [i for i in inputs.collection_ids[collection.slug] if i in inputs.cards]
    return CollectionPage(collection, USE_LABELS[collection.audience], "评分" if collection.sort == "score" else "日期",
                          meaning, kit_url(inputs.routes, ids, collection.title), [inputs.cards[i] for i in ids])


def collection_meanings(inputs: PageInputs) -> dict[str, str]:
    cat = inputs.catalog
    schema, resolver, labels = make_schema(), make_resolver(cat.library, cat.tags), filter_labels(cat)
    return {c.slug: describe_query(parse_query(c.query, schema, resolver), labels) for c in cat.library.collections}


def collection_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    routes, collections = inputs.routes, inputs.catalog.library.collections
    meanings = collection_meanings(inputs)
    views = [collection_page(c, inputs, meanings[c.slug]) for c in collections]
    yield PageSpec(routes.source("collections"), "collections.md.j2", "精选合集", CollectionsIndexPage(views), LISTING)
    for c, view in zip(collections, views):
        yield PageSpec(routes.source("collection", slug=c.slug), "collection.md.j2", c.title, view, LISTING)


def hub_page(use: Use, inputs: PageInputs) -> HubPage:
    cat, routes = inputs.catalog, inputs.routes
    usable = [w for w in cat.listed if use in w.rights.uses]
    groups = []
    for term in cat.library.taxonomy.scenarios:
        cards = [inputs.cards[w.id] for w in usable if term.slug in w.scenarios]
        if cards:
            groups.append(HubGroup(Ref(term.label, routes.url("scenario", slug=term.slug), len(cards)), cards))
    rest = [inputs.cards[w.id] for w in usable if not w.scenarios]
    if rest:
        groups.append(HubGroup(Ref("其他场景", "", len(rest)), rest))
    collections = [Ref(c.title, routes.url("collection", slug=c.slug)) for c in inputs.visible_collections if c.audience is use]
    return HubPage(USE_LABELS[use], len(usable), groups, collections)


def hub_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    for use, route in HUBS.items():
        # Wide tables: the sidebar would only repeat the tab's own name.
        yield PageSpec(inputs.routes.source(route), "hub.md.j2", HUB_TITLES[use], hub_page(use, inputs), dict(LISTING, hide=["navigation"]))
