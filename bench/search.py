"""Benchmark the whoosh index and `koc search` queries (issue targets: full index of
5,000 works within 40 s on 2 cores, one edited work re-indexed within 2 s, p95 < 50 ms).

    python bench/search.py --works 5000 [--workdir /tmp/kocbench] [--queries 200]

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
from generator.search.index import open_index, sync_index  # noqa: E402
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
    figures["index_mb"] = round(sum(p.stat().st_size for p in (opts.cache_dir / "whoosh").rglob("*") if p.is_file()) / 1e6, 1)
    return figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--works", type=int, default=5000)
    ap.add_argument("--workdir", default="/tmp/kocbench")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
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
