"""Benchmark the KOC generator against a plain MkDocs + Material site (SPEC §10).

    python bench/run.py [--sizes 1000,5000] [--runs 1] [--workdir /tmp/kocbench] [--json FILE]

For each size N: generate the seeded corpus, build (a) the library with
`koc build` and (b) the plain baseline with `mkdocs build`, alternating runs,
and print wall time, peak memory, site size, page counts, work-page size and
search-index size, with koc/plain ratios. Every build runs in a fresh process
whose own resource usage is read back with wait4(), so figures never mix.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import corpus
import plain
from browser import measure_browser
from preview import measure_preview
from proctree import PeakSampler
from search import measure_search

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / ".venv" / "bin" if (REPO / ".venv" / "bin").is_dir() else Path(sys.executable).parent
AS_OF = "2026-11-01"
SEED = 7
# What `koc build` needs besides content/: the site configuration and templates.
PROJECT_FILES = ("mkdocs.yml", "site_templates")


# Issue 17's targets for a cold build, its memory and a rebuild after one edit.
PEAK_TARGET_MB = 3000
COLD_TARGET_RATIO = 1.3  # koc / plain
COLD_TARGET_S = 15 * 60  # when the plain build cannot finish
WARM_TARGET_S = 60


@dataclass
class Run:
    seconds: float
    peak_mb: float
    exit_code: int
    log: str
    timed_out: bool = False
    # user + system CPU of the build and the helpers it waited for: on a machine shared
    # with other jobs, wall time swings with their load and this much less.
    cpu_seconds: float | None = None
    peaks_mb: dict | None = None  # per process of the build's tree, sampled (the build itself is "build")


# Set by --memory-limit-gb: the address space each build process may take (RLIMIT_AS), so that
# a build growing past it fails alone instead of pushing a shared machine out of memory.
MEMORY_LIMIT_BYTES: int | None = None


def _limit_memory() -> None:
    if MEMORY_LIMIT_BYTES:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def measure(cmd: list, cwd: Path, log: Path, timeout: float | None = None) -> Run:
    """Run `cmd` in a fresh process; wall time and that process's own max RSS.
    With `timeout`, a build still running then is killed (with its children) and marked timed out."""
    env = dict(os.environ, KOC_AS_OF=AS_OF, NO_MKDOCS_2_WARNING="true",
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_limit_memory)
        fired = threading.Event()

        def kill():
            fired.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        # wait4 reaps this child alone and returns its rusage (including any
        # children it waited for), unlike a process-wide RUSAGE_CHILDREN delta.
        with PeakSampler(proc.pid) as sampler:
            _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        timed_out = fired.is_set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    # Progress as it happens: a long bench (50,000 works) shows each build as it ends.
    cpu = round(usage.ru_utime + usage.ru_stime, 1)
    print(f"  [{time.strftime('%H:%M:%S')}] {Path(log).stem}: {seconds:.1f} s ({cpu} s CPU), exit {proc.returncode}"
          f"{' (timed out)' if fired.is_set() else ''}, peak {usage.ru_maxrss / 1024:.0f} MB {sampler.peaks}", flush=True)
    return Run(round(seconds, 3), round(usage.ru_maxrss / 1024, 1), proc.returncode, str(log), timed_out, cpu, sampler.peaks)


def edit_one_work(project: Path) -> Path:
    """An editor's change to one work (a sentence added to its body), before a warm build."""
    work = sorted((project / "content" / "works").rglob("*.md"))[0]
    work.write_text(work.read_text(encoding="utf-8").rstrip("\n") + "\n\n补充：复测后续航与首测一致。\n", encoding="utf-8")
    return work


def site_figures(site: Path) -> dict:
    """Sizes of a built site: total bytes, HTML pages, work pages, search indexes."""
    total = html = 0
    for root, _, files in os.walk(site):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
            html += name.endswith(".html")
    work_pages = [p.stat().st_size for p in (site / "works").glob("*/index.html")]
    search = site / "search" / "search_index.json"
    pagefind = site / "pagefind"
    return {
        "bytes": total,
        "html_pages": html,
        "work_pages": len(work_pages),
        "work_page_mean_bytes": round(statistics.mean(work_pages)) if work_pages else None,
        "work_page_max_bytes": max(work_pages, default=None),
        "search_index_bytes": search.stat().st_size if search.exists() else None,
        "pagefind_bytes": sum(p.stat().st_size for p in pagefind.rglob("*") if p.is_file()) if pagefind.is_dir() else None,
    }


def prepare_koc_project(base: Path) -> Path:
    """DIR/koc: the repo's site configuration and templates plus the generated content."""
    project = base / "koc"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    for name in PROJECT_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, project / name)
        elif src.is_file():
            shutil.copy2(src, project / name)
    shutil.copytree(base / "content", project / "content")
    return project


FLOOR = """
import pathlib, sys, time, yaml
start = time.perf_counter()
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.md")):
    _, front, _ = path.read_text(encoding="utf-8").split("---\\n", 2)
    yaml.load(front, Loader=yaml.CSafeLoader)
print(time.perf_counter() - start)
"""


def parse_floor(content: Path) -> float:
    """Seconds to read every work and parse its front matter with libyaml, nothing else:
    the floor under `koc check` on this machine at this moment."""
    out = subprocess.run([BIN / "python", "-c", FLOOR, content / "works"], capture_output=True, text=True, check=True)
    return round(float(out.stdout), 3)


def tail(log: str, lines: int = 8) -> str:
    text = Path(log).read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("      " + line for line in text[-lines:])


def summarise(runs: list[Run], site: Path) -> dict:
    ok = [r for r in runs if r.exit_code == 0]
    out = {"runs": [asdict(r) for r in runs]}
    if len(ok) < len(runs):
        out["failed_runs"] = len(runs) - len(ok)
    if ok:
        # Median time resists one noisy run; peak memory is the worst seen.
        out.update(seconds=round(statistics.median(r.seconds for r in ok), 3),
                   cpu_seconds=statistics.median(r.cpu_seconds for r in ok),
                   peak_mb=max(r.peak_mb for r in ok), site=site_figures(site))
        peaks: dict[str, float] = {}
        for r in ok:
            for name, mb in (r.peaks_mb or {}).items():
                peaks[name] = max(peaks.get(name, 0), mb)
        out["peaks_by_process_mb"] = dict(sorted(peaks.items(), key=lambda kv: -kv[1]))
    elif runs[-1].timed_out:
        out["error"] = f"did not finish within {runs[-1].seconds:.0f} s (killed), log {runs[-1].log}"
        out["timed_out_after_s"] = runs[-1].seconds
    else:
        out["error"] = f"exit {runs[-1].exit_code}, log {runs[-1].log}"
    return out


def bench_size(n: int, workdir: Path, runs: int, warm: bool, preview: bool = False, builds_only: bool = False,
               plain_timeout: float | None = None, check: bool = False) -> dict:
    base = workdir / str(n)
    logs = base / "logs"
    start = time.perf_counter()
    corpus.write_library(base, n, SEED)
    result = {"works": n, "corpus_seconds": round(time.perf_counter() - start, 3)}
    plain.write_plain(base / "content", base / "plain", dt.date.fromisoformat(AS_OF))
    logs.mkdir(exist_ok=True)

    koc = BIN / "koc"
    project = prepare_koc_project(base) if koc.exists() else None
    koc_site, plain_site = base / "koc" / "site", base / "plain" / "site"
    koc_runs, warm_runs, plain_runs = [], [], []
    if project and (check or not builds_only):
        shutil.rmtree(project / ".cache", ignore_errors=True)
        result["parse_floor_seconds"] = parse_floor(project / "content")
        result["koc_check"] = asdict(measure([koc, "check"], project, logs / "koc-check.log"))
        # Again, as an editor's next run: parses come from .cache/koc by content hash.
        result["koc_check_warm"] = asdict(measure([koc, "check"], project, logs / "koc-check-warm.log"))
    for i in range(runs):
        # Alternate the two builds so drift (thermal, page cache) hits both alike.
        if project:
            shutil.rmtree(koc_site, ignore_errors=True)
            shutil.rmtree(project / ".cache", ignore_errors=True)   # cold: no search-index cache
            koc_runs.append(measure([koc, "build", "--site-dir", koc_site], project, logs / f"koc-build-{i}.log"))
            if warm:
                # The editor's loop: one work changed, everything else comes from .cache/koc.
                edit_one_work(project)
                warm_runs.append(measure([koc, "build", "--site-dir", koc_site], project, logs / f"koc-warm-{i}.log"))
        shutil.rmtree(plain_site, ignore_errors=True)
        plain_runs.append(measure([BIN / "mkdocs", "build", "-q", "-f", base / "plain" / "mkdocs.yml", "-d", plain_site],
                                  base / "plain", logs / f"plain-build-{i}.log", timeout=plain_timeout))
    if project and not builds_only:
        # The search side: whoosh on this library, and the built site's browser search.
        result["search"] = measure_search(project)
        if preview:
            result["preview"] = measure_preview(project)
        if Path("/usr/bin/chromium").exists():
            result["browser"] = measure_browser(koc_site, "续航", "type=video")
            result["browser_text"] = measure_browser(koc_site, "第二排", "q=%E7%BB%AD%E8%88%AA&type=video")
    result["plain"] = summarise(plain_runs, plain_site)
    result["koc"] = summarise(koc_runs, koc_site) if project else {"error": f"{koc} not found (generator not installed yet)"}
    if warm_runs:
        result["koc_warm"] = summarise(warm_runs, koc_site)
    return result


# --- Report ----------------------------------------------------------------------------

ROWS = [  # label, getter, unit divisor, decimals
    ("build time (s)", lambda r: r.get("seconds"), 1, 2),
    ("peak memory (MB)", lambda r: r.get("peak_mb"), 1, 0),
    ("site size (MB)", lambda r: r.get("site", {}).get("bytes"), 1e6, 1),
    ("HTML pages", lambda r: r.get("site", {}).get("html_pages"), 1, 0),
    ("work pages", lambda r: r.get("site", {}).get("work_pages"), 1, 0),
    ("work page mean (KB)", lambda r: r.get("site", {}).get("work_page_mean_bytes"), 1e3, 1),
    ("work page max (KB)", lambda r: r.get("site", {}).get("work_page_max_bytes"), 1e3, 1),
    ("search index (MB)", lambda r: r.get("site", {}).get("search_index_bytes"), 1e6, 2),
    ("pagefind (MB)", lambda r: r.get("site", {}).get("pagefind_bytes"), 1e6, 2),
]
RATIO_ROWS = ("build time (s)", "peak memory (MB)", "site size (MB)", "search index (MB)")


def fmt(value, divisor=1, decimals=2) -> str:
    return "-" if value is None else f"{value / divisor:,.{decimals}f}"


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def add_ratios(result: dict) -> None:
    koc, base = result["koc"], result["plain"]
    result["ratios"] = {label: ratio(get(koc), get(base)) for label, get, _, _ in ROWS if label in RATIO_ROWS}


def print_size(result: dict) -> None:
    columns = [("koc", result["koc"]), ("plain", result["plain"])]
    if "koc_warm" in result:
        columns.insert(1, ("koc warm", result["koc_warm"]))
    print(f"\nN = {result['works']}  (corpus written in {result['corpus_seconds']:.2f} s, as of {AS_OF})")
    print(f"  {'':22}" + "".join(f"{name:>12}" for name, _ in columns) + f"{'koc/plain':>12}")
    for label, get, div, dec in ROWS:
        cells = "".join(f"{fmt(get(col), div, dec):>12}" for _, col in columns)
        print(f"  {label:22}{cells}{fmt(result['ratios'].get(label)):>12}")
    check = result.get("koc_check")
    if check:
        state = "ok" if check["exit_code"] == 0 else f"exit {check['exit_code']}, see {check['log']}"
        floor = result.get("parse_floor_seconds")
        vs = f"; reading and parsing the files alone: {floor:.2f} s, ratio {check['seconds'] / floor:.2f}" if floor else ""
        warm = result.get("koc_check_warm", {}).get("seconds")
        again = f"; again with its cache: {warm:.2f} s" if warm else ""
        print(f"  koc check: {check['seconds']:.2f} s, {check['peak_mb']:.0f} MB ({state}){again}{vs}")
    for name, col in columns:
        if "error" in col and col.get("runs"):
            print(f"  {name}: FAILED — {col['error']}")
            print(tail(col["runs"][-1]["log"]))
        elif "error" in col:
            print(f"  {name}: skipped — {col['error']}")
        elif col.get("failed_runs"):
            print(f"  {name}: {col['failed_runs']} of {len(col['runs'])} runs failed; figures from the others")


def print_search(result: dict) -> None:
    search = result.get("search")
    if search:
        print(f"  whoosh: full index {search['full_index_s_procs1']} s (1 process), {search['full_index_s_procs2']} s (2); "
              f"one edited work {search['incremental_one_work_s']} s; koc search p50 {search['query_ms_p50']} ms, "
              f"p95 {search['query_ms_p95']} ms; index {search['index_mb']} MB")
    for key, label in (("browser", "filters only"), ("browser_text", "words + filter")):
        b = result.get(key)
        if b:
            print(f"  browser ({label}): header search {b['header_search_ms']} ms, {b['header_search_bytes'] / 1e3:.0f} KB; "
                  f"finder {b['finder_first_results_ms']} ms, {b['finder_bytes_total'] / 1e3:.0f} KB "
                  f"({b['finder_bytes_search'] / 1e3:.0f} KB of it Pagefind), {b['finder_results']} results")
    pv = result.get("preview")
    if pv:
        print(f"  koc serve: first build {pv.get('first_build_s')} s; one saved work shown after {pv.get('edits_s')} s "
              f"(median {pv.get('edit_median_s')} s); its contributor's page already current: {pv.get('listings_current')}")
    plain_index = result["plain"].get("site", {}).get("search_index_bytes")
    if plain_index:
        print(f"  plain site: its whole search index ({plain_index / 1e6:.1f} MB) is downloaded before a first result")


def scaling(results: dict) -> dict:
    """t(N)/t(smallest N) per site; linear growth gives N/smallest."""
    sizes = sorted(results)
    out = {}
    for n in sizes[1:]:
        key = f"t({n})/t({sizes[0]})"
        out[key] = {site: ratio(results[n][site].get("seconds"), results[sizes[0]][site].get("seconds"))
                    for site in ("koc", "plain")}
        out[key]["linear"] = round(n / sizes[0], 2)
        # The same in CPU seconds, which the load of other jobs on the machine moves much less.
        out[key]["cpu"] = {site: ratio(results[n][site].get("cpu_seconds"), results[sizes[0]][site].get("cpu_seconds"))
                           for site in ("koc", "plain")}
    return out


def target_rows(results: dict) -> list[tuple[str, list, str, object]]:
    """Issue 17's figures per size: (label, value per size, target, met at the largest size)."""
    sizes = sorted(results)
    big = results[sizes[-1]]
    get = lambda key, field="seconds": [results[n].get(key, {}).get(field) for n in sizes]  # noqa: E731
    cold, plain_s, peak, warm = get("koc"), get("plain"), get("koc", "peak_mb"), get("koc_warm")
    ratios = [ratio(k, p) for k, p in zip(cold, plain_s)]
    if big.get("plain", {}).get("seconds"):
        cold_target, cold_met = f"<= {COLD_TARGET_RATIO}x plain", ratios[-1] is not None and ratios[-1] <= COLD_TARGET_RATIO
    else:
        cold_target, cold_met = f"<= {COLD_TARGET_S} s (plain did not finish)", cold[-1] is not None and cold[-1] <= COLD_TARGET_S
    rows = [
        ("koc build, cold (s)", cold, cold_target, cold_met),
        ("plain MkDocs build (s)", plain_s, "", None),
        ("koc build, cold (CPU s)", get("koc", "cpu_seconds"), "", None),
        ("plain MkDocs build (CPU s)", get("plain", "cpu_seconds"), "", None),
        ("koc/plain, cold", ratios, f"<= {COLD_TARGET_RATIO}", None if ratios[-1] is None else ratios[-1] <= COLD_TARGET_RATIO),
        ("koc/plain, cold, in CPU s", [ratio(k, p) for k, p in zip(get("koc", "cpu_seconds"), get("plain", "cpu_seconds"))], "", None),
        ("koc peak memory (MB)", peak, f"<= {PEAK_TARGET_MB}", peak[-1] is not None and peak[-1] <= PEAK_TARGET_MB),
        # Which process that peak was: the build itself, or a helper it started.
        *[(f"  peak of process {name}", [results[n].get("koc", {}).get("peaks_by_process_mb", {}).get(name) for n in sizes], "", None)
          for name in big.get("koc", {}).get("peaks_by_process_mb", {})],
        ("plain peak memory (MB)", get("plain", "peak_mb"), "", None),
        ("koc build after one edit (s)", warm, f"<= {WARM_TARGET_S}", None if warm[-1] is None else warm[-1] <= WARM_TARGET_S),
        ("warm/cold", [ratio(w, c) for w, c in zip(warm, cold)], "", None),
    ]
    for key, value in scaling(results).items():
        rows.append((f"{key}, koc (plain)", [None] * (len(sizes) - 1) + [f"{fmt(value['koc'])} ({fmt(value['plain'])})"],
                     f"linear {value['linear']}", None))
        cpu = value["cpu"]
        rows.append((f"  in CPU s, koc (plain)", [None] * (len(sizes) - 1) + [f"{fmt(cpu['koc'])} ({fmt(cpu['plain'])})"],
                     f"linear {value['linear']}", None))
    return rows


def print_targets(results: dict) -> None:
    sizes = sorted(results)
    print(f"\nIssue 17 targets (verdict at {sizes[-1]:,} works)")
    print(f"  {'':36}" + "".join(f"{f'N={n:,}':>14}" for n in sizes) + f"{'target':>28}{'met':>6}")
    for label, values, target, met in target_rows(results):
        cells = "".join(f"{v if isinstance(v, str) else fmt(v):>14}" for v in values)
        print(f"  {label:36}{cells}{target:>28}{'' if met is None else ('yes' if met else 'NO'):>6}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,5000", help="comma-separated numbers of works")
    ap.add_argument("--runs", type=int, default=1, help="builds per site and size (median time reported)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/kocbench"))
    ap.add_argument("--warm", action="store_true", help="also time a koc rebuild after editing one work (cache kept)")
    ap.add_argument("--builds-only", action="store_true",
                    help="time the builds alone (no koc check, search, browser or serve figures): the 50,000-work bench")
    ap.add_argument("--check", action="store_true", help="with --builds-only: time koc check (empty cache, then cached) too")
    ap.add_argument("--plain-timeout", type=float, help="kill a plain MkDocs build still running after this many seconds")
    ap.add_argument("--memory-limit-gb", type=float,
                    help="address space each build process may take (its helpers each as much); a build needing more fails")
    ap.add_argument("--json", type=Path, help="write all figures, including every run, to this file")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    global MEMORY_LIMIT_BYTES
    MEMORY_LIMIT_BYTES = int(args.memory_limit_gb * 2**30) if args.memory_limit_gb else None

    if not (BIN / "koc").exists():
        print(f"note: {BIN / 'koc'} not found — the generator is not installed yet; running the plain baseline only")
    results = {}
    for n in sizes:
        # `koc serve` is timed on the smallest library (the target is at 1,000 works).
        results[n] = bench_size(n, args.workdir.resolve(), args.runs, args.warm, preview=n == min(sizes),
                                builds_only=args.builds_only, plain_timeout=args.plain_timeout,
                                check=args.check)
        add_ratios(results[n])
        print_size(results[n])
        print_search(results[n])
    report = {"as_of": AS_OF, "seed": SEED, "runs": args.runs, "results": results, "scaling": scaling(results)}
    for key, value in report["scaling"].items():
        print(f"\n{key}: koc {fmt(value['koc'])}, plain {fmt(value['plain'])} (linear: {value['linear']})")
    print_targets(results)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
