"""The `koc` command line: each command wires arguments to the pipeline."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from generator.model import AUDIENCE_LABELS, Audience, Tier, Trust, WorkType
from generator.options import Options
from generator.problems import ContentError, Problem
from generator.search.facets import FACETS


def _settings(args) -> dict:
    """The koc plugin's options this command sets (None: as mkdocs.yml or the environment says)."""
    return {"audience": getattr(args, "audience", None), "as_of": getattr(args, "as_of", None),
            "drafts": getattr(args, "drafts", None) or None}


def _options(args) -> Options:
    from generator.mkdocs_adapter.config import read_options

    return read_options(Path(args.project).resolve() / "mkdocs.yml", **_settings(args))


def print_problems(problems: list[Problem], fmt: str = "text", out=None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        json.dump([{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in problems],
                  out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    for p in problems:
        if fmt == "github":
            # Workflow commands: newlines and % must be escaped in the message.
            message = p.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            line = f",line={p.line}" if p.line else ""
            print(f"::{p.severity} file={p.path}{line}::{message}", file=out)
        else:
            print(p.format(), file=out)


def cmd_check(args) -> int:
    from generator.content.check_cache import check_with_cache

    problems, works = check_with_cache(_options(args))
    print_problems(problems, args.format)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if args.format == "text":
        print(f"检查完成：{works} 件作品，{errors} 个错误，{warnings} 个警告。", file=sys.stderr)
    failed = errors or (args.strict and warnings)
    return 1 if failed else 0


def cmd_build(args) -> int:
    from generator.mkdocs_adapter.engine import EngineUnavailable, use_engine

    try:
        # Before anything imports mkdocs: ProperDocs redirects those imports to itself.
        use_engine(args.engine)
    except EngineUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    _show_mkdocs_log(name=args.engine)
    from mkdocs.exceptions import MkDocsException

    from generator.publish.build import PublishError, build_site
    from generator.publish.output_guard import OutputRefused

    project = Path(args.project).resolve()
    site_dir = Path(args.site_dir) if args.site_dir else project / "site"
    try:
        notes = build_site(project / "mkdocs.yml", site_dir, _settings(args), strict=args.strict)
    except OutputRefused as exc:
        print(str(exc), file=sys.stderr)
        print("构建未开始：没有写入或删除任何文件。", file=sys.stderr)
        return 2
    except (ContentError, MkDocsException, PublishError) as exc:
        if not isinstance(exc, ContentError):  # MkDocs has printed every problem of the library already
            print(str(exc), file=sys.stderr)
        print(f"构建失败：{site_dir} 保持不变。", file=sys.stderr)
        return 1
    for note in notes:
        print(note, file=sys.stderr)
    print(f"站点已生成：{site_dir}", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    from mkdocs.commands.serve import serve

    from generator.mkdocs_adapter.config import plugins_with

    config_file = Path(args.project).resolve() / "mkdocs.yml"
    # Drafts shown unless --no-drafts; errors show in the terminal and on the pages instead of stopping the preview.
    plugins = plugins_with(config_file, **dict(_settings(args), drafts=not args.no_drafts, preview=True))
    print(f"预览地址：http://{args.dev_addr}/ （保存 content/ 或 site_templates/ 下的文件后自动刷新；Ctrl+C 退出）", file=sys.stderr)
    serve(config_file=str(config_file), open_in_browser=False, dev_addr=args.dev_addr, livereload=True,
          build_type="dirty", plugins=plugins)
    return 0


def cmd_export(args) -> int:
    from generator.pages.site import generate_site
    from generator.publish.build import PublishError, export_pages
    from generator.publish.output_guard import OutputKind, OutputRefused, guard_target, project_folders

    opts = _options(args)
    kind = OutputKind.export(opts.audience.value)
    protected = project_folders(opts.project_dir, opts.content_dir, opts.templates_dir, opts.cache_dir)
    try:
        # Checked before the library is even read, and again just before writing.
        guard_target(Path(args.dir), kind, protected, opts.project_dir)
        sources = generate_site(opts)
    except OutputRefused as exc:
        print(str(exc), file=sys.stderr)
        print("导出未开始：没有写入或删除任何文件。", file=sys.stderr)
        return 2
    except ContentError as exc:
        print_problems(exc.problems, "text", sys.stderr)
        return 1
    extra = None
    with sources:
        if args.with_config:
            from generator.mkdocs_adapter.config import _raw_config
            from generator.publish.export_project import project_files

            # mkdocs.yml for the export, and the hand-written pages and theme overrides it copies.
            extra = project_files(opts, _raw_config(opts.project_dir / "mkdocs.yml"), set(sources.pages))
        try:
            n = export_pages(sources, Path(args.dir), kind, protected, opts.project_dir,
                             [opts.content_dir / "media", opts.cache_dir / "images"], extra)
        except OutputRefused as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except PublishError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"已导出 {n} 个页面到 {args.dir}（{AUDIENCE_LABELS[opts.audience]}）", file=sys.stderr)
    if args.with_config:
        print(f"在 {args.dir} 中运行 zensical build（或 mkdocs build / properdocs build）即可构建站点", file=sys.stderr)
    return 0


def cmd_schema(args) -> int:
    from generator.content.check import check_library
    from generator.content.schema import work_json_schema

    library = check_library(_options(args)).library
    names = lambda terms: [n for t in terms for n in (t.label, *t.aliases)]  # noqa: E731
    schema = work_json_schema(names(library.taxonomy.scenarios), names(library.taxonomy.models))
    json.dump(schema, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_search(args) -> int:
    from rich.console import Console

    from generator.search.results import render_terminal, search_library

    try:
        result = search_library(_options(args), args.query, {f: getattr(args, f) for f in FACETS},
                                limit=args.limit, sort=args.sort)
    except ContentError as exc:
        print_problems(exc.problems, "text", sys.stderr)
        return 1
    except ValueError as exc:
        print(f"查询无效：{exc}", file=sys.stderr)
        return 2
    _emit(result, args.json, lambda: render_terminal(result, Console()))
    return 0


def _emit(data, as_json: bool, show) -> None:
    """Stable JSON for tools, or the human view."""
    if as_json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        show()


def cmd_stats(args) -> int:
    from rich.console import Console

    from generator.content.check import check_library
    from generator.catalog.figures import operations_figures
    from generator.catalog.stats import library_stats, print_stats
    from generator.cli.operations_tables import print_operations

    opts = _options(args)
    checked = check_library(opts)
    errors = [p for p in checked.problems if p.severity == "error"]
    if errors:
        print_problems(errors, "text", sys.stderr)
        print("（统计只包含通过校验的作品）", file=sys.stderr)
    stats = library_stats(checked.library, opts.as_of)
    figures = operations_figures(checked.library, opts.as_of, opts.weights)
    stats["operations"] = figures.as_json()

    def show():
        console = Console()
        print_stats(stats, console)
        print_operations(figures, console)

    _emit(stats, args.json, show)
    return 0


def _ask(label: str, default: str = "", choices: list[str] | None = None) -> str:
    hint = f"（可选：{'、'.join(choices)}）" if choices else ""
    answer = input(f"{label}{hint}{f' [{default}]' if default else ''}: ").strip()
    return answer or default


def cmd_new(args) -> int:
    import datetime as dt

    from generator.content.check import check_library
    from generator.content.scaffold import WorkDraft, add_contributor, create_work, suggest_id
    from generator.content.taxonomy import Vocabulary
    from generator.model import TYPE_LABELS, default_credit_line

    opts = _options(args)
    prompt = args.prompt or (sys.stdin.isatty() and not args.title)
    try:
        if args.kind == "contributor":
            cid = args.id or (_ask("贡献者 id（小写字母、数字、连字符）") if prompt else "")
            name = args.name or (_ask("署名（公开显示的名字）") if prompt else "")
            tier = args.tier or (_ask("成长阶段", Tier.EXPLORER.value, [t.value for t in Tier]) if prompt else Tier.EXPLORER.value)
            if not cid or not name:
                print("需要 --id 和 --name", file=sys.stderr)
                return 2
            path = add_contributor(opts.content_dir, cid, name, tier, args.city or "")
            print(f"已添加贡献者 {cid} 到 {path}")
            print("下一步：运行 koc check；个人信息只写在该条目的 private: 下。")
            return 0
        library = check_library(opts).library
        scenarios, models = Vocabulary(library.taxonomy.scenarios), Vocabulary(library.taxonomy.models)
        if args.kind == "task":
            return _new_task(args, opts, library, scenarios, models, prompt)
        title = args.title or (_ask("标题") if prompt else "")
        wtype = args.type or (_ask("类型", "article", [f"{t.value}={label}" for t, label in TYPE_LABELS.items()]).split("=")[0] if prompt else "")
        date = args.date or (_ask("日期", dt.date.today().isoformat()) if prompt else dt.date.today().isoformat())
        credits = args.contributor or ([c for c in _ask("贡献者（id:角色，多个用空格分隔）", "", sorted(library.contributors)).split() if c] if prompt else [])
        scen = args.scenario or ([x for x in _ask("场景（多个用空格分隔）", "", [t.label for t in scenarios.terms]).split() if x] if prompt else [])
        mods = args.model or ([x for x in _ask("车型（多个用空格分隔）", "", [t.label for t in models.terms]).split() if x] if prompt else [])
        tags = args.tag or ([x for x in _ask("标签（多个用空格分隔）").split() if x] if prompt else [])
        if not (title and wtype and credits):
            print("需要 --title、--type 和至少一个 --contributor id[:角色]（或在终端中按提示输入）", file=sys.stderr)
            return 2
        draft = WorkDraft(title, wtype, dt.date.fromisoformat(date), [tuple((c.split(":", 1) + [""])[:2]) for c in credits], scen, mods, tags)
        draft.credit_line = default_credit_line(library.contributors[cid].name if cid in library.contributors else cid
                                                for cid, _ in draft.contributors)
        model = models.resolve(mods[0]) if mods else None
        scenario = scenarios.resolve(scen[0]) if scen else None
        taken = {w.id for w in library.works} | {p.stem for p in (opts.content_dir / "works").rglob("*.md")}
        suggested = suggest_id(title, draft.date, model.slug if model else None, wtype, taken, scenario.slug if scenario else None)
        work_id = args.id or (_ask("作品 id（即文件名）", suggested) if prompt else suggested)
        path = create_work(opts.content_dir, work_id, draft)
    except (FileExistsError, ValueError) as exc:
        print(f"未创建：{exc}", file=sys.stderr)
        return 1
    print(f"已创建 {path.relative_to(opts.project_dir)}")
    print("下一步：补全正文和授权（rights），核对后把 status 改为 published，然后运行 koc check 和 koc serve 预览。")
    return 0


def _new_task(args, opts, library, scenarios, models, prompt: bool) -> int:
    """`koc new task`: a brief in tasks.yml, from flags or prompts (the dashboard's gap commands prefill both)."""
    import datetime as dt

    from generator.content.scaffold import TaskDraft, add_task, suggest_task_id
    from generator.model import TRUST_LABELS, TYPE_LABELS

    def terms(given, vocabulary, label):
        names = given or ([x for x in _ask(f"{label}（多个用空格分隔）", "", [t.label for t in vocabulary.terms]).split() if x] if prompt else [])
        found = []
        for name in names:
            term = vocabulary.by_slug.get(name) or vocabulary.resolve(name)
            if term is None:
                raise ValueError(f"未知{label}“{name}”；可选：{'、'.join(t.label for t in vocabulary.terms)}")
            found.append(term)
        return found

    scen = terms(args.scenario, scenarios, "场景")
    mods = terms(args.model, models, "车型")
    title = args.title or (_ask("任务标题") if prompt else "")
    goal = args.goal or (_ask("任务目标（具体、可衡量）") if prompt else "")
    trust = args.trust or (_ask("信任层级", Trust.FRAMEWORK.value, [f"{t.value}={label}" for t, label in TRUST_LABELS.items()]).split("=")[0] if prompt else Trust.FRAMEWORK.value)
    wtype = args.type or (_ask("交付物类型", "video", [f"{t.value}={label}" for t, label in TYPE_LABELS.items()]).split("=")[0] if prompt else "video")
    length = args.length or (_ask("篇幅或时长（如 1–3 分钟）") if prompt else "")
    start = args.start or (_ask("开始日期", dt.date.today().isoformat()) if prompt else dt.date.today().isoformat())
    end = args.end or (_ask("结束日期", (dt.date.fromisoformat(start) + dt.timedelta(days=60)).isoformat()) if prompt else "")
    criteria = list(args.criterion or [])
    while prompt and not args.criterion:  # one criterion per answer; an empty answer ends the list
        answer = _ask(f"评估标准 {len(criteria) + 1}（留空结束）")
        if not answer:
            break
        criteria.append(answer)
    owner = args.owner or (_ask("负责人") if prompt else "")
    if not title:
        print("需要 --title（或在终端中按提示输入）", file=sys.stderr)
        return 2
    if trust not in {t.value for t in Trust}:
        raise ValueError(f"trust 应为 {'、'.join(t.value for t in Trust)}")
    period_from = dt.date.fromisoformat(start)
    period_to = dt.date.fromisoformat(end) if end else period_from + dt.timedelta(days=60)
    draft = TaskDraft(title, goal, trust, wtype, length, period_from, period_to, criteria, owner,
                      [t.label for t in scen], [t.label for t in mods])
    suggested = suggest_task_id(scen[0].slug if scen else None, mods[0].slug if mods else None, period_from.year, set(library.tasks))
    task_id = args.id or (_ask("任务 id", suggested) if prompt else suggested)
    path = add_task(opts.content_dir, task_id, draft)
    print(f"已在 {path.relative_to(opts.project_dir)} 中新建任务 {task_id}")
    print("下一步：补全目标和评估标准，运行 koc check；作品用 task: " + task_id + " 关联到这个任务。")
    return 0



def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD：{text}") from None


def build_parser() -> argparse.ArgumentParser:
    from generator.mkdocs_adapter.engine import DEFAULT_ENGINE, ENGINES
    from generator.search.query import SORTS

    parser = argparse.ArgumentParser(prog="koc", description="KOC 作品库：校验内容、生成站点、检索作品")
    parser.add_argument("--project", default=".", help="项目目录（含 content/ 与 mkdocs.yml），默认当前目录")
    sub = parser.add_subparsers(dest="command", required=True)

    def edition(p, drafts=True):
        p.add_argument("--audience", choices=[a.value for a in Audience], help="站点版本（默认 internal，或 KOC_AUDIENCE）")
        p.add_argument("--as-of", type=_date, help="数据截至日期 YYYY-MM-DD（默认今天，或 KOC_AS_OF / SOURCE_DATE_EPOCH）")
        if drafts:
            p.add_argument("--drafts", action="store_true", help="包含草稿（仅供预览）")

    p = sub.add_parser("check", help="校验整个内容库")
    p.add_argument("--strict", action="store_true", help="警告也视为失败")
    p.add_argument("--format", choices=["text", "github", "json"], default="text")
    edition(p, drafts=False)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="校验并生成站点（失败时保留原站点）")
    edition(p)
    p.add_argument("--site-dir", help="输出目录，默认 site/")
    p.add_argument("--strict", action="store_true", help="MkDocs 的警告也视为失败")
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help="构建引擎：mkdocs（默认，MkDocs 1.6）或 properdocs（MkDocs 1.x 的维护分支，需安装 .[properdocs]）")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="本地预览，内容修改后自动重建（默认显示草稿）")
    edition(p, drafts=False)
    p.add_argument("--no-drafts", action="store_true")
    p.add_argument("--dev-addr", default="127.0.0.1:8000")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("export", help="把生成的页面写成 Markdown 文件（供其他引擎构建）；只写入空目录或之前同版本的导出目录")
    p.add_argument("dir")
    edition(p)
    p.add_argument("--with-config", action="store_true",
                   help="同时写出 mkdocs.yml（不含 koc 插件）与主题覆盖：页面放在 DIR/docs/，DIR 可直接用 zensical build 构建")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("search", help="全文检索作品（中文分词，支持筛选与分面统计）")
    p.add_argument("query", nargs="?", default="", help='关键词或 whoosh 查询，如 "第二排 AND type:video"')
    for name in FACETS:
        p.add_argument(f"--{name}", help=f"只看 {name} 为该值的作品（标签/场景/车型可写名称或别名）")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--sort", choices=SORTS, default=SORTS[0])
    p.add_argument("--json", action="store_true", help="输出 JSON（格式见 README）")
    edition(p, drafts=False)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("new", help="新建作品文件（或 koc new contributor / koc new task 新建贡献者、任务），不会覆盖已有文件")
    p.add_argument("kind", nargs="?", choices=["work", "contributor", "task"], default="work")
    p.add_argument("--title")
    p.add_argument("--type", choices=[t.value for t in WorkType])
    p.add_argument("--date", help="YYYY-MM-DD，默认今天")
    p.add_argument("--contributor", action="append", help="id[:角色]，可重复")
    p.add_argument("--scenario", action="append")
    p.add_argument("--model", action="append")
    p.add_argument("--tag", action="append")
    p.add_argument("--id", help="作品或贡献者 id；默认按日期、车型和类型建议")
    p.add_argument("--name", help="贡献者署名（koc new contributor）")
    p.add_argument("--tier", choices=[t.value for t in Tier])
    p.add_argument("--city")
    p.add_argument("--goal", help="任务目标（koc new task）")
    p.add_argument("--trust", choices=[t.value for t in Trust], help="信任层级（koc new task）")
    p.add_argument("--length", help="交付物篇幅或时长（koc new task）")
    p.add_argument("--from", dest="start", help="任务开始日期 YYYY-MM-DD（koc new task）")
    p.add_argument("--to", dest="end", help="任务结束日期 YYYY-MM-DD（koc new task）")
    p.add_argument("--criterion", action="append", help="评估标准，可重复（koc new task）")
    p.add_argument("--owner", help="任务负责人（koc new task）")
    p.add_argument("--prompt", action="store_true", help="逐项提问（终端中缺少 --title 时默认提问）")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("stats", help="统计作品数量与即将到期的授权")
    p.add_argument("--json", action="store_true")
    p.add_argument("--as-of", type=_date, help="数据截至日期 YYYY-MM-DD")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("schema", help="输出作品 frontmatter 的 JSON Schema")
    p.set_defaults(func=cmd_schema)
    return parser


class _StderrHandler(logging.Handler):
    # Looks sys.stderr up at each record, so redirected or captured output works.
    def emit(self, record):
        message = record.getMessage()
        # The preview rebuilds only changed pages on purpose; MkDocs' warning about it is noise.
        if "'dirty' build" in message:
            return
        print(f"{record.levelname}: {message}", file=sys.stderr)


def _show_mkdocs_log(level=logging.WARNING, name: str = "mkdocs") -> None:
    """Print the engine's log (`mkdocs`, or `properdocs`, which then also carries the plugins' `mkdocs.*` log)."""
    for other in ("mkdocs", "properdocs"):
        if other != name:
            theirs = logging.getLogger(other)
            for handler in [h for h in theirs.handlers if isinstance(h, _StderrHandler)]:
                theirs.removeHandler(handler)
    logger = logging.getLogger(name)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler(level)
        logger.addHandler(handler)
        logger.setLevel(min(logger.level or logging.WARNING, level))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _show_mkdocs_log()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
