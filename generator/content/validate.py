"""Validate: raw records → typed `Library`, plus every problem found.

Never stops at the first problem: each file is checked on its own (one
validator per kind of source, in `validators`), then the cross-references
between files; every problem goes to one `Reporter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from generator.content.load import RawLibrary
from generator.content.reporter import Reporter
from generator.content.task_validation import TasksValidator, WorkReferences
from generator.content.taxonomy import TagVocabulary
from generator.content.validators import (
    CollectionsValidator,
    ContributorsValidator,
    HonorsValidator,
    TaxonomyValidator,
    WorksValidator,
)
from generator.content.yaml_source import line_of
from generator.model import Library
from generator.problems import Problem


@dataclass
class Checked:
    library: Library
    problems: list[Problem]
    tags: TagVocabulary  # tag labels → stable URL slugs for this library


def validate_library(raw: RawLibrary, check_query: Callable[[str, Library, TagVocabulary], str | None] | None = None) -> Checked:
    """Turn raw records into a `Library`; `check_query` returns the error of a bad collection query."""
    report = Reporter(raw.problems)
    taxonomy = TaxonomyValidator(raw, report).run()
    contributors = ContributorsValidator(raw, report).run()
    works_validator = WorksValidator(raw, report, taxonomy)
    tasks = TasksValidator(raw, report, works_validator.terms, works_validator.scenarios, works_validator.models).run()
    works_validator.references = WorkReferences(report, tasks, taxonomy)
    works = works_validator.run(contributors)
    honors = HonorsValidator(raw, report).run(contributors, {w.id for w in works})
    collections_validator = CollectionsValidator(raw, report)
    collections = collections_validator.run()
    library = Library(tuple(works), contributors, taxonomy, honors, collections, tasks)
    if check_query:
        for collection, source in collections_validator.sources:
            error = check_query(collection.query, library, works_validator.tags)
            if error:
                report.error(source.rel, line_of(source.data, "query"), f"collection 的 query 无法使用：{error}")
    return Checked(library, sorted(report.problems, key=_problem_order), works_validator.tags)


def _problem_order(p: Problem):
    return (p.path, p.line or 0, p.severity, p.message)
