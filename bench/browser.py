"""Header search and case finder in headless Chromium on a built site: bytes transferred
and time until the first results show (issue target at 5,000 works: ≤ 1 MB, ≤ 500 ms).

    python bench/browser.py SITE_DIR [--query 续航] [--finder "type=video"]

The page itself is loaded first (as a dealer would have it open); the figures count
only what the search then fetches and how long until results are on screen.
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


def measure_browser(site: Path, query: str = "续航", finder: str = "type=video") -> dict:
    httpd = serve(site)
    base = f"http://127.0.0.1:{httpd.server_port}/"
    figures = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        # A page the dealer already has open, fully loaded: the figures are the search's alone.
        page.goto(base + "about/")
        page.wait_for_load_state("networkidle")
        sizes = []
        page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]))
        words = []  # the query segmenter's shards (koc-search/words/, koc-words.js)
        page.on("requestfinished", lambda r: words.append(r.sizes()["responseBodySize"]) if "/koc-search/words/" in r.url else None)
        start = time.perf_counter()
        page.fill(".koc-search__input", query)
        page.wait_for_selector(".koc-search__hit", timeout=30000)
        figures["header_search_ms"] = round((time.perf_counter() - start) * 1000)
        figures["header_search_bytes"] = sum(sizes)
        figures["header_search_bytes_words"] = sum(words)
        page.close()

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
    ap.add_argument("--query", default="续航")
    ap.add_argument("--finder", default="type=video")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    figures = measure_browser(Path(args.site), args.query, args.finder)
    for key, value in figures.items():
        print(f"{key:26} {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
