"""Risk: scenarios, a tornado and a vectorised Monte Carlo over the same model lines.

    from xlfinance.definitions import load_programme
    from xlfinance.projects import evaluate_projects
    from xlfinance.risk import run_risk
    programme = load_programme("projects/xiaolan")          # reads risk.yaml too
    risk = run_risk(programme, evaluate_projects(programme), trials=10_000, seed=1)
    risk.results()                                           # the `risk` section of results.json

Modules: `sampling` (seeded draws, four distributions, Gaussian copula), `engine` (`run_risk`:
every case a row of the models' scenarios axis, the fund's waterfall included), `results`
(`RiskResult` and its results.json section), `sheet` (the workbook's Risk sheet), `progress`
(a progress bar on stderr).
"""

from typing import TYPE_CHECKING

from xlfinance.risk.engine import run_risk
from xlfinance.risk.progress import ProgressBar
from xlfinance.risk.results import RiskResult, TornadoBar

if TYPE_CHECKING:  # at run time through `__getattr__`
    from xlfinance.risk.sheet import add_risk_sheet, risk_sheet


def __getattr__(name: str) -> object:
    """The Risk sheet's writers, imported when first asked for: they need openpyxl, which
    `validate` (it runs the engine's checks) never loads."""
    if name in ("add_risk_sheet", "risk_sheet"):
        from xlfinance.risk import sheet

        return getattr(sheet, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ProgressBar", "RiskResult", "TornadoBar", "add_risk_sheet", "risk_sheet", "run_risk"]
