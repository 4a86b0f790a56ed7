"""Build the demo library (content/ of this repository) into a scratch project.

The scratch project holds copies of content/, site_templates/ and mkdocs.yml,
so a test may change mkdocs.yml (e.g. `use_directory_urls`) without touching
the repository, and its caches start cold.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The as-of date the page manifest was made for: some rights expire before it, some soon after.
MANIFEST_AS_OF = "2026-06-01"
MANIFEST = Path(__file__).resolve().parent / "data" / "demo-pages.json"


def demo_project(root: Path, directory_urls: bool = True, site_url: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in ("content", "site_templates"):
        if not (root / name).exists():
            shutil.copytree(REPO / name, root / name)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config, n = re.subn(r"(?m)^use_directory_urls: \w+$", f"use_directory_urls: {str(directory_urls).lower()}", config)
    assert n == 1, "mkdocs.yml should say use_directory_urls explicitly"
    if site_url:  # as a deployment sets it: QR codes and canonical links carry full addresses
        config = f"site_url: {site_url}\n" + config
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root


def build_demo(root: Path, audience: str = "internal", directory_urls: bool = True, as_of: str = MANIFEST_AS_OF,
               site_url: str | None = None) -> Path:
    """The demo library built into `root` (a scratch project); tests share these through
    the `demo_site` fixture (tests/conftest.py)."""
    from generator.cli import main

    project = demo_project(root, directory_urls, site_url)
    site = root / f"site-{audience}-{'dirs' if directory_urls else 'files'}-{as_of}"
    assert main(["--project", str(project), "build", "--as-of", as_of, "--audience", audience, "--site-dir", str(site)]) == 0
    return site


def normalise(html: str) -> str:
    """Whitespace aside: runs collapsed, none between tags (as scripts/compare_sites.py does)."""
    return re.sub(r"\s*(<[^>]*>)\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


def page_hashes(site: Path) -> dict[str, str]:
    """sha256 of every HTML page of a built site, whitespace aside."""
    return {p.relative_to(site).as_posix(): hashlib.sha256(normalise(p.read_text(encoding="utf-8")).encode()).hexdigest()[:16]
            for p in sorted(site.rglob("*.html"))}
