"""Parameters of an industrial boiler fuel switch (archetype `industrial`).

Small boilers burning coal, heavy fuel oil or wood are replaced by new gas boilers, or their
owners connect to a central steam supply (a heat network fed by a gas-fired CHP plant), or a
mix of the two. The steam the factories use does not change; what changes is the fuel burned
to make it, its price, the boiler house's O&M and the CO2 emitted.

Fuel use follows from the steam: steam (t) = capacity (t/h) x full-load hours; heat in the
steam (GJ) = steam x `steam_enthalpy_gj_per_t` (steam enthalpy less feedwater enthalpy);
fuel energy (GJ, net calorific value) = heat / boiler efficiency; fuel quantity = fuel energy
/ net calorific value (GB/T 2589-2008 appendix A for coal, fuel oil and natural gas).

Prices are what the owner pays net of deductible input VAT (the engine's convention).
Emission factors of coal, fuel oil and natural gas are the programme's (IPCC 2006, per TJ);
wood must state its own, because IPCC 2006 leaves biogenic CO2 out of the energy total
(vol. 2, ch. 1-2: reported as a memo item), which makes its factor 0 in that accounting.
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

SHARE_TOLERANCE = 1e-6
"""Largest difference from 1 that the baseline steam shares may add up to."""

RewardYears = Annotated[int, Field(strict=True, ge=0, le=100), Unit("years")]

BaselineFuel = Literal["coal", "fuel_oil", "wood"]
"""Fuels of the boilers replaced: the plan's 煤、重油、木柴 (action 1(1))."""
PROGRAMME_FACTOR_FUELS = ("coal", "fuel_oil")
"""Baseline fuels whose emission factor defaults to the programme's."""


class BaselineBoilers(Model):
    """The boilers of one fuel among those replaced: their share of the steam, how they run,
    what their fuel costs."""

    steam_share: Share
    """Share of the project's steam these boilers make; the shares of all fuels add up to 1."""
    boiler_efficiency_share: PositiveShare
    """Operating efficiency: heat in the steam over fuel energy in (net calorific value)."""
    ncv_mj_per_kg: Annotated[SourcedPositive, Unit("MJ/kg")]
    """Net calorific value of the fuel as burned."""
    price_yuan_per_t: Annotated[SourcedNonNegative, Unit("yuan/t")]
    """Delivered price, net of deductible input VAT."""
    om_yuan_per_t_steam: Annotated[SourcedNonNegative, Unit("yuan/t steam")]
    """Boiler-house costs other than fuel (operators, electricity for fans and pumps, water
    treatment, ash, maintenance), per t of steam."""
    emission_factor_t_co2_per_tj: Annotated[SourcedNonNegative, Unit("t CO2/TJ")] | None = None
    """CO2 per TJ of fuel; left out, the programme's factor for coal or fuel oil. Wood must
    give one (0 under IPCC 2006, whose energy total leaves out biogenic CO2)."""


class IndustrialParams(Model):
    """Boiler fuel switch: steam, the boilers replaced, gas boilers and central steam, prices,
    O&M, and a fiscal reward per tce saved."""

    finance: FinanceParams
    """`capex_yuan` is the new gas boilers plus the connections to the steam network."""
    steam_capacity_t_per_h: Annotated[SourcedPositive, Unit("t/h")]
    """Rated evaporation of the boilers replaced (蒸吨/时)."""
    full_load_hours: Hours
    """Equivalent full-load hours a year: steam made in a year over rated capacity."""
    steam_enthalpy_gj_per_t: Annotated[SourcedPositive, Unit("GJ/t")]
    """Heat put into a t of steam: steam enthalpy less feedwater enthalpy."""
    baseline: dict[BaselineFuel, BaselineBoilers] = Field(min_length=1)
    """The boilers replaced, by fuel."""
    central_steam_share: Share
    """Share of the steam bought from the central network after the switch; the rest is made
    in new gas boilers on site."""
    gas_boiler_efficiency_share: PositiveShare
    """Operating efficiency of the new gas boilers (net calorific value basis)."""
    gas_ncv_mj_per_m3: Annotated[SourcedPositive, Unit("MJ/m3")]
    """Net calorific value of the natural gas (GB/T 2589-2008 appendix A)."""
    gas_price_yuan_per_m3: Annotated[SourcedNonNegative, Unit("yuan/m3")]
    """Industrial end-user gas price, net of deductible input VAT."""
    gas_boiler_om_yuan_per_t_steam: Annotated[SourcedNonNegative, Unit("yuan/t steam")]
    """Gas boiler-house costs other than fuel, per t of steam."""
    central_steam_price_yuan_per_t: Annotated[SourcedNonNegative, Unit("yuan/t")]
    """Price of steam from the network, net of deductible input VAT."""
    central_supply_efficiency_share: PositiveShare
    """Heat delivered to the factory over the gas burned for it at the supplier (generation
    and network losses): counts the supplier's fuel in the energy saved and the CO2."""
    central_om_yuan_per_t_steam: Annotated[SourcedNonNegative, Unit("yuan/t steam")]
    """The factory's remaining costs on network steam (metering, pressure reduction,
    condensate), per t of steam."""
    reward_yuan_per_tce: Annotated[SourcedNonNegative, Unit("yuan/tce")] = Sourced(value=0)
    """Fiscal reward per tce of annual energy saved (for example the EMC reward, 240 central
    + 60 provincial yuan/tce, Caijian [2010] 249); a transfer, left out of the economic cost."""
    reward_years: RewardYears = 1
    """Operating years in which the reward is paid on that year's savings (one-off: 1)."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        total = sum(b.steam_share.value for b in self.baseline.values())
        if abs(total - 1) > SHARE_TOLERANCE:
            raise ValueError(
                f"baseline steam_share values add up to {total:g}, not 1: "
                "they split the steam of the boilers replaced"
            )
        for fuel, boilers in self.baseline.items():
            if fuel not in PROGRAMME_FACTOR_FUELS and boilers.emission_factor_t_co2_per_tj is None:
                raise ValueError(
                    f"baseline.{fuel}.emission_factor_t_co2_per_tj is required: the programme "
                    f"has no factor for {fuel} (IPCC 2006 counts biogenic CO2 as 0 in the "
                    "energy total)"
                )
        if self.reward_years > self.finance.operating_years:
            raise ValueError(
                f"reward_years ({self.reward_years}) exceeds finance.operating_years "
                f"({self.finance.operating_years})"
            )
        return self
