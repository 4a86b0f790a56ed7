"""The baseline: the same works as a plain MkDocs + Material project (SPEC §10).

    python bench/plain.py --content DIR/content --out DIR/plain

writes DIR/plain/mkdocs.yml and DIR/plain/docs/{index.md, works/<id>.md}:
one ordinary page per work (title, a short metadata list, the body), kept out
of the navigation as the KOC site does, so that the comparison measures the
generator's extra pages and features, not a navigation that grows with the
library. Drafts are left out and withdrawn or expired works become the same
bodiless stub as in the KOC site, so both sites publish the same text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
from pathlib import Path

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TYPE_LABELS = {"article": "图文", "video": "视频", "photo": "图集", "qa": "问答", "review": "测评",
               "story": "用车故事", "report": "反馈报告"}
STUB = "授权已到期 / 已撤回，内容已下线。"

# Same theme and search settings as the library's mkdocs.yml (Chinese search,
# no web fonts), so only the generator's own work differs.
MKDOCS_YML = """\
site_name: KOC 作品库（对照组）
theme:
  name: material
  language: zh
  font: false
plugins:
  - search:
      lang: zh
      separator: '[\\s\\u200b\\-]'
nav:
  - index.md
not_in_nav: |
  /works/
"""


def read_work(path: Path) -> tuple[dict, str]:
    """(frontmatter, body) of a work file."""
    text = path.read_text(encoding="utf-8")
    _, fm, body = text.split("---\n", 2)
    return yaml.load(fm, Loader=_Loader), body.strip()


def work_page(fm: dict, body: str, names: dict, live: bool) -> str:
    lines = [f"# {fm['title']}", ""]
    if not live:
        return "\n".join(lines + [STUB, ""])
    credits = []
    for c in fm["contributors"]:
        cid, role = (c, "") if isinstance(c, str) else (c["id"], c.get("role", ""))
        credits.append(names.get(cid, cid) + (f"（{role}）" if role else ""))
    lines += [f"- 类型：{TYPE_LABELS.get(fm['type'], fm['type'])}",
              f"- 日期：{fm['date']}",
              f"- 作者：{'、'.join(credits)}"]
    if fm.get("tags"):
        lines.append(f"- 标签：{'、'.join(map(str, fm['tags']))}")
    return "\n".join(lines + ["", body, ""])


def write_plain(content: Path, out: Path, as_of: dt.date) -> int:
    """Write the baseline project into `out` (replacing its docs); return the number of work pages."""
    contributors = yaml.load((content / "contributors.yml").read_text(encoding="utf-8"), Loader=_Loader) or {}
    names = {cid: c.get("name", cid) for cid, c in contributors.items()}
    docs = out / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    (docs / "works").mkdir(parents=True)

    listed = []
    for path in sorted((content / "works").rglob("*.md")):
        fm, body = read_work(path)
        status = fm.get("status", "published")
        if status == "draft":
            continue
        expires = (fm.get("rights") or {}).get("expires")
        if isinstance(expires, str):   # quoted dates stay strings in YAML
            expires = dt.date.fromisoformat(expires)
        live = status != "withdrawn" and not (expires and expires < as_of)
        (docs / "works" / f"{path.stem}.md").write_text(work_page(fm, body, names, live), encoding="utf-8")
        if live:
            listed.append((str(fm["date"]), path.stem, fm["title"]))

    # The home page links every live work, newest first, so each page is reachable.
    links = [f"- [{title}](works/{wid}.md) · {date}" for date, wid, title in sorted(listed, reverse=True)]
    index = ["# KOC 作品库（对照组）", "", f"共 {len(listed)} 篇作品。", ""] + links + [""]
    (docs / "index.md").write_text("\n".join(index), encoding="utf-8")
    (out / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    return len(list((docs / "works").iterdir()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--content", type=Path, required=True, help="the library's content/ folder")
    ap.add_argument("--out", type=Path, required=True, help="project folder to write (mkdocs.yml, docs/)")
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1),
                    help="rights expired before this date become stubs (default: the benchmark's 2026-11-01)")
    args = ap.parse_args(argv)
    count = write_plain(args.content, args.out, args.as_of)
    print(f"{count} work pages written to {args.out / 'docs'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
