"""The site's pages as specs, rendered when asked for, never all held as text.

A build used to render every page into one dict of Markdown and keep it
until MkDocs had written the last page, with MkDocs keeping each page's
content beside it: at 5,000 works a few hundred MB, growing with the library.
`PageSources` keeps the specs instead (work pages make their view data only
when rendered, see `PageSpec.context`) and renders a page each time it is
read, so a consumer that writes pages one by one (the MkDocs plugin, `koc
export`) holds one page's text at a time.

It is a read-only mapping, site path → page source (front matter and body), so
`path in pages`, `pages[path]` and `pages.items()` work as on the old dict;
each read renders again, so read each page once.

Example:
    >>> pages = PageSources(Renderer(templates_dir, routes))   # doctest: +SKIP
    >>> pages.add(spec); pages.front(spec.path)["title"]          # doctest: +SKIP
    '星途 KOC 作品库'
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator, Mapping

from generator.pages.render import Renderer, front_matter
from generator.pages.spec import PageSpec


class PageSources(Mapping[str, str]):
    def __init__(self, renderer: Renderer):
        self._renderer = renderer
        self._specs: dict[str, PageSpec] = {}

    def add(self, spec: PageSpec) -> None:
        self._specs[spec.path] = spec

    def front(self, path: str) -> dict:
        """The page's metadata (title first), without rendering it."""
        spec = self._specs[path]
        return front_matter(spec.title, spec.meta)

    def body(self, path: str) -> str:
        """The page's body, rendered now: what the theme wraps."""
        spec = self._specs[path]
        return self._renderer.body(spec.path, spec.template, spec.title, **spec.variables())

    def fingerprint(self, path: str) -> str | None:
        """A digest of everything the page is rendered from (template, title, metadata, view
        data), without rendering it: equal digests in one process, equal pages, as long as the
        templates did not change. None when the view data cannot be pickled (always render it).

        `koc serve` compares these with the last save's, so that a save renders only the
        pages whose data it changed (rendering every page took most of a save at 5,000 works).
        """
        spec = self._specs[path]
        try:
            data = pickle.dumps((spec.template, spec.title, spec.meta, spec.variables()), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        return hashlib.blake2b(data, digest_size=16).hexdigest()

    def __getitem__(self, path: str) -> str:
        spec = self._specs[path]
        return self._renderer.page(spec.path, spec.template, spec.title, spec.meta, **spec.variables())

    def __contains__(self, path: object) -> bool:
        return path in self._specs

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)
