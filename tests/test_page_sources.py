"""Pages are held as specs and rendered when read: what a build writes is what the old
dict of rendered pages held, and a deferred page's view data is made only when it is read."""

from __future__ import annotations

from pathlib import Path

from mkdocs.utils.meta import get_data

from generator.pages.page_sources import PageSources
from generator.pages.render import Renderer
from generator.pages.routes import Routes
from generator.pages.spec import LISTING, PageSpec
from generator.pages.works import StubPage

TEMPLATES = Path(__file__).resolve().parent.parent / "site_templates"


def _pages() -> tuple[PageSources, list[int]]:
    made = []

    def later() -> StubPage:
        made.append(1)
        return StubPage("b", "授权已到期", "2024-05-01")

    pages = PageSources(Renderer(TEMPLATES, Routes(True)))
    pages.add(PageSpec("works/a.md", "stub.md.j2", "标题 <a> & 1", StubPage("a", "作品已撤回", "2023-01-02"),
                       dict(LISTING, koc_offline=True)))
    pages.add(PageSpec("works/b.md", "stub.md.j2", "第二个", later))
    return pages, made


def test_a_page_reads_back_as_its_front_matter_and_body():
    pages, _ = _pages()
    body, meta = get_data(pages["works/a.md"])  # as MkDocs reads a page source
    assert meta == pages.front("works/a.md") == {"title": "标题 ＜a＞ ＆ 1", "search": {"exclude": True}, "koc_offline": True}
    assert body == pages.body("works/a.md").lstrip("\n")
    assert "作品已撤回。原发布日期：2023-01-02" in body


def test_deferred_view_data_is_made_only_when_the_page_is_rendered():
    pages, made = _pages()
    assert list(pages) == ["works/a.md", "works/b.md"] and "works/b.md" in pages and len(pages) == 2
    assert pages.front("works/b.md")["title"] == "第二个" and made == []
    assert "授权已到期" in pages.body("works/b.md") and made == [1]
    assert "授权已到期" in pages["works/b.md"] and made == [1, 1]  # each read renders again: nothing is kept
