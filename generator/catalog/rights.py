"""Which works may be published, for whom, on the as-of date: the rules of visibility and rights."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from generator.model import Audience, Status, Use, Work


class Visibility(str, Enum):
    LISTED = "listed"  # a full page, in every listing and index
    DRAFT = "draft"  # a full page with a banner, only in preview builds; never in the search indexes
    STUB = "stub"  # URL kept, content taken offline
    ABSENT = "absent"  # no page at all in this edition


@dataclass(frozen=True)
class Edition:
    audience: Audience
    as_of: dt.date
    drafts: bool = False


def expired(work: Work, as_of: dt.date) -> bool:
    return work.rights.expires is not None and work.rights.expires < as_of


def out_of_force(work: Work, as_of: dt.date) -> bool:
    """Withdrawn or expired: taken offline in every edition."""
    return work.status is Status.WITHDRAWN or expired(work, as_of)


def visibility(work: Work, edition: Edition) -> Visibility:
    if edition.audience is Audience.DEALER and Use.DEALER_MEETING not in work.rights.uses:
        return Visibility.ABSENT
    # A draft was never published, so it leaves no stub behind.
    if work.status is Status.DRAFT:
        return Visibility.DRAFT if edition.drafts else Visibility.ABSENT
    if work.status is Status.WITHDRAWN or expired(work, edition.as_of):
        return Visibility.STUB
    return Visibility.LISTED


def stub_reason(work: Work) -> str:
    if work.status is Status.WITHDRAWN:
        return "已撤回，内容已下线"
    return f"授权已到期（{work.rights.expires.isoformat()}），内容已下线"


def days_left(work: Work, as_of: dt.date) -> int | None:
    if work.rights.expires is None:
        return None
    return (work.rights.expires - as_of).days
