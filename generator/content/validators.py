"""One validator per kind of source file: taxonomy.yml, contributors.yml, the works,
honors.yml and the collections. Each turns its raw records into model objects and
reports what is wrong through the shared `Reporter`; `validate.validate_library`
runs them in order, cross-references last.

Messages are in Chinese for editors, say what to do, and name the file and line.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Callable

from generator.content import schema
from generator.content.body_shape import shape_problem
from generator.content.load import RawLibrary, WorkSource, YamlSource
from generator.content.privacy import find_personal_data
from generator.content.references import IMAGE_SUFFIXES, body_references, media_problem, url_problem
from generator.content.reporter import Reporter
from generator.content.taxonomy import TagVocabulary, Vocabulary, normalise, slugify
from generator.content.yaml_source import LineDict, line_of
from generator.model import (
    Collection,
    Contributor,
    Credit,
    Evaluation,
    Honor,
    Link,
    MediaItem,
    MediaRef,
    Reuse,
    Rights,
    Taxonomy,
    Term,
    Use,
    Work,
)
from generator.problems import Problem, did_you_mean
from generator.content.task_validation import WorkReferences


class _SourceValidator:
    """What every validator shares: the reporter, and the rules for URLs and media files."""

    def __init__(self, raw: RawLibrary, report: Reporter):
        self.raw = raw
        self.report = report
        self.error, self.warning = report.error, report.warning
        self.parse, self.scan_personal = report.parse, report.scan_personal
        self._images: dict[str, str | None] = {}

    def media_src(self, src: str, rel: str, line: int | None, image: bool = False) -> bool:
        if MediaRef(src).is_remote:
            return self.url(src, rel, line)
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):  # any other scheme, or HTTPS:// in capitals
            self.error(rel, line, f"媒体地址 {src!r} 只能是 https:// 链接（小写）或 content/media/ 下的文件")
            return False
        return self.local_media(src, rel, line, image)

    def url(self, url: str, rel: str, line: int | None, mailto: bool = False) -> bool:
        found = url_problem(url, mailto)
        if found:
            severity, message = found
            self.report.problems.append(Problem(rel, line, severity, message))
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
            from generator.content.images import image_problem  # PIL only when the library has local images

            self._images[src] = image_problem(self.raw.root / src)
        return self._images[src]


class TaxonomyValidator(_SourceValidator):
    """taxonomy.yml → `Taxonomy`: unique slugs, each name belonging to one term."""

    def run(self) -> Taxonomy:
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

class ContributorsValidator(_SourceValidator):
    """contributors.yml → contributors by id; `private:` is read, never kept."""

    def run(self) -> dict[str, Contributor]:
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

class WorksValidator(_SourceValidator):
    """The works: frontmatter, references to contributors and taxonomy, media, body, personal data.

    `tags` assigns the tag slugs of the whole library, once, so they are stable.
    """

    def __init__(self, raw: RawLibrary, report: Reporter, taxonomy: Taxonomy):
        super().__init__(raw, report)
        self.scenarios = Vocabulary(taxonomy.scenarios)
        self.models = Vocabulary(taxonomy.models)
        self.tags = TagVocabulary(taxonomy.tags)
        # A work's task, criteria and departments; validate_library gives it the tasks once they are read.
        self.references = WorkReferences(report, {}, taxonomy)

    def run(self, contributors: dict[str, Contributor]) -> list[Work]:
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
        ev = fm.evaluation
        task, task_text = self.references.task(fm.task, rel, data)
        criteria = self.references.criteria(ev, task, rel, data)
        departments = self.references.routings(fm.departments, rel, data)
        if not ok:
            return None
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
            cover=MediaRef(fm.cover) if fm.cover else None,
            media=tuple(MediaItem(m.type, MediaRef(m.src), m.caption or "") for m in fm.media),
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
                hint = did_you_mean(normalise(name), vocabulary.names())  # a question: no "；" after its "？"
                self.error(rel, line_of(data, key, i), f"未知{label}“{name}”{hint or '；'}可选：{allowed}。新{label}请先加入 content/taxonomy.yml")
            elif term.slug not in slugs:
                slugs.append(term.slug)
        return tuple(slugs) if ok else None

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


class HonorsValidator(_SourceValidator):
    """honors.yml → honors, each naming a known contributor and known works."""

    def run(self, contributors, work_ids) -> tuple[Honor, ...]:
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

class CollectionsValidator(_SourceValidator):
    """collections/*.yml → collections; their queries are checked once the library is known."""

    def __init__(self, raw: RawLibrary, report: Reporter):
        super().__init__(raw, report)
        self.sources: list[tuple[Collection, YamlSource]] = []

    def run(self) -> tuple[Collection, ...]:
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
            self.sources.append((collection, source))
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
