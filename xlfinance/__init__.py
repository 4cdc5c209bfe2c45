"""xlfinance: low-carbon project finance and fund feasibility, as live Excel models and reports.

import xlfinance
xiaolan = xlfinance.load("projects/xiaolan")
xiaolan.budget, xiaolan.projects, xiaolan.macc     # pandas DataFrames
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing's own, without importing typing into every command
if TYPE_CHECKING:
    from xlfinance.api import LoadedProgramme

__version__ = "0.1.0"


def load(path: str | os.PathLike[str]) -> LoadedProgramme:
    """Load, validate and evaluate a programme folder; see `xlfinance.api.LoadedProgramme`."""
    from xlfinance.api import load as _load

    return _load(path)
