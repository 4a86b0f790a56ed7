"""The operations figures: what `/dashboard/` draws and `koc stats` prints, computed once.

Plain numbers from the library on the as-of date, for the internal view
(works in force = published, not withdrawn, rights not expired). Both the
dashboard and `koc stats --json` read this one structure, so the terminal and
the site never disagree.

Example:
    >>> f = operations_figures(library, dt.date(2026, 6, 1), ScoringWeights())   # doctest: +SKIP
    >>> f.coverage["training"].count("camping", "xingtu-l7")                       # doctest: +SKIP
    3
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from generator.catalog.rights import Edition, Visibility, days_left, visibility
from generator.catalog.scoring import rank_contributors
from generator.model import TIER_LABELS, TYPE_LABELS, USE_LABELS, Audience, Library, Status, Tier, Use, Work, WorkType
from generator.options import ScoringWeights

# The coverage maps: the two uses a trainer and a dealer plan with.
COVERAGE_USES = (Use.TRAINING, Use.DEALER_MEETING)
USE_TITLES = {u.value: USE_LABELS[u] for u in COVERAGE_USES}
MONTHS = 24  # months shown in the monthly charts, up to the as-of month
QUARTERS = 8
EXPIRY_WINDOW = 90  # days
TOP = 10


@dataclass(frozen=True)
class Coverage:
    """Works in force usable for `use`, per scenario × model (taxonomy order); zero cells are gaps."""

    use: Use
    scenarios: list[tuple[str, str]]  # (slug, label)
    models: list[tuple[str, str]]
    counts: dict[tuple[str, str], int]

    def count(self, scenario: str, model: str) -> int:
        return self.counts.get((scenario, model), 0)

    def gaps(self) -> list[tuple[str, str]]:
        return [(s, m) for s, _ in self.scenarios for m, _ in self.models if not self.count(s, m)]


@dataclass(frozen=True)
class Series:
    """Values per period (months or quarters), one row per key (a type, a tier…)."""

    periods: list[str]
    rows: dict[str, list[int]]  # key -> one value per period, keys in display order
    labels: dict[str, str]  # key -> Chinese label


@dataclass(frozen=True)
class ExpiringRow:
    id: str
    title: str
    expires: dt.date
    days_left: int
    reuses: int


@dataclass(frozen=True)
class TopWork:
    id: str
    title: str
    reuses: int  # reuses this year


@dataclass(frozen=True)
class TopContributor:
    id: str
    name: str
    tier: str
    works: int
    score: float


@dataclass
class OperationsFigures:
    as_of: dt.date
    in_force: int
    coverage: dict[str, Coverage] = field(default_factory=dict)  # use value -> map
    intake: Series | None = None  # works per month by type
    tiers: Series | None = None  # contributors with work per quarter, by tier
    reuses: Series | None = None  # reuses per month
    expiring: list[ExpiringRow] = field(default_factory=list)
    top_works: list[TopWork] = field(default_factory=list)
    top_contributors: list[TopContributor] = field(default_factory=list)

    def as_json(self) -> dict:
        def series(s: Series) -> dict:
            return {"periods": s.periods, "rows": [{"id": k, "label": s.labels[k], "values": v} for k, v in s.rows.items()]}

        return {
            "as_of": self.as_of.isoformat(),
            "in_force": self.in_force,
            "coverage": {use: {"scenarios": [s for s, _ in c.scenarios], "models": [m for m, _ in c.models],
                               "cells": [[c.count(s, m) for m, _ in c.models] for s, _ in c.scenarios],
                               "gaps": [{"scenario": s, "model": m} for s, m in c.gaps()]}
                         for use, c in self.coverage.items()},
            "intake_by_month": series(self.intake),
            "contributors_by_tier": series(self.tiers),
            "reuses_by_month": series(self.reuses),
            "expiring_90_days": [{"id": r.id, "title": r.title, "expires": r.expires.isoformat(), "days_left": r.days_left,
                                  "reuses": r.reuses} for r in self.expiring],
            "top_reused_works": [vars(w) for w in self.top_works],
            "top_contributors": [vars(c) for c in self.top_contributors],
        }


def month_keys(as_of: dt.date, n: int = MONTHS) -> list[str]:
    """The last `n` months up to the as-of month, oldest first: ['2024-07', …, '2026-06']."""
    y, m = as_of.year, as_of.month
    keys = []
    for _ in range(n):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return keys[::-1]


def quarter_key(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_keys(as_of: dt.date, n: int = QUARTERS) -> list[str]:
    y, q = as_of.year, (as_of.month - 1) // 3 + 1
    keys = []
    for _ in range(n):
        keys.append(f"{y}Q{q}")
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    return keys[::-1]


def coverage(works: list[Work], library: Library, use: Use) -> Coverage:
    counts: Counter = Counter()
    for w in works:
        if use in w.rights.uses:
            for s in w.scenarios:
                for m in w.models:
                    counts[(s, m)] += 1
    return Coverage(use, [(t.slug, t.label) for t in library.taxonomy.scenarios],
                    [(t.slug, t.label) for t in library.taxonomy.models], dict(counts))


def operations_figures(library: Library, as_of: dt.date, weights: ScoringWeights) -> OperationsFigures:
    edition = Edition(Audience.INTERNAL, as_of)
    in_force = [w for w in library.works if visibility(w, edition) is Visibility.LISTED]
    # Works that happened (not drafts), in force or not: intake and reuse are history.
    counted = [w for w in library.works if w.status is not Status.DRAFT]
    months, quarters = month_keys(as_of), quarter_keys(as_of)

    intake = {t.value: [0] * len(months) for t in WorkType}
    month_index = {k: i for i, k in enumerate(months)}
    for w in counted:
        i = month_index.get(f"{w.date.year:04d}-{w.date.month:02d}")
        if i is not None:
            intake[w.type.value][i] += 1

    quarter_index = {k: i for i, k in enumerate(quarters)}
    active: list[set[str]] = [set() for _ in quarters]
    for w in counted:
        i = quarter_index.get(quarter_key(w.date))
        if i is not None:
            active[i].update(w.contributor_ids)
    tiers = {t.value: [sum(1 for cid in people if library.contributors[cid].tier is t) for people in active]
             for t in (Tier.EXPLORER, Tier.SPECIALIST, Tier.COLLABORATOR, Tier.LEADER)}

    reuses = [0] * len(months)
    this_year: Counter = Counter()
    for w in counted:
        for r in w.reuse:
            i = month_index.get(f"{r.date.year:04d}-{r.date.month:02d}")
            if i is not None and r.date <= as_of:
                reuses[i] += 1
            if r.date.year == as_of.year and r.date <= as_of:
                this_year[w.id] += 1

    expiring = sorted((ExpiringRow(w.id, w.title, w.rights.expires, days_left(w, as_of), len(w.reuse))
                       for w in in_force if w.rights.expires and 0 <= days_left(w, as_of) <= EXPIRY_WINDOW),
                      key=lambda r: (r.expires, r.id))
    titles = {w.id: w.title for w in counted}
    top_works = [TopWork(wid, titles[wid], n) for wid, n in sorted(this_year.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]]
    standings = rank_contributors(counted, library.contributors, weights, year=as_of.year)[:TOP]
    top_people = [TopContributor(s.contributor.id, s.contributor.name, TIER_LABELS[s.contributor.tier], s.works, round(s.total, 2))
                  for s in standings]
    return OperationsFigures(
        as_of=as_of,
        in_force=len(in_force),
        coverage={u.value: coverage(in_force, library, u) for u in COVERAGE_USES},
        intake=Series(months, {k: v for k, v in intake.items() if any(v)}, {t.value: TYPE_LABELS[t] for t in WorkType}),
        tiers=Series(quarters, tiers, {t.value: TIER_LABELS[t] for t in Tier}),
        reuses=Series(months, {"reuse": reuses}, {"reuse": "复用次数"}),
        expiring=expiring,
        top_works=top_works,
        top_contributors=top_people,
    )

