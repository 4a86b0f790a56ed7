"""`koc stats`: what the library holds, and which rights need attention.

Counts cover works in force (published, not withdrawn, rights not expired on
the as-of date); expiring and expired rights are listed by id.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from generator.model import TYPE_LABELS, Library, Status, WorkType
from generator.catalog.rights import days_left, expired


def library_stats(library: Library, as_of: dt.date, window: int = 30) -> dict:
    live = [w for w in library.works if w.status is Status.PUBLISHED and not expired(w, as_of)]
    scenarios = {t.slug: t.label for t in library.taxonomy.scenarios}
    models = {t.slug: t.label for t in library.taxonomy.models}
    by_contributor = Counter(cid for w in live for cid in dict.fromkeys(w.contributor_ids))
    credited = {cid for w in library.works for cid in w.contributor_ids}

    def rows(counter: Counter, labels: dict) -> list[dict]:
        return [{"id": k, "label": labels.get(k, k), "works": n} for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]

    expiring = sorted(
        ({"id": w.id, "title": w.title, "expires": w.rights.expires.isoformat(), "days_left": days_left(w, as_of)}
         for w in live if w.rights.expires and 0 <= days_left(w, as_of) < window),
        key=lambda r: (r["expires"], r["id"]))
    lapsed = sorted(({"id": w.id, "title": w.title, "expires": w.rights.expires.isoformat()}
                     for w in library.works if w.status is not Status.WITHDRAWN and expired(w, as_of)),
                    key=lambda r: (r["expires"], r["id"]))
    return {
        "as_of": as_of.isoformat(),
        "works": {"total": len(library.works), "in_force": len(live),
                  "draft": sum(w.status is Status.DRAFT for w in library.works),
                  "withdrawn": sum(w.status is Status.WITHDRAWN for w in library.works)},
        "by_type": rows(Counter(w.type.value for w in live), {t.value: TYPE_LABELS[t] for t in WorkType}),
        "by_scenario": rows(Counter(s for w in live for s in w.scenarios), scenarios),
        "by_model": rows(Counter(m for w in live for m in w.models), models),
        "by_contributor": rows(by_contributor, {c.id: c.name for c in library.contributors.values()}),
        "expiring": expiring,
        "expired": lapsed,
        "contributors_without_works": sorted(cid for cid in library.contributors if cid not in credited),
    }


def print_stats(stats: dict, console) -> None:
    from rich.table import Table

    w = stats["works"]
    console.print(f"[bold]作品[/] {w['total']} 件：在库 {w['in_force']}，草稿 {w['draft']}，已撤回 {w['withdrawn']}（数据截至 {stats['as_of']}）")
    for key, title in (("by_type", "按类型"), ("by_scenario", "按场景"), ("by_model", "按车型"), ("by_contributor", "按贡献者")):
        table = Table(title=title, title_justify="left")
        table.add_column("名称")
        table.add_column("id", style="dim")
        table.add_column("作品", justify="right")
        for row in stats[key]:
            table.add_row(row["label"], row["id"], str(row["works"]))
        console.print(table)
    for key, title in (("expiring", "30 天内到期"), ("expired", "授权已到期")):
        table = Table(title=title, title_justify="left")
        for col in ("id", "标题", "到期日"):
            table.add_column(col)
        for row in stats[key]:
            table.add_row(row["id"], row["title"], row["expires"] + (f"（{row['days_left']} 天）" if "days_left" in row else ""))
        console.print(table if stats[key] else f"[bold]{title}[/]：无")
    names = stats["contributors_without_works"]
    console.print(f"[bold]尚无作品的贡献者[/]：{'、'.join(names) if names else '无'}")
