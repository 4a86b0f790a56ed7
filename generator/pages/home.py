"""The home page and the case finder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple

from generator.pages.cards import Count, Ref, WorkCard, term_refs, type_counts
from generator.pages.spec import LISTING, PageInputs, PageSpec

FEATURED_ON_HOME = 6
LATEST_ON_HOME = 8



class Stat(NamedTuple):
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class HomePage:
    counts: list[Stat]
    featured: list[WorkCard]
    latest: list[WorkCard]
    scenarios: list[Ref]
    models: list[Ref]
    collections: list[Ref]
    types: list[Count]


class Marker(int):
    """A number in a template the finder fills: true for the template's conditions, printed `@name@`.

    >>> f"评分 {Marker('score')}/5"
    '评分 @score@/5'
    """

    def __new__(cls, name: str, value: int = 1):
        marker = super().__new__(cls, value)
        marker.name = name
        return marker

    def __str__(self) -> str:
        return f"@{self.name}@"

    __html__ = __str__


# The listings' own card, with a marker in each field: the finder's results are clones of it
# (finder.js fills the markers and drops the parts a work lacks), so the card is written once.
CARD_SLOTS = WorkCard(
    id="@id@", url="#@url@", title="@title@", type="@kind@", type_label="@type@", date="@date@", summary="@summary@",
    cover="#@cover@", credits=(), uses=("@use@",), expires=None, expiry_label="@expiry@", expiry_days=Marker("days"),
    credit_line="", score=Marker("score", 5), featured=False, draft=False,
)
# Its rights when the work may be used for nothing.
NO_USES_SLOTS = WorkCard(**{**CARD_SLOTS.__dict__, "uses": ()})
# One filter of the finder's form; finder.js makes one per facet of `finder/data/facets.json`.
FACET_SLOTS = {"key": "@key@", "label": "@label@"}


@dataclass(frozen=True)
class FinderPage:
    card: WorkCard
    no_uses: WorkCard
    facet: dict[str, str]


def home_page(inputs: PageInputs) -> Iterator[PageSpec]:
    cat, routes = inputs.catalog, inputs.routes
    taxonomy = cat.library.taxonomy
    active_contributors = {cid for w in cat.listed for cid in w.contributor_ids}
    page = HomePage(
        counts=[
            Stat("作品", len(cat.listed), routes.url("works")),
            Stat("贡献者", len(active_contributors), routes.url("contributors")),
            Stat("使用场景", sum(1 for t in taxonomy.scenarios if cat.by_scenario.get(t.slug)), routes.url("scenarios")),
            Stat("车型", sum(1 for t in taxonomy.models if cat.by_model.get(t.slug)), routes.url("models")),
        ],
        featured=[inputs.cards[w.id] for w in cat.listed if w.featured][:FEATURED_ON_HOME],
        latest=[inputs.cards[w.id] for w in cat.listed[:LATEST_ON_HOME]],
        scenarios=[r for r in term_refs(taxonomy.scenarios, cat.by_scenario, "scenario", routes) if r.count],
        models=[r for r in term_refs(taxonomy.models, cat.by_model, "model", routes) if r.count],
        collections=[Ref(c.title, routes.url("collection", slug=c.slug)) for c in inputs.visible_collections],
        types=type_counts(cat.listed),
    )
    yield PageSpec(routes.source("home"), "home.md.j2", "星途 KOC 作品库", page, {"hide": ["navigation", "toc"]})


def finder_page(inputs: PageInputs) -> Iterator[PageSpec]:
    page = FinderPage(CARD_SLOTS, NO_USES_SLOTS, FACET_SLOTS)
    yield PageSpec(inputs.routes.source("finder"), "finder.md.j2", "案例查找", page, dict(LISTING, hide=["navigation", "toc"]))
