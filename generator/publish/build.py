"""Publish: run MkDocs into a temporary folder and swap it into place.

A failed build removes its temporary folder and leaves the previous site
exactly as it was; a successful one replaces it in two renames.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from generator.pages.site import SiteSources


def _set_environment(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextlib.contextmanager
def _environment(values: dict[str, str | None]):
    saved = {k: os.environ.get(k) for k in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(saved)


def build_site(config_file: Path, site_dir: Path, env: dict[str, str | None], strict: bool = False) -> None:
    """Build with MkDocs; raises (mkdocs' own exceptions) and keeps the old site on failure."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site_dir = Path(site_dir).resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = site_dir.parent / f".{site_dir.name}.building-{os.getpid()}"
    old = site_dir.parent / f".{site_dir.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with _environment(env):
            config = load_config(config_file=str(config_file), site_dir=str(tmp), strict=strict)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            except Exception:
                # MkDocs reduces a plugin's error to "Aborted"; re-raise the problems themselves.
                failure = getattr(config.plugins.get("koc"), "failure", None)
                if failure is not None:
                    raise failure from None
                raise
            finally:
                config.plugins.on_shutdown()
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
