"""Reserve accounts a lender may ask for, each only where a definition asks for it: a
maintenance reserve (MRA) for the replacements and a debt-service reserve (DSRA).

Both are the equity's cash set aside: what goes in leaves the equity cash flow, what
comes out returns to it. They earn no interest (an assumption: a small, short-lived
balance). CFADS is after the MRA's movements (contributions deducted, the draw that pays a
replacement added back, so that the replacement, an operating cost, is paid from the
reserve and not from the year's cash) and before the DSRA's (funded at COD outside the
operating cash flow; what it releases is not cover). The project's cash flows, before
financing, have neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlfinance.model.core import Model
from xlfinance.model.expr import MIN, MOD, Expr, LineRef, prev, rowmax

if TYPE_CHECKING:
    from xlfinance.archetypes.common import FinanceInputs, Timeline
    from xlfinance.archetypes.finance.debt import Debt

MONTHS_IN_YEAR = 12


@dataclass(frozen=True)
class Reserves:
    cfads: Expr | float
    """What the reserves add to EBITDA less tax to make CFADS (0 without an MRA)."""
    equity: Expr | float
    """What the reserves add to the equity cash flow (0 without any)."""


def add_maintenance_reserve(
    m: Model, t: Timeline, f: FinanceInputs, final_year: LineRef
) -> Reserves:
    """The MRA: each replacement's cost set aside in equal parts over the interval before
    it (cost / interval a year, from operating year 1 to the last replacement), drawn to
    pay it when it falls due (the `replacement` line), what is left released in the final
    year. Nothing without `f.mra`."""
    if not f.mra:
        return Reserves(0, 0)
    line = m.line
    interval = f.replacement_interval_years
    last_operating_year = f.operating_years - 1  # no replacement in the final year
    last_replacement = last_operating_year - MOD(last_operating_year, interval)
    contribution = line(
        "mra_contribution",
        f.replacement_cost_yuan
        / interval
        * t.in_operation
        * (t.operating_year <= last_replacement),
        "yuan",
        "Set aside in the maintenance reserve",
    )
    held = prev(LineRef("mra_balance")) + contribution
    draw = line(
        "mra_draw", MIN(LineRef("replacement"), held), "yuan", "Replacement paid from the reserve"
    )
    release = line(
        "mra_release", final_year * (held - draw), "yuan", "Maintenance reserve released"
    )
    line("mra_balance", held - draw - release, "yuan", "Maintenance reserve, closing balance")
    return Reserves(draw - contribution, draw - contribution + release)


def add_debt_service_reserve(m: Model, f: FinanceInputs, debt: Debt) -> Expr | float:
    """The DSRA: `f.dsra_months` of the largest year's debt service, funded at COD (in the
    last construction year) and released in the final repayment year. Returns what it adds
    to the equity cash flow (0 without one)."""
    if f.dsra_months is None:
        return 0
    line = m.line
    required = f.dsra_months / MONTHS_IN_YEAR * rowmax(debt.service)
    # Periods: COD closes period construction - 1; the final repayment is period tenor - 1.
    balance = line(
        "dsra_balance",
        required * (m.period >= f.construction_years - 1) * (m.period < f.tenor_years - 1),
        "yuan",
        "Debt-service reserve, closing balance",
    )
    funded = line(
        "dsra_movement",
        balance - prev(balance),
        "yuan",
        "Debt-service reserve funded (+) or released (-)",
    )
    released: Expr = -funded
    return released


__all__ = ["Reserves", "add_debt_service_reserve", "add_maintenance_reserve"]
