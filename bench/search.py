"""Benchmark the whoosh index and `koc search` queries (issue targets: full index of
5,000 works within 40 s on 2 cores, one edited work re-indexed within 2 s, p95 < 50 ms),
and what the search indexes add to a cold `koc build` (issue 12: at most 10 %).

    python bench/search.py --works 5000 [--workdir /tmp/kocbench] [--queries 200]
    python bench/search.py --build-cost PROJECT_DIR [--runs 3]
    python bench/search.py --latency-of PROJECT_DIR      # koc search p50/p95 on a built project's index

`--build-cost` times cold builds (no .cache/, no site/) of a project that `koc build`
can build (e.g. bench/run.py's WORKDIR/N/koc), alternating a normal build with one
without the search indexes (no analysis, no whoosh update, no Pagefind bundle;
collections come from the facet index, the finder's data files are still written), so
that load from other jobs hits both alike; it prints each run, the medians and the
share the indexes add, with the wall time, CPU time and peak memory of each build process.
A cold build writes no whoosh index (the first `koc search` does: `site.index_wanted`), so
after each normal build it also times that first `koc search` and the next one.

Prints: full index time (one process, and whoosh's multi-process writer), the time to
re-index after one edited work, and query latency (p50/p95) for text queries with a
facet filter, facet counts included, on an open index (as `koc search` does per query), through
the same analysis and ranking as the browser (`search_words`); `analysis_s` is the time to
analyse every work into its token stream (shared by whoosh and Pagefind).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

from generator.catalog.catalog import build_catalog  # noqa: E402
from generator.catalog.rights import Edition  # noqa: E402
from generator.content.check import check_library  # noqa: E402
from generator.options import Options  # noqa: E402
from generator.search.index import index_dir, open_index, sync_index  # noqa: E402
from generator.search.query import filters_query, search_words  # noqa: E402
from generator.search.edition_index import analyzer_of, index_documents  # noqa: E402

WORDS = ["续航", "充电", "保养", "露营", "第二排", "座椅", "车机", "OTA升级", "ISOFIX", "冬季", "高速", "油耗", "后备箱",
         "空调", "导航", "隔音", "底盘", "胎压", "儿童", "长途", "冬季 续航", "L7 露营", "星图L7", "第三排 儿童座椅"]


def measure_search(root: Path, queries: int = 200) -> dict:
    """Whoosh figures for the library under `root` (its .cache/koc is rebuilt)."""
    opts = Options(project_dir=root, as_of=dt.date(2026, 11, 1)).resolve()
    checked = check_library(opts)
    cat = build_catalog(checked.library, Edition(opts.audience, opts.as_of), checked.tags)
    start = time.perf_counter()
    docs = index_documents(cat)
    figures = {"indexed": len(docs), "analysis_s": round(time.perf_counter() - start, 2)}

    for procs in (1, 2):
        shutil.rmtree(opts.cache_dir / "whoosh", ignore_errors=True)
        ix = open_index(opts.cache_dir, opts.audience)
        start = time.perf_counter()
        sync_index(ix, docs, procs=procs)
        figures[f"full_index_s_procs{procs}"] = round(time.perf_counter() - start, 2)

    edited = [dict(d) for d in docs]
    edited[0]["body"] += " 补充：这次又跑了一趟长途。"
    edited[0]["content"] += " 长途"
    edited[0]["digest"] = "edited"
    start = time.perf_counter()
    report = sync_index(ix, edited)
    figures["incremental_one_work_s"] = round(time.perf_counter() - start, 3)
    figures["incremental_written"] = report.added

    figures.update(query_latency(ix, cat, checked, queries))
    figures["index_mb"] = round(sum(p.stat().st_size for p in (opts.cache_dir / "whoosh").rglob("*") if p.is_file()) / 1e6, 1)
    return figures


def latency_of_built(project: Path, queries: int = 200) -> dict:
    """`koc search` latency on the whoosh index a `koc build` (as of 2026-11-01) left in PROJECT/.cache."""
    opts = Options(project_dir=project, as_of=dt.date(2026, 11, 1)).resolve()
    checked = check_library(opts)
    cat = build_catalog(checked.library, Edition(opts.audience, opts.as_of), checked.tags)
    if not (index_dir(opts.cache_dir, opts.audience) / "SCHEMA_VERSION").is_file():
        raise SystemExit(f"no whoosh index in {opts.cache_dir}: run koc build there first")
    ix = open_index(opts.cache_dir, opts.audience)
    return query_latency(ix, cat, checked, queries)


def query_latency(ix, cat, checked, queries: int) -> dict:
    """p50/p95 of text queries with a facet filter (facet counts and snippets included)."""
    figures = {}
    analyzer = analyzer_of(cat)
    rng = random.Random(7)
    scenarios = [t.slug for t in checked.library.taxonomy.scenarios]
    types = ["article", "video", "photo", "qa", "review", "story", "report"]
    latencies = []
    with ix.searcher() as searcher:
        for _ in range(queries):
            text = rng.choice(WORDS)
            filters = filters_query({"scenario": rng.choice(scenarios), "type": rng.choice(types)} if rng.random() < .5
                                    else {"scenario": rng.choice(scenarios)})
            start = time.perf_counter()
            search_words(searcher, analyzer, text, filters, limit=10, snippets=True)
            latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    figures["query_ms_p50"] = round(statistics.median(latencies), 1)
    figures["query_ms_p95"] = round(latencies[int(len(latencies) * .95) - 1], 1)
    return figures


def _build_without_search(argv: list[str]) -> int:
    """`koc build` with the search indexes replaced by nothing (for --build-cost only)."""
    import generator.pages.site as site
    import generator.search.edition_index as edition_index
    from generator.search.index import SyncReport, work_document
    from generator.search.index_job import facet_index

    class NoIndexJob:
        def __init__(self, cache_dir, audience, docs, procs=1, catalog=None, **_):
            self._docs = docs if docs is not None else edition_index.facet_documents(catalog)
            self._ids = [d["id"] for d in self._docs]

        def streams_source(self):
            return None

        def take_streams(self):
            return dict.fromkeys(self._ids, "")

        def wait(self):
            return SyncReport()

        def searcher(self):
            return facet_index(self._docs).searcher()

        def cancel(self):
            pass

        def running(self):
            return False

    class NoBundleJob:
        def __init__(self, records, *args, **kwargs):
            pass

        def give_meta(self, metas):
            pass

        def write(self, site_dir):
            return Path(site_dir) / "pagefind"

        write_later = write

        def cancel(self):
            pass

    site.IndexJob, site.SearchBundleJob = NoIndexJob, NoBundleJob
    if hasattr(site, "page_records"):  # the bundle's records, made before the pages since the worker
        site.page_records = lambda cat, routes: []
    if hasattr(site, "index_documents"):  # the code before the analysis moved into the index job
        site.index_documents = lambda cat: [work_document(w, cat.tags.slug, "") for w in cat.listed]
    edition_index.work_streams = lambda cat, cache_dir=None: {w.id: "" for w in cat.listed}
    from generator.cli.commands import main as koc_main

    return koc_main(argv)


class _MainThreadClock:
    """The CPU time of a process's main thread, read from /proc until it exits (Linux; else None)."""

    def __init__(self, pid: int):
        import threading

        self._path, self._last, self._done = f"/proc/{pid}/task/{pid}/stat", None, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        import os

        tick = os.sysconf("SC_CLK_TCK")
        while not self._done.is_set():
            try:
                with open(self._path) as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                if fields[0] != "Z":  # a zombie's thread times read as zero
                    self._last = (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                pass
            self._done.wait(0.1)

    def stop(self) -> float | None:
        self._done.set()
        self._thread.join()
        return self._last


def build_cost(project: Path, runs: int, only: str | None = None) -> dict:
    """Cold `koc build` with and without the search indexes, alternating; wall time and peak RSS.

    `only` ("with" or "without") runs one variant, for two copies of a project built side
    by side so that both see the same load (on a machine shared with other jobs).
    """
    import os
    import subprocess

    env = dict(os.environ, KOC_AS_OF="2026-11-01", NO_MKDOCS_2_WARNING="true")
    variants = {"with": [sys.executable, "-m", "generator.cli", "build"],
                "without": [sys.executable, str(Path(__file__).resolve()), "--_build-without-search", "build"]}
    if only:
        variants = {only: variants[only]}
    figures: dict = {name: [] for name in variants}
    for i in range(runs):
        for name, cmd in variants.items():
            shutil.rmtree(project / ".cache", ignore_errors=True)
            shutil.rmtree(project / "site", ignore_errors=True)
            log = project / f"build-cost-{name}-{i}.log"
            with open(log, "wb") as out:
                start = time.perf_counter()
                proc = subprocess.Popen(cmd + ["--site-dir", str(project / "site")], cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
                render = _MainThreadClock(proc.pid)
                _, status, usage = os.wait4(proc.pid, 0)
                seconds = time.perf_counter() - start
                render_cpu = render.stop()
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{name} build failed, see {log}")
            cpu = usage.ru_utime + usage.ru_stime  # the build and every process it waited for
            run = {"seconds": round(seconds, 1), "cpu_s": round(cpu, 1), "peak_mb": round(usage.ru_maxrss / 1024)}
            if render_cpu is not None:
                # The main thread renders; the rest of the wall time it waited (startup I/O, the tail).
                run["main_thread_cpu_s"] = round(render_cpu, 1)
                run["waiting_s"] = round(seconds - render_cpu, 1)
            if name == "with":
                # A cold build leaves the first whoosh index to the first `koc search`: its cost.
                # The next search only opens it (most of its time is checking the library).
                for key in ("first_search_s", "next_search_s"):
                    start = time.perf_counter()
                    with open(log, "ab") as out:
                        subprocess.run([sys.executable, "-m", "generator.cli", "search", "三排"], cwd=project, env=env,
                                       stdout=out, stderr=subprocess.STDOUT, check=True)
                    run[key] = round(time.perf_counter() - start, 1)
            figures[name].append(run)
            print(f"run {i + 1} {name:8} {seconds:7.1f} s  CPU {cpu:6.1f} s  main thread {run.get('main_thread_cpu_s', 0):5.1f} s"
                  f"  waiting {run.get('waiting_s', 0):4.1f} s  peak {usage.ru_maxrss / 1024:6.0f} MB"
                  + (f"  then koc search: first {run['first_search_s']:.1f} s, next {run['next_search_s']:.1f} s"
                     if "first_search_s" in run else ""), flush=True)
    med = {name: statistics.median(r["seconds"] for r in rs) for name, rs in figures.items()}
    figures["median_s"] = med
    figures["median_cpu_s"] = {name: statistics.median(r["cpu_s"] for r in rs) for name, rs in figures.items() if name in variants}
    if only:
        return figures
    figures["index_share"] = round(med["with"] / med["without"] - 1, 3)
    if all("waiting_s" in r for name in variants for r in figures[name]):
        # The machine's speed may drift by a quarter from one build to the next (a shared host):
        # the time a build's main thread spends not rendering does not drift with it. What the
        # indexes add to it, over the median build without them, is their cost to the wall time
        # save what they slow the render down by on the other core (caches, memory bandwidth).
        wait = {name: statistics.median(r["waiting_s"] for r in figures[name]) for name in variants}
        figures["median_waiting_s"] = wait
        figures["waiting_share"] = round((wait["with"] - wait["without"]) / med["without"], 3)
    # Pairs built back to back see the same load; the median of their ratios resists a noisy minute.
    figures["pair_share_median"] = round(statistics.median(w["seconds"] / o["seconds"] - 1 for w, o in zip(figures["with"], figures["without"])), 3)
    return figures


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_build-without-search"]:
        return _build_without_search(argv[1:])
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-cost", type=Path, metavar="PROJECT_DIR")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency-of", type=Path, metavar="PROJECT_DIR", help="koc search p50/p95 on the index a koc build left there")
    ap.add_argument("--variant", choices=("with", "without"), help="with --build-cost: build this variant only")
    ap.add_argument("--works", type=int, default=5000)
    ap.add_argument("--workdir", default="/tmp/kocbench")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    if args.latency_of:
        for key, value in latency_of_built(args.latency_of.resolve(), args.queries).items():
            print(f"{key:28} {value}")
        return 0
    if args.build_cost:
        figures = build_cost(args.build_cost.resolve(), args.runs, args.variant)
        if args.variant:
            print(f"median {args.variant}: {figures['median_s'][args.variant]:.1f} s")
            if args.json:
                Path(args.json).write_text(json.dumps(figures, indent=2))
            return 0
        print(f"median: with {figures['median_s']['with']:.1f} s, without {figures['median_s']['without']:.1f} s: "
              f"the search indexes add {figures['index_share']:.1%} (median of pairs {figures['pair_share_median']:.1%})")
        if "waiting_share" in figures:
            print(f"main thread not rendering: with {figures['median_waiting_s']['with']:.1f} s, without "
                  f"{figures['median_waiting_s']['without']:.1f} s: the indexes add {figures['waiting_share']:.1%} of a build without them")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2))
        return 0
    root = Path(args.workdir) / f"search-{args.works}"
    if not (root / "content").exists():
        corpus.main(["--works", str(args.works), "--seed", "7", "--out", str(root)])
    figures = {"works": args.works, **measure_search(root, args.queries)}
    for key, value in figures.items():
        print(f"{key:28} {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
