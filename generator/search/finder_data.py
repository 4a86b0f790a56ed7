"""The case finder's data for filter-only visits, cut so that a visit loads only what it shows.

A search without words is answered in the browser from these files, not from
Pagefind (which would download its whole word index). One file holding every
work's facet values grows with the library (~1 MB at 20,000 works, ~2.4 MB at
50,000), so the data is split by what a visit needs:

- `finder/data/facets.json`: the facets in the finder's order with their labels,
  the number of works, and per facet its values, their labels and how many works
  each has (a facet of more than `INLINE_VALUES` values, e.g. contributors, keeps
  these in `<facet>/values.json`, fetched when its list is opened or filtered on);
- `finder/data/<facet>/<value>.json`: the works holding one value (row numbers,
  newest first, as gaps) and, for every other facet, how many of them hold each
  of its values; so a visit filtered on one value shows its results and every
  count from one file;
- `finder/data/<facet>/all.json`: every value's works at once, fetched only for
  counts no single value file gives (filters on two facets, a meeting date) and
  only when that facet's list is opened;
- `finder/data/score.json` (sort by score), `finder/data/expires.json` (meeting
  date) and `finder/data/cards-<n>.json` (the result-card fields of rows
  n×CARD_SHARD …): fetched only when needed.

Example:
    >>> files = finder_data(search_records(inputs), filter_labels(cat))   # doctest: +SKIP
    >>> json.loads(files["finder/data/facets.json"])["facets"][0]["key"]  # doctest: +SKIP
    'type'
"""

from __future__ import annotations

import json
import re
from collections import Counter

from generator.search.bundle import NO_EXPIRY
from generator.search.facets import FACET_LABELS, FACETS

# Rows per card file: a page of 12 results whose works lie far apart fetches at most
# 12 files, so a file stays small (~6 KB at 20 rows).
CARD_SHARD = 20
# Facets with more values than this (contributors in a large library: ~1 per 8 works)
# keep their values out of facets.json.
INLINE_VALUES = 300
_SAFE = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def value_file(value: str) -> str:
    """The file name of one facet value: the value itself when it is a plain slug, else its
    UTF-8 in hex behind a "~" (finder.js names files the same way).

    >>> value_file("family-weekend"), value_file("露营")
    ('family-weekend', '~e99cb2e890a5')
    """
    return value if _SAFE.fullmatch(value) else "~" + value.encode("utf-8").hex()


def _gaps(rows: list[int]) -> list[int]:
    """Ascending row numbers as the first one and the gaps after it (short in JSON)."""
    return [b - a for a, b in zip([0] + rows, rows)]


def _dump(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def finder_data(records: list[dict], labels: dict[str, dict[str, str]]) -> dict[str, bytes]:
    """Site path → bytes of every finder data file, from the Pagefind records (newest first)
    and the display names of the filter values (`bundle.filter_labels`)."""
    base = "finder/data/"
    n = len(records)
    # Values in the order the finder lists them (the labels' order), then any value without a label.
    values: dict[str, list[str]] = {}
    for f in FACETS:
        seen = dict.fromkeys(labels.get(f, {}))
        for record in records:
            seen.update(dict.fromkeys(record["filters"].get(f, [])))
        values[f] = list(seen)
    code = {f: {v: i for i, v in enumerate(vs)} for f, vs in values.items()}
    # Row → codes per facet, and value → rows.
    row_codes = [{f: [code[f][v] for v in r["filters"].get(f, [])] for f in FACETS} for r in records]
    postings: dict[str, list[list[int]]] = {f: [[] for _ in values[f]] for f in FACETS}
    for row, codes in enumerate(row_codes):
        for f in FACETS:
            for c in codes[f]:
                postings[f][c].append(row)

    files: dict[str, bytes] = {}
    facets = []
    for f in FACETS:
        # "single": no work holds two values, so counts under several of them add up.
        entry = {"key": f, "label": FACET_LABELS[f], "single": all(len(codes[f]) <= 1 for codes in row_codes)}
        names = [labels.get(f, {}).get(v, v) for v in values[f]]
        counts = [len(p) for p in postings[f]]
        listing = {"values": values[f], "labels": names, "counts": counts}
        if len(values[f]) > INLINE_VALUES:
            files[f"{base}{f}/values.json"] = _dump(listing)
            entry["size"] = len(values[f])
        else:
            entry.update(listing)
        facets.append(entry)
        files[f"{base}{f}/all.json"] = _dump([_gaps(p) for p in postings[f]])
        for c, rows in enumerate(postings[f]):
            if not rows:
                continue
            # Counts of the other facets' values among these works, as [code, count, code, count, …].
            together = {g: Counter() for g in FACETS if g != f}
            for row in rows:
                for g, counter in together.items():
                    counter.update(row_codes[row][g])
            files[f"{base}{f}/{value_file(values[f][c])}.json"] = _dump({
                "rows": _gaps(rows),
                "counts": {g: [x for pair in sorted(counter.items()) for x in pair] for g, counter in together.items()},
            })

    files[f"{base}facets.json"] = _dump({"works": n, "cards": CARD_SHARD, "facets": facets})
    files[f"{base}score.json"] = _dump("".join(str(min(9, int(r["sort"]["score"] or 0))) for r in records))
    # Works whose rights end, by end date: a meeting date leaves out those ending before it.
    ending: dict[str, list[int]] = {}
    for row, record in enumerate(records):
        for day in record["filters"].get("expires", []):
            if day != NO_EXPIRY:
                ending.setdefault(day, []).append(row)
    days = sorted(ending)
    files[f"{base}expires.json"] = _dump({"never": NO_EXPIRY, "dates": days, "rows": [_gaps(ending[d]) for d in days]})

    for start in range(0, n, CARD_SHARD):
        files[f"{base}cards-{start // CARD_SHARD}.json"] = _dump([_card(r) for r in records[start:start + CARD_SHARD]])
    return files


def _card(record: dict) -> list:
    """The fields finder.js fills the result card with (the card's markup is the page's
    `<template>`, rendered from the listings' own `card` macro)."""
    m = record["meta"]
    kind = (record["filters"].get("type") or [""])[0]
    return [record["url"], m["title"], m["type"], m["date"], m["credits"], m["uses"], m["expiring"], m["score"],
            m["image"], m["expiry"], m["id"], kind]
