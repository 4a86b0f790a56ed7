"""What a page producer hands the site step: a page spec, and what producers read.

A producer is a function `PageInputs → iterable of PageSpec`, one per family
of pages (works, terms, people, …). The site step renders each spec's template
with its context and files it under its path; it knows nothing of any page kind.
Adding a page kind takes a producer (listed in `generator.pages.site.PRODUCERS`),
a template in `site_templates/pages/` and a route in `generator.pages.routes.ROUTES`.

Example:
    >>> spec = PageSpec("finder/index.md", "finder.md.j2", "案例查找", FinderPage(CARD_SLOTS, NO_USES_SLOTS, FACET_SLOTS))   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from generator.catalog.catalog import Catalog
from generator.catalog.scoring import Standing
from generator.model import Collection
from generator.options import Options
from generator.pages.body import Body
from generator.pages.cards import WorkCard
from generator.pages.routes import Routes
from generator.problems import Problem

# Listings are not worth a search result of their own: the works they list are.
LISTING = {"search": {"exclude": True}}


@dataclass(frozen=True)
class PageSpec:
    path: str  # source path, from the route table: "works/x.md"
    template: str  # in site_templates/pages/
    title: str
    # A dataclass of this page kind (its fields are the template's variables), or a
    # function that makes it when the page is rendered: a build holds every spec
    # until MkDocs writes the page, so the bulk (work pages) defers its view data.
    context: Any
    meta: dict = field(default_factory=dict)  # frontmatter besides the title
    files: dict = field(default_factory=dict)  # site path -> bytes: generated files the page uses (e.g. its stylesheet)

    def variables(self) -> dict[str, Any]:
        context = self.context() if callable(self.context) else self.context
        # Shallow: the template reads the context's own objects (cards, works), not copies.
        return {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}


@dataclass
class PageInputs:
    """Everything producers read, computed once per build."""

    catalog: Catalog
    routes: Routes
    options: Options
    cards: dict[str, WorkCard]
    bodies: dict[str, Body]  # work id -> rendered body, for every work with a page
    related: dict[str, list[str]]  # work id -> related work ids, best first
    collection_ids: dict[str, list[str]]  # collection slug -> work ids it lists
    standings: list[Standing]  # all-time contribution scores, best first
    problems: list[Problem]

    @property
    def visible_collections(self) -> list[Collection]:
        """Collections that list at least one work in this edition."""
        return [c for c in self.catalog.library.collections if self.collection_ids[c.slug]]
