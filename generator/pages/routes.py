"""Every URL of the site, in one table.

A page is known by its source path (`works/x.md`, the name MkDocs and
`koc export` give it); its URL follows from the source path by MkDocs' rule
for `use_directory_urls` (`works/x/` or `works/x.html`). View data, search
records and templates all ask `Routes` for URLs, and templates turn a site
URL into a link with the `url` filter, which goes up to the site root with
MkDocs' own `get_relative_url` and down again, as every page has always linked.

Example:
    >>> routes = Routes(directory_urls=False)
    >>> routes.url("work", id="2025-l7-camping")
    'works/2025-l7-camping.html'
    >>> routes.link(routes.url("tag", slug="xu-hang"), "works/2025-l7-camping.md")
    '../tags/xu-hang.html'
    >>> Routes().link("media/covers/a.jpg", "index.md")
    'media/covers/a.jpg'
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# The one function borrowed from MkDocs: relative links computed exactly as MkDocs
# computes them for its own pages. A pure function, so exported pages need no MkDocs build.
from mkdocs.utils import get_relative_url

from generator.model import Use

# Kind of page → source path. `{…}` are the keys a URL needs. Paged listings
# (tags, scenarios, models) add `page/<n>` under their first page from page 2 on.
ROUTES = {
    "home": "index.md",
    "works": "works/index.md",
    "work": "works/{id}.md",  # a listed work, an offline work's stub, or (preview) its problems
    "archive": "archive/{year}.md",
    "tags": "tags/index.md",
    "tag": "tags/{slug}.md",
    "scenarios": "scenarios/index.md",
    "scenario": "scenarios/{slug}.md",
    "models": "models/index.md",
    "model": "models/{slug}.md",
    "contributors": "contributors/index.md",
    "contributor": "contributors/{id}.md",
    "collections": "collections/index.md",
    "collection": "collections/{slug}.md",
    "training": "training/index.md",
    "dealer_meeting": "dealer-meetings/index.md",
    "hall_of_fame": "hall-of-fame/index.md",
    "finder": "finder/index.md",
    "kit": "kit/index.md",  # the works come from the URL: kit/?works=a,b,c
    "tasks": "tasks/index.md",
    "task": "tasks/{id}.md",
    "insights": "insights/index.md",  # internal edition only
    "dashboard": "dashboard/index.md",  # internal edition only
}

# The hub page of each use that has one.
HUBS = {Use.TRAINING: "training", Use.DEALER_MEETING: "dealer_meeting"}


@dataclass(frozen=True)
class Routes:
    """URLs in one of MkDocs' two styles (`use_directory_urls`)."""

    directory_urls: bool = True

    def source(self, kind: str, page: int = 1, **key) -> str:
        """Source path of a page: `source("tag", slug="x", page=2)` → `tags/x/page/2.md`."""
        path = ROUTES[kind].format(**key)
        return path if page == 1 else f"{path[:-3]}/page/{page}.md"

    def url(self, kind: str, page: int = 1, **key) -> str:
        """Site URL of a page (no leading slash), e.g. `works/x/` or `works/x.html`."""
        return self.page_url(self.source(kind, page, **key))

    def page_url(self, src_path: str) -> str:
        """MkDocs' rule (`File.url`): `a/b.md` → `a/b/` or `a/b.html`; `a/index.md` → `a/` or `a/index.html`."""
        stem = src_path[:-3]
        if not self.directory_urls:
            return stem + ".html"
        if stem == "index":
            return "./"
        return (stem[: -len("index")] if stem.endswith("/index") else stem + "/")

    def root(self, src_path: str) -> str:
        """From a page to the site root: '' on the home page, '../../' on `works/x/`."""
        up = get_relative_url("./", self.page_url(src_path))
        return "" if up == "./" else up

    def link(self, target: str, src_path: str) -> str:
        """A site URL (page, media file or asset) as a link from the page `src_path`;
        a remote URL, or a place on the same page ("#top"), stays as it is."""
        if urlsplit(target).scheme or target.startswith("#"):
            return target
        return self.root(src_path) + target
