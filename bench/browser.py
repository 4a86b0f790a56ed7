"""Header search and case finder in headless Chromium on a built site: bytes transferred
and time until the first results show (issue target at 5,000 works: ≤ 1 MB, ≤ 500 ms).

    python bench/browser.py SITE_DIR [--query 续航 --query "L7 露营" ...] [--finder "type=video"]

The page itself is loaded first (as a dealer would have it open); the figures count
only what the search then fetches and how long until results are on screen. Each
query runs in a fresh browser context (cold cache); `header_search_bytes_all` adds
what arrived within a second after the first results (the rest of the dropdown).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # one line per request would bury the figures
        pass


def serve(root: Path):
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def measure_browser(site: Path, query: str | list[str] = "续航", finder: str = "type=video") -> dict:
    queries = [query] if isinstance(query, str) else list(query)
    httpd = serve(site)
    base = f"http://127.0.0.1:{httpd.server_port}/"
    figures = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for n, q in enumerate(queries):
            context = browser.new_context()
            page = context.new_page()
            # A page the dealer already has open, fully loaded: the figures are the search's alone.
            page.goto(base + "about/")
            page.wait_for_load_state("networkidle")
            sizes = []
            page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]))
            words = []  # the query segmenter's shards (koc-search/words/, koc-words.js)
            page.on("requestfinished", lambda r: words.append(r.sizes()["responseBodySize"]) if "/koc-search/words/" in r.url else None)
            start = time.perf_counter()
            page.fill(".koc-search__input", q)
            page.wait_for_selector(".koc-search__hit, .koc-search__none", timeout=30000)
            ms = round((time.perf_counter() - start) * 1000)
            hits = page.locator(".koc-search__hit").count()
            before = sum(sizes)
            page.wait_for_timeout(1000)
            suffix = "" if n == 0 else f"[{q}]"
            figures[f"header_search_ms{suffix}"] = ms
            figures[f"header_search_bytes{suffix}"] = before
            figures[f"header_search_bytes_all{suffix}"] = sum(sizes)
            figures[f"header_search_bytes_words{suffix}"] = sum(words)
            figures[f"header_search_hits{suffix}"] = hits
            context.close()

        page = browser.new_page()
        rows = []
        page.on("requestfinished", lambda r: rows.append((r.url, r.sizes()["responseBodySize"])))
        start = time.perf_counter()
        page.goto(f"{base}finder/?{finder}")
        page.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=30000)
        figures["finder_first_results_ms"] = round((time.perf_counter() - start) * 1000)
        figures["finder_bytes_total"] = sum(n for _, n in rows)
        figures["finder_bytes_search"] = sum(n for url, n in rows if "/pagefind/" in url)
        figures["finder_results"] = int(page.get_attribute("#koc-finder", "data-total"))
        page.close()
        browser.close()
    httpd.shutdown()
    return figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--query", action="append", help="a header search query (repeatable; default 续航)")
    ap.add_argument("--finder", default="type=video")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    figures = measure_browser(Path(args.site), args.query or ["续航"], args.finder)
    for key, value in figures.items():
        print(f"{key:40} {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
