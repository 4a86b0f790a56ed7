"""Build options: one typed class with defaults, shared by the plugin and the CLI.

The MkDocs plugin declares its options as a MkDocs `Config` whose defaults are
taken from here (so MkDocs validates `mkdocs.yml`), and `options_from` turns
those settings, the command line's and the environment's into this one
engine-neutral class, in one place.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

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
    """Contribution score of a work, split equally among its contributors (shown on the hall of fame):
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
    # MkDocs' `site_url`: where the edition is served. Kits print each work's QR code with it;
    # without it a kit shows the works' short paths instead.
    site_url: str = ""
    weights: ScoringWeights = field(default_factory=ScoringWeights)
    embed_hosts: tuple[str, ...] = ("player.bilibili.com", "www.youtube-nocookie.com")
    internal_pages: tuple[str, ...] = ("guide/",)  # hand-written pages the dealer edition leaves out
    related_limit: int = 5
    expiry_warning_days: int = 30
    index_procs: int = field(default_factory=lambda: min(os.cpu_count() or 1, 4))
    # Works per Pagefind bundle of the browser search (bundle.SHARD_WORKS): its indexer's memory
    # grows with the works it holds, so a large library is indexed in shards of this size.
    search_shard_works: int = 5000

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


def environment_settings(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Settings the environment gives: KOC_AUDIENCE, KOC_AS_OF, else SOURCE_DATE_EPOCH.

    >>> environment_settings({"KOC_AS_OF": "2026-06-01", "SOURCE_DATE_EPOCH": "0"})
    {'as_of': datetime.date(2026, 6, 1)}
    """
    settings: dict[str, Any] = {}
    if environ.get("KOC_AUDIENCE"):
        settings["audience"] = environ["KOC_AUDIENCE"]
    if environ.get("KOC_AS_OF"):
        settings["as_of"] = environ["KOC_AS_OF"]
    elif environ.get("SOURCE_DATE_EPOCH"):
        settings["as_of"] = dt.datetime.fromtimestamp(int(environ["SOURCE_DATE_EPOCH"]), dt.timezone.utc).date()
    return {k: _SETTINGS[k](v) for k, v in settings.items()}


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# How each setting becomes an Options field (settings come from YAML, flags or the environment).
_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "content_dir": Path,
    "templates_dir": Path,
    "cache_dir": Path,
    "audience": Audience,
    "as_of": _date,
    "drafts": bool,
    "preview": bool,
    "use_directory_urls": bool,
    "site_url": lambda url: str(url or ""),
    "embed_hosts": tuple,
    "internal_pages": tuple,
    "search_shard_works": int,
}
_WEIGHTS = ("type_weights", "featured_bonus", "reuse_weight")


def options_from(project_dir: Path, settings: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Options:
    """Options of a build: the settings given (mkdocs.yml's `koc:` section, command-line
    flags; None means not given), then the environment, then the defaults; folders resolved.

    >>> options_from(Path("."), {"as_of": "2026-06-01", "audience": None}, {"KOC_AUDIENCE": "dealer"}).audience
    <Audience.DEALER: 'dealer'>
    """
    given = {k: v for k, v in settings.items() if v is not None}
    values = {**environment_settings(environ), **{k: _SETTINGS[k](v) for k, v in given.items() if k in _SETTINGS}}
    defaults = ScoringWeights()
    weights = ScoringWeights(
        type_weights={k: float(v) for k, v in given.get("type_weights", defaults.type_weights).items()},
        featured_bonus=float(given.get("featured_bonus", defaults.featured_bonus)),
        reuse_weight=float(given.get("reuse_weight", defaults.reuse_weight)),
    )
    unknown = set(given) - set(_SETTINGS) - set(_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    return Options(project_dir=Path(project_dir), weights=weights, **values).resolve()
