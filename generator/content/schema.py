"""The shape of what editors write: pydantic models of the source files.

These check types, required fields and unknown keys, and give `koc schema`
its JSON Schema. Cross-references (contributor ids, taxonomy labels, media
paths) are checked afterwards in `validate`, where the whole library is known.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from generator.model import RouteStatus, Status, Tier, Trust, Use, WorkType

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# Ids and slugs become file and folder names: bounded well below a file name's 255 bytes.
MAX_ID_LENGTH = 80
# Python's $ also matches before a final newline: always use this with fullmatch().
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
# Generated listing pages live at <folder>/index; a work, tag, contributor or
# collection with this slug would silently replace its folder's listing.
RESERVED_SLUGS = frozenset({"index"})


def id_problem(value: str) -> str | None:
    """Why `value` cannot be an id or a slug, or None."""
    if not ID_RE.fullmatch(value):
        return "只能用小写字母、数字和连字符，且以字母或数字开头"
    if len(value) > MAX_ID_LENGTH:
        return f"太长（{len(value)} 个字符，最多 {MAX_ID_LENGTH}）"
    if value in RESERVED_SLUGS:
        return f"“{value}” 是保留名称（列表页 index 使用），请换一个"
    return None
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _as_date(value: Any) -> Any:
    # YAML already turns 2025-06-14 into a date; accept a quoted one too, but
    # refuse numbers, which pydantic would read as Unix timestamps.
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    raise ValueError("date must be written YYYY-MM-DD")


Date = Annotated[dt.date, BeforeValidator(_as_date, json_schema_input_type=str)]


def _as_credit(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreditIn(_Strict):
    id: str = Field(description="contributors.yml 里的贡献者 id")
    role: str = Field("", description="在作品中的角色，如 文案、拍摄剪辑、技术顾问")


CreditRef = Annotated[CreditIn, BeforeValidator(_as_credit, json_schema_input_type=CreditIn | str)]


class RightsIn(_Strict):
    uses: list[Use] = Field(description="授权用途；空列表表示仅供浏览")
    expires: Date | None = Field(None, description="授权到期日；null 表示长期有效")
    credit_line: str | None = Field(None, description="转用时的署名")
    note: str | None = None


class CriterionIn(_Strict):
    score: int = Field(ge=1, le=5, description="这一条标准的得分 1–5（4 分及以上算达成）")
    note: str | None = Field(None, description="针对这一条的具体反馈（内部）")


def _as_criterion(value: Any) -> Any:
    return {"score": value} if isinstance(value, int) and not isinstance(value, bool) else value


CriterionRef = Annotated[CriterionIn, BeforeValidator(_as_criterion, json_schema_input_type=CriterionIn | int)]


class EvaluationIn(_Strict):
    score: int | None = Field(None, ge=1, le=5, description="评分 1–5")
    highlights: str | None = Field(None, description="亮点点评（对外展示）")
    feedback: str | None = Field(None, description="内部反馈（经销商版不展示）")
    reviewer: str | None = Field(None, description="评审人（经销商版不展示）")
    criteria: list[CriterionRef | None] = Field([], description="按任务 criteria 的顺序逐条评分（内部）；null 表示未评")


class RoutingIn(_Strict):
    name: str = Field(description="taxonomy.yml 中 departments 的名称或别名")
    status: RouteStatus = Field(RouteStatus.NEW, description="new 新 / forwarded 已转交 / done 已处理")
    date: Date | None = Field(None, description="状态变更日期")


def _as_routing(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


RoutingRef = Annotated[RoutingIn, BeforeValidator(_as_routing, json_schema_input_type=RoutingIn | str)]


class ReuseIn(_Strict):
    date: Date
    event: str
    audience: str | None = None
    by: str | None = None


class MediaIn(_Strict):
    type: Literal["image", "video", "link"]
    src: str = Field(description="content/ 下 media/ 中的路径，或 https:// 链接")
    caption: str | None = None


class WorkFrontmatter(_Strict):
    """Frontmatter of `content/works/<year>/<id>.md` (the editors' guide lists every field)."""

    title: str = Field(min_length=1, max_length=120)
    type: WorkType
    date: Date
    contributors: list[CreditRef] = Field(min_length=1)
    summary: str | None = Field(None, max_length=300)
    tags: list[str] = []
    scenarios: list[str] = []
    models: list[str] = []
    task: str | int | None = None
    cover: str | None = None
    media: list[MediaIn] = []
    rights: RightsIn
    evaluation: EvaluationIn | None = None
    reuse: list[ReuseIn] = []
    featured: bool = False
    status: Status = Status.PUBLISHED
    departments: list[RoutingRef] = []


class LinkIn(_Strict):
    label: str
    url: str


class ContributorIn(_Strict):
    name: str = Field(min_length=1)
    tier: Tier = Tier.EXPLORER
    specialties: list[str] = []
    city: str | None = None
    joined: Date | None = None
    bio: str | None = None
    avatar: str | None = None
    links: list[LinkIn] = []
    # Anything editors must keep (real name, phone, WeChat). Read, never published.
    private: dict[str, Any] | None = None


class TermIn(_Strict):
    slug: str = Field(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)
    label: str = Field(min_length=1)
    aliases: list[str] = []
    description: str | None = None


class TagIn(_Strict):
    label: str = Field(min_length=1)
    slug: str | None = Field(None, pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)
    aliases: list[str] = []
    description: str | None = None


class TaxonomyIn(_Strict):
    scenarios: list[TermIn] = []
    models: list[TermIn] = []
    tags: list[TagIn] = []
    departments: list[TermIn] = []


class HonorIn(_Strict):
    year: int = Field(ge=2000, le=2100)
    award: str = Field(min_length=1)
    contributor: str
    citation: str | None = None
    works: list[str] = []


class CollectionIn(_Strict):
    title: str = Field(min_length=1, max_length=120)
    audience: Literal["training", "dealer_meeting"]
    description: str | None = None
    query: str = Field(min_length=1)
    sort: Literal["score", "date"] = "score"
    limit: int = Field(12, ge=1, le=200)


class DeliverableIn(_Strict):
    type: WorkType = Field(description="交付物类型，同作品 type")
    length: str | None = Field(None, description="篇幅或时长，如 1–3 分钟、1500 字以上")


class PeriodIn(_Strict):
    # "from" is a Python keyword: the field is read and written under its YAML name.
    from_: Date = Field(alias="from")
    to: Date


class TaskIn(_Strict):
    """One entry of `content/tasks.yml` (SPEC §3.6)."""

    title: str = Field(min_length=1, max_length=120)
    goal: str = Field(min_length=1, description="具体、可衡量的任务目标")
    scenarios: list[str] = []
    models: list[str] = []
    deliverable: DeliverableIn
    period: PeriodIn
    trust: Trust = Field(description="standard 标准化 / framework 框架式 / open 开放式")
    criteria: list[str] = Field(min_length=1, description="评估标准，与目标挂钩")
    owner: str = Field(min_length=1, description="任务负责人（品牌方）")


def work_json_schema(scenarios: list[str] = (), models: list[str] = ()) -> dict:
    """JSON Schema of work frontmatter, with the library's taxonomy as enums."""
    schema = WorkFrontmatter.model_json_schema()
    schema["title"] = "KOC work frontmatter"
    for name, allowed in (("scenarios", scenarios), ("models", models)):
        if allowed:
            schema["properties"][name]["items"] = {"type": "string", "enum": sorted(allowed)}
    return schema
