"""Tasks and the works they produced, in one edition: what each task page and `koc stats` count.

A work belongs to the task its `task:` names. A task's outcome is judged against
its own criteria (seed 000: "评估的标准，会严格地与第一阶段设定的任务目标进行挂钩"):
a criterion is met when some work scored `CRITERION_MET` or more on it.

Example:
    >>> outcome = task_outcomes(cat)["family-weekend-l7-video"]   # doctest: +SKIP
    >>> [w.id for w in outcome.works]                              # doctest: +SKIP
    ['2026-l7-camping-checklist-23-items-article', '2025-l7-storage-photo', '2025-l7-camping-second-row']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.catalog.catalog import Catalog
from generator.model import CRITERION_MET, Task, Work


@dataclass
class TaskOutcome:
    task: Task
    works: list[Work] = field(default_factory=list)  # listed in this edition, newest first
    offline: int = 0  # works that cite it but are offline (expired or withdrawn) in this edition

    @property
    def reuses(self) -> int:
        return sum(len(w.reuse) for w in self.works)

    def best(self, i: int) -> int | None:
        """The highest score any listed work got on criterion `i`, or None when none was assessed."""
        scores = [s.score for w in self.works if w.evaluation for s in w.evaluation.criteria[i:i + 1] if s]
        return max(scores) if scores else None

    def unmet(self) -> list[int]:
        """Indexes of the criteria no listed work met."""
        return [i for i in range(len(self.task.criteria)) if (self.best(i) or 0) < CRITERION_MET]


def task_outcomes(cat: Catalog) -> dict[str, TaskOutcome]:
    """Every task of the library, with the works of this edition that cite it."""
    outcomes = {tid: TaskOutcome(task) for tid, task in cat.library.tasks.items()}
    listed = {w.id for w in cat.listed}
    for work in cat.counted:  # newest first; counted = listed or offline
        if work.task in outcomes:
            if work.id in listed:
                outcomes[work.task].works.append(work)
            else:
                outcomes[work.task].offline += 1
    return outcomes
