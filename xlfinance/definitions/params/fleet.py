"""Parameters of a vehicle-fleet conversion (archetype `fleet`).

Buses or taxis move from diesel or gasoline to compressed natural gas (CNG) or to
electricity. Capex is built up in the model from its parts: vehicles x conversion cost (or
the incremental cost of a new gas or electric vehicle over a diesel or gasoline one), plus
stations x station capex, plus `finance.capex_yuan`, which here means any other capex and
defaults to 0. Fuel volumes become energy through each fuel's net calorific value (and a
liquid fuel's density): physical constants with their sources (GB/T 2589-2008 for calorific
values), not hidden in the code.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from xlfinance.definitions.params.finance import FinanceParams, Share, debt_term_problem
from xlfinance.definitions.schema import (
    Model,
    Sourced,
    SourcedNonNegative,
    SourcedPositive,
    Unit,
)

IntervalYears = Annotated[int, Field(strict=True, ge=1, le=100), Unit("years")]

OTHER_CAPEX_SOURCE = "no capex beyond vehicles and stations"


class FleetFinanceParams(FinanceParams):
    """Finance terms of a fleet project: `capex_yuan` is capex beyond vehicles and stations.

    The total capex is `capex_yuan` + vehicles x `conversion_cost_yuan_per_vehicle` +
    stations x `station_capex_yuan`, as a model line; vehicle renewals are the fleet's
    `renewal_cost_yuan_per_vehicle`, so `replacement_cost_yuan` must stay 0.
    """

    capex_yuan: Annotated[SourcedNonNegative, Unit("yuan")] = Sourced(
        value=0, source=OTHER_CAPEX_SOURCE
    )
    """Other capex (development, land, depot works), beyond vehicles and stations."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # The grant is checked against the whole capex by `FleetParams`; the debt term here.
        problem = debt_term_problem(self, self.operating_years, "operating_years", "operation")
        if problem:
            raise ValueError(problem)
        if self.replacement_cost_yuan.value > 0:
            raise ValueError(
                "give vehicle renewals as renewal_cost_yuan_per_vehicle and renewal_interval_years "
                "of the fleet, not finance.replacement_cost_yuan"
            )
        return self


class FleetParams(Model):
    """A fleet converted from diesel or gasoline to CNG or electricity, with its stations.

    After conversion a vehicle drives `old_fuel_km_share_after` of its distance on the old
    fuel (a bi-fuel taxi between gas fills) and the rest on CNG and/or electricity at the
    given consumption per 100 km.
    """

    finance: FleetFinanceParams
    vehicles: Annotated[SourcedPositive, Unit("vehicles")]
    """Vehicles converted (or bought as gas or electric instead of diesel or gasoline)."""
    km_per_vehicle_per_year: Annotated[SourcedPositive, Unit("km/vehicle/yr")]
    old_fuel: Literal["diesel", "gasoline"]
    """Which of the programme's emission factors applies to the fuel replaced."""
    old_fuel_l_per_100km: Annotated[SourcedPositive, Unit("L/100 km")]
    old_fuel_price_yuan_per_l: Annotated[SourcedNonNegative, Unit("yuan/L")]
    """At the pump: VAT and consumption tax included."""
    old_fuel_consumption_tax_yuan_per_l: Annotated[SourcedNonNegative, Unit("yuan/L")] | None = None
    """The consumption tax in a litre; left out, the archetype's for the fuel (财税[2015]11)."""
    old_fuel_density_kg_per_l: Annotated[SourcedPositive, Unit("kg/L")]
    old_fuel_ncv_mj_per_kg: Annotated[SourcedPositive, Unit("MJ/kg")]
    """Net calorific value of the old fuel (GB/T 2589-2008 appendix A)."""
    old_fuel_km_share_after: Share = Sourced(value=0)
    """Share of distance still driven on the old fuel after conversion (bi-fuel vehicles)."""
    cng_m3_per_100km: Annotated[SourcedNonNegative, Unit("m3/100 km")] = Sourced(value=0)
    cng_price_yuan_per_m3: Annotated[SourcedNonNegative, Unit("yuan/m3")] = Sourced(value=0)
    """Price the operator pays for the gas it puts in its vehicles."""
    natural_gas_ncv_mj_per_m3: Annotated[SourcedPositive, Unit("MJ/m3")] = Sourced(
        value=38.931,
        source=(
            "GB/T 2589-2008 appendix A: natural gas 38,931 kJ/m3 "
            "(the value China's GHG inventory guidelines use)"
        ),
    )
    electricity_kwh_per_100km: Annotated[SourcedNonNegative, Unit("kWh/100 km")] = Sourced(value=0)
    electricity_price_yuan_per_kwh: Annotated[SourcedNonNegative, Unit("yuan/kWh")] = Sourced(
        value=0
    )
    conversion_cost_yuan_per_vehicle: Annotated[SourcedNonNegative, Unit("yuan/vehicle")]
    """Retrofit cost, or the incremental cost of a new gas or electric vehicle."""
    renewal_cost_yuan_per_vehicle: Annotated[SourcedNonNegative, Unit("yuan/vehicle")] = Sourced(
        value=0
    )
    """Cost of keeping a vehicle on gas or electricity when it is renewed (a new kit, or a
    factory bi-fuel or electric vehicle's premium), every `renewal_interval_years`."""
    renewal_interval_years: IntervalYears = 100
    extra_maintenance_yuan_per_vehicle_per_year: Annotated[
        SourcedNonNegative, Unit("yuan/vehicle/yr")
    ] = Sourced(value=0)
    """Maintenance a converted vehicle costs beyond the old one (gas cylinder inspections...)."""
    stations: Annotated[SourcedNonNegative, Unit("stations")] = Sourced(value=0)
    """Filling or charging stations the operator builds; 0 when it buys at public stations."""
    station_capex_yuan: Annotated[SourcedNonNegative, Unit("yuan/station")] = Sourced(value=0)
    """Capex of one station."""
    station_om_yuan_per_year: Annotated[SourcedNonNegative, Unit("yuan/station/yr")] = Sourced(
        value=0
    )
    """O&M of one station a year: staff, maintenance, compression electricity."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.old_fuel_km_share_after.value < 1 and (
            self.cng_m3_per_100km.value == 0 and self.electricity_kwh_per_100km.value == 0
        ):
            raise ValueError(
                "a converted vehicle needs cng_m3_per_100km or electricity_kwh_per_100km > 0 "
                "(or old_fuel_km_share_after = 1)"
            )
        capex = (
            self.finance.capex_yuan.value
            + self.vehicles.value * self.conversion_cost_yuan_per_vehicle.value
            + self.stations.value * self.station_capex_yuan.value
        )
        if self.finance.capital_grant_yuan.value > capex:
            raise ValueError(
                f"finance.capital_grant_yuan ({self.finance.capital_grant_yuan.value:g}) exceeds "
                f"the capex of vehicles, stations and other capex ({capex:g})"
            )
        return self
