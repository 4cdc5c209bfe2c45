"""Capex, grants, replacements and the operating account down to EBITDA."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlfinance.archetypes.finance.contract import CARBON_REVENUE
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import MOD, LineRef, eq

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from xlfinance.archetypes.common import FinanceInputs, Timeline
    from xlfinance.archetypes.finance.vat import Vat


@dataclass(frozen=True)
class Operations:
    capex: LineRef
    grant: LineRef
    opex: LineRef
    ebitda: LineRef
    subsidies: Sequence[LineRef]
    """The project's subsidies with the production subsidy and carbon revenue added."""


def add_support(
    m: Model,
    t: Timeline,
    f: FinanceInputs,
    subsidies: Iterable[LineRef],
    abatement_t: LineRef,
    production: LineRef | None,
) -> list[LineRef]:
    """The production subsidy (yuan per unit of `production`) and the carbon revenue (the
    price times the tonnes avoided), each where the archetype has its input; returns the
    subsidies with them. Both are taxable income and transfers (left out of the economic
    cost: a carbon price paid for the tonnes the abatement cost divides by would count them
    twice)."""
    out = list(subsidies)
    if f.production_subsidy is not None:
        if production is None:
            raise ValueError("a production subsidy needs the line it is paid on")
        out.append(
            m.line(
                "production_subsidy_yuan",
                f.production_subsidy * production,
                "yuan",
                "Production subsidy received",
            )
        )
    if f.carbon_price_yuan_per_t is not None:
        out.append(
            m.line(
                CARBON_REVENUE,
                f.carbon_price_yuan_per_t * abatement_t * t.in_operation,
                "yuan",
                "Carbon credits sold",
            )
        )
    return out


def add_operations(
    m: Model,
    t: Timeline,
    f: FinanceInputs,
    revenues: Sequence[LineRef],
    subsidies: Sequence[LineRef],
    costs: Sequence[LineRef],
    vat: Vat,
) -> Operations:
    """Capex and grants spread over the construction years; replacements every interval
    before the last operating year; revenue, operating costs and EBITDA. Capex and
    replacements are VAT included; the costs count the replacements net of the VAT the
    project credits (`vat`, `finance.vat`) and the surtaxes on the VAT it pays (税金及附加)."""
    line = m.line
    capex = line(
        "capex",
        f.capex_yuan / f.construction_years * t.in_construction,
        "yuan",
        "Capital expenditure",
    )
    grant = line(
        "capital_grant",
        f.capital_grant_yuan / f.construction_years * t.in_construction,
        "yuan",
        "Capital grant received",
    )
    replacement = line(
        "replacement",
        f.replacement_cost_yuan
        * t.in_operation
        * eq(MOD(t.operating_year, f.replacement_interval_years), 0)
        * (t.operating_year < f.operating_years),
        "yuan",
        "Equipment replacement",
    )
    revenue = line(
        "revenue", ex.total(*revenues, *subsidies), "yuan", "Revenue incl. production subsidies"
    )
    opex = line(
        "opex",
        ex.total(*costs, replacement - vat.replacement_credit, vat.surtaxes),
        "yuan",
        "Operating costs incl. replacements and surtaxes",
    )
    ebitda = line("ebitda", revenue - opex, "yuan", "EBITDA")
    return Operations(capex, grant, opex, ebitda, subsidies)


__all__ = ["Operations", "add_operations", "add_support"]
