"""Task pages: the index of task briefs by trust level, and one page per task.

A task page closes the loop of the task cycle: the brief, the works it
produced evaluated against each of its criteria, who took part, how often the
works were reused, and what is still missing. Per-criterion scores and notes
are internal: the dealer edition shows the brief and the works only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple

from generator.catalog.tasks import TaskOutcome, task_outcomes
from generator.model import CRITERION_MET, TIER_LABELS, TRUST_LABELS, TYPE_LABELS, Task, Trust
from generator.pages.cards import Ref, WorkCard
from generator.pages.spec import LISTING, PageInputs, PageSpec

# What each rung of the trust ladder means (seed 003), said once for every page.
TRUST_NOTES = {
    Trust.STANDARD: "面向新用户：步骤和要求明确，按规范完成即可。",
    Trust.FRAMEWORK: "给定主题和边界，怎么拍、怎么写由创作者决定。",
    Trust.OPEN: "面向核心伙伴：充分授权，品牌方负责协调资源。",
}


class Cell(NamedTuple):
    """One work's score on one criterion (internal edition only)."""

    score: int | None
    note: str
    met: bool


class WorkRow(NamedTuple):
    card: WorkCard
    reuses: int
    cells: list[Cell]  # empty in the dealer edition


class CriterionRow(NamedTuple):
    number: int
    text: str
    best: int | None  # internal edition only
    met: bool


class PersonRef(NamedTuple):
    label: str
    url: str
    tier: str
    works: int


@dataclass(frozen=True)
class TaskSummary:
    task: Task
    url: str
    trust: str
    deliverable: str
    works: int
    reuses: int
    unmet: int | None  # criteria no work met; None in the dealer edition


@dataclass(frozen=True)
class TasksIndexPage:
    groups: list[tuple[str, str, list[TaskSummary]]]  # (trust label, what it means, tasks)
    internal: bool


@dataclass(frozen=True)
class TaskPage:
    task: Task
    trust: str
    trust_note: str
    deliverable: str
    scenarios: list[Ref]
    models: list[Ref]
    works: list[WorkRow]
    criteria: list[CriterionRow]
    missing: list[CriterionRow]  # criteria no work met (internal edition only)
    contributors: list[PersonRef]
    reuses: int
    offline: int
    internal: bool
    met_threshold: int


def _deliverable(task: Task) -> str:
    label = TYPE_LABELS[task.deliverable.type]
    return f"{label} · {task.deliverable.length}" if task.deliverable.length else label


def task_page(outcome: TaskOutcome, inputs: PageInputs) -> TaskPage:
    cat, routes = inputs.catalog, inputs.routes
    task, internal = outcome.task, cat.internal
    scenarios = {t.slug: t for t in cat.library.taxonomy.scenarios}
    models = {t.slug: t for t in cat.library.taxonomy.models}
    rows = []
    for work in outcome.works:
        cells = []
        if internal:
            scores = work.evaluation.criteria if work.evaluation else ()
            for i in range(len(task.criteria)):
                s = scores[i] if i < len(scores) else None
                cells.append(Cell(s.score if s else None, s.note if s else "", bool(s and s.score >= CRITERION_MET)))
        rows.append(WorkRow(inputs.cards[work.id], len(work.reuse), cells))
    criteria = []
    for i, text in enumerate(task.criteria):
        best = outcome.best(i) if internal else None
        criteria.append(CriterionRow(i + 1, text, best, (best or 0) >= CRITERION_MET))
    people: dict[str, int] = {}
    for work in outcome.works:
        for cid in dict.fromkeys(work.contributor_ids):
            people[cid] = people.get(cid, 0) + 1
    persons = [cat.library.contributors[cid] for cid in people]
    return TaskPage(
        task=task,
        trust=TRUST_LABELS[task.trust],
        trust_note=TRUST_NOTES[task.trust],
        deliverable=_deliverable(task),
        scenarios=[Ref(scenarios[s].label, routes.url("scenario", slug=s)) for s in task.scenarios],
        models=[Ref(models[m].label, routes.url("model", slug=m)) for m in task.models],
        works=rows,
        criteria=criteria,
        missing=[c for c in criteria if not c.met] if internal else [],
        contributors=[PersonRef(p.name, routes.url("contributor", id=p.id), TIER_LABELS[p.tier], people[p.id])
                      for p in sorted(persons, key=lambda p: (-people[p.id], p.name, p.id))],
        reuses=outcome.reuses,
        offline=outcome.offline,
        internal=internal,
        met_threshold=CRITERION_MET,
    )


def task_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    """`/tasks/` (briefs grouped 标准化 → 框架式 → 开放式) and `/tasks/<id>/` for every task."""
    cat, routes = inputs.catalog, inputs.routes
    outcomes = task_outcomes(cat)
    if not outcomes:
        return
    groups = []
    for trust in Trust:
        items = [TaskSummary(o.task, routes.url("task", id=o.task.id), TRUST_LABELS[trust], _deliverable(o.task),
                             len(o.works), o.reuses, len(o.unmet()) if cat.internal else None)
                 for o in sorted(outcomes.values(), key=lambda o: (-o.task.period_from.toordinal(), o.task.id))
                 if o.task.trust is trust]
        if items:
            groups.append((TRUST_LABELS[trust], TRUST_NOTES[trust], items))
    yield PageSpec(routes.source("tasks"), "tasks.md.j2", "任务", TasksIndexPage(groups, cat.internal), LISTING)
    for tid, outcome in outcomes.items():
        yield PageSpec(routes.source("task", id=tid), "task.md.j2", outcome.task.title, task_page(outcome, inputs), LISTING)
