"""Work pages (a full page, or a stub for an offline work), the works index and the yearly archive."""

from __future__ import annotations

import datetime as dt  # noqa: F401 (doctest)
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Iterator, NamedTuple

from generator.catalog.rights import Visibility, stub_reason
from generator.model import USE_LABELS, MediaItem, MediaRef, Reuse, Rights, Use, Work, WorkType  # noqa: F401 (doctest)
from generator.pages.cards import Count, Ref, WorkCard, default_credit_line, expiry_days, type_counts  # noqa: F401 (re-exported)
from generator.pages.wording import expiry_label
from generator.pages.images import CARD_WIDTH, PAGE_WIDTH, web_src
from generator.pages.spec import LISTING, PageInputs, PageSpec

LATEST_ON_INDEX = 30


class UseRow(NamedTuple):
    label: str
    permitted: bool


@dataclass(frozen=True)
class ImageView:
    """A card-sized thumbnail, a page-sized view and the original: site paths, or the same remote URL."""

    thumb: str
    large: str
    original: str
    caption: str
    local: bool


@dataclass(frozen=True)
class WorkPage:
    card: WorkCard
    work: Work
    lead: str  # the summary, unless it was taken from the body (it would repeat itself)
    models: list[Ref]
    scenarios: list[Ref]
    tags: list[Ref]
    credit_line: str
    verdict: "Verdict"
    uses: list[UseRow]
    view_only: bool
    expires: str | None
    days_left: int | None
    expiring: bool
    score: int | None
    highlights: str
    feedback: str  # internal edition only
    reviewer: str  # internal edition only
    reuse: tuple[Reuse, ...]
    cover: ImageView | None
    images: list[ImageView]
    videos: list[MediaItem]
    links: list[MediaItem]
    related: list[WorkCard]
    task: Ref | None  # the task the work was made for, linked
    task_text: str  # or the older free-text form, as written
    departments: list[str]  # labels; internal edition only
    draft: bool
    body: str  # sanitised HTML


class Verdict(NamedTuple):
    """The one line a work page opens with: may it be shown at a dealer meeting, and until when."""

    ok: bool
    text: str


def rights_verdict(work: Work, internal: bool) -> Verdict:
    """'✓ 可在经销商会议展示 · 授权至 2028-07-31' or '✗ 不可用于经销商会议' (the internal
    edition adds training, the trainers' question).

    >>> rights_verdict(Work("a", "", "t", WorkType.QA, dt.date(2026, 1, 1), (), Rights((Use.TRAINING,))), True).text
    '✗ 不可用于经销商会议 · ✓ 可用于内部培训 · 长期有效'
    """
    uses = work.rights.uses
    parts = ["✓ 可在经销商会议展示" if Use.DEALER_MEETING in uses else "✗ 不可用于经销商会议"]
    if internal:
        parts.append("✓ 可用于内部培训" if Use.TRAINING in uses else "✗ 不可用于内部培训")
    if uses:
        parts.append(expiry_label(work.rights.expires))
    return Verdict(Use.DEALER_MEETING in uses, " · ".join(parts))


@dataclass(frozen=True)
class StubPage:
    id: str
    reason: str
    date: str


@dataclass(frozen=True)
class WorksIndexPage:
    years: list[Ref]
    types: list[Count]
    total: int
    latest: list[WorkCard]


@dataclass(frozen=True)
class ArchivePage:
    year: int
    works: list[WorkCard]


def image_view(src: MediaRef, caption: str) -> ImageView:
    return ImageView(web_src(src, CARD_WIDTH), web_src(src, PAGE_WIDTH), src.value, caption, not src.is_remote)


def work_page(work: Work, inputs: PageInputs) -> WorkPage:
    cat, routes = inputs.catalog, inputs.routes
    lib = cat.library
    scenarios = {t.slug: t for t in lib.taxonomy.scenarios}
    models = {t.slug: t for t in lib.taxonomy.models}
    departments = {t.slug: t for t in lib.taxonomy.departments}
    ev = work.evaluation
    left = expiry_days(work, cat, inputs.options.expiry_warning_days)
    return WorkPage(
        card=inputs.cards[work.id],
        work=work,
        lead=work.summary if work.summary_given else "",
        models=[Ref(models[s].label, routes.url("model", slug=s)) for s in work.models],
        scenarios=[Ref(scenarios[s].label, routes.url("scenario", slug=s)) for s in work.scenarios],
        tags=[Ref(t, routes.url("tag", slug=cat.tags.slug(t))) for t in work.tags],
        credit_line=inputs.cards[work.id].credit_line,
        verdict=rights_verdict(work, cat.internal),
        uses=[UseRow(USE_LABELS[u], u in work.rights.uses) for u in Use],
        view_only=not work.rights.uses,
        expires=work.rights.expires.isoformat() if work.rights.expires else None,
        days_left=left,
        expiring=left is not None,
        score=ev.score if ev else None,
        highlights=ev.highlights if ev else "",
        feedback=ev.feedback if ev and cat.internal else "",
        reviewer=ev.reviewer if ev and cat.internal else "",
        reuse=work.reuse,
        # Every image is described by its caption, else by the work's title.
        cover=image_view(work.cover, work.title) if work.cover else None,
        images=[image_view(m.src, m.caption or work.title) for m in work.media if m.type == "image"],
        videos=[m for m in work.media if m.type == "video"],
        links=[m for m in work.media if m.type == "link"],
        related=[inputs.cards[r] for r in inputs.related.get(work.id, []) if r in inputs.cards],
        task=Ref(lib.tasks[work.task].title, routes.url("task", id=work.task)) if work.task else None,
        task_text=work.task_text,
        departments=[departments[r.department].label for r in work.departments] if cat.internal else [],
        draft=cat.visibility[work.id] is Visibility.DRAFT,
        body=inputs.bodies[work.id].html,
    )


def work_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    """A page per work with one in this edition; an offline work keeps its URL as a stub."""
    cat = inputs.catalog
    for work in cat.library.works:
        vis = cat.visibility[work.id]
        path = inputs.routes.source("work", id=work.id)
        if vis in (Visibility.LISTED, Visibility.DRAFT):
            # The view data is made when the page is rendered (see PageSpec.context).
            yield PageSpec(path, "work.md.j2", work.title, partial(work_page, work, inputs))
        elif vis is Visibility.STUB:
            stub = StubPage(work.id, stub_reason(work), work.date.isoformat())
            yield PageSpec(path, "stub.md.j2", work.title, stub, dict(LISTING, koc_offline=True))


def works_index_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    """The works index (counts, latest works, one link per year) and one archive page per year."""
    cat, routes = inputs.catalog, inputs.routes
    by_year: dict[int, list[WorkCard]] = defaultdict(list)
    for w in cat.listed:
        by_year[w.year].append(inputs.cards[w.id])
    years = sorted(by_year, reverse=True)
    index = WorksIndexPage(
        years=[Ref(f"{y} 年", routes.url("archive", year=y), len(by_year[y])) for y in years],
        types=type_counts(cat.listed),
        total=len(cat.listed),
        latest=[inputs.cards[w.id] for w in cat.listed[:LATEST_ON_INDEX]],
    )
    yield PageSpec(routes.source("works"), "works.md.j2", "全部作品", index, LISTING)
    for y in years:
        yield PageSpec(routes.source("archive", year=y), "archive.md.j2", f"{y} 年的作品", ArchivePage(y, by_year[y]), LISTING)
