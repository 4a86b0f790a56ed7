"""What a killed run leaves behind, and how the next run clears it.

A build works in folders named after its process id (`.site.building-PID`,
`.site.old-PID`, `koc-pagefind-*` with an `owner.json`) and starts helper
processes (the whoosh index child, the Pagefind CLI). Helpers ask the kernel
to end them when their parent dies (Linux `PR_SET_PDEATHSIG`); folders and
any helper still running are cleared by the next run, but only those whose
owning process is gone, so two builds at once never clear each other's work.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
from pathlib import Path

PAGEFIND_PREFIX = "koc-pagefind-"
OWNER_FILE = "owner.json"
MARKERS = (".koc-site", ".koc-export")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Loaded once in the parent: a forked child then only calls into it.
try:
    _LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
except OSError:
    _LIBC = None
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child process: be killed when the parent dies (Linux; elsewhere a no-op).

    Strictly, when the parent's thread that started the child ends; so it is
    only asked for from the main thread (see `parent_death_hook`).
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def parent_death_hook():
    """`die_with_parent` when called from the main thread, else None."""
    import threading

    return die_with_parent if threading.current_thread() is threading.main_thread() else None


def remove_tree(path: Path) -> bool:
    """Delete a folder, also one made read-only; True when it is gone."""
    def retry_writable(func, name, _exc):
        try:
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, stat.S_IRWXU)
            func(name)
        except OSError:
            pass

    path = Path(path)
    if path.is_symlink() or path.is_file():
        try:
            path.unlink()
        except OSError:
            return False
        return True
    if not path.exists():
        return True
    # Python 3.12 renamed the error hook (onerror → onexc); the handler ignores the third argument.
    shutil.rmtree(path, **({"onexc": retry_writable} if sys.version_info >= (3, 12) else {"onerror": retry_writable}))
    return not path.exists()


def _process_start(pid: int) -> str | None:
    """The kernel's start time of a process: with the pid it names one process, not a reused pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        return None


def describe_process(pid: int) -> dict:
    return {"pid": pid, "start": _process_start(pid)}


def kill_if_same(process: dict) -> None:
    """Kill a recorded helper process if it still runs (and is the same process)."""
    pid, start = process.get("pid"), process.get("start")
    if not isinstance(pid, int) or not pid_alive(pid) or pid == os.getpid():
        return
    if start is None or _process_start(pid) != start:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def write_owner(folder: Path, helpers: list[dict] | None = None, owner: int | None = None) -> None:
    """Say which process owns a work folder (this one, or `owner`) and which helpers it runs."""
    data = {"owner": describe_process(owner or os.getpid()), "helpers": helpers or []}
    (Path(folder) / OWNER_FILE).write_text(json.dumps(data), encoding="utf-8")


def _owner_gone(folder: Path) -> tuple[bool, list[dict]]:
    try:
        data = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        owner = data["owner"]
        alive = pid_alive(owner["pid"]) and (owner.get("start") is None or _process_start(owner["pid"]) == owner["start"])
        return not alive, list(data.get("helpers") or [])
    except (OSError, ValueError, KeyError, TypeError):
        # No owner file: a folder from before owner files, or one killed
        # while being created. Old enough, it belongs to no live run.
        try:
            return time.time() - folder.stat().st_mtime > 3600, []
        except OSError:
            return False, []


def sweep_pagefind_dirs(tmp: Path | None = None) -> list[Path]:
    """Remove Pagefind work folders of dead runs (killing their Pagefind if it still runs)."""
    removed = []
    root = Path(tmp or tempfile.gettempdir())
    try:
        candidates = [p for p in root.iterdir() if p.name.startswith(PAGEFIND_PREFIX) and p.is_dir() and not p.is_symlink()]
    except OSError:
        return removed
    for folder in candidates:
        gone, helpers = _owner_gone(folder)
        if gone:
            for helper in helpers:
                kill_if_same(helper)
            if remove_tree(folder):
                removed.append(folder)
    return removed


def sweep_publish_leftovers(target: Path) -> list[str]:
    """Clear `.NAME.building-PID` and `.NAME.old-PID` beside `target` whose run is dead.

    If a run died between the two renames of the fallback swap (no
    `renameat2`), `target` is missing: the complete new output (it has its
    marker) or else the old one is put back first.
    """
    target = Path(target)
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(building|old)-(\d+)$")
    found: list[tuple[str, Path]] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        m = pattern.match(entry.name)
        if m and not pid_alive(int(m.group(2))):
            found.append((m.group(1), entry))
    notes = []
    if not target.exists() and not target.is_symlink():
        # The marker is the last file a run writes before its swap.
        complete = [p for kind, p in found if kind == "building" and any((p / m).is_file() for m in MARKERS)]
        old = [p for kind, p in found if kind == "old"]
        for candidate in complete + old:
            try:
                candidate.rename(target)
                notes.append(f"已恢复 {target.name}（上次运行在替换途中中断）")
                found = [(k, p) for k, p in found if p != candidate]
                break
            except OSError:
                continue
    for _, path in found:
        if remove_tree(path):
            notes.append(f"已清理上次中断留下的 {path.name}")
    return notes
