"""Contribution scores, leaderboards and records for the hall of fame.

A work is worth `type_weight × (score / 3 if scored else 1) + 5 if featured
+ 2 × times reused` (weights are options), split equally among its
contributors. Ties break by name, then id, so the order is deterministic.

Example:
    >>> work_value(work, ScoringWeights()).total   # video, score 5, featured, reused twice  # doctest: +SKIP
    15.67
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from generator.model import Contributor, Work, WorkType
from generator.options import ScoringWeights


@dataclass(frozen=True)
class WorkValue:
    type_points: float  # type_weight × quality factor
    featured_points: float
    reuse_points: float

    @property
    def total(self) -> float:
        return self.type_points + self.featured_points + self.reuse_points


def work_value(work: Work, weights: ScoringWeights) -> WorkValue:
    base = weights.type_weights.get(work.type.value, 1.0)
    score = work.evaluation.score if work.evaluation else None
    quality = score / weights.score_pivot if score else 1.0
    return WorkValue(
        type_points=base * quality,
        featured_points=weights.featured_bonus if work.featured else 0.0,
        reuse_points=weights.reuse_weight * len(work.reuse),
    )


@dataclass
class Standing:
    """One contributor's contribution score with its breakdown."""

    contributor: Contributor
    type_points: float = 0.0
    featured_points: float = 0.0
    reuse_points: float = 0.0
    works: int = 0

    @property
    def total(self) -> float:
        return self.type_points + self.featured_points + self.reuse_points


def rank_contributors(works: list[Work], contributors: dict[str, Contributor], weights: ScoringWeights,
                      year: int | None = None) -> list[Standing]:
    """Contributors with at least one counted work, best first."""
    standings: dict[str, Standing] = {}
    for work in works:
        if year is not None and work.year != year:
            continue
        value = work_value(work, weights)
        share = 1 / len(work.credits)
        for cid in dict.fromkeys(work.contributor_ids):
            if cid not in contributors:
                continue
            s = standings.setdefault(cid, Standing(contributors[cid]))
            s.type_points += value.type_points * share
            s.featured_points += value.featured_points * share
            s.reuse_points += value.reuse_points * share
            s.works += 1
    return sorted(standings.values(), key=lambda s: (-round(s.total, 9), s.contributor.name, s.contributor.id))


@dataclass
class ContributorStats:
    works_by_type: dict[WorkType, int] = field(default_factory=dict)
    featured: int = 0
    times_reused: int = 0
    average_score: float | None = None


def contributor_stats(works: list[Work]) -> ContributorStats:
    scores = [w.evaluation.score for w in works if w.evaluation and w.evaluation.score]
    by_type = Counter(w.type for w in works)
    return ContributorStats(
        works_by_type={t: by_type[t] for t in WorkType if by_type[t]},
        featured=sum(1 for w in works if w.featured),
        times_reused=sum(len(w.reuse) for w in works),
        average_score=round(sum(scores) / len(scores), 2) if scores else None,
    )


@dataclass
class Records:
    most_reused: Work | None
    best_rated: Work | None
    most_prolific: dict[WorkType, tuple[Contributor, int]]


def find_records(works: list[Work], contributors: dict[str, Contributor]) -> Records:
    reused = [w for w in works if w.reuse]
    rated = [w for w in works if w.evaluation and w.evaluation.score]
    most_reused = min(reused, key=lambda w: (-len(w.reuse), w.date.toordinal() * -1, w.id)) if reused else None
    best_rated = min(rated, key=lambda w: (-w.evaluation.score, -len(w.reuse), -w.date.toordinal(), w.id)) if rated else None
    counts: dict[WorkType, Counter] = defaultdict(Counter)
    for work in works:
        for cid in dict.fromkeys(work.contributor_ids):
            if cid in contributors:
                counts[work.type][cid] += 1
    prolific = {}
    for wtype in WorkType:
        if counts[wtype]:
            cid, n = min(counts[wtype].items(), key=lambda kv: (-kv[1], contributors[kv[0]].name, kv[0]))
            prolific[wtype] = (contributors[cid], n)
    return Records(most_reused, best_rated, prolific)
