"""Tasks (`content/tasks.yml`) and what works say about them: `task:`, `evaluation.criteria`,
`departments:`. Messages name the file and line and suggest the likely fix.

`TasksValidator` reads the briefs (scenarios and models through the works'
vocabularies); `WorkReferences` checks one work's references against them, for
`WorksValidator`.
"""

from __future__ import annotations

import difflib
import re

from generator.content import schema
from generator.content.load import RawLibrary
from generator.content.reporter import Reporter
from generator.content.taxonomy import Vocabulary, normalise, slugify
from generator.content.yaml_source import line_of
from generator.model import CriterionScore, Deliverable, Routing, Task, Taxonomy
from generator.problems import did_you_mean

_ID = re.compile(schema.ID_PATTERN)


class TasksValidator:
    """tasks.yml → tasks by id; `terms` resolves scenario and model names as works' do."""

    def __init__(self, raw: RawLibrary, report: Reporter, terms, scenarios: Vocabulary, models: Vocabulary):
        self.raw, self.report = raw, report
        self.terms, self.scenarios, self.models = terms, scenarios, models

    def run(self) -> dict[str, Task]:
        source = self.raw.tasks
        result: dict[str, Task] = {}
        if source is None or source.data is None:
            return result
        if not isinstance(source.data, dict):
            self.report.error(source.rel, 1, "tasks.yml 应是 “任务 id: {title: …, goal: …}” 的映射")
            return result
        for tid, data in source.data.items():
            line = line_of(source.data, tid)
            tid = str(tid)
            if not _ID.match(tid):
                self.report.error(source.rel, line, f"任务 id “{tid}” 只能用小写字母、数字和连字符，例如 {slugify(tid)}")
                continue
            parsed = self.report.parse(schema.TaskIn, data, source.rel, (tid,))
            if parsed is None:
                continue
            scenarios = self.terms(parsed.scenarios, self.scenarios, "scenarios", "场景", source.rel, data)
            models = self.terms(parsed.models, self.models, "models", "车型", source.rel, data)
            if parsed.period.to < parsed.period.from_:
                self.report.error(source.rel, line_of(data, "period", "to"),
                                  f"任务 {tid} 的结束日期 {parsed.period.to} 早于开始日期 {parsed.period.from_}")
                continue
            if scenarios is None or models is None:
                continue
            result[tid] = Task(
                id=tid, source=source.rel, line=line, title=parsed.title.strip(), goal=parsed.goal.strip(),
                trust=parsed.trust, deliverable=Deliverable(parsed.deliverable.type, (parsed.deliverable.length or "").strip()),
                period_from=parsed.period.from_, period_to=parsed.period.to,
                criteria=tuple(c.strip() for c in parsed.criteria), owner=parsed.owner.strip(),
                scenarios=scenarios, models=models,
            )
        return dict(sorted(result.items()))


class WorkReferences:
    """A work's `task:`, `evaluation.criteria` and `departments:`, checked against tasks.yml and the taxonomy."""

    def __init__(self, report: Reporter, tasks: dict[str, Task], taxonomy: Taxonomy):
        self.report, self.tasks = report, tasks
        self.departments = Vocabulary(taxonomy.departments)

    def task(self, value, rel: str, data) -> tuple[str, str]:
        """(task id, legacy free text) of a work's `task:`."""
        text = normalise(str(value or ""))
        if not text:
            return "", ""
        line = line_of(data, "task")
        if text in self.tasks:
            return text, ""
        if _ID.match(text):
            self.report.error(rel, line, f"未知任务 {text}{did_you_mean(text, self.tasks)}；任务在 content/tasks.yml 中定义（koc new task 可新建）")
            return "", ""
        # The older free-text form: still read and shown as written, with the way to fix it.
        by_title = {t.title: t.id for t in self.tasks.values()}
        close = difflib.get_close_matches(text, list(by_title), n=1, cutoff=0.4)
        hint = f"，可能是 task: {by_title[close[0]]}（{close[0]}）" if close else "；如果还没有对应任务，用 koc new task 新建"
        self.report.warning(rel, line, f"task 仍是自由文本“{text}”：请改为 content/tasks.yml 中的任务 id{hint}")
        return "", text

    def criteria(self, ev, task_id: str, rel: str, data) -> tuple[CriterionScore | None, ...]:
        if not ev or not ev.criteria:
            return ()
        line = line_of(data, "evaluation", "criteria")
        if not task_id:
            self.report.error(rel, line, "evaluation.criteria 是按任务的评估标准逐条评分：请先写明 task（tasks.yml 中的任务 id）")
            return ()
        wanted = self.tasks[task_id].criteria
        if len(ev.criteria) > len(wanted):
            self.report.error(rel, line, f"evaluation.criteria 有 {len(ev.criteria)} 项，但任务 {task_id} 只有 {len(wanted)} 条评估标准；请按任务标准的顺序逐条评分")
        return tuple(CriterionScore(c.score, (c.note or "").strip()) if c else None for c in ev.criteria[: len(wanted)])

    def routings(self, items, rel: str, data) -> tuple[Routing, ...]:
        result: dict[str, Routing] = {}
        for i, item in enumerate(items):
            term = self.departments.resolve(item.name)
            if term is None:
                allowed = "、".join(t.label for t in self.departments.terms) or "（taxonomy.yml 中还没有 departments）"
                self.report.error(rel, line_of(data, "departments", i),
                                  f"未知部门“{item.name}”{did_you_mean(normalise(item.name), self.departments.names())}；可选：{allowed}。新部门请先加入 content/taxonomy.yml 的 departments")
                continue
            result.setdefault(term.slug, Routing(term.slug, item.status, item.date))
        return tuple(result.values())
