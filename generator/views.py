"""Page view data: everything a template prints, computed once per build.

The `Catalog` makes one pass over the library to group works by tag,
scenario, model and contributor, and builds one `WorkCard` per listed work
that every listing reuses. Templates only loop and print.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .model import (
    AUDIENCE_LABELS,
    default_credit_line as credit_line_of,
    TIER_LABELS,
    TYPE_LABELS,
    USE_LABELS,
    Audience,
    Collection,
    Contributor,
    Library,
    Term,
    Use,
    Work,
    WorkType,
)
from .images import CARD_WIDTH, PAGE_WIDTH, sized_path
from .options import Options
from .rights import Edition, Visibility, days_left, stub_reason, visibility
from .scoring import Standing, contributor_stats, find_records, rank_contributors
from .taxonomy import TagVocabulary


def work_url(wid: str) -> str:
    return f"works/{wid}/"


def contributor_url(cid: str) -> str:
    return f"contributors/{cid}/"


@dataclass(frozen=True)
class Ref:
    """A link: label and site-relative URL (no leading slash)."""

    label: str
    url: str
    count: int = 0


@dataclass(frozen=True)
class CreditView:
    name: str
    url: str
    role: str
    tier: str
    avatar: str | None

    @property
    def role_note(self) -> str:
        return role_note(self.role)


def role_note(role: str) -> str:
    """The role in brackets after a name in a list of credits. A role that has its
    own brackets keeps their words, not the brackets: "文案（燃油车部分）" →
    "（文案，燃油车部分）", never "（文案（燃油车部分））".

    >>> role_note("文案（燃油车部分）"), role_note("文案"), role_note("")
    ('（文案，燃油车部分）', '（文案）', '')
    """
    inner = re.sub(r"\s*[（(]\s*(.*?)\s*[）)]\s*", r"，\1，", role)
    inner = re.sub(r"，+", "，", inner).strip("，")
    return f"（{inner}）" if inner else ""


@dataclass(frozen=True)
class WorkCard:
    id: str
    url: str
    title: str
    type: str
    type_label: str
    date: str
    summary: str
    cover: str | None
    credits: tuple[CreditView, ...]
    uses: tuple[str, ...]  # labels of permitted uses
    expiry_days: int | None  # set when the rights end within the warning window
    score: int | None
    featured: bool
    draft: bool


@dataclass
class Catalog:
    library: Library
    options: Options
    edition: Edition
    tags: TagVocabulary
    visibility: dict[str, Visibility] = field(default_factory=dict)
    listed: list[Work] = field(default_factory=list)  # newest first
    counted: list[Work] = field(default_factory=list)  # count toward scores: listed or offline, not drafts
    cards: dict[str, WorkCard] = field(default_factory=dict)
    by_tag: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))
    tag_labels: dict[str, str] = field(default_factory=dict)  # slug -> label
    by_scenario: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))
    by_model: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))
    by_contributor: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))
    counted_by_contributor: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))

    @property
    def internal(self) -> bool:
        return self.edition.audience is Audience.INTERNAL


def build_catalog(library: Library, options: Options, tags: TagVocabulary) -> Catalog:
    edition = Edition(options.audience, options.as_of, options.drafts)
    cat = Catalog(library, options, edition, tags)
    for work in library.works:  # already newest first
        vis = visibility(work, edition)
        cat.visibility[work.id] = vis
        if vis is Visibility.ABSENT:
            continue
        if vis is not Visibility.DRAFT:
            cat.counted.append(work)
            for cid in dict.fromkeys(work.contributor_ids):
                cat.counted_by_contributor[cid].append(work)
        if vis is Visibility.LISTED:
            cat.listed.append(work)
            for tag in work.tags:
                slug = tags.slug(tag)
                cat.by_tag[slug].append(work)
                cat.tag_labels[slug] = tag
            for slug in work.scenarios:
                cat.by_scenario[slug].append(work)
            for slug in work.models:
                cat.by_model[slug].append(work)
            for cid in dict.fromkeys(work.contributor_ids):
                cat.by_contributor[cid].append(work)
        if vis in (Visibility.LISTED, Visibility.DRAFT):
            cat.cards[work.id] = make_card(work, cat)
    return cat


def credit_views(work: Work, contributors: dict[str, Contributor]) -> tuple[CreditView, ...]:
    views = []
    for credit in work.credits:
        person = contributors[credit.contributor]
        views.append(CreditView(person.name, contributor_url(person.id), credit.role, TIER_LABELS[person.tier], person.avatar))
    return tuple(views)


def make_card(work: Work, cat: Catalog) -> WorkCard:
    left = days_left(work, cat.edition.as_of)
    return WorkCard(
        id=work.id,
        url=work_url(work.id),
        title=work.title,
        type=work.type.value,
        type_label=TYPE_LABELS[work.type],
        date=work.date.isoformat(),
        summary=work.summary,
        cover=sized_path(work.cover, CARD_WIDTH) if work.cover and not work.cover.startswith("https://") else work.cover,
        credits=credit_views(work, cat.library.contributors),
        uses=tuple(USE_LABELS[u] for u in Use if u in work.rights.uses),
        expiry_days=left if left is not None and 0 <= left < cat.options.expiry_warning_days else None,
        score=work.evaluation.score if work.evaluation else None,
        featured=work.featured,
        draft=cat.visibility[work.id] is Visibility.DRAFT,
    )


def default_credit_line(work: Work, contributors: dict[str, Contributor]) -> str:
    return credit_line_of(contributors[c.contributor].name for c in work.credits)


# -- pages -------------------------------------------------------------------


def term_refs(terms: tuple[Term, ...], grouped: dict[str, list[Work]], base: str) -> list[Ref]:
    return [Ref(t.label, f"{base}/{t.slug}/", len(grouped.get(t.slug, ()))) for t in terms]


def work_page(work: Work, cat: Catalog, related: list[str]) -> dict:
    lib = cat.library
    scenarios = {t.slug: t for t in lib.taxonomy.scenarios}
    models = {t.slug: t for t in lib.taxonomy.models}
    ev = work.evaluation
    left = days_left(work, cat.edition.as_of)
    uses = [(USE_LABELS[u], u in work.rights.uses) for u in Use]
    return {
        "card": cat.cards[work.id],
        "work": work,
        # A summary taken from the body's first paragraph would repeat itself.
        "lead": work.summary if work.summary_given else "",
        "models": [Ref(models[s].label, f"models/{s}/") for s in work.models],
        "scenarios": [Ref(scenarios[s].label, f"scenarios/{s}/") for s in work.scenarios],
        "tags": [Ref(t, f"tags/{cat.tags.slug(t)}/") for t in work.tags],
        "credit_line": work.rights.credit_line or default_credit_line(work, lib.contributors),
        "uses": uses,
        "view_only": not work.rights.uses,
        "expires": work.rights.expires.isoformat() if work.rights.expires else None,
        "days_left": left,
        "expiring": left is not None and 0 <= left < cat.options.expiry_warning_days,
        "score": ev.score if ev else None,
        "highlights": ev.highlights if ev else "",
        "feedback": ev.feedback if ev and cat.internal else "",
        "reviewer": ev.reviewer if ev and cat.internal else "",
        "reuse": work.reuse,
        # Every image is described by its caption, else by the work's title.
        "cover": _image(work.cover, work.title) if work.cover else None,
        "images": [_image(m.src, m.caption or work.title) for m in work.media if m.type == "image"],
        "videos": [m for m in work.media if m.type == "video"],
        "links": [m for m in work.media if m.type == "link"],
        "related": [cat.cards[r] for r in related if r in cat.cards],
        "task": work.task,
        "departments": work.departments,
        "draft": cat.visibility[work.id] is Visibility.DRAFT,
    }


def _image(src: str, caption: str) -> dict:
    """A card-sized thumbnail, a page-sized view and the original, all site paths or URLs."""
    if src.startswith("https://"):
        return {"thumb": src, "large": src, "original": src, "caption": caption, "local": False}
    return {"thumb": sized_path(src, CARD_WIDTH), "large": sized_path(src, PAGE_WIDTH), "original": src,
            "caption": caption, "local": True}


def stub_page(work: Work, cat: Catalog) -> dict:
    return {"id": work.id, "reason": stub_reason(work, cat.edition), "date": work.date.isoformat()}


def home_page(cat: Catalog, collections: list[Collection]) -> dict:
    lib = cat.library
    featured = [cat.cards[w.id] for w in cat.listed if w.featured][:6]
    active_contributors = {cid for w in cat.listed for cid in w.contributor_ids}
    return {
        "counts": [
            ("作品", len(cat.listed), "works/"),
            ("贡献者", len(active_contributors), "contributors/"),
            ("使用场景", sum(1 for t in lib.taxonomy.scenarios if cat.by_scenario.get(t.slug)), "scenarios/"),
            ("车型", sum(1 for t in lib.taxonomy.models if cat.by_model.get(t.slug)), "models/"),
        ],
        "featured": featured,
        "latest": [cat.cards[w.id] for w in cat.listed[:8]],
        "scenarios": [r for r in term_refs(lib.taxonomy.scenarios, cat.by_scenario, "scenarios") if r.count],
        "models": [r for r in term_refs(lib.taxonomy.models, cat.by_model, "models") if r.count],
        "collections": [Ref(c.title, f"collections/{c.slug}/") for c in collections],
        "types": type_counts(cat.listed),
    }


def type_counts(works: list[Work]) -> list[tuple[str, int]]:
    counts = defaultdict(int)
    for w in works:
        counts[w.type] += 1
    return [(TYPE_LABELS[t], counts[t]) for t in WorkType if counts[t]]


LATEST_ON_INDEX = 30


def works_index_page(cat: Catalog) -> tuple[dict, dict[int, dict]]:
    """The works index (counts, latest works, one link per year) and one archive page per year."""
    by_year = defaultdict(list)
    for w in cat.listed:
        by_year[w.year].append(cat.cards[w.id])
    years = sorted(by_year, reverse=True)
    index = {"years": [Ref(f"{y} 年", f"archive/{y}/", len(by_year[y])) for y in years],
             "types": type_counts(cat.listed), "total": len(cat.listed),
             "latest": [cat.cards[w.id] for w in cat.listed[:LATEST_ON_INDEX]]}
    return index, {y: {"year": y, "works": by_year[y]} for y in years}


def tags_index_page(cat: Catalog) -> dict:
    refs = [Ref(cat.tag_labels[slug], f"tags/{slug}/", len(works)) for slug, works in cat.by_tag.items()]
    return {"tags": sorted(refs, key=lambda r: (-r.count, r.label))}


def tag_pages(cat: Catalog) -> dict[str, dict]:
    pages = {}
    for slug, works in cat.by_tag.items():
        pages[slug] = {"label": cat.tag_labels[slug], "kind": "标签", "description": "", "works": [cat.cards[w.id] for w in works]}
    return pages


def term_index_page(terms: tuple[Term, ...], grouped, base: str, kind: str) -> dict:
    return {"kind": kind, "terms": [(t, Ref(t.label, f"{base}/{t.slug}/", len(grouped.get(t.slug, ())))) for t in terms]}


def term_pages(terms: tuple[Term, ...], grouped, kind: str, cat: Catalog) -> dict[str, dict]:
    return {
        t.slug: {"label": t.label, "kind": kind, "description": t.description, "aliases": t.aliases,
                 "works": [cat.cards[w.id] for w in grouped.get(t.slug, ())]}
        for t in terms
    }


def contributor_pages(cat: Catalog, standings: list[Standing]) -> tuple[dict, dict[str, dict]]:
    lib = cat.library
    by_id = {s.contributor.id: (rank, s) for rank, s in enumerate(standings, 1)}
    honors = defaultdict(list)
    for h in lib.honors:
        honors[h.contributor].append(h)
    profiles, rows = {}, []
    for cid, person in lib.contributors.items():
        listed = cat.by_contributor.get(cid, [])
        counted = cat.counted_by_contributor.get(cid, [])
        if not counted and cat.edition.audience is Audience.DEALER:
            continue  # the dealer edition shows only people whose work it carries
        rank, standing = by_id.get(cid, (None, None))
        stats = contributor_stats(counted)
        roles = []
        for w in listed:
            role = "、".join(c.role for c in w.credits if c.contributor == cid and c.role)
            roles.append((cat.cards[w.id], role))
        profiles[cid] = {
            "person": person,
            "tier": TIER_LABELS[person.tier],
            "stats": stats,
            "types": [(TYPE_LABELS[t], n) for t, n in stats.works_by_type.items()],
            "standing": standing,
            "rank": rank,
            "honors": [(h, [cat.cards[w] for w in h.works if w in cat.cards]) for h in honors.get(cid, [])],
            "works": roles,
            "offline": len(counted) - len(listed),
        }
        rows.append((person, TIER_LABELS[person.tier], len(listed), standing.total if standing else 0.0))
    tiers = [(label, [r for r in rows if r[0].tier is tier]) for tier, label in TIER_LABELS.items()]
    return {"tiers": [(label, sorted(people, key=lambda r: (-r[3], r[0].name))) for label, people in tiers if people]}, profiles


def hall_of_fame_page(cat: Catalog, standings: list[Standing]) -> dict:
    lib = cat.library
    year = cat.edition.as_of.year
    this_year = rank_contributors(cat.counted, lib.contributors, cat.options.weights, year=year)
    honors_by_year = defaultdict(list)
    for h in lib.honors:
        person = lib.contributors[h.contributor]
        if cat.edition.audience is Audience.DEALER and h.contributor not in cat.counted_by_contributor:
            continue
        works = [cat.cards[w] if w in cat.cards else None for w in h.works]
        titles = [lib_work.title for lib_work in lib.works if lib_work.id in h.works and cat.visibility.get(lib_work.id) is not Visibility.ABSENT]
        honors_by_year[h.year].append({"honor": h, "person": person, "works": [w for w in works if w], "offline_titles": [t for t in titles if t not in {w.title for w in works if w}]})
    records = find_records(cat.counted, lib.contributors)
    tier_wall = []
    for tier, label in TIER_LABELS.items():
        people = [p for p in lib.contributors.values() if p.tier is tier and (cat.internal or p.id in cat.counted_by_contributor)]
        if people:
            tier_wall.append((label, sorted(people, key=lambda p: (p.name, p.id))))
    w = cat.options.weights
    return {
        "honors": sorted(honors_by_year.items(), reverse=True),
        "all_time": standings[:20],
        "this_year": this_year[:10],
        "year": year,
        "tier_wall": tier_wall,
        "most_reused": record_ref(records.most_reused, cat),
        "most_reused_count": len(records.most_reused.reuse) if records.most_reused else 0,
        "best_rated": record_ref(records.best_rated, cat),
        "best_rated_score": records.best_rated.evaluation.score if records.best_rated else None,
        "prolific": [(TYPE_LABELS[t], person, n) for t, (person, n) in records.most_prolific.items()],
        "weights": [(TYPE_LABELS[WorkType(k)], v) for k, v in w.type_weights.items()],
        "featured_bonus": w.featured_bonus,
        "reuse_weight": w.reuse_weight,
        "score_pivot": w.score_pivot,
    }


def record_ref(work: Work | None, cat: Catalog) -> dict | None:
    # Offline works still count but are named without a link.
    if work is None:
        return None
    return {"title": work.title, "url": work_url(work.id) if work.id in cat.cards else None,
            "credits": credit_views(work, cat.library.contributors)}


def hub_page(cat: Catalog, use: Use, collections: list[Collection]) -> dict:
    lib = cat.library
    usable = [w for w in cat.listed if use in w.rights.uses]
    groups = []
    for term in lib.taxonomy.scenarios:
        cards = [cat.cards[w.id] for w in usable if term.slug in w.scenarios]
        if cards:
            groups.append((Ref(term.label, f"scenarios/{term.slug}/", len(cards)), cards))
    rest = [cat.cards[w.id] for w in usable if not w.scenarios]
    if rest:
        groups.append((Ref("其他场景", "", len(rest)), rest))
    return {
        "use": USE_LABELS[use],
        "total": len(usable),
        "groups": groups,
        "collections": [Ref(c.title, f"collections/{c.slug}/") for c in collections if c.audience is use],
    }


def collection_page(collection: Collection, ids: list[str], cat: Catalog) -> dict:
    return {"collection": collection, "audience": USE_LABELS[collection.audience],
            "sort": "评分" if collection.sort == "score" else "日期", "works": [cat.cards[i] for i in ids if i in cat.cards]}


def edition_info(cat: Catalog) -> dict:
    return {"audience": cat.edition.audience.value, "label": AUDIENCE_LABELS[cat.edition.audience],
            "as_of": cat.edition.as_of.isoformat(), "drafts": cat.edition.drafts}



FINDER_FACETS = (("type", "类型"), ("scenario", "场景"), ("model", "车型"), ("use", "可用于"), ("year", "年份"),
                 ("contributor", "贡献者"), ("tag", "标签"))


def finder_page(cat: Catalog) -> dict:
    return {"facets": FINDER_FACETS, "total": len(cat.listed)}
