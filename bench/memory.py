"""Where a `koc build`'s memory goes: resident memory after each stage of one build.

    python bench/memory.py PROJECT [--as-of 2026-11-01]

Builds PROJECT (a folder with mkdocs.yml, site_templates/ and content/, as
`run.py` prepares under WORKDIR/N/koc) in this process, into PROJECT/site-memory,
and prints, after each pipeline step and MkDocs event, the resident set (RSS)
and the peak so far (the kernel's high-water mark, VmHWM), in MB. A step's
growth is what it left held; a peak above both neighbours' RSS is transient.
RSS is read from /proc, so the figures are those of this process alone (the
whoosh index and Pagefind run in child processes and are not counted).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proctree import descendants  # noqa: E402

STAGES: list[tuple[str, float, float, float]] = []  # stage, seconds since start, RSS MB, peak MB
_START = time.perf_counter()


def _status(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def mark(stage: str) -> None:
    STAGES.append((stage, time.perf_counter() - _START, _status("VmRSS"), _status("VmHWM")))
    # Also at once, so a build stopped halfway (a large library) still shows how far memory grew.
    stage, seconds, rss, peak = STAGES[-1]
    print(f"  [{seconds:7.1f} s] {stage}: RSS {rss:.0f} MB, peak {peak:.0f} MB, helpers {_rounded(CHILD_PEAKS)}",
          file=sys.stderr, flush=True)


def _rounded(peaks: dict[str, float]) -> dict[str, int]:
    return {cmd.split("/")[-1][:30]: round(mb) for cmd, mb in peaks.items() if mb}


CHILD_PEAKS: dict[str, float] = {}  # a child's command → the largest peak RSS seen of such a process, MB


def watch_children(every: float = 0.5) -> None:
    """Sample the peak RSS of every descendant (the whoosh indexer, its writers, Pagefind) until the build ends."""
    def loop():
        while True:
            for pid in descendants(os.getpid()):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")[:70]
                    with open(f"/proc/{pid}/status") as f:
                        hwm = next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
                except (OSError, StopIteration):
                    continue
                CHILD_PEAKS[cmd] = max(CHILD_PEAKS.get(cmd, 0), hwm)
            time.sleep(every)

    threading.Thread(target=loop, daemon=True).start()


def after(module, name: str, label: str | None = None) -> None:
    """Wrap `module.name` so that a mark follows each call."""
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        mark(label or name)
        return result

    setattr(module, name, wrapped)


def instrument() -> None:
    import mkdocs.commands.build as mkbuild

    from generator.mkdocs_adapter import plugin
    from generator.pages import site

    for name in ("check_library", "build_catalog", "index_documents", "cards_for", "related_works", "run_collections",
                 "rank_contributors", "page_assets", "search_records", "finder_data", "search_data", "kit_files"):
        after(site, name, f"pipeline: {name}")
    after(site, "_bodies", "pipeline: bodies")
    after(site, "SearchBundleJob", "pipeline: Pagefind job started")
    after(site, "generate_site", "pipeline: all page sources rendered")
    for event in ("on_files", "on_nav", "on_env", "on_post_build"):
        after(plugin.KocPlugin, event, f"mkdocs: {event}")
    after(mkbuild, "get_navigation", "mkdocs: navigation built")
    # The last page written ends MkDocs' write loop; the anchors check follows.
    after(mkbuild, "_build_theme_template", "mkdocs: theme templates (sitemap, 404)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", type=Path)
    ap.add_argument("--as-of", default="2026-11-01")
    args = ap.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")
    project = args.project.resolve()
    os.chdir(project)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    instrument()
    from generator.mkdocs_adapter.build import load_build_config, run_build

    watch_children()
    mark("start (imports done)")
    config = load_build_config(project / "mkdocs.yml", project / "site-memory", {"as_of": args.as_of})
    run_build(config)
    mark("end of build")
    print(f"{'stage':48}{'s':>8}{'RSS MB':>10}{'peak MB':>10}")
    for stage, seconds, rss, peak in STAGES:
        print(f"{stage:48}{seconds:8.1f}{rss:10.0f}{peak:10.0f}")
    print("\nchild processes (peak RSS, MB; forked children count the pages they share with the build):")
    for cmd, peak in sorted(CHILD_PEAKS.items(), key=lambda kv: -kv[1]):
        print(f"  {peak:8.0f}  {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
