"""`/insights/` (internal edition only): field insights routed to departments.

Seed 004's "内部协同" role: what owners report has to reach R&D, after-sales
or marketing, and someone has to see where each report stands. A work is an
insight when it names departments (`departments:`), or is a field-feedback
report (`type: report`) that names none yet — those are listed as 未分派.
Grouped by department, then by topic (the work's scenarios), newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple

from generator.model import ROUTE_STATUS_LABELS, RouteStatus, WorkType
from generator.pages.cards import WorkCard
from generator.pages.spec import LISTING, PageInputs, PageSpec

UNROUTED = "未分派"
NO_TOPIC = "其他"


class InsightRow(NamedTuple):
    card: WorkCard
    status: str  # value of RouteStatus, for the badge's class
    status_label: str
    date: str  # when the status was last set, or ""


class Topic(NamedTuple):
    label: str
    rows: list[InsightRow]


class StatusCount(NamedTuple):
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class DepartmentGroup:
    slug: str
    label: str
    description: str
    topics: list[Topic]
    counts: list[StatusCount]
    total: int


@dataclass(frozen=True)
class InsightsPage:
    departments: list[DepartmentGroup]
    unrouted: list[InsightRow]
    total: int


def insights_page(inputs: PageInputs) -> Iterator[PageSpec]:
    cat, routes = inputs.catalog, inputs.routes
    if not cat.internal:
        return
    taxonomy = cat.library.taxonomy
    scenario_labels = {t.slug: t.label for t in taxonomy.scenarios}
    by_department: dict[str, dict[str, list[InsightRow]]] = {t.slug: {} for t in taxonomy.departments}
    unrouted, insights = [], set()
    for work in cat.listed:  # newest first
        card = inputs.cards[work.id]
        topics = [scenario_labels[s] for s in work.scenarios] or [NO_TOPIC]
        for routing in work.departments:
            insights.add(work.id)
            row = InsightRow(card, routing.status.value, ROUTE_STATUS_LABELS[routing.status],
                             routing.date.isoformat() if routing.date else "")
            for topic in topics:
                by_department[routing.department].setdefault(topic, []).append(row)
        if not work.departments and work.type is WorkType.REPORT:
            insights.add(work.id)
            unrouted.append(InsightRow(card, RouteStatus.NEW.value, ROUTE_STATUS_LABELS[RouteStatus.NEW], ""))
    groups = []
    for term in taxonomy.departments:
        topics = by_department[term.slug]
        if not topics:
            continue
        rows = {r.card.id: r for rs in topics.values() for r in rs}.values()
        counts = [StatusCount(s.value, ROUTE_STATUS_LABELS[s], sum(r.status == s.value for r in rows)) for s in RouteStatus]
        groups.append(DepartmentGroup(term.slug, term.label, term.description,
                                      [Topic(label, topics[label]) for label in sorted(topics, key=lambda t: (-len(topics[t]), t))],
                                      counts, len(rows)))
    page = InsightsPage(groups, unrouted, len(insights))
    yield PageSpec(routes.source("insights"), "insights.md.j2", "用户洞察", page, LISTING)
