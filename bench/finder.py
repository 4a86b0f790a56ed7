"""What a filter-only visit of the case finder loads (issue 17 target: ≤ 300 KB of finder data at 50,000 works).

    python bench/finder.py --site SITE_DIR [--visit "type=video" ...]      # headless Chromium on a built site
    python bench/finder.py --content DIR/content [--visit ...]             # from the generator alone

`--site` serves a built site on 127.0.0.1 and counts the bytes each visit of
/finder/?VISIT transfers: the finder's data files, and everything with the
page itself (a first visit, nothing cached). `--content` builds no site: it
loads and catalogues the library, makes the finder's data files as the build
does (`generator/search/finder_data.py`) and adds up the files the same visit
fetches (facets.json, the chosen values' files, score.json for a sort by score,
expires.json for a meeting date, and the card files of the first 12 results);
it also prints the largest files of each kind. Use it where a full build of a
large library costs too much (a 50,000-work build takes most of an hour here).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VISITS = ("", "type=video", "scenario=camping", "type=video&scenario=camping", "model=xingtu-l7&sort=score",
          "year=2024&meeting=2026-09-01")
PAGE = 12


def measure_site(site: Path, visits: list[str]) -> list[dict]:
    from browser import ARGS, serve
    from playwright.sync_api import sync_playwright

    httpd = serve(site)
    base = f"http://127.0.0.1:{httpd.server_port}/"
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for visit in visits:
            # A fresh context each time: a first visit, with nothing in the browser's cache.
            context = browser.new_context()
            page = context.new_page()
            rows = []
            page.on("requestfinished", lambda r, rows=rows: rows.append((r.url, r.sizes()["responseBodySize"])))
            start = time.perf_counter()
            page.goto(f"{base}finder/?{visit}")
            page.wait_for_function("document.getElementById('koc-finder').dataset.total !== undefined", timeout=60000)
            ms = round((time.perf_counter() - start) * 1000)
            page.wait_for_load_state("networkidle")  # every request's event has reached us
            data = [(u, n) for u, n in rows if "/finder/data/" in u]
            out.append({"visit": visit or "(none)", "results": int(page.get_attribute("#koc-finder", "data-total")),
                        "data_files": len(data), "data_bytes": sum(n for _, n in data), "all_bytes": sum(n for _, n in rows),
                        "pagefind_requests": sum(1 for u, _ in rows if "/pagefind/" in u), "ms": ms})
            context.close()
        browser.close()
    httpd.shutdown()
    return out


def generated_files(content: Path, as_of: dt.date) -> dict[str, bytes]:
    """The finder's data files for `content`, made as the build makes them, without rendering a page."""
    from generator.catalog.catalog import build_catalog
    from generator.catalog.rights import Edition
    from generator.content.check import check_library
    from generator.options import Options
    from generator.pages.cards import cards_for
    from generator.pages.images import CARD_WIDTH, sized_path
    from generator.pages.routes import Routes
    from generator.pages.wording import VIEW_ONLY, expiry_note
    from generator.search.bundle import _filters, filter_labels
    from generator.search.finder_data import finder_data
    from generator.model import TYPE_LABELS, is_remote

    options = Options(project_dir=content.parent, content_dir=content, cache_dir=content.parent / ".cache/koc", as_of=as_of)
    checked = check_library(options)
    cat = build_catalog(checked.library, Edition(options.audience, options.as_of, options.drafts), checked.tags)
    cards = cards_for(cat, Routes(True), options.expiry_warning_days)
    records = []
    # The fields of `bundle.search_records` that the finder's data reads (not the token stream or text).
    for work in cat.listed:
        card = cards[work.id]
        cover = (work.cover if is_remote(work.cover) else sized_path(work.cover, CARD_WIDTH)) if work.cover else ""
        records.append({
            "url": "/" + card.url, "filters": _filters(work, cat),
            "sort": {"date": work.date.isoformat(), "score": str(card.score or 0)},
            "meta": {"title": work.title, "image": cover, "type": TYPE_LABELS[work.type], "date": work.date.isoformat(),
                     "credits": "、".join(f"{c.name}{c.role_note}" for c in card.credits), "uses": " · ".join(card.uses) or VIEW_ONLY,
                     "expiring": expiry_note(card.expiry_days) if card.expiry_days is not None else "",
                     "expiry": card.expiry_label if work.rights.uses else "", "id": work.id, "score": str(card.score or "")},
        })
    return finder_data(records, filter_labels(cat))


def visit_files(files: dict[str, bytes], visit: str) -> list[str]:
    """The data files finder.js fetches for a filter-only visit (as in its findLocal and localCounts)."""
    from generator.search.finder_data import value_file

    d = "finder/data/"
    meta = json.loads(files[d + "facets.json"])
    params = {k: v[0].split(",") for k, v in parse_qs(visit).items()}
    fetched = [d + "facets.json"]
    n = meta["works"]
    mask = [1] * n
    chosen = {}
    for facet in meta["facets"]:
        values = params.get(facet["key"])
        if not values:
            continue
        if "values" not in facet:
            fetched.append(f"{d}{facet['key']}/values.json")
        rows = set()
        for v in values:
            path = f"{d}{facet['key']}/{value_file(v)}.json"
            if path in files:
                fetched.append(path)
                r = 0
                for gap in json.loads(files[path])["rows"]:
                    r += gap
                    rows.add(r)
        chosen[facet["key"]] = rows
        mask = [m and (i in rows) for i, m in enumerate(mask)]
    if "meeting" in params:
        fetched.append(d + "expires.json")
        ends = json.loads(files[d + "expires.json"])
        for day, gaps in zip(ends["dates"], ends["rows"]):
            if day < params["meeting"][0]:
                r = 0
                for gap in gaps:
                    r += gap
                    mask[r] = 0
    hits = [i for i, m in enumerate(mask) if m]
    if params.get("sort") == ["score"]:
        fetched.append(d + "score.json")
        score = json.loads(files[d + "score.json"])
        hits.sort(key=lambda i: (-int(score[i]), i))
    fetched += sorted({f"{d}cards-{i // meta['cards']}.json" for i in hits[:PAGE]})
    return fetched


def measure_generated(content: Path, visits: list[str], as_of: dt.date) -> tuple[list[dict], dict]:
    start = time.perf_counter()
    files = generated_files(content, as_of)
    seconds = time.perf_counter() - start
    out = []
    for visit in visits:
        fetched = visit_files(files, visit)
        out.append({"visit": visit or "(none)", "data_files": len(fetched), "data_bytes": sum(len(files[p]) for p in fetched)})
    kinds = defaultdict(list)
    for path, data in files.items():
        name = path.rsplit("/", 1)[-1]
        kind = ("cards" if name.startswith("cards-") else name if name in ("facets.json", "score.json", "expires.json", "values.json", "all.json")
                else "one value")
        kinds[kind].append(len(data))
    sizes = {k: {"files": len(v), "max_bytes": max(v), "total_bytes": sum(v)} for k, v in sorted(kinds.items())}
    return out, {"seconds": round(seconds, 1), "files": len(files), "bytes": sum(len(b) for b in files.values()), "kinds": sizes}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--site", type=Path)
    where.add_argument("--content", type=Path)
    ap.add_argument("--visit", action="append", help="query string of /finder/ (repeatable); default: a set of typical visits")
    ap.add_argument("--as-of", default="2026-06-01")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    visits = args.visit or list(VISITS)
    if args.site:
        result = {"visits": measure_site(args.site, visits)}
    else:
        rows, totals = measure_generated(args.content, visits, dt.date.fromisoformat(args.as_of))
        result = {"visits": rows, "files": totals}
    for row in result["visits"]:
        print("  ".join(f"{k}={v}" for k, v in row.items()))
    if "files" in result:
        print(json.dumps(result["files"], indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
