"""Run one MkDocs build of the project with the koc plugin's options given by the caller.

The options reach the plugin through MkDocs' own configuration (`plugins:`
with the koc entry updated), not through environment variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.mkdocs_adapter.config import plugins_with


def load_build_config(config_file: Path, site_dir: Path, settings: dict[str, Any], strict: bool = False):
    """mkdocs.yml, building into `site_dir`, with the koc plugin's `settings` on top of its own."""
    from mkdocs.config import load_config

    return load_config(config_file=str(config_file), site_dir=str(site_dir), strict=strict,
                       plugins=plugins_with(config_file, **settings))


def run_build(config) -> None:
    """Build; raises `ContentError` when the library has errors, MkDocs' exceptions otherwise."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort

    from generator.mkdocs_adapter.plugin import ContentBuildError

    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    except Abort as abort:
        # MkDocs has printed the problems and reduced them to "Aborted"; hand on the problems themselves.
        if isinstance(abort.__context__, ContentBuildError):
            raise abort.__context__.error from None
        raise
    finally:
        config.plugins.on_shutdown()
