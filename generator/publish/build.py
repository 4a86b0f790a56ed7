"""Publish: build into a temporary folder beside the target, then swap it in.

A failed build removes its temporary folder and leaves the previous site
exactly as it was. A successful one exchanges the two folders in one step
(Linux `renameat2(RENAME_EXCHANGE)`), so there is no moment without a site,
and the target stays a plain folder that any web server can serve. Where
the exchange is not available, two renames are used and the next run puts
back whichever complete folder a kill between them left aside.

Before anything is written the target is checked (`output_guard`): never the
project, its content, templates, cache or .git, never a folder koc did not
write. `koc export` goes through the same guard and the same swap.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from generator.mkdocs_adapter.build import load_build_config, run_build
from generator.mkdocs_adapter.config import read_options
from generator.pages.site import SiteSources
from generator.publish.leftovers import remove_tree, sweep_pagefind_dirs, sweep_publish_leftovers
from generator.publish.output_guard import OutputKind, OutputRefused, guard_target, project_folders


class PublishError(Exception):
    """The new output could not be put in place; the message says why, in Chinese."""


def work_folder(target: Path, role: str = "building") -> Path:
    """`.site.building-PID` beside `site`: same file system, so renames are atomic."""
    return target.parent / f".{target.name}.{role}-{os.getpid()}"


def build_site(config_file: Path, site_dir: Path, settings: dict[str, Any], strict: bool = False) -> list[str]:
    """Build with MkDocs (the koc plugin's `settings` given as its options) and publish;
    raises (`ContentError`, MkDocs' own exceptions, `OutputRefused`, `PublishError`)
    and keeps the old site on failure. Returns notes for the user."""
    target = Path(os.path.realpath(site_dir))
    tmp = work_folder(target)
    options = read_options(Path(config_file), **settings)
    config = load_build_config(Path(config_file), tmp, settings, strict)
    kind = OutputKind.site(options.audience.value)
    protected = project_folders(options.project_dir, options.content_dir, options.templates_dir, options.cache_dir,
                                Path(config.docs_dir))
    guard_target(site_dir, kind, protected, options.project_dir)
    notes = sweep_publish_leftovers(target)
    sweep_pagefind_dirs()
    _make_work_folder(tmp, target)
    try:
        run_build(config)
        kind.write_marker(tmp)
    except BaseException:
        remove_tree(tmp)
        raise
    return notes + swap_into_place(tmp, target, kind)


def _make_work_folder(tmp: Path, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_tree(tmp)
        tmp.mkdir()
    except OSError as exc:
        raise PublishError(f"无法在 {target.parent} 中创建临时目录：{_reason(exc)}；未写入任何文件。") from None


def swap_into_place(new: Path, target: Path, kind: OutputKind) -> list[str]:
    """Put the complete folder `new` at `target` in one step and delete what was there."""
    old = None
    try:
        if target.exists() or target.is_symlink():
            if _exchange(new, target):
                old = new
            else:
                old = work_folder(target, "old")
                target.rename(old)
                try:
                    new.rename(target)
                except OSError:
                    old.rename(target)
                    old = None
                    raise
        else:
            new.rename(target)
    except OSError as exc:
        remove_tree(new)
        raise PublishError(f"无法替换 {target}：{_reason(exc)}。新{kind.label}未发布，原目录保持不变，临时目录已清理。") from None
    if old is not None and not remove_tree(old):
        return [f"注意：旧{kind.label}目录 {old} 无法删除（只读？），请手动删除；下次运行也会再试。"]
    return []


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "目录只读或没有写权限"
    if exc.errno == errno.EBUSY:
        return "目录正被占用（例如它是挂载点，或正被其他程序使用）"
    return exc.strerror or str(exc)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False when the system cannot (then the caller renames twice)."""
    if not sys.platform.startswith("linux") or os.environ.get("KOC_NO_RENAME_EXCHANGE"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # a kernel or file system without the exchange
    raise OSError(code, os.strerror(code), str(b))


def export_pages(sources: SiteSources, out_dir: Path, kind: OutputKind, protected: dict[Path, str], project: Path,
                 allowed_roots: list[Path], project_files: tuple[list[tuple[str, Path | bytes]], list[Path]] | None = None) -> int:
    """Write every generated page as Markdown, and the media it uses, into `out_dir`, replacing it.

    With `project_files` (files and the folders they may come from, as
    `export_project.project_files` gives them) the pages go to `docs/` and those
    files (mkdocs.yml, hand-written pages, overrides) beside them.
    Every file is checked before anything is written: a target outside the
    export folder or an asset from outside `allowed_roots` refuses the export.
    """
    target = guard_target(out_dir, kind, protected, project)
    docs = "docs" if project_files is not None else ""
    files = _export_plan(sources, allowed_roots, docs, *(project_files or ([], [])))
    sweep_publish_leftovers(target)
    tmp = work_folder(target)
    _make_work_folder(tmp, target)
    try:
        for path, payload in files:
            dest = tmp / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(payload, Path):
                shutil.copyfile(payload, dest)
            elif isinstance(payload, str):
                # A page, rendered only now: one page's text in memory at a time.
                dest.write_bytes(sources.pages[payload].encode("utf-8"))
            else:
                dest.write_bytes(payload)
        if sources.search_job is not None:
            sources.search_job.write(tmp / docs)
        if sources.index_job is not None:
            sources.index_job.wait()
        kind.write_marker(tmp)
    except BaseException:
        remove_tree(tmp)
        raise
    swap_into_place(tmp, target, kind)
    return len(sources.pages)


def _export_plan(sources: SiteSources, allowed_roots: list[Path], docs: str = "",
                 extra: list[tuple[str, Path | bytes]] = (), extra_roots: list[Path] = ()) -> list[tuple[str, Path | bytes | str]]:
    """(relative path, source file, bytes, or the page's own path in `sources.pages`) for every
    exported file (the site's under `docs`, then `extra`, each copied only from its own folders);
    `OutputRefused` if any is unsafe."""
    site_roots = [Path(os.path.realpath(r)) for r in allowed_roots]
    own_roots = [Path(os.path.realpath(r)) for r in extra_roots]
    plan: list[tuple[str, Path | bytes | str]] = []
    bad = []
    items: list[tuple[str, Path | bytes | str]] = [(p, p) for p in sources.pages]
    items += [(p, Path(src)) for p, src in sources.assets.items()]
    items += list(sources.data_files.items())
    # Each path stays inside its own folder: the site's inside `docs`, the others inside the export.
    items = [(docs, site_roots, p, payload) for p, payload in items] + [("", own_roots, p, payload) for p, payload in extra]
    for folder, roots, path, payload in items:
        rel = os.path.normpath(path)
        if os.path.isabs(path) or rel == ".." or rel.startswith(".." + os.sep) or rel == ".":
            bad.append(f"{path}（目标在导出目录之外）")
            continue
        rel = os.path.join(folder, rel) if folder else rel
        if isinstance(payload, Path):
            real = Path(os.path.realpath(payload))
            if not any(real.is_relative_to(root) for root in roots) or not real.is_file():
                bad.append(f"{path}（源文件不在允许的目录之内：{payload}）")
                continue
            payload = real
        plan.append((rel, payload))
    if bad:
        raise OutputRefused("拒绝导出：以下文件不安全，未写入任何文件：\n  " + "\n  ".join(sorted(bad)))
    return plan
