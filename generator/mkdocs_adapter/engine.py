"""Which MkDocs-compatible engine runs `koc build`: MkDocs 1.6 (the default) or ProperDocs.

ProperDocs (a maintained fork of MkDocs 1.x) lives in its own import namespace,
`properdocs`, and runs plugins written for MkDocs (ours, Material's) by
redirecting every `mkdocs.*` import to `properdocs.*`: its own command line
does so by importing `properdocs.replacement` first. `koc build --engine
properdocs` does the same, before anything of MkDocs is imported; the plugin
and the adapter keep importing `mkdocs.*` and need no change. Installing
ProperDocs beside MkDocs changes nothing for the default engine: the redirect
exists only in a process that asked for it.

Example:
    >>> use_engine("mkdocs")   # the default: nothing to do
"""

from __future__ import annotations

import logging
import sys

ENGINES = ("mkdocs", "properdocs")
DEFAULT_ENGINE = "mkdocs"


class EngineUnavailable(Exception):
    """The engine asked for cannot run in this process; the message says why, in Chinese."""


def use_engine(name: str) -> None:
    """Make `mkdocs.*` imports in this process resolve to the engine `name`."""
    if name == DEFAULT_ENGINE:
        return
    if name != "properdocs":
        raise EngineUnavailable(f"未知引擎 {name}：可选 {'、'.join(ENGINES)}")
    loaded = sys.modules.get("mkdocs")
    if loaded is not None and loaded.__name__ != "properdocs":
        # Modules already imported from MkDocs would mix with ProperDocs' own.
        raise EngineUnavailable("本进程已加载 MkDocs，无法再切换到 ProperDocs；请在新进程中运行 koc build --engine properdocs")
    try:
        import properdocs.replacement  # noqa: F401  (installs the mkdocs.* → properdocs.* redirect)
    except ImportError:
        raise EngineUnavailable("未安装 ProperDocs：请运行 pip install -e '.[properdocs]'（make site 会安装）") from None
    # As ProperDocs' own command line does: plugins log to `mkdocs.*`, and ProperDocs
    # counts warnings (for --strict) and prints messages on its `properdocs` logger.
    logging.getLogger("mkdocs").parent = logging.getLogger("properdocs")


def engine_name() -> str:
    """The engine `mkdocs.*` resolves to in this process (after `use_engine`)."""
    import mkdocs

    return "properdocs" if mkdocs.__name__ == "properdocs" else "mkdocs"
