"""Generated pages as MkDocs pages whose content exists only while MkDocs writes them.

MkDocs reads and renders every page first and writes them all afterwards,
so each page's content is held until the last page is written: at 50,000
works, gigabytes. A `StreamedPage` takes its title and metadata from the
page spec when MkDocs reads it (the navigation, templates and the sitemap
need no more), is rendered into its theme's template when MkDocs writes it
(`fill`, from the plugin's `on_page_context`), and lets its content go once
written (`drop`, from `on_post_page`). MkDocs still has one page object per
page, so the navigation, links, the sitemap and the theme treat it as any page.

The page is HTML already (our templates write HTML blocks): it is handed over
as it is, with the table of contents read off its <h2 id> headings, as
`GeneratedPage` does in the preview.
"""

from __future__ import annotations

from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from generator.mkdocs_adapter.page_toc import page_toc
from generator.pages.page_sources import PageSources


class StreamedPage(Page):
    sources: PageSources  # set by the plugin when it adopts the page

    @classmethod
    def adopt(cls, page: Page, sources: PageSources) -> None:
        """Turn MkDocs' page object (the nav may hold it) into a streamed page."""
        page.__class__ = cls
        page.sources = sources

    def read_source(self, config) -> None:
        self.markdown = ""  # not None: MkDocs takes that for "not read yet"
        self.meta = self.sources.front(self.file.src_uri)

    def render(self, config, files) -> None:
        self.content = ""
        self.toc = get_toc([])
        self._title_from_render = None
        self.present_anchor_ids = set()
        self.links_to_anchors = {}

    def fill(self) -> None:
        """Render the page now, just before the theme wraps it."""
        # As MkDocs would read it back from the source: front matter gone, leading blank lines too.
        html = self.sources.body(self.file.src_uri).lstrip("\n")
        tokens = page_toc(html)
        self.markdown = self.content = html
        self.toc = get_toc(tokens)
        # Kept: MkDocs checks links to this page's anchors after the last page is written.
        self.present_anchor_ids = {t["id"] for t in tokens}

    def drop(self) -> None:
        """The page is written: let its content go."""
        self.markdown = self.content = ""
        self.toc = get_toc([])
