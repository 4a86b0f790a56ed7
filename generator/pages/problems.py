"""In a preview, a work that failed validation gets a page saying why, at its own URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from generator.catalog.rights import Visibility
from generator.content.schema import id_problem
from generator.pages.spec import LISTING, PageInputs, PageSpec
from generator.problems import Problem

@dataclass(frozen=True)
class ProblemsPage:
    source: str  # the work's file, as problems name it
    problems: list[Problem]


def problem_pages(inputs: PageInputs) -> Iterator[PageSpec]:
    """Only in a preview (a real build stops at the first error); a work that still has a page keeps it."""
    if not inputs.options.preview:
        return
    by_file: dict[str, list[Problem]] = {}
    for p in inputs.problems:
        if p.severity == "error" and p.path.startswith("content/works/"):
            by_file.setdefault(p.path, []).append(p)
    for path, found in by_file.items():
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if id_problem(stem) is None and inputs.catalog.visibility.get(stem, Visibility.ABSENT) is Visibility.ABSENT:
            yield PageSpec(inputs.routes.source("work", id=stem), "problems.md.j2", stem, ProblemsPage(path, found), LISTING)
