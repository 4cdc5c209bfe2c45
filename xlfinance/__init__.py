"""xlfinance: low-carbon project finance and fund feasibility, as live Excel models and reports.

import xlfinance
xiaolan = xlfinance.load("projects/xiaolan")
xiaolan.budget, xiaolan.projects, xiaolan.macc     # pandas DataFrames
"""

__version__ = "0.1.0"


def load(path):
    """Load, validate and evaluate a programme folder; see `xlfinance.api.LoadedProgramme`."""
    from xlfinance.api import load as _load

    return _load(path)
