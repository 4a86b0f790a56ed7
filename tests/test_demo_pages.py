"""The demo site as a whole: every internal link resolves in both URL styles, and the
pages of both editions match the committed manifest for a fixed as-of date.

The manifest (tests/data/demo-pages.json) holds a hash of each page, whitespace
aside. It changes only when a page changes on purpose (a template, the demo
content, a dependency); then `python scripts/page_manifest.py` writes it anew,
and the diff of the manifest shows which pages changed.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from demo_build import MANIFEST, MANIFEST_AS_OF, page_hashes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(demo_site):
    return {key: demo_site(audience, directory_urls, MANIFEST_AS_OF)
            for key, (audience, directory_urls) in {"internal": ("internal", True), "dealer": ("dealer", True),
                                                    "internal-files": ("internal", False)}.items()}


# Every link, image, script, stylesheet and poster of a page (attribute values as MkDocs writes them: in double quotes).
_LINK = re.compile(r'<(?:a|link|img|script|source|video|iframe)\b[^>]*?\s(?:href|src|poster)="([^"]*)"')


def internal_links(html_file: Path, site: Path):
    """(attribute value, resolved file) of every link that stays on the site."""
    for value in _LINK.findall(html_file.read_text(encoding="utf-8")):
        value = html.unescape(value)
        if not value or value.startswith(("#", "mailto:", "javascript:", "data:")):
            continue
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            continue
        # MkDocs writes the 404 page's links from the site root (it is served at any depth).
        folder = site if parts.path.startswith("/") else html_file.parent
        target = (folder / unquote(parts.path).lstrip("/")).resolve()
        if value.endswith("/") or target.is_dir():
            target = target / "index.html"
        yield value, target


@pytest.mark.parametrize("key", ["internal", "internal-files", "dealer"])
def test_every_internal_link_resolves(demo, key):
    site = demo[key]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 100
    broken, checked = [], 0
    for html_file in pages:
        for value, target in internal_links(html_file, site):
            checked += 1
            if not target.is_relative_to(site.resolve()) or not target.is_file():
                broken.append(f"{html_file.relative_to(site)} → {value}")
    assert checked > 5000
    assert not broken, f"{len(broken)} broken links, e.g.\n" + "\n".join(broken[:20])


def test_file_urls_really_are_file_urls(demo):
    site = demo["internal-files"]
    assert (site / "works" / "index.html").exists() and not (site / "finder" / "index.html").is_dir()
    work_pages = [p for p in (site / "works").glob("*.html") if p.name != "index.html"]
    assert len(work_pages) >= 40 and not list((site / "works").glob("*/index.html"))


@pytest.mark.parametrize("edition", ["internal", "dealer"])
def test_demo_pages_match_the_manifest(demo, edition):
    expected = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert expected["as_of"] == MANIFEST_AS_OF
    actual = page_hashes(demo[edition])
    wanted = expected["editions"][edition]
    changed = sorted(p for p in wanted.keys() & actual.keys() if wanted[p] != actual[p])
    assert not changed and actual.keys() == wanted.keys(), (
        f"pages changed: {changed[:10]}, missing: {sorted(wanted.keys() - actual.keys())[:10]}, "
        f"new: {sorted(actual.keys() - wanted.keys())[:10]}; if intended, run python scripts/page_manifest.py")
