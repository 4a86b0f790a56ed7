"""Validate: raw records → typed `Library`, plus every problem found.

Never stops at the first problem: each file is checked on its own, then the
cross-references between files. Messages are in Chinese for editors, say
what to do, and name the file and line.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, get_args

from pydantic import BaseModel, ValidationError

from . import schema
from .body_shape import shape_problem
from .load import RawLibrary, WorkSource, YamlSource
from .model import (
    Collection,
    Contributor,
    Credit,
    Evaluation,
    Honor,
    Library,
    Link,
    MediaItem,
    Reuse,
    Rights,
    Taxonomy,
    Term,
    Use,
    Work,
)
from .privacy import find_personal_data
from .problems import Problem, did_you_mean
from .references import IMAGE_SUFFIXES, body_references, media_problem, url_problem
from .taxonomy import TagVocabulary, Vocabulary, normalise, slugify
from .yaml_source import LineDict, line_of


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


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (sub-)model that holds the last key of `loc`."""
    for key in loc[:-1]:
        if isinstance(key, int):
            continue  # an index into a list of sub-models
        field = model.model_fields.get(key)
        model = _model_in(field.annotation) if field else None
        if model is None:
            return []
    return list(model.model_fields)


def _model_in(annotation) -> type[BaseModel] | None:
    # Through Optional[...], list[...] and Annotated[...] to the model inside.
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Validator:
    def __init__(self, raw: RawLibrary):
        self.raw = raw
        self.problems: list[Problem] = list(raw.problems)
        self.collection_sources: list[tuple[Collection, YamlSource]] = []
        self.tags = TagVocabulary(())
        self._images: dict[str, str | None] = {}

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
            for err in exc.errors():
                line = line_of(data, *err["loc"])
                loc = prefix + tuple(err["loc"])
                if "private" in err["loc"]:
                    # Never echo what is under private:, not even in an error (CI logs keep it).
                    self.error(rel, line, f"{'.'.join(str(x) for x in loc)} 格式不对：private 应是映射（字段: 值），"
                                          "例如 private: {phone: …}；其内容不会显示在这里")
                    continue
                # A nested key is matched against its own mapping's fields (rights.expire → expires).
                self.error(rel, line, _message(dict(err, loc=loc), _fields_at(model, err["loc"])))
            return None

    # -- files ---------------------------------------------------------------

    def run(self) -> Library:
        taxonomy = self.taxonomy()
        self.scenarios = Vocabulary(taxonomy.scenarios)
        self.models = Vocabulary(taxonomy.models)
        self.tags = TagVocabulary(taxonomy.tags)
        contributors = self.contributors()
        works = self.works(contributors)
        ids = {w.id for w in works}
        honors = self.honors(contributors, ids)
        collections = self.collections()
        return Library(tuple(works), contributors, taxonomy, honors, collections)

    def taxonomy(self) -> Taxonomy:
        source = self.raw.taxonomy
        if source is None:
            return Taxonomy()
        parsed = self.parse(schema.TaxonomyIn, source.data or LineDict(), source.rel)
        if parsed is None:
            return Taxonomy()
        groups = {}
        for group in ("scenarios", "models", "tags"):
            terms, seen_slugs, seen_names = [], set(), {}
            for i, item in enumerate(getattr(parsed, group)):
                line = line_of(source.data, group, i)
                slug = item.slug or slugify(item.label)
                if slug in schema.RESERVED_SLUGS:
                    self.error(source.rel, line, f"{group} 中的 slug {slug} 是保留名称（列表页 index 使用），请为该项写一个别的 slug")
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
            why = schema.id_problem(cid)
            if why:
                self.error(source.rel, line, f"贡献者 id “{cid}” {why}；例如 {_suggest(cid)}")
                continue
            if not isinstance(data, dict):
                self.error(source.rel, line, f"贡献者 {cid} 应是映射，至少需要 name")
                continue
            parsed = self.parse(schema.ContributorIn, data, source.rel, (cid,))
            if parsed is None:
                continue
            # A preview renders despite errors: what failed its rule is left out, not published.
            avatar = parsed.avatar if parsed.avatar and self.local_media(parsed.avatar, source.rel, line_of(data, "avatar"), image=True) else None
            links = tuple(Link(link.label, link.url) for i, link in enumerate(parsed.links)
                          if self.url(link.url, source.rel, line_of(data, "links", i, "url"), mailto=True))
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
                avatar=avatar,
                links=links,
            )
        return dict(sorted(result.items()))

    def works(self, contributors: dict[str, Contributor]) -> list[Work]:
        parsed_works = []
        seen: dict[str, str] = {}
        for source in self.raw.works:
            stem = source.path.stem
            why = schema.id_problem(stem)
            if why:
                self.error(source.rel, None, f"文件名 “{stem}” 不符合作品 id 规则（小写字母、数字、连字符，^[a-z0-9][a-z0-9-]*$）：{why}；建议改名为 {_suggest(stem)}.md")
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
            ok = self.media_src(fm.cover, rel, line_of(data, "cover"), image=True) and ok
        for i, item in enumerate(fm.media):
            ok = self.media_src(item.src, rel, line_of(data, "media", i), image=item.type == "image") and ok
        ok = self.body(source) and ok
        if fm.rights.expires and fm.rights.expires < fm.date:
            ok = False
            self.error(rel, line_of(data, "rights", "expires"), f"授权到期日 {fm.rights.expires} 早于作品日期 {fm.date}")
        for field in ("title", "summary"):
            self.scan_personal(getattr(fm, field) or "", rel, line_of(data, field))
        body_line = body_lines(source)
        found = find_personal_data(source.body)
        for kind, offset in found[:MAX_WARNINGS_PER_BODY]:
            self.warning(rel, body_line(offset), f"正文中疑似包含{kind}：请删去个人信息，或确认已获本人同意")
        if len(found) > MAX_WARNINGS_PER_BODY:
            self.warning(rel, body_line(found[MAX_WARNINGS_PER_BODY][1]), f"正文中还有 {len(found) - MAX_WARNINGS_PER_BODY} 处疑似个人信息未逐条列出")
        if not ok:
            return None
        ev = fm.evaluation
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
            task=str(fm.task or ""),
            cover=fm.cover,
            media=tuple(MediaItem(m.type, m.src, m.caption or "") for m in fm.media),
            evaluation=Evaluation(ev.score, ev.highlights or "", ev.feedback or "", ev.reviewer or "") if ev else None,
            reuse=tuple(sorted((Reuse(r.date, r.event, r.audience or "", r.by or "") for r in fm.reuse), key=lambda r: (r.date, r.event))),
            featured=fm.featured,
            status=fm.status,
            departments=tuple(fm.departments),
            content_hash=source.content_hash,
        )

    def terms(self, names, vocabulary: Vocabulary, key: str, label: str, rel: str, data) -> tuple[str, ...] | None:
        slugs, ok = [], True
        for i, name in enumerate(names):
            term = vocabulary.resolve(name)
            if term is None:
                ok = False
                allowed = "、".join(t.label for t in vocabulary.terms) or "（taxonomy.yml 中还没有）"
                hint = did_you_mean(normalise(name), vocabulary.names())  # a question: no "；" after its "？"
                self.error(rel, line_of(data, key, i), f"未知{label}“{name}”{hint or '；'}可选：{allowed}。新{label}请先加入 content/taxonomy.yml")
            elif term.slug not in slugs:
                slugs.append(term.slug)
        return tuple(slugs) if ok else None

    def media_src(self, src: str, rel: str, line: int | None, image: bool = False) -> bool:
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            if not src.startswith("https://"):  # the build tells URLs from files by exactly this prefix
                self.error(rel, line, f"媒体地址 {src!r} 只能是 https:// 链接（小写）或 content/media/ 下的文件")
                return False
            return self.url(src, rel, line)
        return self.local_media(src, rel, line, image)

    def url(self, url: str, rel: str, line: int | None, mailto: bool = False) -> bool:
        found = url_problem(url, mailto)
        if found:
            severity, message = found
            self.problems.append(Problem(rel, line, severity, message))
            return severity != "error"
        return True

    def local_media(self, src: str, rel: str, line: int | None, image: bool = False) -> bool:
        """The one rule for a local file, whether named in frontmatter, a body or contributors.yml."""
        why = media_problem(self.raw.root, src)
        if why is None and (image or Path(src).suffix.lower() in IMAGE_SUFFIXES):
            why = self.image(src)
            why = why and f"图片 content/{src}：{why}"
        if why:
            self.error(rel, line, why)
            return False
        return True

    def image(self, src: str) -> str | None:
        # An image used by several works or contributors is opened once per check.
        if src not in self._images:
            from .images import image_problem  # PIL only when the library has local images

            self._images[src] = image_problem(self.raw.root / src)
        return self._images[src]

    def body(self, source: WorkSource) -> bool:
        """The body's shape and every local file it refers to, each error at its line."""
        line = body_lines(source)
        ok = True
        shape = shape_problem(source.body)
        if shape:
            self.error(source.rel, line(shape[0]), shape[1])
            ok = False
        for src, offset in body_references(source.body):
            ok = self.local_media(src, source.rel, line(offset)) and ok
        return ok

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
            why = schema.id_problem(slug)
            if why:
                self.error(source.rel, None, f"collection 文件名 “{slug}” {why}；建议 {_suggest(slug)}.yml")
                continue
            parsed = self.parse(schema.CollectionIn, source.data, source.rel)
            if parsed is None:
                continue
            collection = Collection(slug, parsed.title, Use(parsed.audience), parsed.query.strip(), parsed.description or "", parsed.sort, parsed.limit)
            self.collection_sources.append((collection, source))
            result.append(collection)
        return tuple(result)


MAX_WARNINGS_PER_BODY = 20


def body_lines(source: WorkSource) -> Callable[[int], int]:
    """offset in the body → line in the file (newlines found once, not once per offset)."""
    newlines = [m.start() for m in re.finditer("\n", source.body)]
    return lambda offset: source.body_line + bisect.bisect_left(newlines, offset)


def _suggest(name: str) -> str:
    slug = slugify(name)
    return slug if slug not in schema.RESERVED_SLUGS else f"{slug}-1"


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
