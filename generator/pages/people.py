"""Pages about people: the contributors index, one profile each, and the hall of fame."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator, NamedTuple

from generator.catalog.rights import Visibility
from generator.catalog.scoring import ContributorStats, Standing, contributor_stats, find_records, rank_contributors
from generator.model import TIER_LABELS, TYPE_LABELS, Audience, Contributor, Honor, Work, WorkType
from generator.pages.cards import Count, CreditView, WorkCard, credit_views
from generator.pages.spec import LISTING, PageInputs, PageSpec


class PersonRow(NamedTuple):
    person: Contributor
    tier: str
    works: int
    score: float


class TierGroup(NamedTuple):
    label: str
    people: list  # of PersonRow on the index, of Contributor on the tier wall


class RoleRow(NamedTuple):
    card: WorkCard
    role: str


class HonorRow(NamedTuple):
    honor: Honor
    works: list[WorkCard]  # the honoured works still listed


@dataclass(frozen=True)
class ContributorsIndexPage:
    tiers: list[TierGroup]


@dataclass(frozen=True)
class ContributorPage:
    person: Contributor
    tier: str
    stats: ContributorStats
    types: list[Count]
    standing: Standing | None
    rank: int | None
    honors: list[HonorRow]
    works: list[RoleRow]
    offline: int  # works that count toward the score but are no longer listed


@dataclass(frozen=True)
class HonorEntry:
    honor: Honor
    person: Contributor
    works: list[WorkCard]
    offline_titles: list[str]  # honoured works taken offline: named, not linked


@dataclass(frozen=True)
class RecordRef:
    title: str
    url: str | None  # None when the work is offline: named without a link
    credits: tuple[CreditView, ...]


class Prolific(NamedTuple):
    type_label: str
    person: Contributor
    works: int


class Weight(NamedTuple):
    type_label: str
    weight: float


@dataclass(frozen=True)
class HallOfFamePage:
    honors: list[tuple[int, list[HonorEntry]]]  # newest year first
    all_time: list[Standing]
    this_year: list[Standing]
    year: int
    tier_wall: list[TierGroup]
    most_reused: RecordRef | None
    most_reused_count: int
    best_rated: RecordRef | None
    best_rated_score: int | None
    prolific: list[Prolific]
    weights: list[Weight]
    featured_bonus: float
    reuse_weight: float
    score_pivot: float


def contributor_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    cat, routes = inputs.catalog, inputs.routes
    lib = cat.library
    by_id = {s.contributor.id: (rank, s) for rank, s in enumerate(inputs.standings, 1)}
    honors = defaultdict(list)
    for h in lib.honors:
        honors[h.contributor].append(h)
    profiles, rows = [], []
    for cid, person in lib.contributors.items():
        listed = cat.by_contributor.get(cid, [])
        counted = cat.counted_by_contributor.get(cid, [])
        if not cat.has_profile(cid):
            continue
        rank, standing = by_id.get(cid, (None, None))
        stats = contributor_stats(counted)
        roles = [RoleRow(inputs.cards[w.id], "、".join(c.role for c in w.credits if c.contributor == cid and c.role)) for w in listed]
        profile = ContributorPage(
            person=person,
            tier=TIER_LABELS[person.tier],
            stats=stats,
            types=[Count(TYPE_LABELS[t], n) for t, n in stats.works_by_type.items()],
            standing=standing,
            rank=rank,
            honors=[HonorRow(h, [inputs.cards[w] for w in h.works if w in inputs.cards]) for h in honors.get(cid, [])],
            works=roles,
            offline=len(counted) - len(listed),
        )
        profiles.append(PageSpec(routes.source("contributor", id=cid), "contributor.md.j2", person.name, profile, LISTING))
        rows.append(PersonRow(person, TIER_LABELS[person.tier], len(listed), standing.total if standing else 0.0))
    tiers = [TierGroup(label, sorted((r for r in rows if r.person.tier is tier), key=lambda r: (-r.score, r.person.name)))
             for tier, label in TIER_LABELS.items()]
    yield PageSpec(routes.source("contributors"), "contributors.md.j2", "贡献者",
                   ContributorsIndexPage([t for t in tiers if t.people]), LISTING)
    yield from profiles


def record_ref(work: Work | None, inputs: PageInputs) -> RecordRef | None:
    # Offline works still count but are named without a link.
    if work is None:
        return None
    url = inputs.routes.url("work", id=work.id) if work.id in inputs.cards else None
    return RecordRef(work.title, url, credit_views(work, inputs.catalog.library.contributors, inputs.routes))


def hall_of_fame_page(inputs: PageInputs) -> Iterator[PageSpec]:
    cat = inputs.catalog
    lib = cat.library
    weights = inputs.options.weights
    year = cat.edition.as_of.year
    this_year = rank_contributors(cat.counted, lib.contributors, weights, year=year)
    honors_by_year = defaultdict(list)
    for h in lib.honors:
        person = lib.contributors[h.contributor]
        if cat.edition.audience is Audience.DEALER and h.contributor not in cat.counted_by_contributor:
            continue
        works = [inputs.cards[w] for w in h.works if w in inputs.cards]
        shown = {w.title for w in works}
        titles = [w.title for w in lib.works if w.id in h.works and cat.visibility.get(w.id) is not Visibility.ABSENT]
        honors_by_year[h.year].append(HonorEntry(h, person, works, [t for t in titles if t not in shown]))
    records = find_records(cat.counted, lib.contributors)
    tier_wall = []
    for tier, label in TIER_LABELS.items():
        people = [p for p in lib.contributors.values() if p.tier is tier and (cat.internal or p.id in cat.counted_by_contributor)]
        if people:
            tier_wall.append(TierGroup(label, sorted(people, key=lambda p: (p.name, p.id))))
    page = HallOfFamePage(
        honors=sorted(honors_by_year.items(), key=lambda item: item[0], reverse=True),
        all_time=inputs.standings[:20],
        this_year=this_year[:10],
        year=year,
        tier_wall=tier_wall,
        most_reused=record_ref(records.most_reused, inputs),
        most_reused_count=len(records.most_reused.reuse) if records.most_reused else 0,
        best_rated=record_ref(records.best_rated, inputs),
        best_rated_score=records.best_rated.evaluation.score if records.best_rated else None,
        prolific=[Prolific(TYPE_LABELS[t], person, n) for t, (person, n) in records.most_prolific.items()],
        weights=[Weight(TYPE_LABELS[WorkType(k)], v) for k, v in weights.type_weights.items()],
        featured_bonus=weights.featured_bonus,
        reuse_weight=weights.reuse_weight,
        score_pivot=weights.score_pivot,
    )
    yield PageSpec(inputs.routes.source("hall_of_fame"), "hall_of_fame.md.j2", "核心用户名人堂", page, LISTING)
