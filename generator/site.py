"""The pipeline, top to bottom: load → validate → index → render.

Nothing here knows about MkDocs: the result is a set of page sources
(site path → Markdown) and the media files they use, which the MkDocs plugin
hands to MkDocs as virtual files and `koc export` writes to a folder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import views
from .body import Body, render_body
from .check import check_library
from .derived_cache import DerivedCache
from .model import Use
from .options import Options
from .problems import Problem, ProblemsError, has_errors
from .references import media_problem
from .schema import id_problem
from .render import Renderer
from .rights import Visibility, out_of_force
from .scoring import rank_contributors
from .images import CARD_WIDTH, PAGE_WIDTH, sized_path, web_image
from .index_job import IndexJob, facet_index, uses_text
from .site_search import SearchBundleJob, filter_labels, finder_data, search_records
from .search_index import SyncReport, index_lock, make_schema, open_index, update_index, work_document
from .related import related_works
from .search_query import collection_ids, make_resolver, parse_query


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
    return update_index(options.cache_dir, options.audience, index_documents(cat), procs=options.index_procs)


def index_documents(cat: views.Catalog) -> list[dict]:
    return [work_document(w, cat.tags.slug) for w in cat.listed]


def run_collections(library, tags, docs: list[dict], job: IndexJob) -> dict[str, list[str]]:
    schema = make_schema()
    resolver = make_resolver(library, tags)
    queries = {c.slug: parse_query(c.query, schema, resolver) for c in library.collections}
    if not any(uses_text(q) for q in queries.values()):
        with facet_index(docs).searcher() as searcher:
            return {c.slug: collection_ids(searcher, queries[c.slug], c.sort, c.limit) for c in library.collections}
    job.wait()
    # Under the edition's lock: another build of it may be updating the index meanwhile.
    with index_lock(job.cache_dir, job.audience):
        ix, _ = open_index(job.cache_dir, job.audience)
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
    r = Renderer(options.templates_dir, views.edition_info(cat))
    pages = out.pages

    standings = rank_contributors(cat.counted, library.contributors, options.weights)
    visible_collections = [c for c in library.collections if collections[c.slug]]
    pages["index.md"] = r.page("index.md", "home.md.j2", "星途 KOC 作品库", {"hide": ["navigation", "toc"]}, **views.home_page(cat, visible_collections))
    works_index, archive = views.works_index_page(cat)
    pages["works/index.md"] = r.page("works/index.md", "works.md.j2", "全部作品", {"search": {"exclude": True}}, **works_index)
    for year, view in archive.items():
        pages[f"archive/{year}.md"] = r.page(f"archive/{year}.md", "archive.md.j2", f"{year} 年的作品", {"search": {"exclude": True}}, **view)

    bodies: dict[str, Body] = {}
    with DerivedCache(options.cache_dir) as cache:
        for work in library.works:
            if cat.visibility[work.id] in (Visibility.LISTED, Visibility.DRAFT):
                bodies[work.id] = _body(work, options, cache)
            elif out_of_force(work, options.as_of):
                # Text taken offline does not stay readable in the cache either.
                cache.delete("body", _body_key(work, options))
    for work in library.works:
        vis = cat.visibility[work.id]
        path = f"works/{work.id}.md"
        if vis in (Visibility.LISTED, Visibility.DRAFT):
            body = bodies[work.id]
            for src in _local_media(work, body.local_media):
                # Checked again here: a preview builds despite errors, and only what passes the media rule is published.
                if media_problem(options.content_dir, src) is None:
                    out.assets[src] = options.content_dir / src
            for src in _local_images(work):
                for width in (CARD_WIDTH, PAGE_WIDTH):
                    out.assets[sized_path(src, width)] = web_image(options.content_dir / src, options.cache_dir, width)
            pages[path] = r.page(path, "work.md.j2", work.title, None, body=body.html, **views.work_page(work, cat, related.get(work.id, [])))
        elif vis is Visibility.STUB:
            pages[path] = r.page(path, "stub.md.j2", work.title, {"search": {"exclude": True}, "koc_offline": True}, **views.stub_page(work, cat))

    listing = {"search": {"exclude": True}}
    taxonomy = library.taxonomy
    pages["tags/index.md"] = r.page("tags/index.md", "tags.md.j2", "标签", listing, **views.tags_index_page(cat))
    for slug, page in views.tag_pages(cat).items():
        _paged(r, pages, f"tags/{slug}", f"标签：{page['label']}", listing, page)
    for kind, base, terms, grouped in (("场景", "scenarios", taxonomy.scenarios, cat.by_scenario), ("车型", "models", taxonomy.models, cat.by_model)):
        pages[f"{base}/index.md"] = r.page(f"{base}/index.md", "terms.md.j2", "使用场景" if base == "scenarios" else "车型", listing,
                                           **views.term_index_page(terms, grouped, base, kind))
        for slug, page in views.term_pages(terms, grouped, kind, cat).items():
            _paged(r, pages, f"{base}/{slug}", f"{kind}：{page['label']}", listing, page)

    index_page, profiles = views.contributor_pages(cat, standings)
    pages["contributors/index.md"] = r.page("contributors/index.md", "contributors.md.j2", "贡献者", listing, **index_page)
    for cid, profile in profiles.items():
        person = profile["person"]
        if person.avatar:
            out.assets[person.avatar] = options.content_dir / person.avatar
        pages[f"contributors/{cid}.md"] = r.page(f"contributors/{cid}.md", "contributor.md.j2", person.name, listing, **profile)

    pages["collections/index.md"] = r.page("collections/index.md", "collections.md.j2", "精选合集", listing,
                                           collections=[views.collection_page(c, collections[c.slug], cat) for c in library.collections])
    for c in library.collections:
        pages[f"collections/{c.slug}.md"] = r.page(f"collections/{c.slug}.md", "collection.md.j2", c.title, listing,
                                                   **views.collection_page(c, collections[c.slug], cat))
    for use, folder, title in ((Use.TRAINING, "training", "培训素材"), (Use.DEALER_MEETING, "dealer-meetings", "经销商会议素材")):
        # Wide tables: the sidebar would only repeat the tab's own name.
        pages[f"{folder}/index.md"] = r.page(f"{folder}/index.md", "hub.md.j2", title, dict(listing, hide=["navigation"]),
                                             **views.hub_page(cat, use, visible_collections))
    pages["hall-of-fame/index.md"] = r.page("hall-of-fame/index.md", "hall_of_fame.md.j2", "核心用户名人堂", listing,
                                            **views.hall_of_fame_page(cat, standings))
    if options.preview:
        _problem_pages(checked.problems, library, r, pages)
    pages["finder/index.md"] = r.page("finder/index.md", "finder.md.j2", "案例查找", dict(listing, hide=["navigation", "toc"]),
                                      labels=filter_labels(cat), **views.finder_page(cat))
    records = search_records(cat, {wid: b.html for wid, b in bodies.items()})
    out.search_job = SearchBundleJob(records)
    out.data_files.update(finder_data(records))
    return out


PAGE_SIZE = 24


def _paged(r: Renderer, pages: dict, stem: str, title: str, meta: dict, view: dict) -> None:
    """A term page, split like Material's blog archive: `stem/`, `stem/page/2/`, …"""
    chunks = [view["works"][i:i + PAGE_SIZE] for i in range(0, len(view["works"]), PAGE_SIZE)] or [[]]
    urls = [f"{stem}/"] + [f"{stem}/page/{n}/" for n in range(2, len(chunks) + 1)]
    for n, chunk in enumerate(chunks, 1):
        path = f"{stem}.md" if n == 1 else f"{stem}/page/{n}.md"
        pager = {"current": n, "urls": urls if len(chunks) > 1 else [], "total": len(view["works"])}
        pages[path] = r.page(path, "term.md.j2", title if n == 1 else f"{title}（第 {n} 页）", meta,
                             **dict(view, works=chunk, pager=pager))


def _problem_pages(problems: list[Problem], library, r: Renderer, pages: dict) -> None:
    # In preview, a work that failed validation gets a page saying why, at its own URL.
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        if p.severity == "error" and p.path.startswith("content/works/"):
            by_file.setdefault(p.path, []).append(p)
    for path, found in by_file.items():
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        key = f"works/{stem}.md"
        if id_problem(stem) is None and key not in pages:
            pages[key] = r.page(key, "problems.md.j2", stem, {"search": {"exclude": True}}, source=path, problems=found)


# Bump when body rendering changes, so cached bodies are made anew.
BODY_VERSION = 2


def _body_key(work, options: Options) -> list:
    return [BODY_VERSION, work.body, list(options.embed_hosts)]


def _body(work, options: Options, cache: DerivedCache) -> Body:
    # Sealed with the body itself: the cache shows a work's text only to whoever has it.
    data = cache.get("body", _body_key(work, options), lambda: asdict(render_body(work.body, "../../", options.embed_hosts)),
                     secret=work.body.encode("utf-8"))
    return Body(data["html"], tuple(data["local_media"]))


def _local_images(work) -> list[str]:
    paths = [work.cover] if work.cover and not work.cover.startswith("https://") else []
    return paths + [m.src for m in work.media if m.is_local and m.type == "image"]


def _local_media(work, body_media) -> list[str]:
    paths = [work.cover] if work.cover and not work.cover.startswith("https://") else []
    paths += [m.src for m in work.media if m.is_local]
    return paths + list(body_media)
