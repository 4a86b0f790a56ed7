"""Generated pages, converted from Markdown to HTML once and cached by content hash.

Our page sources are mostly HTML blocks around a few `##` headings; Python-Markdown
spends most of a build re-parsing that HTML. The plugin asks for each page's HTML
and table of contents here: a page whose source did not change since the last
build is read back from the cache instead of converted again.
"""

from __future__ import annotations

from pathlib import Path

import markdown

from .derived_cache import cached_json

# The extensions of mkdocs.yml that our templates use, configured the same way.
EXTENSIONS = ["admonition", "attr_list", "tables", "toc"]
VERSION = 1


_MD: markdown.Markdown | None = None


def _converter() -> markdown.Markdown:
    global _MD
    if _MD is None:
        _MD = markdown.Markdown(extensions=EXTENSIONS, extension_configs={"toc": {"permalink": False}})
    return _MD


def page_html(source: str, cache_dir: Path) -> dict:
    """{"html": …, "toc": toc tokens as Python-Markdown's toc extension gives them}."""
    def convert() -> dict:
        md = _converter().reset()
        return {"html": md.convert(source), "toc": md.toc_tokens}

    return cached_json(cache_dir, "pages", [VERSION, EXTENSIONS, source], convert)
