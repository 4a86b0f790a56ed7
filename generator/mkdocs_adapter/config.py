"""The `koc` plugin's options as MkDocs sees them, and how the CLI hands it its own.

`KocPluginConfig` declares what `mkdocs.yml` may say under `koc:`; its defaults
are `Options`' defaults. The CLI does not pass anything through environment
variables: `koc build` and `koc serve` give MkDocs a `plugins:` list in which
the koc entry carries the command's options (`plugins_with`), and commands
that run no MkDocs build read the same section and validate it the same way
(`read_options`).

Example (mkdocs.yml):
    plugins:
      - koc:
          as_of: 2026-06-01        # a YAML date, or a quoted "2026-06-01"
          audience: dealer
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c

from generator.model import Audience
from generator.options import DEFAULT_TYPE_WEIGHTS, Options, ScoringWeights, options_from

_DEFAULTS = Options()
_WEIGHTS = ScoringWeights()


class DateOption(c.BaseConfigOption[dt.date]):
    """A date: unquoted in YAML (`2026-06-01` is a date already) or a `YYYY-MM-DD` string."""

    def run_validation(self, value: object) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise base.ValidationError(f"expected a date YYYY-MM-DD, got {value!r}") from None


# One option per work type, defaults from Options: the weights shown on the hall of fame.
_Weights = type("_Weights", (base.Config,), {k: c.Type((int, float), default=v) for k, v in DEFAULT_TYPE_WEIGHTS.items()})


class KocPluginConfig(base.Config):
    content_dir = c.Type(str, default=str(_DEFAULTS.content_dir))
    templates_dir = c.Type(str, default=str(_DEFAULTS.templates_dir))
    cache_dir = c.Type(str, default=str(_DEFAULTS.cache_dir))
    # Unset: KOC_AUDIENCE / KOC_AS_OF (or SOURCE_DATE_EPOCH) decide, else internal / today,
    # so that one mkdocs.yml builds both editions.
    audience = c.Optional(c.Choice([a.value for a in Audience]))
    as_of = c.Optional(DateOption())
    drafts = c.Type(bool, default=_DEFAULTS.drafts)
    # Live preview (`koc serve`): a library with errors still renders, problems shown on its pages.
    preview = c.Type(bool, default=_DEFAULTS.preview)
    embed_hosts = c.ListOfItems(c.Type(str), default=list(_DEFAULTS.embed_hosts))
    # Hall-of-fame scoring: type weight × quality + featured bonus + reuse weight × reuses.
    type_weights = c.SubConfig(_Weights)
    featured_bonus = c.Type((int, float), default=_WEIGHTS.featured_bonus)
    reuse_weight = c.Type((int, float), default=_WEIGHTS.reuse_weight)
    # Hand-written pages (docs_dir paths; a folder ends in "/") for the internal
    # edition only: the dealer edition publishes neither them nor their nav entries.
    internal_pages = c.ListOfItems(c.Type(str), default=list(_DEFAULTS.internal_pages))
    # Works per shard of the browser search's Pagefind index (memory of one indexer run).
    search_shard_works = c.Type(int, default=_DEFAULTS.search_shard_works)


def to_options(cfg: KocPluginConfig, config_file: str | Path | None, use_directory_urls: bool, environ=os.environ,
               site_url: str | None = None) -> Options:
    """The plugin's validated settings as engine-neutral Options (the environment fills what they leave unset)."""
    project = Path(config_file).parent if config_file else Path.cwd()
    return options_from(project, {**dict(cfg), "use_directory_urls": use_directory_urls, "site_url": site_url}, environ)


def _raw_config(config_file: Path) -> dict:
    from mkdocs.utils.yaml import yaml_load

    with open(config_file, "rb") as fd:
        return yaml_load(fd) or {}


def _koc_entry(plugins) -> tuple[list, int | None]:
    """mkdocs.yml's plugins as a list of entries, and the index of koc's (None if absent)."""
    entries = [{k: v} for k, v in plugins.items()] if isinstance(plugins, dict) else list(plugins or [])
    for i, entry in enumerate(entries):
        name = entry if isinstance(entry, str) else next(iter(entry), None)
        if name == "koc":
            return entries, i
    return entries, None


def plugins_with(config_file: Path, **settings: Any) -> dict[str, dict]:
    """mkdocs.yml's `plugins:` with the koc entry's options updated (None: leave as written),
    for MkDocs' `load_config(..., plugins=…)` and `serve(..., plugins=…)`.

    In MkDocs' mapping form (name → options), which MkDocs reads without consuming
    it: `koc serve` loads the configuration again for every rebuild.
    """
    entries, _ = _koc_entry(_raw_config(config_file).get("plugins"))
    plugins = {}
    for entry in entries:
        name, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        plugins[name] = dict(options or {})
    plugins["koc"] = {**plugins.get("koc", {}), **{k: v for k, v in settings.items() if v is not None}}
    return plugins


def read_options(config_file: Path, environ=os.environ, **settings: Any) -> Options:
    """Options for a command that runs no MkDocs build (check, search, export …): mkdocs.yml's
    koc section, validated as the plugin validates it, with the command's settings on top."""
    config_file = Path(config_file)
    raw = _raw_config(config_file) if config_file.exists() else {}
    entries, i = _koc_entry(raw.get("plugins"))
    written = {} if i is None or isinstance(entries[i], str) else dict(entries[i]["koc"] or {})
    cfg = KocPluginConfig(config_file_path=str(config_file))
    cfg.load_dict({**written, **{k: v for k, v in settings.items() if v is not None}})
    errors, _ = cfg.validate()
    if errors:
        raise ValueError("; ".join(f"koc.{key}: {error}" for key, error in errors))
    return to_options(cfg, config_file, bool(raw.get("use_directory_urls", True)), environ, raw.get("site_url"))
