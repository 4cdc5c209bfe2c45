"""Sheet titles for project ids: one mapping, through which every reference to a project's
sheet is written.

Excel and LibreOffice compare sheet names case-insensitively, allow at most 31 characters
and none of `[ ] : * ? / \\`, and reserve "History". A title must therefore never be cut
to 31 characters blindly (two ids sharing their first 31 characters would become one sheet,
and openpyxl would rename the second behind the formulas' back) nor equal a fixed sheet's
name in any case (a project `inputs` would capture the references meant for Inputs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from xlfinance.definitions.schema import FIXED_SHEETS

RESERVED = (*FIXED_SHEETS, "History")
MAX_TITLE = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def project_sheet_titles(ids: Iterable[str]) -> dict[str, str]:
    """Each project id's sheet title, in the order given: unique case-insensitively, at most
    31 characters, none of the forbidden characters, never a reserved title in any case.

    An id that fits is its own title; one that does not is cut and given a suffix `~2`,
    `~3`, ... until it is unique.

    >>> titles = project_sheet_titles(["pv", "inputs", "x" * 40, "x" * 35])
    >>> titles["pv"], titles["inputs"], len(titles["x" * 40]), titles["x" * 35][-2:]
    ('pv', 'inputs~2', 31, '~2')
    """
    taken = {title.casefold() for title in RESERVED}
    titles: dict[str, str] = {}
    for pid in ids:
        base = _FORBIDDEN.sub("_", pid).strip("'") or "project"
        title, n = base[:MAX_TITLE], 1
        while title.casefold() in taken:
            n += 1
            suffix = f"~{n}"
            title = base[: MAX_TITLE - len(suffix)] + suffix
        taken.add(title.casefold())
        titles[pid] = title
    return titles
