"""Publish: run MkDocs into a temporary folder and swap it into place.

A failed build removes its temporary folder and leaves the previous site
exactly as it was; a successful one replaces it in two renames.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from generator.mkdocs_adapter.build import run_mkdocs
from generator.pages.site import SiteSources


def build_site(config_file: Path, site_dir: Path, settings: dict[str, Any], strict: bool = False) -> None:
    """Build with MkDocs (the koc plugin's `settings` given as options); raises, and keeps
    the old site, on failure."""
    site_dir = Path(site_dir).resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = site_dir.parent / f".{site_dir.name}.building-{os.getpid()}"
    old = site_dir.parent / f".{site_dir.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        run_mkdocs(config_file, tmp, settings, strict)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if site_dir.exists():
        site_dir.rename(old)
    tmp.rename(site_dir)
    shutil.rmtree(old, ignore_errors=True)


def export_pages(sources: SiteSources, out_dir: Path) -> int:
    """Write every generated page as Markdown, and the media it uses, under `out_dir`."""
    out_dir = Path(out_dir)
    for path, markdown in sources.pages.items():
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(markdown, encoding="utf-8")
    for path, source in sources.assets.items():
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for path, data in sources.data_files.items():
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if sources.search_job is not None:
        sources.search_job.write(out_dir)
    if sources.index_job is not None:
        sources.index_job.wait()
    return len(sources.pages)
