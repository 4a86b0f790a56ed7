"""`koc stats`: the dashboard's figures as rich tables in the terminal.

The numbers are `OperationsFigures`, the same object `/dashboard/` draws.
"""

from __future__ import annotations

from generator.catalog.figures import USE_TITLES, OperationsFigures, Series


def _series_table(title: str, s: Series):
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("时间")
    for key in s.rows:
        table.add_column(s.labels[key], justify="right")
    for i, period in enumerate(s.periods):
        table.add_row(period, *(str(v[i]) for v in s.rows.values()))
    return table


def print_operations(f: OperationsFigures, console) -> None:
    from rich.table import Table

    console.print(f"\n[bold]运营看板[/]（数据截至 {f.as_of.isoformat()}，在库作品 {f.in_force} 件）")
    for use, c in f.coverage.items():
        table = Table(title=f"覆盖图：可用于{USE_TITLES[use]}（场景 × 车型，· 为缺口）", title_justify="left")
        table.add_column("场景")
        for _, label in c.models:
            table.add_column(label, justify="right")
        for s, label in c.scenarios:
            table.add_row(label, *(str(c.count(s, m)) if c.count(s, m) else "[red]·[/]" for m, _ in c.models))
        console.print(table)
        gaps = c.gaps()
        console.print(f"缺口 {len(gaps)} 个；为缺口新建任务，例如：koc new task --scenario {gaps[0][0]} --model {gaps[0][1]}" if gaps else "没有缺口")
    console.print(_series_table("每月归档作品（按类型）", f.intake))
    console.print(_series_table("各季度有作品归档的贡献者（按成长阶段）", f.tiers))
    console.print(_series_table("每月复用次数", f.reuses))
    table = Table(title="90 天内到期的授权", title_justify="left")
    for col in ("到期日", "剩余天数", "id", "标题", "复用"):
        table.add_column(col)
    for r in f.expiring:
        table.add_row(r.expires.isoformat(), str(r.days_left), r.id, r.title, str(r.reuses))
    console.print(table if f.expiring else "[bold]90 天内到期的授权[/]：无")
    table = Table(title=f"{f.as_of.year} 年复用最多的作品", title_justify="left")
    for col in ("#", "id", "标题", "今年复用"):
        table.add_column(col)
    for i, w in enumerate(f.top_works, 1):
        table.add_row(str(i), w.id, w.title, str(w.reuses))
    console.print(table)
    table = Table(title=f"{f.as_of.year} 年贡献分最高的贡献者", title_justify="left")
    for col in ("#", "贡献者", "阶段", "作品", "贡献分"):
        table.add_column(col)
    for i, c in enumerate(f.top_contributors, 1):
        table.add_row(str(i), c.name, c.tier, str(c.works), f"{c.score:.2f}")
    console.print(table)
