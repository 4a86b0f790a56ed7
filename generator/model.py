"""The library's domain objects: plain, typed, immutable data.

Every stage after validation works on these and nothing else. Chinese labels
for the enums live in one table each, here, not in templates.

Example:
    >>> Credit(contributor="li-xiaochuan", role="拍摄剪辑")
    Credit(contributor='li-xiaochuan', role='拍摄剪辑')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum


class WorkType(str, Enum):
    ARTICLE = "article"
    VIDEO = "video"
    PHOTO = "photo"
    QA = "qa"
    REVIEW = "review"
    STORY = "story"
    REPORT = "report"


class Use(str, Enum):
    TRAINING = "training"
    DEALER_MEETING = "dealer_meeting"
    OFFICIAL_CHANNELS = "official_channels"
    SOCIAL_MEDIA = "social_media"
    PRINT = "print"


class Tier(str, Enum):
    EXPLORER = "explorer"
    SPECIALIST = "specialist"
    COLLABORATOR = "collaborator"
    LEADER = "leader"


class Status(str, Enum):
    PUBLISHED = "published"
    DRAFT = "draft"
    WITHDRAWN = "withdrawn"


class Trust(str, Enum):
    """A task's rung on the trust ladder (seed 003): how much freedom the brief gives."""

    STANDARD = "standard"
    FRAMEWORK = "framework"
    OPEN = "open"


class RouteStatus(str, Enum):
    """Where a field insight stands with a department it was routed to."""

    NEW = "new"
    FORWARDED = "forwarded"
    DONE = "done"


class Audience(str, Enum):
    """Which edition of the site is built: internal, or for dealers (only works cleared for dealer meetings)."""

    INTERNAL = "internal"
    DEALER = "dealer"


TYPE_LABELS = {
    WorkType.ARTICLE: "图文",
    WorkType.VIDEO: "视频",
    WorkType.PHOTO: "图集",
    WorkType.QA: "问答",
    WorkType.REVIEW: "测评",
    WorkType.STORY: "用车故事",
    WorkType.REPORT: "反馈报告",
}

USE_LABELS = {
    Use.TRAINING: "内部培训",
    Use.DEALER_MEETING: "经销商会议",
    Use.OFFICIAL_CHANNELS: "官方渠道转载",
    Use.SOCIAL_MEDIA: "社交媒体",
    Use.PRINT: "印刷物料",
}

# Highest tier first: the order of the tier wall (引领者 → 探索者).
TIER_LABELS = {
    Tier.LEADER: "引领者",
    Tier.COLLABORATOR: "协作者",
    Tier.SPECIALIST: "专精者",
    Tier.EXPLORER: "探索者",
}

TRUST_LABELS = {
    Trust.STANDARD: "标准化任务",
    Trust.FRAMEWORK: "框架式任务",
    Trust.OPEN: "开放式任务",
}

ROUTE_STATUS_LABELS = {
    RouteStatus.NEW: "新",
    RouteStatus.FORWARDED: "已转交",
    RouteStatus.DONE: "已处理",
}

AUDIENCE_LABELS = {
    Audience.INTERNAL: "内部版",
    Audience.DEALER: "经销商版",
}

# Said beside the edition's label at the top of every page.
AUDIENCE_NOTICES = {
    Audience.INTERNAL: "请勿外传",
    Audience.DEALER: "仅含可在经销商会议使用的作品",
}


def edition_extra(audience: Audience, as_of: str, drafts: bool = False, problems: list[str] = ()) -> dict:
    """`extra.koc` as the theme overrides read it: set by the koc plugin at build time and
    written into mkdocs.yml by `koc export --with-config` (for engines that run no plugin).

    >>> edition_extra(Audience.DEALER, "2026-06-01")["edition"]
    '经销商版'
    """
    return {"audience": audience.value, "edition": AUDIENCE_LABELS[audience], "notice": AUDIENCE_NOTICES[audience],
            "as_of": as_of, "drafts": drafts, "problems": list(problems)}

# The programme named in every default credit line, spelt as the works spell it.
# The site (a work without `credit_line`) and `koc new` both take it from here.
CREDIT_PROGRAMME = "星途车主KOC计划"


def default_credit_line(names) -> str:
    """The credit line of a work that gives none.

    >>> default_credit_line(["亚楠的七座车", "林小雨"])
    '亚楠的七座车、林小雨 / 星途车主KOC计划'
    """
    return f"{'、'.join(names)} / {CREDIT_PROGRAMME}"


@dataclass(frozen=True)
class Term:
    """A controlled vocabulary entry: a scenario, a vehicle model or a tag."""

    slug: str
    label: str
    aliases: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    scenarios: tuple[Term, ...] = ()
    models: tuple[Term, ...] = ()
    tags: tuple[Term, ...] = ()
    departments: tuple[Term, ...] = ()


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Contributor:
    """A credited KOC. The registry's `private:` block is never loaded here."""

    id: str
    name: str
    tier: Tier = Tier.EXPLORER
    specialties: tuple[str, ...] = ()
    city: str = ""
    joined: dt.date | None = None
    bio: str = ""
    avatar: str | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Credit:
    contributor: str
    role: str = ""


@dataclass(frozen=True)
class Rights:
    uses: tuple[Use, ...] = ()
    expires: dt.date | None = None
    credit_line: str = ""
    note: str = ""


@dataclass(frozen=True)
class Evaluation:
    score: int | None = None
    highlights: str = ""
    feedback: str = ""  # internal only
    reviewer: str = ""  # internal only
    # Against the task's criteria, in the task's order (internal only); None: not assessed.
    criteria: tuple["CriterionScore | None", ...] = ()


@dataclass(frozen=True)
class CriterionScore:
    score: int  # 1–5; CRITERION_MET and above counts as met
    note: str = ""


# A criterion counts as met by a work scored this high on it.
CRITERION_MET = 4


@dataclass(frozen=True)
class Routing:
    """A work routed to a department (a `departments:` entry), with where it stands."""

    department: str  # taxonomy slug
    status: RouteStatus = RouteStatus.NEW
    date: dt.date | None = None


@dataclass(frozen=True)
class Reuse:
    date: dt.date
    event: str
    audience: str = ""
    by: str = ""


@dataclass(frozen=True)
class MediaRef:
    """What a cover or a media item names: a file under `content/media/` or a URL.

    Validation lets through only `media/…` paths and `https://` URLs, and tells
    them apart by exactly this prefix, as every later stage does through `is_remote`.

    >>> MediaRef("https://example.com/a.jpg").url, MediaRef("media/covers/a.jpg").path
    ('https://example.com/a.jpg', 'media/covers/a.jpg')
    >>> MediaRef("media/covers/a.jpg").url is None
    True
    """

    value: str  # as written in the content

    @property
    def is_remote(self) -> bool:
        return self.value.startswith("https://")

    @property
    def path(self) -> str | None:
        """The `media/…` path (relative to content/, and the file's path on the site) of a local file."""
        return None if self.is_remote else self.value

    @property
    def url(self) -> str | None:
        """The address of a remote file."""
        return self.value if self.is_remote else None


@dataclass(frozen=True)
class MediaItem:
    type: str  # image | video | link
    src: MediaRef
    caption: str = ""


@dataclass(frozen=True)
class Work:
    """One archived KOC work; `scenarios`/`models` hold taxonomy slugs."""

    id: str
    source: str  # path relative to the project, for messages
    title: str
    type: WorkType
    date: dt.date
    credits: tuple[Credit, ...]
    rights: Rights
    body: str = ""
    summary: str = ""
    summary_given: bool = False  # False: the summary is the body's first paragraph
    tags: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    task: str = ""  # a task id in tasks.yml, or ""
    task_text: str = ""  # the older free-text form, shown as written (read with a warning)
    cover: MediaRef | None = None
    media: tuple[MediaItem, ...] = ()
    evaluation: Evaluation | None = None
    reuse: tuple[Reuse, ...] = ()
    featured: bool = False
    status: Status = Status.PUBLISHED
    departments: tuple[Routing, ...] = ()
    content_hash: str = ""

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def contributor_ids(self) -> tuple[str, ...]:
        return tuple(c.contributor for c in self.credits)


@dataclass(frozen=True)
class Honor:
    year: int
    award: str
    contributor: str
    citation: str = ""
    works: tuple[str, ...] = ()


@dataclass(frozen=True)
class Collection:
    slug: str
    title: str
    audience: Use  # training or dealer_meeting
    query: str
    description: str = ""
    sort: str = "score"  # score | date
    limit: int = 12


@dataclass(frozen=True)
class Deliverable:
    type: WorkType
    length: str = ""  # e.g. "1–3 分钟", "1500 字以上", "9–12 张"


@dataclass(frozen=True)
class Task:
    """A task of the KOC task cycle (SPEC §3.6): the brief a work was made against.

    `scenarios`/`models` hold taxonomy slugs; `criteria` is what works are evaluated against.
    """

    id: str
    source: str
    line: int | None
    title: str
    goal: str
    trust: Trust
    deliverable: Deliverable
    period_from: dt.date
    period_to: dt.date
    criteria: tuple[str, ...]
    owner: str
    scenarios: tuple[str, ...] = ()
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class Library:
    """Everything under `content/`, validated."""

    works: tuple[Work, ...] = ()
    contributors: dict[str, Contributor] = field(default_factory=dict)
    taxonomy: Taxonomy = field(default_factory=Taxonomy)
    honors: tuple[Honor, ...] = ()
    collections: tuple[Collection, ...] = ()
    tasks: dict[str, Task] = field(default_factory=dict)
