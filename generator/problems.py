"""Problems found in the library: errors are values, never exceptions.

Example:
    >>> Problem("content/works/2025/x.md", 4, "error", "未知字段 tag").format()
    'content/works/2025/x.md:4: error: 未知字段 tag'
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    severity: Severity
    message: str

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' 你是不是想写 "x"？' suffix, or '' when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f'；你是不是想写 "{close[0]}"？' if close else ""


class ContentError(Exception):
    """The library has errors: raised when a build cannot go on, carrying every problem.

    The CLI prints `.problems` in the format asked for; the MkDocs plugin wraps it
    in MkDocs' own error type so that `mkdocs build` stops cleanly too.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.format() for p in problems))
