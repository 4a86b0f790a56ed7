"""`koc serve` again: the last save's validated library, with only the works saved since validated anew.

A preview rebuilds after every save; validating 5,000 works took seconds of each
rebuild although a save changes one file. So the result of the last rebuild is
kept for the life of the process, with the size and modification time of every
file under `content/`, and the next rebuild

- reuses it as it is when no file changed;
- validates only the works that changed, when nothing else did (no work added,
  removed or renamed, no other file touched) and each changed work is still
  valid or invalid as before, with the same id and tags: then no finding about
  another file can change (the rule `koc check`'s cache follows, `check_cache`),
  and the library is the last one with those works replaced;
- otherwise checks the whole library.

Example:
    >>> checked = check_for_preview(options)   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator.content.check import check_library
from generator.content.check_cache import _stats
from generator.content.load import load_library
from generator.content.validate import Checked, _problem_order, validate_library
from generator.options import Options

# content folder -> (stats of its files, the result for them)
_LAST: dict[str, tuple[dict[str, list[int]], Checked]] = {}


def check_for_preview(options: Options) -> Checked:
    """What `check_library(options)` finds, re-validating only what changed since the last call."""
    content = Path(options.content_dir).resolve()
    base = Path(options.project_dir).resolve() if options.project_dir else content.parent
    stats = _stats(content, base)
    key = f"{content}\n{base}"
    checked = None
    if key in _LAST:
        last_stats, last = _LAST[key]
        if last_stats == stats:
            return last
        if set(last_stats) == set(stats):
            changed = {p for p in stats if stats[p] != last_stats[p]}
            works_dir = content / "works"
            if all((base / p).parent.is_relative_to(works_dir) and Path(p).suffix.lower() in (".md", ".markdown") for p in changed):
                checked = _update(options, content, base, changed, last)
    if checked is None:
        checked = check_library(options)
    _LAST.clear()
    _LAST[key] = (stats, checked)
    return checked


def _update(options: Options, content: Path, base: Path, changed: set[str], last: Checked) -> Checked | None:
    """The last result with the changed works validated again; None when the change could reach other files."""
    raw = load_library(content, options.project_dir, options.cache_dir, only={(base / p).resolve() for p in changed})
    part = validate_library(raw)
    now = {w.source: w for w in part.library.works}
    before = {w.source: w for w in last.library.works}
    for path in changed:
        if (path in now) != (path in before):  # became valid or invalid
            return None
        if path in now and (now[path].id, now[path].tags) != (before[path].id, before[path].tags):
            return None
    works = tuple(now.get(w.source, w) for w in last.library.works)
    problems = [p for p in last.problems if p.path not in changed] + [p for p in part.problems if p.path in changed]
    return Checked(replace(last.library, works=works), sorted(problems, key=_problem_order), last.tags)
