"""`koc export DIR --with-config`: the export as a project any engine that reads mkdocs.yml builds.

Zensical (Material's successor) reads `mkdocs.yml` but runs no MkDocs plugin:
it skips `koc:` without a word and would build an empty site. So the export
carries everything the plugin would have added, as plain files and settings:

    DIR/mkdocs.yml    the project's mkdocs.yml without the koc plugin: docs_dir docs,
                      the theme overrides from overrides/, the edition's navigation, and
                      `extra.koc` (edition banner, as-of date) the plugin sets at build time
    DIR/docs/         the generated pages with their media and search bundle (what a plain
                      `koc export DIR` writes at DIR itself), and the hand-written pages
    DIR/overrides/    a copy of the theme overrides (templates, stylesheets, scripts)

`zensical build`, `mkdocs build` or `properdocs build` run in DIR then build the site.

Its mkdocs.yml carries `extra.koc` from `model.edition_extra`, which the koc plugin sets at build time.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from generator.mkdocs_adapter.edition_nav import edition_nav
from generator.model import Audience, edition_extra
from generator.options import Options

DOCS = "docs"
OVERRIDES = "overrides"
CONFIG = "mkdocs.yml"


def _files_under(root: Path) -> dict[str, Path]:
    """Relative path → file, for every file under `root` except hidden ones (MkDocs skips those too)."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                path = Path(folder) / name
                found[path.relative_to(root).as_posix()] = path
    return found


def _internal_only(path: str, internal: tuple[str, ...]) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in internal)


def project_files(options: Options, raw_config: dict, page_paths: set[str]) -> tuple[list[tuple[str, Path | bytes]], list[Path]]:
    """(path inside DIR, source file or bytes) of mkdocs.yml, the hand-written pages and the
    overrides, and the folders those files come from; the generated pages go to `docs/`
    beside them (the caller writes those).

    `raw_config` is the project's mkdocs.yml as read; `page_paths` the generated pages' paths.
    """
    project = options.project_dir
    docs_dir = project / raw_config.get("docs_dir", "docs")
    sources = [docs_dir]
    handwritten = {p: f for p, f in _files_under(docs_dir).items()
                   if p not in page_paths and not (options.audience is Audience.DEALER
                                                   and _internal_only(p, options.internal_pages))}
    theme = dict(raw_config.get("theme") or {})
    overrides = {}
    if theme.get("custom_dir"):
        overrides = _files_under(project / theme["custom_dir"])
        sources.append(project / theme["custom_dir"])
        theme["custom_dir"] = OVERRIDES

    written = page_paths | set(handwritten)
    config = {k: v for k, v in raw_config.items() if k not in ("plugins", "docs_dir", "site_dir", "theme", "nav", "extra")}
    config.update(docs_dir=DOCS, site_dir="site", theme=theme)
    # Works and listings are reached through pages, not the sidebar (as the plugin keeps them).
    config.setdefault("not_in_nav", "*.md")
    if raw_config.get("nav") is not None:
        config["nav"] = edition_nav(raw_config["nav"], written.__contains__)
    config["extra"] = {**(raw_config.get("extra") or {}),
                       "koc": edition_extra(options.audience, options.as_of.isoformat(), options.drafts)}
    # Without a plugins list MkDocs would add its own search plugin; the site searches with Pagefind.
    plugins = raw_config.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = [{name: opts} for name, opts in plugins.items()]
    config["plugins"] = [p for p in plugins if (next(iter(p)) if isinstance(p, dict) else p) != "koc"]
    header = ("# Written by `koc export --with-config`: the library's pages as plain files, no koc plugin.\n"
              "# Build with `zensical build`, `mkdocs build` or `properdocs build` in this folder.\n")
    text = header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    files: list[tuple[str, Path | bytes]] = [(CONFIG, text.encode("utf-8"))]
    files += [(f"{DOCS}/{p}", f) for p, f in sorted(handwritten.items())]
    files += [(f"{OVERRIDES}/{p}", f) for p, f in sorted(overrides.items())]
    return files, sources
