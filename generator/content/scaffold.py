"""`koc new`: scaffold a work file or a contributor entry. Never overwrites.

Example:
    >>> suggest_id("带娃露营", dt.date(2026, 5, 1), "xingtu-l7", "video", set())
    '2026-dai-wa-lu-ying'
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.content.schema import id_problem
from generator.content.taxonomy import slugify


@dataclass
class WorkDraft:
    title: str
    type: str
    date: dt.date
    contributors: list[tuple[str, str]]  # (id, role)
    scenarios: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    credit_line: str = ""  # model.default_credit_line of the contributors' names


ID_TITLE_CHARS = 40  # of the title's pinyin in a suggested id, cut between syllables


def suggest_id(title: str, date: dt.date, model_slug: str | None, wtype: str, taken: set[str],
               scenario_slug: str | None = None) -> str:
    """The year and the title in pinyin (the way tag slugs are spelt), so that the id
    says what the work is; for a title without letters, the model, scenario and type.
    Made unique with -2, -3, …"""
    # A title's first clause names the work ("带娃露营两天一夜：星途L7第二排…").
    words = slugify(re.split(r"[：:，,。！？!?；;、|｜—（(]", title, maxsplit=1)[0], fallback="") or slugify(title, fallback="")
    while len(words) > ID_TITLE_CHARS and "-" in words:
        words = words.rsplit("-", 1)[0]
    parts = [str(date.year)] + ([words] if words else [p for p in (_short_model(model_slug), scenario_slug, wtype) if p])
    return _unique("-".join(parts), taken)


def _short_model(model_slug: str | None) -> str:
    """A model's slug without its brand: xingtu-l7 → l7."""
    return re.sub(r"^[a-z]+-(?=[a-z0-9])", "", model_slug) if model_slug else ""


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings are valid YAML


def _flow(items) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _append_entry(path: Path, key: str, entry: str, exists: str) -> Path:
    """Append `entry` to a YAML file as text, keeping the editors' comments and order;
    never when `key` is there already (FileExistsError with the message `exists`)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if re.search(rf"^{re.escape(key)}:", text, re.M):
        raise FileExistsError(exists)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(("" if text.endswith("\n") or not text else "\n") + entry)
    return path


def work_file_text(d: WorkDraft) -> str:
    credits = "\n".join(f"  - {{id: {cid}, role: {_q(role)}}}" if role else f"  - {cid}" for cid, role in d.contributors)
    return f"""---
title: {_q(d.title)}
type: {d.type}
date: {d.date.isoformat()}
contributors:
{credits}
summary: ""                # 可选：不超过 300 字；留空则取正文第一段
scenarios: {_flow(d.scenarios)}
models: {_flow(d.models)}
tags: {_flow(d.tags)}
rights:
  uses: []                 # 已获授权的用途：training, dealer_meeting, official_channels, social_media, print
  expires: null            # 授权到期日 YYYY-MM-DD；null 表示长期有效
{f"  credit_line: {_q(d.credit_line)}   # 转用时必须注明的署名{chr(10)}" if d.credit_line else ""}status: draft              # 核对授权后改为 published
---
在这里写作品正文：文章全文、视频说明或脚本、图集说明、问答、测评或反馈报告。
"""


def create_work(content_dir: Path, work_id: str, draft: WorkDraft) -> Path:
    why = id_problem(work_id)
    if why:
        raise ValueError(f"作品 id {work_id!r} {why}")
    for cid, _ in draft.contributors:
        # Written unquoted into the frontmatter: only a valid id may go there.
        why = id_problem(cid)
        if why:
            raise ValueError(f"贡献者 id {cid!r} {why}")
    existing = {p.stem for p in (content_dir / "works").rglob("*.md")}
    if work_id in existing:
        raise FileExistsError(f"作品 id {work_id} 已存在，不会覆盖；请换一个 id")
    path = content_dir / "works" / str(draft.date.year) / f"{work_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
        fh.write(work_file_text(draft))
    return path


def add_contributor(content_dir: Path, cid: str, name: str, tier: str, city: str = "") -> Path:
    """Append an entry to contributors.yml as text, keeping the editors' comments and order."""
    why = id_problem(cid)
    if why:
        raise ValueError(f"贡献者 id {cid!r} {why}")
    entry = f"\n{cid}:\n  name: {_q(name)}\n  tier: {tier}\n" + (f"  city: {_q(city)}\n" if city else "") + \
        f"  joined: {dt.date.today().isoformat()}\n  # private:   # 真实姓名、电话、微信写在这里，永不发布\n"
    return _append_entry(content_dir / "contributors.yml", cid, entry, f"贡献者 {cid} 已存在，不会覆盖")


@dataclass
class TaskDraft:
    """A new entry for `content/tasks.yml`; scenarios and models as taxonomy labels."""

    title: str
    goal: str
    trust: str
    deliverable_type: str
    length: str
    period_from: dt.date
    period_to: dt.date
    criteria: list[str]
    owner: str
    scenarios: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)


def suggest_task_id(scenario_slug: str | None, model_slug: str | None, year: int, taken: set[str]) -> str:
    """Scenario, model and year, made unique: `camping-l9-2026`.

    >>> suggest_task_id("camping", "xingtu-l9", 2026, {"camping-l9-2026"})
    'camping-l9-2026-2'
    """
    base = "-".join(p for p in (scenario_slug, _short_model(model_slug), str(year)) if p) or f"task-{year}"
    return _unique(base, taken)


def task_entry_text(task_id: str, d: TaskDraft) -> str:
    criteria = "\n".join(f"    - {_q(c)}" for c in d.criteria) or '    - ""                   # 与目标挂钩、可以逐条打分的标准'
    length = f", length: {_q(d.length)}" if d.length else ""
    return f"""
{task_id}:
  title: {_q(d.title)}
  goal: {_q(d.goal)}   # 具体、可衡量：场景、要体现的卖点、篇幅或时长
  scenarios: {_flow(d.scenarios)}
  models: {_flow(d.models)}
  deliverable: {{type: {d.deliverable_type}{length}}}
  period: {{from: {d.period_from.isoformat()}, to: {d.period_to.isoformat()}}}
  trust: {d.trust}            # standard 标准化 / framework 框架式 / open 开放式
  criteria:
{criteria}
  owner: {_q(d.owner)}
"""


def add_task(content_dir: Path, task_id: str, draft: TaskDraft) -> Path:
    """Append a task to tasks.yml as text (the editors' comments and order stay); never overwrites."""
    why = id_problem(task_id)
    if why:
        raise ValueError(f"任务 id “{task_id}” {why}")
    return _append_entry(content_dir / "tasks.yml", task_id, task_entry_text(task_id, draft), f"任务 {task_id} 已存在，不会覆盖；请换一个 id")
