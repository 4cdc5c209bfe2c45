"""Sheet titles for project ids: one mapping, through which every reference to a project's
sheet is written.

Excel and LibreOffice compare sheet names case-insensitively, allow at most 31 characters
and none of `[ ] : * ? / \\`, and reserve "History". A title must therefore never be cut
to 31 characters blindly (two ids sharing their first 31 characters would become one sheet,
and openpyxl would rename the second behind the formulas' back) nor equal a fixed sheet's
name in any case (a project `inputs` would capture the references meant for Inputs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from xlfinance.definitions.schema import FIXED_SHEETS, SHEET_TITLE_FORBIDDEN, SHEET_TITLE_MAX

if TYPE_CHECKING:
    from xlfinance.projects import ProjectResult

RESERVED = (*FIXED_SHEETS, "History")
(
    COVER,
    SUMMARY,
    INPUTS,
    TIMELINE,
    FUND,
    BUDGET,
    BENEFITS,
    RECONCILIATION,
    MACC,
    RISK,
    STRUCTURING,
    CHECKS,
) = FIXED_SHEETS
"""The fixed sheets' tabs, by name: every writer and reader of the workbook spells them so."""
MAX_TITLE = SHEET_TITLE_MAX
_FORBIDDEN = SHEET_TITLE_FORBIDDEN


def sheet_titles(projects: Mapping[str, ProjectResult]) -> dict[str, str]:
    """Each project's sheet title: its short name in both languages (`光伏一期 PV 1`) where
    the definition gives one, else its id; made unique by `project_sheet_titles`."""
    return project_sheet_titles(
        projects,
        {
            pid: result.definition.short_name.tab
            for pid, result in projects.items()
            if result.definition.short_name is not None
        },
    )


def project_sheet_titles(
    ids: Iterable[str], preferred: dict[str, str] | None = None
) -> dict[str, str]:
    """Each project id's sheet title, in the order given: unique case-insensitively, at most
    31 characters, none of the forbidden characters, never a reserved title in any case.

    The title is the one `preferred` gives a project, else its id. One that fits is the
    title; one that does not (or is taken) is cut and given a suffix `~2`, `~3`, ... until
    it is unique.

    >>> titles = project_sheet_titles(["pv", "inp", "x" * 40, "x" * 35], {"inp": "输入 INPUTS"})
    >>> titles["pv"], titles["inp"], len(titles["x" * 40]), titles["x" * 35][-2:]
    ('pv', '输入 INPUTS~2', 31, '~2')
    """
    taken = {title.casefold() for title in RESERVED}
    titles: dict[str, str] = {}
    preferred = preferred or {}
    for pid in ids:
        base = _FORBIDDEN.sub("_", preferred.get(pid, pid)).strip("'") or "project"
        title, n = base[:MAX_TITLE], 1
        while title.casefold() in taken:
            n += 1
            suffix = f"~{n}"
            title = base[: MAX_TITLE - len(suffix)] + suffix
        taken.add(title.casefold())
        titles[pid] = title
    return titles
