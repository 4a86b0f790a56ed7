"""`koc check` again: the last check's findings, reused for every file that has not changed since.

An editor runs `koc check` after each save. At 50,000 works, parsing and validating
everything takes most of a minute even with the parse cache, yet a save changes
one file. So each check leaves `check.json` in the cache folder: the size and
modification time of every file under `content/` (and of the generator's own
code), the problems found, and per valid work its tags. The next check then

- changes nothing it does not need to: all files as they were → the same findings,
  without reading a work;
- re-validates only the works that changed, when nothing else did (no work added,
  removed or renamed, no other file touched) and each still validates or fails as
  before with the same tags, so that no finding about another file can change
  (honors name valid works; collection queries name tags);
- otherwise checks the whole library, as without a cache.

Nothing under `content/` is written, and the findings name files and lines only:
no work's text is kept.

Example:
    >>> problems, works = check_with_cache(options)   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import generator
from generator.options import Options
from generator.problems import Problem

VERSION = 1
FILE = "check.json"


def _stats(folder: Path, base: Path) -> dict[str, list[int]]:
    """Path (relative to `base`, as problems name files) → [mtime_ns, size] of every file below `folder`.
    Plain strings and scandir: at 50,000 works, pathlib alone would cost seconds."""
    out: dict[str, list[int]] = {}
    root = str(folder)
    cut = len(str(base)) + 1 if root.startswith(str(base) + os.sep) else 0
    stack = [root] if folder.is_dir() else []
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    continue
                try:
                    st = entry.stat()
                except OSError:  # a dangling symlink: the loader reports it
                    st = entry.stat(follow_symlinks=False)
                out[entry.path[cut:]] = [st.st_mtime_ns, st.st_size]
    return out


def _code_stamp() -> list:
    """The generator's own files: a check by other code finds other things."""
    return sorted([k, *v] for k, v in _stats(Path(generator.__file__).parent, Path(generator.__file__).parent).items()
                  if k.endswith(".py"))


def _load(path: Path, key: dict) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and data.get("key") == key):
        return None
    # A damaged file (edited by hand, cut short by a crash in an older version) is a miss, never a crash.
    try:
        ok = (isinstance(data["stats"], dict) and all(isinstance(v, list) for v in data["stats"].values())
              and isinstance(data["works"], dict) and all(len(row) == 4 for row in data["problems"]))
    except (KeyError, TypeError):
        ok = False
    return data if ok else None


def _save(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def _problems(rows) -> list[Problem]:
    return [Problem(*row) for row in rows]


def _rows(problems) -> list[list]:
    return [[p.path, p.line, p.severity, p.message] for p in problems]


def check_with_cache(options: Options) -> tuple[list[Problem], int]:
    """The problems of the whole library and its number of valid works, as `check_library` finds them."""
    content = Path(options.content_dir).resolve()
    base = Path(options.project_dir).resolve() if options.project_dir else content.parent
    stats = _stats(content, base)
    key = {"version": VERSION, "content": str(content), "base": str(base), "code": _code_stamp()}
    cache = Path(options.cache_dir) / FILE
    last = _load(cache, key)

    if last is not None and last["stats"] == stats:
        return _problems(last["problems"]), len(last["works"])
    if last is not None and set(last["stats"]) == set(stats):
        changed = {p for p in stats if stats[p] != last["stats"][p]}
        works_dir = content / "works"
        if all((base / p).parent.is_relative_to(works_dir) and Path(p).suffix.lower() in (".md", ".markdown") for p in changed):
            found = _recheck(options, content, changed, last["works"])
            if found is not None:
                problems = [p for p in _problems(last["problems"]) if p.path not in changed] + found
                problems.sort(key=lambda p: (p.path, p.line or 0, p.severity, p.message))
                _save(cache, {"key": key, "stats": stats, "problems": _rows(problems), "works": last["works"]})
                return problems, len(last["works"])

    from generator.content.check import check_library  # imported only here: it loads the search schema

    checked = check_library(options)
    works = {w.source: list(w.tags) for w in checked.library.works}
    _save(cache, {"key": key, "stats": stats, "problems": _rows(checked.problems), "works": works})
    return checked.problems, len(checked.library.works)


def _recheck(options: Options, content: Path, changed: set[str], works: dict[str, list[str]]) -> list[Problem] | None:
    """The problems of the changed works, checked against the unchanged rest of the library;
    None when the change could affect findings about other files."""
    from generator.content.load import load_library
    from generator.content.validate import validate_library

    base = Path(options.project_dir).resolve() if options.project_dir else content.parent
    raw = load_library(content, options.project_dir, options.cache_dir, only={(base / p).resolve() for p in changed})
    checked = validate_library(raw)
    now = {w.source: list(w.tags) for w in checked.library.works}
    for path in changed:
        if now.get(path) != works.get(path):  # became valid or invalid, or its tags changed
            return None
    return [p for p in checked.problems if p.path in changed]
