"""Parameters of a gas distributed energy station, combined cooling, heating and power
(archetype `chp`).

Energy balance per unit of gas burned (net calorific value basis):
electricity = `electrical_efficiency_share`; heat recovered = `thermal_efficiency_share`;
of the heat recovered, `heat_utilisation_share` finds a buyer; of that, `cooling_share`
drives absorption chillers (cooling = heat x `absorption_chiller_cop`) and the rest is sold
as heat. The cross-field rule `check_total_efficiency` keeps electrical + thermal efficiency
within 1.

The NDRC guideline on gas distributed energy (发改能源 [2011] 2196) asks for an annual
average total efficiency of at least 70%, counted on useful output as CJJ 145-2010
(燃气冷热电三联供工程技术规程) defines it: (electricity + heat supplied + cooling supplied) /
fuel energy. That is a result of the hours, utilisation and cooling choices, not a field
rule: the model reports it as the output `total_efficiency_share` for a reader to hold
against the 70% threshold.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from xlfinance.definitions.params.finance import (
    FinanceParams,
    Hours,
    PositiveShare,
    Share,
)
from xlfinance.definitions.schema import (
    Model,
    Sourced,
    SourcedNonNegative,
    SourcedPositive,
    Unit,
)

Years = Annotated[int, Field(strict=True, ge=0, le=100), Unit("years")]

BoilerFuel = Literal["coal", "natural_gas", "fuel_oil", "diesel", "lpg"]
"""Fuel of the boilers whose heat the station displaces; its factor comes from the
programme's `emission_factors_t_co2_per_tj`."""


def check_total_efficiency(electrical: float, thermal: float) -> None:
    """Electrical + thermal efficiency (heat recovered) cannot exceed 1 on the NCV basis.

    The NDRC's 70% threshold (发改能源 [2011] 2196) is on useful output over a year and is
    reported by the model (`total_efficiency_share`), not enforced here.
    """
    if electrical + thermal > 1:
        raise ValueError(
            f"electrical_efficiency_share + thermal_efficiency_share = "
            f"{electrical:g} + {thermal:g} = {electrical + thermal:g} exceeds 1"
        )


class ChpParams(Model):
    """Gas CCHP station: output, the heat and cooling it sells, gas, O&M, what it displaces."""

    finance: FinanceParams
    capacity_kw: Annotated[SourcedPositive, Unit("kW")]
    """Electric capacity."""
    full_load_hours: Hours
    """Equivalent full-load running hours a year."""
    electrical_efficiency_share: PositiveShare
    """Electricity out over gas energy in (net calorific value)."""
    thermal_efficiency_share: Share
    """Heat recovered (exhaust and jacket water) over gas energy in."""
    heat_utilisation_share: Share
    """Share of the heat recovered that is used (sold as heat, or as cooling); the rest is
    dumped."""
    cooling_share: Share
    """Share of the used heat that drives absorption chillers."""
    absorption_chiller_cop: Annotated[SourcedPositive, Unit("ratio")]
    """Cooling out over heat in, absorption chillers."""
    gas_ncv_mj_per_m3: Annotated[SourcedPositive, Unit("MJ/m3")]
    """Net calorific value of the gas (GB/T 2589-2008 appendix A)."""
    gas_price_yuan_per_m3: Annotated[SourcedNonNegative, Unit("yuan/m3")]
    electricity_price_yuan_per_kwh: Annotated[SourcedNonNegative, Unit("yuan/kWh")]
    """Price of electricity sold to the park's and buildings' users (or the grid)."""
    heat_price_yuan_per_gj: Annotated[SourcedNonNegative, Unit("yuan/GJ")]
    cooling_price_yuan_per_gj: Annotated[SourcedNonNegative, Unit("yuan/GJ")]
    """Price of cooling delivered, per GJ of cold (1 GJ = 277.8 kWh of cooling)."""
    subsidy_yuan_per_kwh: Annotated[SourcedNonNegative, Unit("yuan/kWh")] = Sourced(value=0)
    """A production subsidy on electricity generated (a transfer: left out of the economic cost)."""
    subsidy_years: Years = 0
    om_fixed_yuan_per_kw_per_year: Annotated[SourcedNonNegative, Unit("yuan/kW/yr")]
    """Staff, insurance, overheads: per kW of capacity a year."""
    om_variable_yuan_per_kwh: Annotated[SourcedNonNegative, Unit("yuan/kWh")]
    """Maintenance, overhauls and lubricants: per kWh generated."""
    boiler_fuel: BoilerFuel
    """Fuel of the boilers the heat sold would otherwise come from."""
    boiler_efficiency_share: PositiveShare
    """Efficiency of those boilers (heat out over fuel in, NCV basis)."""
    displaced_chiller_cop: Annotated[SourcedPositive, Unit("ratio")]
    """COP of the electric chillers the cooling sold would otherwise come from."""

    @model_validator(mode="after")
    def _efficiencies(self) -> Self:
        check_total_efficiency(
            self.electrical_efficiency_share.value, self.thermal_efficiency_share.value
        )
        return self
