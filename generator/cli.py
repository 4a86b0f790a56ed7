"""The `koc` command line: each command wires arguments to the pipeline."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .options import Options, resolve_as_of, resolve_audience
from .problems import Problem, ProblemsError


def _options(args) -> Options:
    return Options(
        project_dir=Path(args.project),
        audience=resolve_audience(getattr(args, "audience", None)),
        as_of=resolve_as_of(getattr(args, "as_of", None)),
        drafts=getattr(args, "drafts", False),
    ).resolve()


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
    from .site import check_library

    checked = check_library(_options(args))
    print_problems(checked.problems, args.format)
    errors = sum(p.severity == "error" for p in checked.problems)
    warnings = len(checked.problems) - errors
    if args.format == "text":
        works = len(checked.library.works)
        print(f"检查完成：{works} 件作品，{errors} 个错误，{warnings} 个警告。", file=sys.stderr)
    failed = errors or (args.strict and warnings)
    return 1 if failed else 0


def _edition_env(args) -> dict:
    opts = _options(args)
    return {"KOC_AUDIENCE": opts.audience.value, "KOC_AS_OF": opts.as_of.isoformat(), "KOC_DRAFTS": "1" if opts.drafts else None}


def cmd_build(args) -> int:
    from mkdocs.exceptions import MkDocsException

    from .publish import build_site

    project = Path(args.project).resolve()
    site_dir = Path(args.site_dir) if args.site_dir else project / "site"
    try:
        build_site(project / "mkdocs.yml", site_dir, _edition_env(args), strict=args.strict)
    except (MkDocsException, ProblemsError) as exc:
        if isinstance(exc, ProblemsError):
            print_problems(exc.problems, "text", sys.stderr)
        else:
            print(str(exc), file=sys.stderr)
        print(f"构建失败：{site_dir} 保持不变。", file=sys.stderr)
        return 1
    print(f"站点已生成：{site_dir}", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    import os

    from mkdocs.commands.serve import serve

    args.drafts = not args.no_drafts
    os.environ.update({k: v for k, v in _edition_env(args).items() if v})
    serve(config_file=str(Path(args.project).resolve() / "mkdocs.yml"), open_in_browser=False,
          dev_addr=args.dev_addr, livereload=True)
    return 0


def cmd_export(args) -> int:
    from .publish import export_pages
    from .site import generate_site

    try:
        sources = generate_site(_options(args))
    except ProblemsError as exc:
        print_problems(exc.problems, "text", sys.stderr)
        return 1
    n = export_pages(sources, Path(args.dir))
    print(f"已导出 {n} 个页面到 {args.dir}", file=sys.stderr)
    return 0


def cmd_schema(args) -> int:
    from .site import check_library
    from .schema import work_json_schema

    library = check_library(_options(args)).library
    names = lambda terms: [n for t in terms for n in (t.label, *t.aliases)]  # noqa: E731
    schema = work_json_schema(names(library.taxonomy.scenarios), names(library.taxonomy.models))
    json.dump(schema, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_search(args) -> int:
    from rich.console import Console

    from .search_output import render_terminal, search_library

    try:
        result = search_library(_options(args), args.query, {f: getattr(args, f) for f in FILTERS},
                                limit=args.limit, sort=args.sort)
    except ProblemsError as exc:
        print_problems(exc.problems, "text", sys.stderr)
        return 1
    except ValueError as exc:
        print(f"查询无效：{exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        render_terminal(result, Console())
    return 0


FILTERS = ("type", "scenario", "model", "tag", "contributor", "use", "year")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="koc", description="KOC 作品库：校验内容、生成站点、检索作品")
    parser.add_argument("--project", default=".", help="项目目录（含 content/ 与 mkdocs.yml），默认当前目录")
    sub = parser.add_subparsers(dest="command", required=True)

    def edition(p, drafts=True):
        p.add_argument("--audience", choices=["internal", "dealer"], help="站点版本（默认 internal，或 KOC_AUDIENCE）")
        p.add_argument("--as-of", help="数据截至日期 YYYY-MM-DD（默认今天，或 KOC_AS_OF / SOURCE_DATE_EPOCH）")
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
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="本地预览，内容修改后自动重建（默认显示草稿）")
    edition(p, drafts=False)
    p.add_argument("--no-drafts", action="store_true")
    p.add_argument("--dev-addr", default="127.0.0.1:8000")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("export", help="把生成的页面写成 Markdown 文件（供其他引擎构建）")
    p.add_argument("dir")
    edition(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("search", help="全文检索作品（中文分词，支持筛选与分面统计）")
    p.add_argument("query", nargs="?", default="", help='关键词或 whoosh 查询，如 "第二排 AND type:video"')
    for name in FILTERS:
        p.add_argument(f"--{name}", help=f"只看 {name} 为该值的作品（标签/场景/车型可写名称或别名）")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--sort", choices=["relevance", "date", "score"], default="relevance")
    p.add_argument("--json", action="store_true", help="输出 JSON（格式见 README）")
    edition(p, drafts=False)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("schema", help="输出作品 frontmatter 的 JSON Schema")
    p.set_defaults(func=cmd_schema)
    return parser


class _StderrHandler(logging.Handler):
    # Looks sys.stderr up at each record, so redirected or captured output works.
    def emit(self, record):
        print(f"{record.levelname}: {record.getMessage()}", file=sys.stderr)


def _show_mkdocs_log(level=logging.WARNING) -> None:
    logger = logging.getLogger("mkdocs")
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
