"""The pipeline, top to bottom: load → validate → index → render.

Nothing here knows about MkDocs: the result is a set of page sources
(site path → Markdown) and the media files they use, which the MkDocs plugin
hands to MkDocs as virtual files and `koc export` writes to a folder.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from generator.pages import views
from generator.pages.body import Body, render_body
from generator.content.check import check_library
from generator.content.derived_cache import DerivedCache
from generator.model import Use
from generator.options import Options
from generator.problems import Problem, ProblemsError, has_errors
from generator.pages.render import Renderer
from generator.pages.routes import HUBS, Routes
from generator.catalog.rights import Visibility
from generator.catalog.scoring import rank_contributors
from generator.pages.images import CARD_WIDTH, PAGE_WIDTH, sized_path, web_image
from generator.search.index_job import IndexJob, facet_index, uses_text
from generator.search.bundle import SearchBundleJob, filter_labels, finder_data, search_records
from generator.search.index import SyncReport, make_schema, open_index, sync_index, work_document
from generator.catalog.related import related_works
from generator.search.query import collection_ids, make_resolver, parse_query


@dataclass
class SiteSources:
    pages: dict[str, str] = field(default_factory=dict)  # "works/x.md" -> Markdown
    assets: dict[str, Path] = field(default_factory=dict)  # "media/a.jpg" -> source file
    data_files: dict[str, bytes] = field(default_factory=dict)  # generated non-page files
    problems: list[Problem] = field(default_factory=list)  # warnings only
    index_job: IndexJob | None = None
    search_job: SearchBundleJob | None = None  # the browser's Pagefind bundle, indexing meanwhile

    @property
    def index_report(self) -> SyncReport | None:
        """Waits for the index update that runs beside the build."""
        return self.index_job.wait() if self.index_job else None


def index_library(cat: views.Catalog, options: Options):
    """Bring the edition's whoosh index up to date: exactly the works listed in this edition."""
    ix, _ = open_index(options.cache_dir, options.audience)
    report = sync_index(ix, index_documents(cat), procs=options.index_procs)
    return ix, report


def index_documents(cat: views.Catalog) -> list[dict]:
    return [work_document(w, cat.tags.slug) for w in cat.listed]


def run_collections(library, tags, docs: list[dict], job: IndexJob) -> dict[str, list[str]]:
    schema = make_schema()
    resolver = make_resolver(library, tags)
    queries = {c.slug: parse_query(c.query, schema, resolver) for c in library.collections}
    if any(uses_text(q) for q in queries.values()):
        job.wait()
        ix, _ = open_index(job.cache_dir, job.audience)
    else:
        ix = facet_index(docs)
    with ix.searcher() as searcher:
        return {c.slug: collection_ids(searcher, queries[c.slug], c.sort, c.limit) for c in library.collections}


def generate_site(options: Options) -> SiteSources:
    checked = check_library(options)
    if has_errors(checked.problems) and not options.preview:
        raise ProblemsError(checked.problems)
    library, tags = checked.library, checked.tags
    cat = views.build_catalog(library, options, tags)

    # The full-text index updates in a child process while the site renders.
    docs = index_documents(cat)
    job = IndexJob(options.cache_dir, options.audience, docs, options.index_procs)
    related = related_works(cat.listed, tags.slug, options.related_limit)
    collections = run_collections(library, tags, docs, job)

    out = SiteSources(problems=checked.problems, index_job=job)
    routes = cat.routes
    r = Renderer(options.templates_dir, routes)
    pages = out.pages

    standings = rank_contributors(cat.counted, library.contributors, options.weights)
    visible_collections = [c for c in library.collections if collections[c.slug]]
    pages[routes.source("home")] = r.page(routes.source("home"), "home.md.j2", "星途 KOC 作品库", {"hide": ["navigation", "toc"]}, **views.home_page(cat, visible_collections))
    works_index, archive = views.works_index_page(cat)
    pages[routes.source("works")] = r.page(routes.source("works"), "works.md.j2", "全部作品", {"search": {"exclude": True}}, **works_index)
    for year, view in archive.items():
        pages[routes.source("archive", year=year)] = r.page(routes.source("archive", year=year), "archive.md.j2", f"{year} 年的作品", {"search": {"exclude": True}}, **view)

    bodies: dict[str, Body] = {}
    with DerivedCache(options.cache_dir) as cache:
        for work in library.works:
            if cat.visibility[work.id] in (Visibility.LISTED, Visibility.DRAFT):
                bodies[work.id] = _body(work, routes.root(routes.source("work", id=work.id)), options, cache)
    for work in library.works:
        vis = cat.visibility[work.id]
        path = routes.source("work", id=work.id)
        if vis in (Visibility.LISTED, Visibility.DRAFT):
            body = bodies[work.id]
            for src in _local_media(work, body.local_media):
                out.assets[src] = options.content_dir / src
            for src in _local_images(work):
                for width in (CARD_WIDTH, PAGE_WIDTH):
                    out.assets[sized_path(src, width)] = web_image(options.content_dir / src, options.cache_dir, width)
            pages[path] = r.page(path, "work.md.j2", work.title, None, body=body.html, **views.work_page(work, cat, related.get(work.id, [])))
        elif vis is Visibility.STUB:
            pages[path] = r.page(path, "stub.md.j2", work.title, {"search": {"exclude": True}, "koc_offline": True}, **views.stub_page(work, cat))

    listing = {"search": {"exclude": True}}
    taxonomy = library.taxonomy
    pages[routes.source("tags")] = r.page(routes.source("tags"), "tags.md.j2", "标签", listing, **views.tags_index_page(cat))
    for slug, page in views.tag_pages(cat).items():
        _paged(r, pages, ("tag", slug), f"标签：{page['label']}", listing, page)
    for kind, route, terms, grouped in (("场景", "scenario", taxonomy.scenarios, cat.by_scenario), ("车型", "model", taxonomy.models, cat.by_model)):
        index = routes.source(route + "s")
        pages[index] = r.page(index, "terms.md.j2", "使用场景" if route == "scenario" else "车型", listing,
                              **views.term_index_page(terms, grouped, route, kind, routes))
        for slug, page in views.term_pages(terms, grouped, kind, cat).items():
            _paged(r, pages, (route, slug), f"{kind}：{page['label']}", listing, page)

    index_page, profiles = views.contributor_pages(cat, standings)
    pages[routes.source("contributors")] = r.page(routes.source("contributors"), "contributors.md.j2", "贡献者", listing, **index_page)
    for cid, profile in profiles.items():
        person = profile["person"]
        if person.avatar:
            out.assets[person.avatar] = options.content_dir / person.avatar
        pages[routes.source("contributor", id=cid)] = r.page(routes.source("contributor", id=cid), "contributor.md.j2", person.name, listing, **profile)

    pages[routes.source("collections")] = r.page(routes.source("collections"), "collections.md.j2", "精选合集", listing,
                                           collections=[views.collection_page(c, collections[c.slug], cat) for c in library.collections])
    for c in library.collections:
        pages[routes.source("collection", slug=c.slug)] = r.page(routes.source("collection", slug=c.slug), "collection.md.j2", c.title, listing,
                                                   **views.collection_page(c, collections[c.slug], cat))
    for use, title in ((Use.TRAINING, "培训素材"), (Use.DEALER_MEETING, "经销商会议素材")):
        pages[routes.source(HUBS[use])] = r.page(routes.source(HUBS[use]), "hub.md.j2", title, listing, **views.hub_page(cat, use, visible_collections))
    pages[routes.source("hall_of_fame")] = r.page(routes.source("hall_of_fame"), "hall_of_fame.md.j2", "核心用户名人堂", listing,
                                            **views.hall_of_fame_page(cat, standings))
    if options.preview:
        _problem_pages(checked.problems, routes, r, pages)
    pages[routes.source("finder")] = r.page(routes.source("finder"), "finder.md.j2", "案例查找", dict(listing, hide=["navigation", "toc"]),
                                      labels=filter_labels(cat), **views.finder_page(cat))
    records = search_records(cat, {wid: b.html for wid, b in bodies.items()})
    out.search_job = SearchBundleJob(records)
    out.data_files.update(finder_data(records))
    return out


PAGE_SIZE = 24


def _paged(r: Renderer, pages: dict, route: tuple[str, str], title: str, meta: dict, view: dict) -> None:
    """A term page, split like Material's blog archive: `tags/x/`, `tags/x/page/2/`, …"""
    kind, slug = route
    chunks = [view["works"][i:i + PAGE_SIZE] for i in range(0, len(view["works"]), PAGE_SIZE)] or [[]]
    urls = [r.routes.url(kind, page=n, slug=slug) for n in range(1, len(chunks) + 1)]
    for n, chunk in enumerate(chunks, 1):
        path = r.routes.source(kind, page=n, slug=slug)
        pager = {"current": n, "urls": urls if len(chunks) > 1 else [], "total": len(view["works"])}
        pages[path] = r.page(path, "term.md.j2", title if n == 1 else f"{title}（第 {n} 页）", meta,
                             **dict(view, works=chunk, pager=pager))


def _problem_pages(problems: list[Problem], routes: Routes, r: Renderer, pages: dict) -> None:
    # In preview, a work that failed validation gets a page saying why, at its own URL.
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        if p.severity == "error" and p.path.startswith("content/works/"):
            by_file.setdefault(p.path, []).append(p)
    for path, found in by_file.items():
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        key = routes.source("work", id=stem)
        if re.match(r"^[a-z0-9][a-z0-9-]*$", stem) and key not in pages:
            pages[key] = r.page(key, "problems.md.j2", stem, {"search": {"exclude": True}}, source=path, problems=found)


# Bump when body rendering changes, so cached bodies are made anew.
BODY_VERSION = 1


def _body(work, base: str, options: Options, cache: DerivedCache) -> Body:
    data = cache.get("body", [BODY_VERSION, work.body, base, list(options.embed_hosts)],
                     lambda: asdict(render_body(work.body, base, options.embed_hosts)))
    return Body(data["html"], tuple(data["local_media"]))


def _local_images(work) -> list[str]:
    paths = [work.cover] if work.cover and not work.cover.startswith("https://") else []
    return paths + [m.src for m in work.media if m.is_local and m.type == "image"]


def _local_media(work, body_media) -> list[str]:
    paths = [work.cover] if work.cover and not work.cover.startswith("https://") else []
    paths += [m.src for m in work.media if m.is_local]
    return paths + list(body_media)
