"""Validate: raw records → typed `Library`, plus every problem found.

Never stops at the first problem: each file is checked on its own, then the
cross-references between files. Messages are in Chinese for editors, say
what to do, and name the file and line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from generator.content import schema
from generator.content.load import RawLibrary, WorkSource, YamlSource
from generator.model import (
    Collection,
    Contributor,
    Credit,
    CriterionScore,
    Deliverable,
    Evaluation,
    Honor,
    Library,
    Link,
    MediaItem,
    Reuse,
    Rights,
    Routing,
    Task,
    Taxonomy,
    Term,
    Use,
    Work,
)
from generator.content.privacy import find_personal_data
from generator.problems import Problem, did_you_mean
from generator.content.taxonomy import TagVocabulary, Vocabulary, normalise, slugify
from generator.content.yaml_source import LineDict, line_of

_ID = re.compile(schema.ID_PATTERN)


@dataclass
class Checked:
    library: Library
    problems: list[Problem]
    tags: TagVocabulary  # tag labels → stable URL slugs for this library


def validate_library(raw: RawLibrary, check_query: Callable[[str, Library, TagVocabulary], str | None] | None = None) -> Checked:
    """Turn raw records into a `Library`; `check_query` returns the error of a bad collection query."""
    v = _Validator(raw)
    library = v.run()
    if check_query:
        for collection, source in v.collection_sources:
            error = check_query(collection.query, library, v.tags)
            if error:
                v.error(source.rel, line_of(source.data, "query"), f"collection 的 query 无法使用：{error}")
    return Checked(library, sorted(v.problems, key=_problem_order), v.tags)


def _problem_order(p: Problem):
    return (p.path, p.line or 0, p.severity, p.message)


# Pydantic's error types, said in the editors' language.
def _message(err: dict, field_names: list[str]) -> str:
    loc = ".".join(str(x) for x in err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"缺少必填字段 {loc} (missing required field)"
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        return f"未知字段 {loc}{did_you_mean(key, field_names)} (unknown field)"
    if kind in ("enum", "literal_error"):
        return f"{loc} 的值 {err['input']!r} 无效，可选：{ctx.get('expected', '')}"
    if kind == "value_error" and "YYYY-MM-DD" in err["msg"]:
        return f"{loc} 的日期 {err['input']!r} 格式不对，应写成 YYYY-MM-DD，例如 2025-06-14"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"):
        return f"{loc} 的日期 {err['input']!r} 无效，应写成 YYYY-MM-DD 且是真实存在的日期"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{loc} 的值 {err['input']!r} 超出范围 ({err['msg']})"
    if kind == "string_too_long":
        return f"{loc} 太长：最多 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return f"{loc} 不能为空"
    if kind == "too_short":
        return f"{loc} 至少需要 {ctx.get('min_length')} 项"
    if kind == "string_pattern_mismatch":
        return f"{loc} 的值 {err['input']!r} 只能用小写字母、数字和连字符 (pattern {ctx.get('pattern')})"
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type", "int_type",
                "int_parsing", "bool_parsing", "bool_type", "int_from_float"):
        expected = {"string_type": "文本", "list_type": "列表 [a, b]", "dict_type": "映射", "model_type": "映射（字段: 值）",
                    "model_attributes_type": "映射（字段: 值）", "int_type": "整数", "int_parsing": "整数",
                    "int_from_float": "整数", "bool_parsing": "true 或 false", "bool_type": "true 或 false"}[kind]
        return f"{loc} 的类型不对：应为{expected}，实际是 {_short(err['input'])}"
    return f"{loc}: {err['msg']}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Validator:
    def __init__(self, raw: RawLibrary):
        self.raw = raw
        self.problems: list[Problem] = list(raw.problems)
        self.collection_sources: list[tuple[Collection, YamlSource]] = []
        self.tags = TagVocabulary(())

    def error(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(path, line, "error", message))

    def warning(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(path, line, "warning", message))

    def parse(self, model: type[BaseModel], data: Any, rel: str, prefix: tuple = ()) -> BaseModel | None:
        if not isinstance(data, dict):
            self.error(rel, line_of(data), "这里应是 “字段: 值” 的映射")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            fields = list(model.model_fields)
            for err in exc.errors():
                line = line_of(data, *err["loc"])
                self.error(rel, line, _message(dict(err, loc=prefix + tuple(err["loc"])), fields))
            return None

    # -- files ---------------------------------------------------------------

    def run(self) -> Library:
        taxonomy = self.taxonomy()
        self.scenarios = Vocabulary(taxonomy.scenarios)
        self.models = Vocabulary(taxonomy.models)
        self.tags = TagVocabulary(taxonomy.tags)
        self.departments = Vocabulary(taxonomy.departments)
        contributors = self.contributors()
        self.task_records = self.tasks()
        works = self.works(contributors)
        ids = {w.id for w in works}
        honors = self.honors(contributors, ids)
        collections = self.collections()
        return Library(tuple(works), contributors, taxonomy, honors, collections, self.task_records)

    def taxonomy(self) -> Taxonomy:
        source = self.raw.taxonomy
        if source is None:
            return Taxonomy()
        parsed = self.parse(schema.TaxonomyIn, source.data or LineDict(), source.rel)
        if parsed is None:
            return Taxonomy()
        groups = {}
        for group in ("scenarios", "models", "tags", "departments"):
            terms, seen_slugs, seen_names = [], set(), {}
            for i, item in enumerate(getattr(parsed, group)):
                line = line_of(source.data, group, i)
                slug = item.slug or slugify(item.label)
                if slug in seen_slugs:
                    self.error(source.rel, line, f"{group} 中的 slug {slug} 重复")
                seen_slugs.add(slug)
                names = [normalise(item.label), *(normalise(a) for a in item.aliases)]
                for name in names:
                    if name.casefold() in seen_names and seen_names[name.casefold()] != slug:
                        self.error(source.rel, line, f"{group} 中的名称“{name}”同时属于 {seen_names[name.casefold()]} 和 {slug}")
                    seen_names[name.casefold()] = slug
                terms.append(Term(slug, normalise(item.label), tuple(names[1:]), item.description or ""))
            groups[group] = tuple(terms)
        return Taxonomy(**groups)

    def contributors(self) -> dict[str, Contributor]:
        source = self.raw.contributors
        result: dict[str, Contributor] = {}
        if source is None:
            return result
        if not isinstance(source.data, dict):
            self.error(source.rel, 1, "contributors.yml 应是 “id: {name: …}” 的映射")
            return result
        for cid, data in source.data.items():
            line = line_of(source.data, cid)
            cid = str(cid)
            if not _ID.match(cid):
                self.error(source.rel, line, f"贡献者 id “{cid}” 只能用小写字母、数字和连字符，例如 {slugify(cid)}")
                continue
            if not isinstance(data, dict):
                self.error(source.rel, line, f"贡献者 {cid} 应是映射，至少需要 name")
                continue
            parsed = self.parse(schema.ContributorIn, data, source.rel, (cid,))
            if parsed is None:
                continue
            if parsed.avatar:
                self.local_media(parsed.avatar, source.rel, line_of(data, "avatar"))
            for key in ("bio", "name", "city"):
                self.scan_personal(getattr(parsed, key) or "", source.rel, line_of(data, key))
            result[cid] = Contributor(
                id=cid,
                name=parsed.name.strip(),
                tier=parsed.tier,
                specialties=tuple(parsed.specialties),
                city=parsed.city or "",
                joined=parsed.joined,
                bio=parsed.bio or "",
                avatar=parsed.avatar,
                links=tuple(Link(link.label, link.url) for link in parsed.links),
            )
        return dict(sorted(result.items()))

    def tasks(self) -> dict[str, Task]:
        """`content/tasks.yml`: id → brief; scenarios and models through the taxonomy."""
        source = self.raw.tasks
        result: dict[str, Task] = {}
        if source is None or source.data is None:
            return result
        if not isinstance(source.data, dict):
            self.error(source.rel, 1, "tasks.yml 应是 “任务 id: {title: …, goal: …}” 的映射")
            return result
        for tid, data in source.data.items():
            line = line_of(source.data, tid)
            tid = str(tid)
            if not _ID.match(tid):
                self.error(source.rel, line, f"任务 id “{tid}” 只能用小写字母、数字和连字符，例如 {slugify(tid)}")
                continue
            parsed = self.parse(schema.TaskIn, data, source.rel, (tid,))
            if parsed is None:
                continue
            scenarios = self.terms(parsed.scenarios, self.scenarios, "scenarios", "场景", source.rel, data)
            models = self.terms(parsed.models, self.models, "models", "车型", source.rel, data)
            if parsed.period.to < parsed.period.from_:
                self.error(source.rel, line_of(data, "period", "to"), f"任务 {tid} 的结束日期 {parsed.period.to} 早于开始日期 {parsed.period.from_}")
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

    def task_ref(self, value, rel: str, data) -> tuple[str, str]:
        """(task id, legacy free text) of a work's `task:`; the id is checked against tasks.yml."""
        text = normalise(str(value or ""))
        if not text:
            return "", ""
        line = line_of(data, "task")
        if text in self.task_records:
            return text, ""
        if _ID.match(text):
            self.error(rel, line, f"未知任务 {text}{did_you_mean(text, self.task_records)}；任务在 content/tasks.yml 中定义（koc new task 可新建）")
            return "", ""
        # The older free-text form: still read, shown as written, with the way to fix it.
        by_title = {t.title: t.id for t in self.task_records.values()}
        close = difflib.get_close_matches(text, list(by_title), n=1, cutoff=0.4)
        hint = f"，可能是 task: {by_title[close[0]]}（{close[0]}）" if close else "；如果还没有对应任务，用 koc new task 新建"
        self.warning(rel, line, f"task 仍是自由文本“{text}”：请改为 content/tasks.yml 中的任务 id{hint}")
        return "", text

    def criteria(self, ev, task_id: str, rel: str, data) -> tuple[CriterionScore | None, ...]:
        if not ev or not ev.criteria:
            return ()
        line = line_of(data, "evaluation", "criteria")
        if not task_id:
            self.error(rel, line, "evaluation.criteria 是按任务的评估标准逐条评分：请先写明 task（tasks.yml 中的任务 id）")
            return ()
        wanted = self.task_records[task_id].criteria
        if len(ev.criteria) > len(wanted):
            self.error(rel, line, f"evaluation.criteria 有 {len(ev.criteria)} 项，但任务 {task_id} 只有 {len(wanted)} 条评估标准；请按任务标准的顺序逐条评分")
        return tuple(CriterionScore(c.score, (c.note or "").strip()) if c else None for c in ev.criteria[: len(wanted)])

    def routings(self, items, rel: str, data) -> tuple[Routing, ...]:
        result: dict[str, Routing] = {}
        for i, item in enumerate(items):
            term = self.departments.resolve(item.name)
            if term is None:
                allowed = "、".join(t.label for t in self.departments.terms) or "（taxonomy.yml 中还没有 departments）"
                self.error(rel, line_of(data, "departments", i), f"未知部门“{item.name}”{did_you_mean(normalise(item.name), self.departments.names())}；可选：{allowed}。新部门请先加入 content/taxonomy.yml 的 departments")
                continue
            result.setdefault(term.slug, Routing(term.slug, item.status, item.date))
        return tuple(result.values())

    def works(self, contributors: dict[str, Contributor]) -> list[Work]:
        parsed_works = []
        seen: dict[str, str] = {}
        for source in self.raw.works:
            stem = source.path.stem
            if not _ID.match(stem):
                self.error(source.rel, None, f"文件名 “{stem}” 不符合作品 id 规则（小写字母、数字、连字符，^[a-z0-9][a-z0-9-]*$）；建议改名为 {slugify(stem)}.md")
                continue
            if stem in seen:
                self.error(source.rel, None, f"作品 id {stem} 重复：{seen[stem]} 已使用同名文件")
                continue
            seen[stem] = source.rel
            fm = self.parse(schema.WorkFrontmatter, source.data, source.rel)
            if fm is not None:
                parsed_works.append((source, fm))
        # Tag slugs are assigned once, over the whole library, so they are stable.
        self.tags.assign_slugs(self.tags.label(t) for _, fm in parsed_works for t in fm.tags if normalise(t))
        works = [self.work(source, fm, contributors) for source, fm in parsed_works]
        return sorted((w for w in works if w), key=lambda w: (w.date, w.id), reverse=True)

    def work(self, source: WorkSource, fm: schema.WorkFrontmatter, contributors) -> Work | None:
        rel, data = source.rel, source.data
        ok = True
        credits = []
        for i, credit in enumerate(fm.contributors):
            if credit.id not in contributors:
                ok = False
                self.error(rel, line_of(data, "contributors", i), f"未知贡献者 {credit.id}：请先在 content/contributors.yml 中登记{did_you_mean(credit.id, contributors)}")
            credits.append(Credit(credit.id, credit.role.strip()))
        if len({c.contributor for c in credits}) != len(credits):
            self.warning(rel, line_of(data, "contributors"), "同一贡献者被列出多次；请合并为一条，并在 role 中写明全部角色")
        scenarios = self.terms(fm.scenarios, self.scenarios, "scenarios", "场景", rel, data)
        models = self.terms(fm.models, self.models, "models", "车型", rel, data)
        ok = ok and scenarios is not None and models is not None
        tags = tuple(dict.fromkeys(self.tags.label(t) for t in fm.tags if normalise(t)))
        if fm.cover:
            ok = self.media_src(fm.cover, rel, line_of(data, "cover")) and ok
        for i, item in enumerate(fm.media):
            ok = self.media_src(item.src, rel, line_of(data, "media", i)) and ok
        if fm.rights.expires and fm.rights.expires < fm.date:
            ok = False
            self.error(rel, line_of(data, "rights", "expires"), f"授权到期日 {fm.rights.expires} 早于作品日期 {fm.date}")
        for field in ("title", "summary"):
            self.scan_personal(getattr(fm, field) or "", rel, line_of(data, field))
        for kind, offset in find_personal_data(source.body):
            self.warning(rel, source.body_line + source.body[:offset].count("\n"), f"正文中疑似包含{kind}：请删去个人信息，或确认已获本人同意")
        if not ok:
            return None
        ev = fm.evaluation
        task, task_text = self.task_ref(fm.task, rel, data)
        criteria = self.criteria(ev, task, rel, data)
        departments = self.routings(fm.departments, rel, data)
        return Work(
            id=source.path.stem,
            source=rel,
            title=fm.title.strip(),
            type=fm.type,
            date=fm.date,
            credits=tuple(credits),
            rights=Rights(tuple(dict.fromkeys(fm.rights.uses)), fm.rights.expires, fm.rights.credit_line or "", fm.rights.note or ""),
            body=source.body.strip("\n"),
            summary=(fm.summary or first_paragraph(source.body)).strip(),
            summary_given=bool(fm.summary),
            tags=tags,
            scenarios=scenarios,
            models=models,
            task=task,
            task_text=task_text,
            cover=fm.cover,
            media=tuple(MediaItem(m.type, m.src, m.caption or "") for m in fm.media),
            evaluation=Evaluation(ev.score, ev.highlights or "", ev.feedback or "", ev.reviewer or "", criteria) if ev else None,
            reuse=tuple(sorted((Reuse(r.date, r.event, r.audience or "", r.by or "") for r in fm.reuse), key=lambda r: (r.date, r.event))),
            featured=fm.featured,
            status=fm.status,
            departments=departments,
            content_hash=source.content_hash,
        )

    def terms(self, names, vocabulary: Vocabulary, key: str, label: str, rel: str, data) -> tuple[str, ...] | None:
        slugs, ok = [], True
        for i, name in enumerate(names):
            term = vocabulary.resolve(name)
            if term is None:
                ok = False
                allowed = "、".join(t.label for t in vocabulary.terms) or "（taxonomy.yml 中还没有）"
                self.error(rel, line_of(data, key, i), f"未知{label}“{name}”{did_you_mean(normalise(name), vocabulary.names())}；可选：{allowed}。新{label}请先加入 content/taxonomy.yml")
            elif term.slug not in slugs:
                slugs.append(term.slug)
        return tuple(slugs) if ok else None

    def media_src(self, src: str, rel: str, line: int | None) -> bool:
        if src.startswith("https://"):
            return True
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            self.error(rel, line, f"媒体地址 {src} 只能是 https:// 链接或 content/media/ 下的文件")
            return False
        return self.local_media(src, rel, line)

    def local_media(self, src: str, rel: str, line: int | None) -> bool:
        media_root = (self.raw.root / "media").resolve()
        path = Path(src)
        if path.is_absolute() or ".." in path.parts:
            self.error(rel, line, f"媒体路径 {src} 不能是绝对路径或包含 ..；请写成 media/… 的相对路径")
            return False
        if not src.startswith("media/"):
            self.error(rel, line, f"媒体路径 {src} 应以 media/ 开头（文件放在 content/media/ 下）")
            return False
        target = (self.raw.root / path).resolve()
        if not target.is_relative_to(media_root):
            self.error(rel, line, f"媒体路径 {src} 指向 content/media/ 之外（可能是符号链接）")
            return False
        if not target.is_file():
            self.error(rel, line, f"找不到媒体文件 content/{src}")
            return False
        return True

    def scan_personal(self, text: str, rel: str, line: int | None) -> None:
        for kind, _ in find_personal_data(text):
            self.warning(rel, line, f"公开文字中疑似包含{kind}：请删去个人信息，或放到贡献者的 private: 中")

    def honors(self, contributors, work_ids) -> tuple[Honor, ...]:
        source = self.raw.honors
        if source is None or source.data is None:
            return ()
        if not isinstance(source.data, list):
            self.error(source.rel, 1, "honors.yml 应是列表，每项包含 year、award、contributor")
            return ()
        honors = []
        for i, data in enumerate(source.data):
            line = line_of(source.data, i)
            parsed = self.parse(schema.HonorIn, data, source.rel) if isinstance(data, dict) else None
            if not isinstance(data, dict):
                self.error(source.rel, line, "每项荣誉应是映射：year、award、contributor、citation、works")
            if parsed is None:
                continue
            ok = True
            if parsed.contributor not in contributors:
                ok = False
                self.error(source.rel, line_of(data, "contributor"), f"未知贡献者 {parsed.contributor}{did_you_mean(parsed.contributor, contributors)}")
            for j, wid in enumerate(parsed.works):
                if wid not in work_ids:
                    ok = False
                    self.error(source.rel, line_of(data, "works", j), f"未知作品 {wid}{did_you_mean(wid, work_ids)}")
            if ok:
                honors.append(Honor(parsed.year, parsed.award, parsed.contributor, parsed.citation or "", tuple(parsed.works)))
        return tuple(sorted(honors, key=lambda h: (-h.year, h.award, h.contributor)))

    def collections(self) -> tuple[Collection, ...]:
        result = []
        for source in self.raw.collections:
            slug = source.path.stem
            if not _ID.match(slug):
                self.error(source.rel, None, f"collection 文件名 “{slug}” 只能用小写字母、数字和连字符；建议 {slugify(slug)}.yml")
                continue
            parsed = self.parse(schema.CollectionIn, source.data, source.rel)
            if parsed is None:
                continue
            collection = Collection(slug, parsed.title, Use(parsed.audience), parsed.query.strip(), parsed.description or "", parsed.sort, parsed.limit)
            self.collection_sources.append((collection, source))
            result.append(collection)
        return tuple(result)


def first_paragraph(body: str, limit: int = 300) -> str:
    """The first prose paragraph as plain text, for a default summary."""
    for block in re.split(r"\n\s*\n", body.strip()):
        block = block.strip()
        if not block or block.startswith(("#", "|", "```", "<", "!", "---", "- ", "* ", "1. ", ">")):
            continue
        text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", block)
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        text = re.sub(r"[*_`>#]+", "", text)
        text = " ".join(text.split())
        if text:
            return text if len(text) <= limit else text[: limit - 1] + "…"
    return ""
