"""The MkDocs adapter: wires MkDocs events to the engine-neutral pipeline.

on_config reads the options and runs the pipeline once (so a library with
errors fails before anything is written); on_files hands the rendered
pages and their media to MkDocs as virtual files, kept out of the
navigation; on_serve also watches content/ and site_templates/.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from .chrome_cache import ChromeCache
from .model import Audience
from .options import Options, ScoringWeights, resolve_as_of, resolve_audience
from .page_cache import materialise, theme_salt
from .page_html import page_toc
from .plugin_messages import CONTENT_ERRORS
from .problems import ProblemsError
from .site import SiteSources, generate_site

log = logging.getLogger("mkdocs.plugins.koc")


class _Weights(base.Config):
    article = c.Type((int, float), default=3)
    video = c.Type((int, float), default=4)
    photo = c.Type((int, float), default=2)
    qa = c.Type((int, float), default=1)
    review = c.Type((int, float), default=3)
    story = c.Type((int, float), default=3)
    report = c.Type((int, float), default=4)


class KocPluginConfig(base.Config):
    content_dir = c.Type(str, default="content")
    templates_dir = c.Type(str, default="site_templates")
    cache_dir = c.Type(str, default=".cache/koc")
    # Env vars win over mkdocs.yml so one config builds both editions.
    audience = c.Optional(c.Choice([a.value for a in Audience]))
    as_of = c.Optional(c.Type(str))
    drafts = c.Type(bool, default=False)
    embed_hosts = c.ListOfItems(c.Type(str), default=["player.bilibili.com", "www.youtube-nocookie.com"])
    # Hall-of-fame scoring (SPEC §4): type weight × quality + featured bonus + reuse weight × reuses.
    type_weights = c.SubConfig(_Weights)
    featured_bonus = c.Type((int, float), default=5)
    reuse_weight = c.Type((int, float), default=2)
    # Hand-written pages (docs_dir paths; a folder ends in "/") for the internal
    # edition only: the dealer edition publishes neither them nor their nav entries.
    internal_pages = c.ListOfItems(c.Type(str), default=["guide/"])


class GeneratedPage(Page):
    """A page the pipeline wrote as HTML, served as it is.

    MkDocs would build a Python-Markdown instance with every extension for each
    page (at 5,000 works, seconds) only to re-parse HTML; the table of contents
    is read off the page's <h2 id> headings instead.
    """

    def render(self, config, files) -> None:
        tokens = page_toc(self.markdown)
        self.content = self.markdown
        self.toc = get_toc(tokens)
        self._title_from_render = None
        self.present_anchor_ids = {t["id"] for t in tokens}
        self.links_to_anchors = {}


def _internal_only(src_uri: str, internal: tuple[str, ...]) -> bool:
    return any(src_uri == p or (p.endswith("/") and src_uri.startswith(p)) for p in internal)


def _nav_without(nav, internal: tuple[str, ...]):
    """mkdocs.yml's nav (a list of `title: path`, `title: [...]` or `path`) less the internal-only pages."""
    if nav is None:
        return None
    kept = []
    for item in nav:
        title, target = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(target, list):
            target = _nav_without(target, internal)
            if not target:
                continue
        elif isinstance(target, str) and _internal_only(target, internal):
            continue
        kept.append({title: target} if title is not None else target)
    return kept


class KocPlugin(BasePlugin[KocPluginConfig]):
    def __init__(self):
        self.sources: SiteSources | None = None
        self.options: Options | None = None
        self.failure: ProblemsError | None = None  # kept for `koc build` to report
        self._nav = None

    def on_config(self, config):
        cfg = self.config
        project = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        weights = ScoringWeights(
            type_weights={k: float(v) for k, v in cfg.type_weights.items()},
            featured_bonus=float(cfg.featured_bonus),
            reuse_weight=float(cfg.reuse_weight),
        )
        self.options = Options(
            project_dir=project,
            content_dir=Path(cfg.content_dir),
            templates_dir=Path(cfg.templates_dir),
            cache_dir=Path(cfg.cache_dir),
            audience=resolve_audience(os.environ.get("KOC_AUDIENCE") or cfg.audience),
            as_of=resolve_as_of(os.environ.get("KOC_AS_OF") or cfg.as_of),
            drafts=os.environ.get("KOC_DRAFTS", "") == "1" or cfg.drafts,
            preview=os.environ.get("KOC_PREVIEW", "") == "1",
            weights=weights,
            embed_hosts=tuple(cfg.embed_hosts),
        ).resolve()
        try:
            self.sources = generate_site(self.options)
        except ProblemsError as exc:
            self.failure = exc
            raise PluginError(CONTENT_ERRORS + "\n" + str(exc)) from None
        for problem in self.sources.problems:
            (log.warning if self.options.preview else log.info)(problem.format())
        if self.options.audience is Audience.DEALER:
            config.nav = _nav_without(config.nav, tuple(cfg.internal_pages))
        config.extra["koc"] = {
            "audience": self.options.audience.value,
            "edition": "经销商版" if self.options.audience is Audience.DEALER else "内部版",
            "as_of": self.options.as_of.isoformat(),
            "drafts": self.options.drafts,
            "problems": [p.format() for p in self.sources.problems if p.severity == "error"],
        }
        return config

    def on_files(self, files: Files, config) -> Files:
        if self.options.audience is Audience.DEALER:
            for file in [f for f in files if _internal_only(f.src_uri, tuple(self.config.internal_pages))]:
                files.remove(file)
        if self.options.preview:
            # File-backed pages let `serve --dirty` rebuild only what changed.
            salt = theme_salt(self.options.templates_dir, Path(config.config_file_path))
            on_disk = materialise(self.sources.pages, self.options.cache_dir / "preview-pages", salt)
            for path, source in sorted(on_disk.items()):
                files.append(File.generated(config, path, abs_src_path=str(source), inclusion=InclusionLevel.NOT_IN_NAV))
        else:
            for path, markdown in sorted(self.sources.pages.items()):
                files.append(File.generated(config, path, content=markdown, inclusion=InclusionLevel.NOT_IN_NAV))
        for path, source in sorted(self.sources.assets.items()):
            files.append(File.generated(config, path, abs_src_path=str(source)))
        for path, data in sorted(self.sources.data_files.items()):
            files.append(File.generated(config, path, content=data))
        return files

    def on_nav(self, nav, config, files):
        self._nav = nav
        return nav

    def on_env(self, env, config, files):
        env.globals["koc_chrome"] = ChromeCache(self._nav.pages)  # fresh each build: the nav may have changed
        return env

    def on_pre_page(self, page, config, files):
        if self.sources is not None and page.file.src_uri in self.sources.pages:
            # Same object (the nav may hold it), rendered without Markdown.
            page.__class__ = GeneratedPage
        return page

    def on_post_build(self, config):
        # Both indexes were built beside the site; a failure in either fails the build.
        if self.sources is not None:
            job = self.sources.search_job
            if job is not None:
                # A preview shows the saved page at once; its search catches up.
                (job.write_later if self.options.preview else job.write)(Path(config.site_dir))
            if self.sources.index_job is not None:
                self.sources.index_job.wait()

    def on_build_error(self, error):
        if self.sources is not None and self.sources.search_job is not None:
            self.sources.search_job.cancel()

    def on_serve(self, server, config, builder):
        server.watch(str(self.options.content_dir))
        server.watch(str(self.options.templates_dir))
        return server
