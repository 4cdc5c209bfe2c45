"""Errors a user can act on: each names the file, the field and what is wrong.

A definition problem is a `Problem`; loading collects every problem it finds and raises
one `DefinitionError` holding them all, so a user fixes a file in one pass, not one error
at a time. The command line prints them one a line and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where (file, dotted field path) and why.

    `line` is the 1-based line of the YAML file the field was written on, when known;
    it is shown after the message: `file: field: message (line 12)`.
    """

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        at = f" (line {self.line})" if self.line is not None else ""
        return f"{where}: {self.message}{at}"


class DefinitionError(Exception):
    """Raised with every problem found in a programme's definitions."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
