"""Curated collections (an index and a page each) and the hubs of works cleared for one use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple

from generator.model import USE_LABELS, Collection, Use
from generator.pages.cards import Ref, WorkCard
from generator.pages.routes import HUBS
from generator.pages.spec import LISTING, PageInputs, PageSpec

HUB_TITLES = {Use.TRAINING: "培训素材", Use.DEALER_MEETING: "经销商会议素材"}


@dataclass(frozen=True)
class CollectionPage:
    collection: Collection
    audience: str  # label of the use it is made for
    sort: str  # 评分 or 日期
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


def collection_page(collection: Collection, inputs: PageInputs) -> CollectionPage:
    ids = inputs.collection_ids[collection.slug]
    return CollectionPage(collection, USE_LABELS[collection.audience], "评分" if collection.sort == "score" else "日期",
                          [inputs.cards[i] for i in ids if i in inputs.cards])


def collection_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    routes, collections = inputs.routes, inputs.catalog.library.collections
    views = [collection_page(c, inputs) for c in collections]
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
