"""The pipeline, top to bottom: load → validate → catalog → pages → search.

Nothing here knows about MkDocs: the result is a set of page sources
(site path → Markdown) and the media files they use, which the MkDocs plugin
hands to MkDocs as virtual files and `koc export` writes to a folder. Page
producers (one per family of pages) yield page specs; this step files them in
`PageSources`, which renders a page when it is read (so no build holds the
text of every page at once).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from generator.catalog.catalog import build_catalog
from generator.catalog.related import related_works
from generator.catalog.rights import Edition, Visibility, out_of_force
from generator.catalog.scoring import rank_contributors
from generator.content.check import check_library
from generator.content.derived_cache import DerivedCache
from generator.content.preview_check import check_for_preview
from generator.options import Options
from generator.pages.assets import page_assets
from generator.pages.body import Body, render_body
from generator.pages.cards import cards_for
from generator.pages.collections import collection_pages, hub_pages
from generator.pages.dashboard import dashboard_page
from generator.pages.home import finder_page, home_page
from generator.pages.kit import QR_VERSION, kit_files, kit_page, qr_svg
from generator.pages.page_sources import PageSources
from generator.pages.insights import insights_page
from generator.pages.people import contributor_pages, hall_of_fame_page
from generator.pages.problems import problem_pages
from generator.pages.render import Renderer
from generator.pages.routes import Routes
from generator.pages.spec import PageInputs, PageSpec
from generator.pages.tasks import task_pages
from generator.pages.terms import tag_pages, vocabulary_pages
from generator.pages.works import work_pages, works_index_pages
from generator.problems import Problem, ContentError, has_errors
from generator.search.bundle import (SearchBundleJob, filter_labels, page_records, search_data, search_records,
                                     word_prefixes)
from generator.search.collections import collections_need_words, run_collections
from generator.search.edition_index import analyzer_of, facet_documents
from generator.search.finder_data import finder_data
from generator.search.index import SyncReport, index_exists
from generator.search.index_job import IndexJob

# Every page of the site comes from one of these; a new kind of page is a new producer here.
PRODUCERS: tuple[Callable[[PageInputs], Iterable[PageSpec]], ...] = (
    home_page,
    works_index_pages,
    work_pages,
    tag_pages,
    vocabulary_pages,
    contributor_pages,
    collection_pages,
    hub_pages,
    hall_of_fame_page,
    problem_pages,
    finder_page,
    kit_page,
    task_pages,
    insights_page,
    dashboard_page,
)


@dataclass
class SiteSources:
    pages: Mapping[str, str] = field(default_factory=dict)  # "works/x.md" -> Markdown, rendered when read
    assets: dict[str, Path] = field(default_factory=dict)  # "media/a.jpg" -> source file
    data_files: dict[str, bytes] = field(default_factory=dict)  # generated non-page files
    problems: list[Problem] = field(default_factory=list)  # warnings only
    index_job: IndexJob | None = None
    search_job: SearchBundleJob | None = None  # the browser's Pagefind bundle, indexing meanwhile
    # Preview only: makes the browser's search data (then in `search_job`) after the pages are
    # shown, and returns its files (site path -> bytes); None once made, or in a build.
    search_later: Callable[[], dict[str, bytes]] | None = None

    @property
    def index_report(self) -> SyncReport | None:
        """Waits for the index update that runs beside the build."""
        return self.index_job.wait() if self.index_job else None

    def close(self) -> None:
        """Cancel the background jobs that were not finished (a build abandoned, or done with)."""
        for job in (self.search_job, self.index_job):
            if job is not None:
                job.cancel()

    def __enter__(self) -> SiteSources:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def generate_site(options: Options) -> SiteSources:
    """Every page source of the site; the search indexes are still being built beside it.

    Use the result as a context manager (or `close()` it) unless its jobs are
    finished (`export_pages`, the plugin's post-build): what is left running is cancelled.
    """
    # A preview validates again only the works saved since its last rebuild.
    checked = check_for_preview(options) if options.preview else check_library(options)
    if has_errors(checked.problems) and not options.preview:
        raise ContentError(checked.problems)
    library, tags = checked.library, checked.tags
    cat = build_catalog(library, Edition(options.audience, options.as_of, options.drafts), tags)
    routes = Routes(options.use_directory_urls)

    # The analysis and the full-text index run in a child process while the site renders.
    job = IndexJob(options.cache_dir, options.audience, None, options.index_procs, catalog=cat,
                   write_index=index_wanted(options, library, tags))
    docs = facet_documents(cat)
    out = SiteSources(problems=checked.problems, index_job=job)
    try:
        if not options.preview:
            # The browser's bundle starts now too, in a worker that waits for the analysis and
            # then runs Pagefind while the pages render (a preview makes it after the pages).
            out.search_job = _bundle_job(cat, page_records(cat, routes), options, job)
        _render(out, cat, routes, docs, checked, options)
    except BaseException:
        out.close()
        raise
    return out


def index_wanted(options: Options, library, tags) -> bool:
    """Does this build write the whoosh index? Only `koc search` and collections with words read it.

    An index that exists is kept up to date, so that `koc search` stays quick and no
    text of a work gone offline stays in it. Where there is none (a fresh clone, a
    new edition), the first `koc search` writes it (at 5,000 works: CPU enough to
    add a quarter to a cold build, which nobody waiting for the site needs).
    """
    return index_exists(options.cache_dir, options.audience) or collections_need_words(library, tags)


def _render(out: SiteSources, cat, routes: Routes, docs: list[dict], checked, options: Options) -> None:
    library, tags = checked.library, checked.tags
    with DerivedCache(options.cache_dir) as cache:
        bodies = _bodies(cat, routes, options, cache)
    inputs = PageInputs(
        catalog=cat,
        routes=routes,
        options=options,
        cards=cards_for(cat, routes, options.expiry_warning_days),
        bodies=bodies,
        related=related_works(cat.listed, tags.slug, options.related_limit),
        collection_ids=run_collections(library, tags, docs, out.index_job),
        standings=rank_contributors(cat.counted, library.contributors, options.weights),
        problems=checked.problems,
    )

    out.pages = pages = PageSources(Renderer(options.templates_dir, routes))
    for produce in PRODUCERS:
        for spec in produce(inputs):
            pages.add(spec)
            out.data_files.update(spec.files)
    out.assets = page_assets(inputs)
    if options.preview:
        # At 5,000 works the browser's search data takes longer than the pages of a save:
        # the preview shows the saved page first (the search catches up, as Pagefind's does).
        out.search_later = lambda: _search_files(out, inputs)
    else:
        out.data_files.update(_search_files(out, inputs))
    with DerivedCache(options.cache_dir) as cache:
        out.data_files.update(kit_files(inputs, lambda url: cache.get("qr", [QR_VERSION, url], lambda: qr_svg(url))))
    return out


def _search_files(out: SiteSources, inputs: PageInputs) -> dict[str, bytes]:
    """The browser's search records (their Pagefind bundle started in `out.search_job`)
    and the finder's and header search's data files."""
    options = inputs.options
    records = search_records(inputs)
    if out.search_job is None:
        out.search_job = _bundle_job(inputs.catalog, records, options, out.index_job)
    else:
        out.search_job.give_meta({r["url"]: r["meta"] for r in records})
    files = finder_data(records, filter_labels(inputs.catalog))
    files.update(search_data(inputs.catalog, options.search_shard_works))
    return files


def _bundle_job(cat, records: list[dict], options: Options, index_job: IndexJob) -> SearchBundleJob:
    """The Pagefind bundle's job: the records' words are added by its worker process once the index
    job's child has analysed the works; the render neither waits for the analysis nor shares its process."""
    return SearchBundleJob(records, options.search_shard_works, options.cache_dir / "pagefind" / options.audience.value,
                           streams=index_job.streams_source(), prefixes=word_prefixes(analyzer_of(cat).vocab))


# Bump when body rendering changes, so cached bodies are made anew.
BODY_VERSION = 2


def _bodies(cat, routes: Routes, options: Options, cache: DerivedCache) -> dict[str, Body]:
    """The rendered body of every work with a page; media links relative to the work's page."""
    bodies = {}
    for work in cat.library.works:
        base = routes.root(routes.source("work", id=work.id))
        if cat.visibility[work.id] in (Visibility.LISTED, Visibility.DRAFT):
            bodies[work.id] = _body(work, base, options, cache)
        elif out_of_force(work, options.as_of):
            # Text taken offline does not stay readable in the cache either.
            cache.delete("body", _body_key(work, base, options))
    return bodies


def _body_key(work, base: str, options: Options) -> list:
    return [BODY_VERSION, work.body, base, list(options.embed_hosts)]


# `koc serve`: bodies already rendered in this process, so that a save looks up only the saved
# work's body in the cache (5,000 look-ups, each unsealing a body, took a second of every save).
_PREVIEW_BODIES: dict[tuple, Body] = {}


def _body(work, base: str, options: Options, cache: DerivedCache) -> Body:
    if options.preview:
        key = (BODY_VERSION, work.body, base, tuple(options.embed_hosts))
        if key not in _PREVIEW_BODIES:
            if len(_PREVIEW_BODIES) > 100_000:
                _PREVIEW_BODIES.clear()
            _PREVIEW_BODIES[key] = _cached_body(work, base, options, cache)
        return _PREVIEW_BODIES[key]
    return _cached_body(work, base, options, cache)


def _cached_body(work, base: str, options: Options, cache: DerivedCache) -> Body:
    # Sealed with the body itself: the cache shows a work's text only to whoever has it.
    data = cache.get("body", _body_key(work, base, options), lambda: asdict(render_body(work.body, base, options.embed_hosts)),
                     secret=work.body.encode("utf-8"))
    return Body(data["html"], tuple(data["local_media"]))
