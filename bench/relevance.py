"""Relevance of the library's three searches on the hand-judged suite (issue 12).

    python bench/relevance.py                      # build the demo site at the suite's as-of date, run all engines
    python bench/relevance.py --site DIR           # reuse a site built with `koc build --as-of <suite as_of>`
    python bench/relevance.py --engines koc        # koc, header, finder (comma-separated)
    python bench/relevance.py --json               # JSON on stdout (or --json FILE)

Engines:
  koc     `koc search` through the Python API the CLI uses (top 10, relevance order)
  header  the header search box in headless Chromium: type the query on a loaded page, wait for
          the dropdown; its ranked list is Pagefind's (the dropdown shows the first 8, ranks 9-10
          are read from the same Pagefind search in the page)
  finder  /finder/?q=QUERY in headless Chromium, as a shared link opens it (default sort), the
          first cards in the order shown

Figures per engine, over the queries that have relevant works:
  recall@10     relevant works in the top 10 / min(number relevant, 10)
  precision@3   relevant works in the top 3 / min(number relevant, 3)
  MRR           1 / rank of the first relevant work (0 if none is returned)
  zero-result   share of those queries that return nothing at all
and over every query: queries with a junk work in the top 3, queries that return an
unpublished work (`never`), "nothing" queries that return something. Browser engines also
give bytes received and milliseconds from typing (header) or navigation (finder) until
the first results are on screen, each query in a fresh browser context (cold cache);
for `koc search` the milliseconds are those of the API call with a warm index.
Agreement: share of queries where two engines return the same set of top-5 works.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SUITE = REPO / "tests" / "relevance" / "queries.yml"
ENGINES = ("koc", "header", "finder")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
WORK_URL = re.compile(r"/works/([a-z0-9][a-z0-9-]*)/")


def load_suite(path: Path = SUITE) -> dict:
    suite = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    suite["as_of"] = dt.date.fromisoformat(str(suite["as_of"]))
    suite["path"] = Path(path).resolve()
    for q in suite["queries"]:
        for key in ("relevant", "junk", "never"):
            q[key] = list(q.get(key) or [])
    return suite


# ---------------------------------------------------------------- engines

def koc_engine(as_of: dt.date, project_dir: Path = REPO, cache_dir: Path | None = None):
    """A function query -> ranked work ids, answered by `koc search` (the CLI's Python API)."""
    from generator.search.results import Options, search_library  # the one place the search API is imported

    extra = {"cache_dir": Path(cache_dir)} if cache_dir else {}
    options = Options(project_dir=project_dir, as_of=as_of, **extra).resolve()

    def run(query: str, limit: int = 10) -> list[str]:
        try:
            result = search_library(options, query, {}, limit=limit)
        except ValueError:  # a query the parser refuses finds nothing
            return []
        return [row["id"] for row in result["results"]]

    return run


def build_site(as_of: dt.date, site_dir: Path) -> None:
    koc = Path(sys.executable).with_name("koc")
    cmd = [str(koc)] if koc.exists() else [sys.executable, "-m", "generator.cli"]
    subprocess.run(cmd + ["build", "--as-of", as_of.isoformat(), "--site-dir", str(site_dir)],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(root: Path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def record_sizes(page, sink: list) -> None:
    """Collect (url, body bytes) of every finished request; late ones after the page closes are dropped."""
    def on_finished(request) -> None:
        try:
            sink.append((request.url, request.sizes()["responseBodySize"]))
        except Exception:  # the page closed while the request was still reporting
            pass

    page.on("requestfinished", on_finished)


def ids_of(urls) -> list[str]:
    out = []
    for url in urls:
        m = WORK_URL.search(url or "")
        if m and m.group(1) not in out:
            out.append(m.group(1))
    return out


TOP10_JS = """async (q) => {
  const root = document.querySelector('.koc-search');
  const base = new URL(root.dataset.kocBase, location.href);
  const pf = await import(new URL('pagefind/pagefind.js', base).href);
  const search = await pf.search(q);
  return Promise.all(search.results.slice(0, 10).map(async (r) => (await r.data()).url));
}"""


def header_query(context, base: str, query: str) -> dict:
    page = context.new_page()
    page.goto(base + "about/")
    page.wait_for_load_state("networkidle")
    rows = []
    record_sizes(page, rows)
    start = time.perf_counter()
    page.fill(".koc-search__input", query)
    page.wait_for_selector(".koc-search__hit, .koc-search__none", timeout=30000)
    ms = (time.perf_counter() - start) * 1000
    received = sum(n for _, n in rows)
    shown = ids_of(page.eval_on_selector_all(".koc-search__hit", "els => els.map(e => e.getAttribute('href'))"))
    ranked = ids_of(page.evaluate(TOP10_JS, query)) if shown else []
    page.close()
    # The dropdown must be the head of the list it is read from, or the figures would not be the box's.
    agrees = ranked[:len(shown)] == shown
    return {"ids": ranked if agrees else shown, "dropdown_agrees": agrees, "bytes": received, "ms": round(ms)}


def finder_query(context, base: str, query: str) -> dict:
    from urllib.parse import quote

    page = context.new_page()
    rows = []
    record_sizes(page, rows)
    start = time.perf_counter()
    page.goto(f"{base}finder/?q={quote(query)}")
    page.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=30000)
    ms = (time.perf_counter() - start) * 1000
    done = list(rows)
    search_bytes = sum(n for url, n in done if "/pagefind/" in url or "/finder/data/" in url)
    total_bytes = sum(n for _, n in done)
    hrefs = page.eval_on_selector_all(".koc-finder__results .koc-card-title a", "els => els.map(e => e.getAttribute('href'))")
    page.close()
    return {"ids": ids_of(hrefs), "bytes": search_bytes, "page_bytes": total_bytes, "ms": round(ms)}


def run_browser(site: Path, queries: list[str], engines: list[str], progress=None) -> dict:
    from playwright.sync_api import sync_playwright

    httpd = serve(site)
    base = f"http://127.0.0.1:{httpd.server_port}/"
    out = {e: {} for e in engines}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for engine in engines:
                runner = header_query if engine == "header" else finder_query
                for query in queries:
                    context = browser.new_context()  # cold cache for every query
                    out[engine][query] = runner(context, base, query)
                    context.close()
                    if progress:
                        progress(engine, query)
            browser.close()
    finally:
        httpd.shutdown()
    return out


# ---------------------------------------------------------------- scoring

def judge(q: dict, ranked: list[str]) -> dict:
    """One query's figures for one ranked list of work ids."""
    rel, junk, never = set(q["relevant"]), set(q["junk"]), set(q["never"])
    top10, top3 = ranked[:10], ranked[:3]
    row = {
        "query": q["query"], "category": q["category"], "top": ranked[:10],
        "junk_top3": [i for i in top3 if i in junk],
        "never_returned": [i for i in ranked if i in never],
    }
    if rel:
        found = [i for i in top10 if i in rel]
        row["recall10"] = len(found) / min(len(rel), 10)
        row["precision3"] = len([i for i in top3 if i in rel]) / min(len(rel), 3)
        row["rr"] = next((1 / n for n, i in enumerate(ranked, 1) if i in rel), 0.0)
        row["zero"] = not ranked
        row["missed"] = [i for i in q["relevant"] if i not in top10] if row["recall10"] < 1 else []
    else:
        row["spurious"] = len(ranked)
    return row


def summarise(rows: list[dict]) -> dict:
    judged = [r for r in rows if "recall10" in r]
    mean = lambda key: round(statistics.fmean(r[key] for r in judged), 3) if judged else None  # noqa: E731
    summary = {
        "queries": len(rows),
        "queries_with_relevant": len(judged),
        "recall@10": mean("recall10"),
        "precision@3": mean("precision3"),
        "mrr": mean("rr"),
        "zero_result_rate": round(sum(r["zero"] for r in judged) / len(judged), 3) if judged else None,
        "zero_result_queries": sum(r["zero"] for r in judged),
        "junk_in_top3_queries": sum(bool(r["junk_top3"]) for r in rows),
        "unpublished_returned_queries": sum(bool(r["never_returned"]) for r in rows),
        "nothing_queries_with_results": sum(bool(r.get("spurious")) for r in rows),
    }
    cats = {}
    for r in judged:
        cats.setdefault(r["category"], []).append(r["recall10"])
    summary["recall@10_by_category"] = {c: round(statistics.fmean(v), 3) for c, v in cats.items()}
    return summary


def timing(runs: dict) -> dict:
    if not runs:
        return {}
    ms = sorted(r["ms"] for r in runs.values())
    kb = sorted(r["bytes"] for r in runs.values())
    pct = lambda xs, p: xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]  # noqa: E731
    return {"ms_median": pct(ms, 0.5), "ms_p95": pct(ms, 0.95), "bytes_median": pct(kb, 0.5), "bytes_max": kb[-1]}


def agreement(tops: dict[str, dict[str, list[str]]], queries: list[str], k: int = 5) -> dict:
    names = list(tops)
    out = {}
    for a_i, a in enumerate(names):
        for b in names[a_i + 1:]:
            same = sum(set(tops[a][q][:k]) == set(tops[b][q][:k]) for q in queries)
            out[f"{a}~{b}"] = round(same / len(queries), 3)
    if len(names) > 2:
        same = sum(len({frozenset(tops[n][q][:k]) for n in names}) == 1 for q in queries)
        out["all"] = round(same / len(queries), 3)
    return out


# ---------------------------------------------------------------- main

def evaluate(suite: dict, engines: list[str], site: Path | None = None, progress=None) -> dict:
    queries = [q["query"] for q in suite["queries"]]
    ranked: dict[str, dict[str, list[str]]] = {}
    browser: dict[str, dict] = {}
    koc_ms: dict[str, float] = {}
    if "koc" in engines:
        run = koc_engine(suite["as_of"])
        run(queries[0])  # the first call checks the library and brings the index up to date: not timed
        ranked["koc"] = {}
        for q in queries:
            start = time.perf_counter()
            ranked["koc"][q] = run(q)
            koc_ms[q] = (time.perf_counter() - start) * 1000
    wanted = [e for e in engines if e != "koc"]
    if wanted:
        with tempfile.TemporaryDirectory(prefix="koc-relevance-") as tmp:
            if site is None:
                site = Path(tmp) / "site"
                build_site(suite["as_of"], site)
            browser = run_browser(site, queries, wanted, progress)
        for e in wanted:
            ranked[e] = {q: browser[e][q]["ids"] for q in queries}
    path = suite.get("path", SUITE)
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
    result = {"suite": str(shown), "as_of": suite["as_of"].isoformat(), "engines": {}}
    for e in engines:
        rows = [judge(q, ranked[e][q["query"]]) for q in suite["queries"]]
        if e in browser:
            for r in rows:
                r.update({k: v for k, v in browser[e][r["query"]].items() if k in ("bytes", "page_bytes", "ms", "dropdown_agrees")})
        if e == "koc":
            for r in rows:
                r["ms"] = round(koc_ms[r["query"]], 1)
            summary = {**summarise(rows), **timing({q: {"ms": round(v), "bytes": 0} for q, v in koc_ms.items()})}
            summary["bytes_median"] = summary["bytes_max"] = None  # no network: the index is local
        else:
            summary = {**summarise(rows), **timing(browser.get(e, {}))}
        if e == "header":
            summary["dropdown_disagrees_queries"] = sum(not r["dropdown_agrees"] for r in rows)
        result["engines"][e] = {"summary": summary, "queries": rows}
    result["agreement_top5"] = agreement(ranked, queries) if len(engines) > 1 else {}
    return result


def pad(text: str, width: int) -> str:
    """Left-justify in terminal columns (a Chinese or full-width character takes two)."""
    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - cols)


def print_report(result: dict, out=sys.stdout) -> None:
    engines = list(result["engines"])
    p = functools.partial(print, file=out)
    p(f"Relevance suite {result['suite']} (as of {result['as_of']})\n")
    keys = [("queries", "queries"), ("queries_with_relevant", "…with relevant works"), ("recall@10", "recall@10"),
            ("precision@3", "precision@3"), ("mrr", "MRR"), ("zero_result_rate", "zero-result rate"),
            ("zero_result_queries", "zero-result queries"), ("junk_in_top3_queries", "queries with junk in top 3"),
            ("unpublished_returned_queries", "queries returning unpublished"),
            ("nothing_queries_with_results", "'nothing' queries answered"),
            ("ms_median", "ms to results, median"), ("ms_p95", "ms to results, p95"),
            ("bytes_median", "bytes to first results, median"), ("bytes_max", "bytes to first results, max"),
            ("dropdown_disagrees_queries", "dropdown ≠ Pagefind order")]
    p(f"{'':34}" + "".join(f"{e:>12}" for e in engines))
    for key, label in keys:
        vals = [result["engines"][e]["summary"].get(key) for e in engines]
        p(f"{label:34}" + "".join(f"{'—' if v is None else v:>12}" for v in vals))
    cats = sorted({c for e in engines for c in result["engines"][e]["summary"]["recall@10_by_category"]})
    p("\nrecall@10 by category")
    for c in cats:
        p(f"  {c:32}" + "".join(f"{result['engines'][e]['summary']['recall@10_by_category'].get(c, '—'):>12}" for e in engines))
    if result["agreement_top5"]:
        p("\nsame top-5 set: " + ", ".join(f"{k} {v}" for k, v in result["agreement_top5"].items()))
    p("\nfailures (missed: relevant not in the top 10; junk: in the top 3; unpublished; answers to 'nothing')")
    for e in engines:
        for r in result["engines"][e]["queries"]:
            parts = []
            if r.get("missed"):
                parts.append("missed " + " ".join(r["missed"]))
            if r["junk_top3"]:
                parts.append("junk " + " ".join(r["junk_top3"]))
            if r["never_returned"]:
                parts.append("unpublished " + " ".join(r["never_returned"]))
            if r.get("spurious"):
                parts.append(f"{r['spurious']} result(s) for nothing: " + " ".join(r["top"][:3]))
            if parts:
                p(f"  {pad(r['query'], 16)}{e:<7} " + "; ".join(parts))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", type=Path, default=SUITE)
    ap.add_argument("--site", type=Path, help="a site built at the suite's as-of date (default: build one in a temp folder)")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--query", action="append", help="run only this query of the suite (repeatable)")
    ap.add_argument("--json", nargs="?", const="-", help="write JSON to FILE (or stdout without FILE)")
    args = ap.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        ap.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    suite = load_suite(args.suite)
    if args.query:
        suite["queries"] = [q for q in suite["queries"] if q["query"] in args.query]
        if not suite["queries"]:
            ap.error("none of the --query values is in the suite")
    result = evaluate(suite, engines, args.site)
    if args.json == "-":
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print_report(result)
        if args.json:
            Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
