"""Benchmark `koc serve`: seconds from saving one work to its updated page (issue target: 3 s at 1,000 works).

    python bench/preview.py /tmp/kocbench/1000/koc [--edits 3]

Starts `koc serve` on the project, waits for the first build, then, several
times: rewrites one work's title, and polls its page until the new title is
served. Also checks that the page of the work's first contributor already
shows the new title when the work's page does (listings that the edit
affects are rebuilt in the same pass). Prints the first build time and each
edit's time; `run.py` calls it for the smallest size.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python" if (REPO / ".venv" / "bin" / "python").exists() else Path(sys.executable)


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _wait_for(url: str, text: str, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if text in _get(url):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not show {text!r} within {timeout} s")


def measure_preview(project: Path, edits: int = 3) -> dict:
    works = sorted((project / "content" / "works").rglob("*.md"))
    # Works in force with a plain `title:` line, spread over the library.
    chosen = [p for p in works[:: max(1, len(works) // 50)] if re.search(r"^title: .+$", p.read_text(encoding="utf-8"), re.M)
              and "status: draft" not in p.read_text(encoding="utf-8") and "status: withdrawn" not in p.read_text(encoding="utf-8")][:edits]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, KOC_AS_OF="2026-11-01", NO_MKDOCS_2_WARNING="true")
    log = open(project.parent / "logs" / "koc-serve.log", "wb") if (project.parent / "logs").is_dir() else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-m", "generator.cli", "--project", str(project), "serve", "--dev-addr", f"127.0.0.1:{port}"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    originals = {p: p.read_text(encoding="utf-8") for p in chosen}
    figures: dict = {"edits_s": []}
    try:
        _wait_for(f"http://127.0.0.1:{port}/works/", "全部作品", timeout=600)
        figures["first_build_s"] = round(time.perf_counter() - start, 2)
        time.sleep(2)  # let the watcher settle after the first build
        for n, path in enumerate(chosen, 1):
            text = originals[path]
            title = f"预览计时{n}号"
            wid = path.stem
            edited = re.sub(r"^title: .+$", f"title: {title}", text, count=1, flags=re.M)
            path.write_text(edited, encoding="utf-8")
            figures["edits_s"].append(round(_wait_for(f"http://127.0.0.1:{port}/works/{wid}/", title, timeout=120), 2))
            first = yaml.safe_load(text.split("---\n", 2)[1])["contributors"][0]
            person = first["id"] if isinstance(first, dict) else first
            figures.setdefault("listings_current", True)
            figures["listings_current"] &= title in _get(f"http://127.0.0.1:{port}/contributors/{person}/")
            time.sleep(1)
    finally:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        proc.terminate()
        proc.wait(timeout=30)
    if figures["edits_s"]:
        figures["edit_median_s"] = round(statistics.median(figures["edits_s"]), 2)
    return figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", type=Path)
    ap.add_argument("--edits", type=int, default=3)
    args = ap.parse_args(argv)
    for key, value in measure_preview(args.project.resolve(), args.edits).items():
        print(f"{key:20} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
