"""`koc search`: query the edition's index and shape the answer (JSON or terminal).

The JSON shape is stable (see README, "koc search --json"):
{"query", "filters", "sort", "total", "results": [{"id", "title", "type", "date", "url",
 "contributors": [{"id", "name", "role"}], "uses", "score", "relevance", "snippet"}],
 "facets": {"type"|"scenario"|"model"|"tag"|"contributor"|"use"|"year": {value: count}}}
`snippet` is HTML-escaped text with each hit wrapped in <mark>…</mark>.
"""

from __future__ import annotations

import html
import re

from generator.catalog.catalog import build_catalog
from generator.catalog.rights import Edition
from generator.content.check import check_library
from generator.options import Options
from generator.pages.routes import Routes
from generator.problems import ContentError, has_errors
from generator.search.query import QueryError, filters_query, make_resolver, parse_query, search
from generator.search.bundle import filter_labels
from generator.search.edition_index import index_library


def search_library(options: Options, text: str, filters: dict, limit: int = 10, sort: str = "relevance") -> dict:
    checked = check_library(options)
    if has_errors(checked.problems):
        raise ContentError([p for p in checked.problems if p.severity == "error"])
    cat = build_catalog(checked.library, Edition(options.audience, options.as_of, options.drafts), checked.tags)
    routes = Routes(options.use_directory_urls)
    ix, _ = index_library(cat, options)
    resolve = make_resolver(checked.library, checked.tags)
    resolved = {}
    for name, value in filters.items():
        if value:
            indexed = resolve(name, str(value))
            if indexed is None:
                raise QueryError(f"--{name} {value}：库中没有这个值")
            resolved[name] = indexed
    q = parse_query(text, ix.schema, resolve)
    with ix.searcher() as searcher:
        result = search(searcher, q, filters_query(resolved), limit=limit, sort=sort, snippets=True)
    people = checked.library.contributors
    works = {w.id: w for w in cat.listed}
    rows = []
    for hit in result.hits:
        work = works[hit.id]
        rows.append({
            "id": work.id,
            "title": work.title,
            "type": work.type.value,
            "date": work.date.isoformat(),
            "url": routes.url("work", id=work.id),
            "contributors": [{"id": c.contributor, "name": people[c.contributor].name, "role": c.role} for c in work.credits],
            "uses": [u.value for u in work.rights.uses],
            "score": work.evaluation.score if work.evaluation else None,
            "relevance": round(hit.score, 4),
            "snippet": hit.snippet if "<mark>" in hit.snippet else html.escape(work.summary[:120]),
        })
    return {"query": text, "filters": {k: v for k, v in filters.items() if v}, "sort": sort, "total": result.total,
            "results": rows, "facets": result.facets, "labels": filter_labels(cat)}


def render_terminal(result: dict, console) -> None:
    from rich.markup import escape

    from generator.pages.cards import role_note

    console.print(f"[bold]{result['total']}[/bold] 件作品匹配 “{escape(result['query'])}”" + (f"，筛选 {result['filters']}" if result["filters"] else ""))
    for n, row in enumerate(result["results"], 1):
        names = "、".join(c["name"] + role_note(c["role"]) for c in row["contributors"])
        console.print(f"\n[bold cyan]{n}. {escape(row['title'])}[/]  [dim]{row['type']} · {row['date']} · {row['id']}[/]")
        console.print(f"   {escape(names)}")
        snippet = escape(html.unescape(re.sub(r"</?mark>", "\x00", row["snippet"])))
        parts = snippet.split("\x00")
        console.print("   " + "".join(f"[reverse yellow]{p}[/]" if i % 2 else p for i, p in enumerate(parts)))
    titles = {"type": "类型", "scenario": "场景", "model": "车型", "contributor": "贡献者"}
    for name, title in titles.items():
        counts = result["facets"].get(name) or {}
        if counts:
            labels = result["labels"].get(name, {})
            console.print(f"\n[bold]{title}[/]  " + "  ".join(f"{escape(labels.get(k, k))} [dim]{v}[/]" for k, v in list(counts.items())[:12]))
