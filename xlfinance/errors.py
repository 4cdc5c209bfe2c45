"""Errors a user can act on: each names the file, the field and what is wrong.

A definition problem is a `Problem`; loading collects every problem it finds and raises
one `DefinitionError` holding them all, so a user fixes a file in one pass, not one error
at a time. The command line prints them one a line and exits with status 2.

Text read from a definition may hold anything (a terminal escape sequence in a name, a
file name with a newline); `printable` escapes every character a terminal would not show
as itself, and a `Problem` is always shown through it.
"""

from __future__ import annotations

from dataclasses import dataclass


def printable(text: str) -> str:
    """`text` with every non-printable character escaped as `repr` does (`\\x1b`, `\\u202e`).

    Spaces and printable characters of every script (Chinese names) are kept as they are;
    tabs, newlines, control characters, bidirectional overrides and other format
    characters are shown as escapes, so nothing read from a file can move the cursor,
    recolour the terminal or reorder what is shown.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where (file, dotted field path) and why.

    `line` is the 1-based line of the YAML file the field was written on, when known;
    it is shown after the message: `file: field: message (line 12)`, with every
    non-printable character escaped (`printable`).
    """

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        at = f" (line {self.line})" if self.line is not None else ""
        return printable(f"{where}: {self.message}{at}")


class DefinitionError(Exception):
    """Raised with every problem found in a programme's definitions."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ParameterError(ValueError):
    """An archetype's guard: a parameter the model cannot be built with. `field` is its
    dotted path in the project file (`parameters.boiler_fuel`), so the problem can name it
    and its line."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
