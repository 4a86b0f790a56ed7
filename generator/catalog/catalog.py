"""The catalog of one edition: which works it shows, and the groupings every listing uses.

One pass over the library decides each work's visibility on the as-of date
and groups the listed works by tag, scenario, model and contributor, newest
first, so that no page scans the whole library again.

Example:
    >>> cat = build_catalog(library, Edition(Audience.DEALER, dt.date(2026, 6, 1)), tags)   # doctest: +SKIP
    >>> [w.id for w in cat.by_scenario["camping"]]                                          # doctest: +SKIP
    ['2026-camping-video']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from generator.catalog.rights import Edition, Visibility, visibility
from generator.content.taxonomy import TagVocabulary
from generator.model import Audience, Library, Work


@dataclass
class Catalog:
    library: Library
    edition: Edition
    tags: TagVocabulary
    visibility: dict[str, Visibility] = field(default_factory=dict)
    listed: list[Work] = field(default_factory=list)  # newest first
    counted: list[Work] = field(default_factory=list)  # count toward scores: listed or offline, not drafts
    shown: list[Work] = field(default_factory=list)  # with a full page: listed, and drafts in a preview
    by_tag: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))
    tag_labels: dict[str, str] = field(default_factory=dict)  # slug -> label
    by_scenario: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))
    by_model: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))
    by_contributor: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))
    counted_by_contributor: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))

    @property
    def internal(self) -> bool:
        return self.edition.audience is Audience.INTERNAL

    def has_profile(self, cid: str) -> bool:
        """The dealer edition shows only people whose work it carries (listed or offline)."""
        return self.internal or bool(self.counted_by_contributor.get(cid))


def build_catalog(library: Library, edition: Edition, tags: TagVocabulary) -> Catalog:
    cat = Catalog(library, edition, tags)
    for work in library.works:  # already newest first
        vis = visibility(work, edition)
        cat.visibility[work.id] = vis
        if vis is Visibility.ABSENT:
            continue
        if vis is not Visibility.DRAFT:
            cat.counted.append(work)
            for cid in dict.fromkeys(work.contributor_ids):
                cat.counted_by_contributor[cid].append(work)
        if vis is Visibility.LISTED:
            cat.listed.append(work)
            for tag in work.tags:
                slug = tags.slug(tag)
                cat.by_tag[slug].append(work)
                cat.tag_labels[slug] = tag
            for slug in work.scenarios:
                cat.by_scenario[slug].append(work)
            for slug in work.models:
                cat.by_model[slug].append(work)
            for cid in dict.fromkeys(work.contributor_ids):
                cat.by_contributor[cid].append(work)
        if vis in (Visibility.LISTED, Visibility.DRAFT):
            cat.shown.append(work)
    return cat
