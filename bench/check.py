"""`koc check` at one library size against the read-and-parse floor (issue 17 target at 50,000
works: ≤ 3× the floor from an empty cache, ≤ 5 s with its cache).

    python bench/check.py --works 50000 [--workdir /tmp/kocbench-check]
    python bench/check.py --content DIR/content           # an existing library (copied, never edited)

Writes the corpus (bench/corpus.py, seed 7) unless it is there, copies it into a
project, then times in this order: the floor (read every work and parse its front
matter with libyaml, nothing else), `koc check` from an empty cache, again with its
cache, and after one work is edited (one line added to its body).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from run import BIN, REPO, parse_floor  # noqa: E402


def timed(cmd: list, cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{done.stderr[-2000:]}")
    return round(seconds, 2)


def bench(content: Path, project: Path) -> dict:
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    shutil.copy2(REPO / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(content, project / "content")
    koc = [BIN / "koc", "check"]
    out = {"works": sum(1 for _ in (project / "content" / "works").rglob("*.md"))}
    out["floor_s"] = parse_floor(project / "content")
    out["cold_s"] = timed(koc, project)
    out["warm_s"] = timed(koc, project)
    edited = sorted((project / "content" / "works").rglob("*.md"))[0]
    with edited.open("a", encoding="utf-8") as f:
        f.write("\n补一句：改过一次。\n")
    out["one_edited_s"] = timed(koc, project)
    out["cold_vs_floor"] = round(out["cold_s"] / out["floor_s"], 2)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--works", type=int)
    where.add_argument("--content", type=Path)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/kocbench-check"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    content = args.content
    if content is None:
        base = args.workdir / str(args.works)
        content = base / "content"
        if not (content / "works").is_dir():
            corpus.write_library(base, args.works, 7)
    result = bench(content, args.workdir / "project")
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
