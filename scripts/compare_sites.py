"""Compare two built sites page by page, whitespace aside.

    python scripts/compare_sites.py BEFORE_DIR AFTER_DIR

Every HTML file of either site is read, runs of whitespace are collapsed to one
space and whitespace between tags is dropped; the script prints each page that
exists on one side only or differs (with the first differing excerpt) and exits
1 if any does. Used to show that a refactoring leaves the pages as they were.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def normalise(html: str) -> str:
    """`<p> a\n  b </p>` and `<p>a b</p>` compare equal."""
    return re.sub(r"\s*(<[^>]*>)\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): normalise(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))}


def compare(before: Path, after: Path) -> list[str]:
    old, new = pages(before), pages(after)
    report = [f"only in {before}: {p}" for p in sorted(old.keys() - new.keys())]
    report += [f"only in {after}: {p}" for p in sorted(new.keys() - old.keys())]
    for path in sorted(old.keys() & new.keys()):
        a, b = old[path], new[path]
        if a != b:
            i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            report.append(f"differs: {path}\n  before: …{a[max(0, i - 80):i + 120]}…\n  after:  …{b[max(0, i - 80):i + 120]}…")
    return report


def main(argv: list[str]) -> int:
    before, after = Path(argv[0]), Path(argv[1])
    report = compare(before, after)
    print("\n".join(report) if report else f"{len(pages(before))} pages identical (whitespace aside)")
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
