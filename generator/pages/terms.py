"""Pages by term: tags, scenarios and vehicle models, each an index and a paged listing per term."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator, NamedTuple

from generator.model import Term
from generator.pages.cards import Ref, WorkCard, term_refs
from generator.pages.spec import LISTING, PageInputs, PageSpec

PAGE_SIZE = 24


class TermRow(NamedTuple):
    term: Term
    ref: Ref


@dataclass(frozen=True)
class TagsIndexPage:
    tags: list[Ref]  # most used first


@dataclass(frozen=True)
class TermIndexPage:
    kind: str  # 场景 or 车型
    terms: list[TermRow]  # in taxonomy order


@dataclass(frozen=True)
class Pager:
    current: int
    urls: list[str]  # site URL of each page; empty when there is only one
    total: int  # works on all pages


@dataclass(frozen=True)
class TermPage:
    label: str
    kind: str  # 标签, 场景 or 车型
    description: str
    works: list[WorkCard]  # of this page only
    pager: Pager | None = None
    aliases: tuple[str, ...] = ()


def paged(inputs: PageInputs, route: str, slug: str, title: str, page: TermPage) -> Iterator[PageSpec]:
    """A term's listing, split like Material's blog archive: `tags/x/`, `tags/x/page/2/`, …"""
    routes = inputs.routes
    chunks = [page.works[i:i + PAGE_SIZE] for i in range(0, len(page.works), PAGE_SIZE)] or [[]]
    urls = [routes.url(route, page=n, slug=slug) for n in range(1, len(chunks) + 1)]
    for n, chunk in enumerate(chunks, 1):
        pager = Pager(n, urls if len(chunks) > 1 else [], len(page.works))
        yield PageSpec(routes.source(route, page=n, slug=slug), "term.md.j2", title if n == 1 else f"{title}（第 {n} 页）",
                       replace(page, works=chunk, pager=pager), LISTING)


def tag_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    cat, routes = inputs.catalog, inputs.routes
    refs = [Ref(cat.tag_labels[slug], routes.url("tag", slug=slug), len(works)) for slug, works in cat.by_tag.items()]
    yield PageSpec(routes.source("tags"), "tags.md.j2", "标签", TagsIndexPage(sorted(refs, key=lambda r: (-r.count, r.label))), LISTING)
    for slug, works in cat.by_tag.items():
        label = cat.tag_labels[slug]
        yield from paged(inputs, "tag", slug, f"标签：{label}", TermPage(label, "标签", "", [inputs.cards[w.id] for w in works]))


def vocabulary_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    """Scenarios and models: every term of the taxonomy has a page, even with no work yet."""
    cat, routes = inputs.catalog, inputs.routes
    taxonomy = cat.library.taxonomy
    for kind, route, title, terms, grouped in (("场景", "scenario", "使用场景", taxonomy.scenarios, cat.by_scenario),
                                               ("车型", "model", "车型", taxonomy.models, cat.by_model)):
        rows = [TermRow(t, r) for t, r in zip(terms, term_refs(terms, grouped, route, routes))]
        yield PageSpec(routes.source(route + "s"), "terms.md.j2", title, TermIndexPage(kind, rows), LISTING)
        for t in terms:
            page = TermPage(t.label, kind, t.description, [inputs.cards[w.id] for w in grouped.get(t.slug, ())], aliases=t.aliases)
            yield from paged(inputs, route, t.slug, f"{kind}：{t.label}", page)
