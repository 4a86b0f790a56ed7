"""The pieces many pages show: links, credits and the work card, made once per build.

A `WorkCard` holds what every listing prints about a work (cards, tables,
the finder's results); `cards_for` makes one per work with a page, and all
listings reuse them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from generator.catalog.catalog import Catalog
from generator.catalog.rights import Visibility, days_left
from generator.model import default_credit_line as credit_line_of
from generator.model import TIER_LABELS, TYPE_LABELS, USE_LABELS, Contributor, Term, Use, Work
from generator.pages.wording import expiry_label
from generator.pages.images import CARD_WIDTH, web_src
from generator.pages.routes import Routes


class Ref(NamedTuple):
    """A link: label and site URL (from `Routes`), with a count where a listing shows one."""

    label: str
    url: str
    count: int = 0


class Count(NamedTuple):
    """A label and a number, e.g. ("视频", 12)."""

    label: str
    count: int


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
    expires: str | None  # ISO date the rights end, None: no end
    expiry_label: str  # "授权至 2027-06-30" or "长期有效": every listing prints it
    expiry_days: int | None  # set when the rights end within the warning window
    credit_line: str  # the exact line to cite when the work is reused
    score: int | None
    featured: bool
    draft: bool


def credit_views(work: Work, contributors: dict[str, Contributor], routes: Routes) -> tuple[CreditView, ...]:
    views = []
    for credit in work.credits:
        person = contributors[credit.contributor]
        views.append(CreditView(person.name, routes.url("contributor", id=person.id), credit.role, TIER_LABELS[person.tier], person.avatar))
    return tuple(views)


def default_credit_line(work: Work, contributors: dict[str, Contributor]) -> str:
    return credit_line_of(contributors[c.contributor].name for c in work.credits)


def credit_line(work: Work, contributors: dict[str, Contributor]) -> str:
    return work.rights.credit_line or default_credit_line(work, contributors)


def expiry_days(work: Work, cat: Catalog, window: int) -> int | None:
    """Days until the rights end, when that is within the warning window."""
    left = days_left(work, cat.edition.as_of)
    return left if left is not None and 0 <= left < window else None


def make_card(work: Work, cat: Catalog, routes: Routes, expiry_window: int) -> WorkCard:
    return WorkCard(
        id=work.id,
        url=routes.url("work", id=work.id),
        title=work.title,
        type=work.type.value,
        type_label=TYPE_LABELS[work.type],
        date=work.date.isoformat(),
        summary=work.summary,
        cover=web_src(work.cover, CARD_WIDTH) if work.cover else None,
        credits=credit_views(work, cat.library.contributors, routes),
        uses=tuple(USE_LABELS[u] for u in Use if u in work.rights.uses),
        expires=work.rights.expires.isoformat() if work.rights.expires else None,
        expiry_label=expiry_label(work.rights.expires),
        expiry_days=expiry_days(work, cat, expiry_window),
        credit_line=credit_line(work, cat.library.contributors),
        score=work.evaluation.score if work.evaluation else None,
        featured=work.featured,
        draft=cat.visibility[work.id] is Visibility.DRAFT,
    )


def cards_for(cat: Catalog, routes: Routes, expiry_window: int) -> dict[str, WorkCard]:
    """One card per work with a page in this build (listed, and drafts in a preview)."""
    return {w.id: make_card(w, cat, routes, expiry_window) for w in cat.shown}


def term_refs(terms: tuple[Term, ...], grouped: dict[str, list[Work]], kind: str, routes: Routes) -> list[Ref]:
    return [Ref(t.label, routes.url(kind, slug=t.slug), len(grouped.get(t.slug, ()))) for t in terms]


def type_counts(works: list[Work]) -> list[Count]:
    counts: dict = {}
    for w in works:
        counts[w.type] = counts.get(w.type, 0) + 1
    return [Count(label, counts[t]) for t, label in TYPE_LABELS.items() if counts.get(t)]
