"""Where `koc build` and `koc export` may write, decided before anything is written.

Publishing replaces the whole target folder, so a mistyped `--site-dir content`
or `koc export .` would replace the library itself. A target is refused when it
is, contains or sits inside a folder the project is made of (content, templates,
the MkDocs docs folder, the cache, `.git`), when it is the project folder or
one of its parents, and when it is an existing non-empty folder that no earlier
run of the same kind wrote: every output carries a small marker file saying
what it is (`.koc-site`, `.koc-export`) and for which edition.

Example:
    >>> guard_target(Path("content"), OutputKind.site("internal"), protected)   # doctest: +SKIP
    OutputRefused: 拒绝写入 content：它是内容目录 content/ …
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from generator.model import AUDIENCE_LABELS


class OutputRefused(Exception):
    """The target folder may not be written; the message says why, in Chinese."""


@dataclass(frozen=True)
class OutputKind:
    """What a run writes: a built site or an export, of one edition."""

    marker: str  # file name of the marker inside the output
    kind: str  # "site" | "export"
    audience: str
    label: str  # shown in messages

    @classmethod
    def site(cls, audience: str) -> OutputKind:
        return cls(".koc-site", "site", audience, "站点")

    @classmethod
    def export(cls, audience: str) -> OutputKind:
        return cls(".koc-export", "export", audience, "导出")

    def marker_text(self) -> str:
        return json.dumps({"kind": self.kind, "audience": self.audience}, sort_keys=True) + "\n"

    def write_marker(self, folder: Path) -> None:
        (Path(folder) / self.marker).write_text(self.marker_text(), encoding="utf-8")


def project_folders(project: Path, content: Path, templates: Path, cache: Path, docs: Path | None = None) -> dict[Path, str]:
    """The folders no output may replace or sit in, resolved, with their names for messages."""
    folders = {
        Path(content): "内容目录 content/",
        Path(templates): "模板目录",
        Path(cache): "缓存目录",
        Path(project) / ".git": "项目的 git 仓库 .git",
    }
    if docs is not None:
        folders[Path(docs)] = "MkDocs 文档目录 docs_dir"
    git = Path(project) / ".git"
    if git.is_file():
        # A git worktree: .git is a file naming the real repository folder.
        text = git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            gitdir = (Path(project) / text[len("gitdir:"):].strip()).resolve()
            folders[gitdir] = "项目的 git 仓库"
            for parent in gitdir.parents:
                if parent.name == ".git":
                    folders[parent] = "项目的 git 仓库"
                    break
    return {Path(os.path.realpath(p)): label for p, label in folders.items()}


def guard_target(target: Path, kind: OutputKind, protected: dict[Path, str], project: Path) -> Path:
    """The target with symlinks resolved, or `OutputRefused`.

    `protected` comes from `project_folders`; the project folder itself may
    hold outputs (site/, site-dealer/) but may not be one, nor sit inside one.
    """
    shown = str(target)
    resolved = Path(os.path.realpath(target))
    root = Path(os.path.realpath(project))
    if resolved == root or _inside(resolved, root):
        raise OutputRefused(f"拒绝写入 {shown}：它是项目目录或其上级目录，发布会删除 content/、.git 等全部文件。请指定一个单独的输出目录，如 site/。")
    for folder, label in sorted(protected.items()):
        if resolved == folder or _inside(resolved, folder):
            raise OutputRefused(f"拒绝写入 {shown}：它是{label}（{folder}）或包含它，发布会删除其中的文件。请指定一个单独的输出目录。")
        if _inside(folder, resolved):
            raise OutputRefused(f"拒绝写入 {shown}：它位于{label}（{folder}）之内。请把输出目录放在别处。")
    if resolved.exists() and not resolved.is_dir():
        raise OutputRefused(f"拒绝写入 {shown}：它是一个文件，不是目录。")
    if resolved.is_dir() and any(resolved.iterdir()):
        found = read_marker(resolved, kind)
        if found is None:
            raise OutputRefused(
                f"拒绝写入 {shown}：目录不为空，且不是 koc 之前生成的{kind.label}目录（没有 {kind.marker} 标记文件）。"
                f"为免覆盖别的文件，请换一个空目录，或确认无用后自行删除该目录。")
        if found.get("kind") != kind.kind:
            raise OutputRefused(f"拒绝写入 {shown}：它是 koc 生成的另一种输出（{found.get('kind')}），不是{kind.label}目录。")
        audience = found.get("audience")
        if audience and audience != kind.audience:
            raise OutputRefused(
                f"拒绝写入 {shown}：它是{AUDIENCE_LABELS.get(audience, audience)}的{kind.label}，"
                f"本次是{AUDIENCE_LABELS.get(kind.audience, kind.audience)}；不同版本请写入不同目录，"
                f"或确认无用后自行删除该目录。")
    return resolved


def read_marker(folder: Path, kind: OutputKind) -> dict | None:
    """The marker of an earlier output, or None when the folder is not one.

    Sites and exports written before markers existed are recognised by the
    finder's data file, which only koc writes.
    """
    path = Path(folder) / kind.marker
    if path.is_file() and not path.is_symlink():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None
    legacy_page = "index.html" if kind.kind == "site" else "index.md"
    if (Path(folder) / "finder/data/facets.json").is_file() and (Path(folder) / legacy_page).is_file():
        return {"kind": kind.kind, "audience": None}
    return None


def _inside(parent: Path, child: Path) -> bool:
    """Is `child` strictly inside `parent`?"""
    return child != parent and child.is_relative_to(parent)
