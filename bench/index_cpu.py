"""CPU seconds of a full whoosh index, this checkout against another revision (issue 12).

    python bench/index_cpu.py PROJECT_DIR [--against main] [--sizes 1000,all] [--procs 1,2] [--runs 2]

PROJECT_DIR is a project `koc build` can build (e.g. bench/run.py's WORKDIR/N/koc). Its
listed works (internal edition, as of 2026-11-01) are analysed once, by this checkout, into
the documents `koc build` indexes; then each revision's `update_index` indexes the first N of
them into an empty folder, in a fresh process, alternating this checkout and the other
(A B A B …, so that load from other jobs hits both alike). A run's CPU seconds are its
process's and its whoosh writer processes' (user + system). Prints each run and the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def write_docs(project: Path, out: Path) -> int:
    sys.path.insert(0, str(REPO))
    from generator.catalog.catalog import build_catalog
    from generator.catalog.rights import Edition
    from generator.content.check import check_library
    from generator.model import Audience
    from generator.options import Options
    from generator.search.edition_index import index_documents

    opts = Options(project_dir=project, as_of=dt.date(2026, 11, 1)).resolve()
    checked = check_library(opts)
    cat = build_catalog(checked.library, Edition(Audience.INTERNAL, opts.as_of, False), checked.tags)
    docs = index_documents(cat)
    out.write_bytes(pickle.dumps(docs))
    return len(docs)


def child(docs_file: Path, n: int, procs: int, workdir: Path) -> None:
    """One full index in this process (its `generator` is the revision on PYTHONPATH)."""
    from generator.model import Audience
    from generator.search.index import update_index

    docs = pickle.loads(docs_file.read_bytes())[:n]
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        update_index(Path(folder), Audience.INTERNAL, docs, procs=procs)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
    print(json.dumps({"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "indexed": len(docs)}))


def revision_tree(rev: str, workdir: Path) -> Path:
    """The `generator` package of `rev`, unpacked under workdir."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", rev], check=True, capture_output=True, text=True).stdout.strip()
    root = workdir / f"rev-{sha}"
    if not (root / "generator").is_dir():
        data = subprocess.run(["git", "-C", str(REPO), "archive", sha, "generator"], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(root)
    return root


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("project", type=Path, nargs="?")
    ap.add_argument("--against", default="main", help="git revision to compare with (default main)")
    ap.add_argument("--sizes", default="1000,all")
    ap.add_argument("--procs", default="1,2")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/kocbench/index-cpu"))
    ap.add_argument("--child", nargs=3, metavar=("DOCS", "N", "PROCS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.child:
        child(Path(args.child[0]), int(args.child[1]), int(args.child[2]), args.workdir)
        return

    if args.project is None:
        ap.error("PROJECT_DIR is required")
    docs_file = args.workdir / "docs.pickle"
    total = write_docs(args.project.resolve(), docs_file)
    trees = {"this": REPO, args.against: revision_tree(args.against, args.workdir)}
    results: dict = {}
    for size in args.sizes.split(","):
        n = total if size == "all" else min(int(size), total)
        for procs in (int(p) for p in args.procs.split(",")):
            for run in range(args.runs):
                for name, tree in trees.items():
                    env = dict(os.environ, PYTHONPATH=str(tree))
                    out = subprocess.run([sys.executable, __file__, "--workdir", str(args.workdir), "--child", str(docs_file), str(n), str(procs)],
                                         capture_output=True, text=True, env=env, cwd=args.workdir)
                    if out.returncode:
                        raise SystemExit(f"{name}: index run failed\n{out.stderr}")
                    figures = json.loads(out.stdout.strip().splitlines()[-1])
                    results.setdefault((n, procs), {}).setdefault(name, []).append(figures["cpu_s"])
                    print(f"n={n} procs={procs} run {run + 1} {name}: {figures['cpu_s']} CPU s, {figures['wall_s']} s wall", flush=True)
    print(f"\n| works | procs | {args.against} CPU s | this CPU s | this/{args.against} |\n|---|---|---|---|---|")
    for (n, procs), by in results.items():
        a, b = statistics.median(by[args.against]), statistics.median(by["this"])
        print(f"| {n} | {procs} | {a:.1f} | {b:.1f} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
