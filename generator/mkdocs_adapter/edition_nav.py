"""The navigation of one edition: `mkdocs.yml` lists every page, an edition may lack some.

The internal edition has pages the dealer edition must not even link to
(`/insights/`, `/dashboard/`). MkDocs would keep a nav entry whose page is
missing as a link to nowhere (with a warning), so entries naming a Markdown
page that neither the pipeline generated nor the docs folder holds are dropped
before MkDocs builds the navigation.

Example:
    >>> edition_nav([{"首页": "index.md"}, {"看板": "dashboard/index.md"}], {"index.md"}.__contains__)
    [{'首页': 'index.md'}]
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit


def edition_nav(nav, exists: Callable[[str], bool]):
    """`nav` without the entries (and sections left empty) whose `.md` page does not exist."""
    if nav is None:
        return None
    kept = []
    for entry in nav:
        target = next(iter(entry.values())) if isinstance(entry, dict) and len(entry) == 1 else entry
        if isinstance(target, list):
            children = edition_nav(target, exists)
            if children:
                kept.append({next(iter(entry)): children})
        elif isinstance(target, str) and target.endswith(".md") and not urlsplit(target).scheme and not exists(target):
            continue
        else:
            kept.append(entry)
    return kept
