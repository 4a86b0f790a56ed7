"""The MkDocs adapter: wires MkDocs events to the engine-neutral pipeline.

on_config reads the options and runs the pipeline once (so a library with
errors fails before anything is written); on_files hands the pages and
their media to MkDocs as virtual files, kept out of the navigation; a build
renders each generated page only when MkDocs writes it (`StreamedPage`, in
on_page_context) and lets it go after (on_post_page), so memory does not
grow with every page's text; on_serve also watches content/ and site_templates/.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from generator.mkdocs_adapter.chrome_cache import ChromeCache
from generator.mkdocs_adapter.config import KocPluginConfig, to_options
from generator.mkdocs_adapter.edition_nav import edition_nav
from generator.mkdocs_adapter.page_toc import page_toc
from generator.mkdocs_adapter.preview_pages import materialise, materialise_files, theme_salt
from generator.mkdocs_adapter.streamed_page import StreamedPage
from generator.model import AUDIENCE_LABELS, Audience, edition_extra
from generator.options import Options
from generator.pages.site import SiteSources, generate_site
from generator.problems import ContentError

log = logging.getLogger("mkdocs.plugins.koc")

# `koc serve`: the whoosh index updates of earlier saves, still running or done. MkDocs makes
# a new plugin for every rebuild, so they are kept here, and stopped when the preview ends.
_PREVIEW_INDEX_JOBS: list = []
# The browser's search data of the newest save, made after its pages are written, one save at a time.
_SEARCH_LOCK = threading.Lock()
_SEARCH_NEWEST = [0]


def _search_after(sources: SiteSources, site_dir: Path, generation: int) -> None:
    with _SEARCH_LOCK:
        if generation != _SEARCH_NEWEST[0]:
            return  # a newer save makes its own
        try:
            files = sources.search_later()
        except RuntimeError as exc:  # the index job was stopped (the preview ends) or failed
            log.warning(f"搜索数据未更新：{exc}")
            return
        for path, data in files.items():
            target = site_dir / path
            if not target.exists() or target.read_bytes() != data:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        sources.search_job.write_later(site_dir)


class ContentBuildError(PluginError):
    """The library has errors: MkDocs prints the problems and stops; `koc build`
    finds the `ContentError` itself on the exception MkDocs raises next (its context)."""

    def __init__(self, error: ContentError):
        self.error = error
        super().__init__(f"内容有 {len(error.problems)} 个错误，未生成站点：\n{error}")


class GeneratedPage(Page):
    """A page the pipeline wrote as HTML, served as it is (the preview's pages, read from their files).

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
        self._nav = None

    def on_config(self, config):
        self.options = to_options(self.config, config.config_file_path, config.use_directory_urls,
                                  site_url=config.site_url)
        try:
            self.sources = generate_site(self.options)
        except ContentError as exc:
            raise ContentBuildError(exc) from None
        docs = Path(config.docs_dir)
        config.nav = edition_nav(config.nav, lambda path: path in self.sources.pages or (docs / path).is_file())
        for problem in self.sources.problems:
            (log.warning if self.options.preview else log.info)(problem.format())
        if self.options.audience is Audience.DEALER:
            config.nav = _nav_without(config.nav, self.options.internal_pages)
        config.extra["koc"] = edition_extra(
            self.options.audience, self.options.as_of.isoformat(), self.options.drafts,
            [p.format() for p in self.sources.problems if p.severity == "error"])
        return config

    def on_files(self, files: Files, config) -> Files:
        if self.options.audience is Audience.DEALER:
            for file in [f for f in files if _internal_only(f.src_uri, self.options.internal_pages)]:
                files.remove(file)
        if self.options.preview:
            # File-backed pages let `serve --dirty` rebuild only what changed.
            salt = theme_salt(self.options.templates_dir, Path(config.config_file_path))
            on_disk = materialise(self.sources.pages, self.options.cache_dir / "preview-pages", salt)
            for path, source in sorted(on_disk.items()):
                files.append(File.generated(config, path, abs_src_path=str(source), inclusion=InclusionLevel.NOT_IN_NAV))
        else:
            # No text yet: a StreamedPage renders itself when MkDocs writes it.
            for path in sorted(self.sources.pages):
                files.append(File.generated(config, path, content="", inclusion=InclusionLevel.NOT_IN_NAV))
        for path, source in sorted(self.sources.assets.items()):
            files.append(File.generated(config, path, abs_src_path=str(source)))
        if self.options.preview:
            on_disk = materialise_files(self.sources.data_files, self.options.cache_dir / "preview-files")
            for path, source in sorted(on_disk.items()):
                files.append(File.generated(config, path, abs_src_path=str(source)))
        else:
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
            if self.options.preview:
                page.__class__ = GeneratedPage
            else:
                StreamedPage.adopt(page, self.sources.pages)
        return page

    def on_page_context(self, context, page, config, nav):
        if isinstance(page, StreamedPage):
            page.fill()
        return context

    def on_post_page(self, output, page, config):
        if isinstance(page, StreamedPage):
            page.drop()
        return output

    def on_post_build(self, config):
        # Both indexes were built beside the site; a failure in either fails the build.
        if self.sources is not None:
            job = self.sources.search_job
            if self.sources.search_later is not None:
                # A preview shows the saved page at once; its search catches up.
                _SEARCH_NEWEST[0] += 1
                threading.Thread(target=_search_after, args=(self.sources, Path(config.site_dir), _SEARCH_NEWEST[0]),
                                 daemon=True).start()
            elif job is not None:
                (job.write_later if self.options.preview else job.write)(Path(config.site_dir))
            if self.sources.index_job is not None:
                if self.options.preview:
                    # Not waited for: the next save would wait for it (at 5,000 works, longer
                    # than the save itself). The next update starts after it (the index's lock).
                    # Those done are closed now (their analysed streams' folder goes with them).
                    for done in [j for j in _PREVIEW_INDEX_JOBS if not j.running()]:
                        done.cancel()
                    _PREVIEW_INDEX_JOBS[:] = [j for j in _PREVIEW_INDEX_JOBS if j.running()] + [self.sources.index_job]
                else:
                    self.sources.index_job.wait()

    def on_build_error(self, error):
        # Nothing of a failed build is published: stop what still runs beside it.
        if self.sources is not None:
            self.sources.close()

    def on_shutdown(self):
        # End of `mkdocs build` or of a preview session: no job outlives the process's work.
        if self.sources is not None:
            self.sources.close()
        while _PREVIEW_INDEX_JOBS:
            _PREVIEW_INDEX_JOBS.pop().cancel()

    def on_serve(self, server, config, builder):
        server.watch(str(self.options.content_dir))
        server.watch(str(self.options.templates_dir))
        return server
