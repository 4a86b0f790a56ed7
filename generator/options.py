"""Build options: one typed class with defaults, shared by the plugin and the CLI.

The MkDocs plugin declares the same options as a MkDocs `Config` (so MkDocs
validates `mkdocs.yml`) and converts them into this engine-neutral class.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.model import Audience, WorkType

DEFAULT_TYPE_WEIGHTS = {
    WorkType.ARTICLE.value: 3.0,
    WorkType.VIDEO.value: 4.0,
    WorkType.PHOTO.value: 2.0,
    WorkType.QA.value: 1.0,
    WorkType.REVIEW.value: 3.0,
    WorkType.STORY.value: 3.0,
    WorkType.REPORT.value: 4.0,
}


@dataclass(frozen=True)
class ScoringWeights:
    """Contribution score of a work (SPEC §4), split equally among its contributors:
    type_weight × (score / 3 if scored else 1) + featured_bonus if featured + reuse_weight × times reused.
    """

    type_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TYPE_WEIGHTS))
    featured_bonus: float = 5.0
    reuse_weight: float = 2.0
    score_pivot: float = 3.0


@dataclass(frozen=True)
class Options:
    project_dir: Path = Path(".")
    content_dir: Path = Path("content")
    templates_dir: Path = Path("site_templates")
    cache_dir: Path = Path(".cache/koc")
    audience: Audience = Audience.INTERNAL
    as_of: dt.date = field(default_factory=dt.date.today)
    drafts: bool = False
    # Live preview: a library with errors still renders, with the problems shown on the pages.
    preview: bool = False
    # MkDocs' `use_directory_urls`: pages at `works/x/` (true) or `works/x.html` (false).
    use_directory_urls: bool = True
    weights: ScoringWeights = field(default_factory=ScoringWeights)
    embed_hosts: tuple[str, ...] = ("player.bilibili.com", "www.youtube-nocookie.com")
    related_limit: int = 5
    expiry_warning_days: int = 30
    index_procs: int = field(default_factory=lambda: min(os.cpu_count() or 1, 4))

    def resolve(self) -> "Options":
        """Relative folders are taken from the project folder."""
        root = Path(self.project_dir).resolve()
        return replace(
            self,
            project_dir=root,
            content_dir=(root / self.content_dir).resolve(),
            templates_dir=(root / self.templates_dir).resolve(),
            cache_dir=(root / self.cache_dir).resolve(),
        )


def resolve_as_of(explicit: str | dt.date | None = None, environ=os.environ) -> dt.date:
    """The as-of date: explicit, else KOC_AS_OF, else SOURCE_DATE_EPOCH, else today (SPEC §6)."""
    if isinstance(explicit, dt.date):
        return explicit
    if explicit:
        return dt.date.fromisoformat(str(explicit))
    if environ.get("KOC_AS_OF"):
        return dt.date.fromisoformat(environ["KOC_AS_OF"])
    if environ.get("SOURCE_DATE_EPOCH"):
        return dt.datetime.fromtimestamp(int(environ["SOURCE_DATE_EPOCH"]), dt.timezone.utc).date()
    return dt.date.today()


def resolve_audience(explicit: str | None = None, environ=os.environ) -> Audience:
    return Audience(explicit or environ.get("KOC_AUDIENCE") or Audience.INTERNAL.value)
