"""Parameters of a rooftop PV project (archetype `pv`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from xlfinance.definitions.params.finance import FinanceParams, Share
from xlfinance.definitions.schema import (
    Model,
    Sourced,
    SourcedNonNegative,
    SourcedPositive,
    Unit,
    Year,
)

Years = Annotated[int, Field(strict=True, ge=0, le=100), Unit("years")]


class PvParams(Model):
    """Distributed rooftop PV: output, who buys it at what price, subsidy, roof rent, O&M.

    Tariffs, O&M and the inverter replacement are written as paid, VAT included (the one
    rule of `finance.vat`); roof rent carries no VAT the project credits, and the national
    subsidy none. The model keeps a VAT account: output VAT on sales, input VAT on capex and
    O&M credited and carried forward, `vat_refund_share` of the VAT paid refunded at once up
    to `vat_refund_last_year`.
    """

    finance: FinanceParams
    capacity_kw: Annotated[SourcedPositive, Unit("kW")]
    specific_yield_kwh_per_kw: Annotated[SourcedPositive, Unit("kWh/kW")]
    """First-year output per kWp before degradation."""
    first_year_degradation_share: Share
    annual_degradation_share: Share
    self_consumption_share: Share
    """Share of output used by the host building, paid at its tariff; the rest is exported."""
    building_tariff_yuan_per_kwh: Annotated[SourcedNonNegative, Unit("yuan/kWh")]
    export_tariff_yuan_per_kwh: Annotated[SourcedNonNegative, Unit("yuan/kWh")]
    subsidy_yuan_per_kwh: Annotated[SourcedNonNegative, Unit("yuan/kWh")] | None = None
    """The project's own subsidy rate; None: the programme's `pv_subsidy_yuan_per_kwh` in
    force in its first operating year."""
    subsidy_years: Years
    om_yuan_per_kw_per_year: Annotated[SourcedNonNegative, Unit("yuan/kW/yr")]
    roof_rent_yuan_per_kw_per_year: Annotated[SourcedNonNegative, Unit("yuan/kW/yr")] = Sourced(
        value=0
    )
    insurance_share: Share = Sourced(value=0)
    """Insurance a year as a share of capex."""
    inverter_replacement_yuan_per_kw: Annotated[SourcedNonNegative, Unit("yuan/kW")] = Sourced(
        value=0
    )
    inverter_life_years: Annotated[int, Field(strict=True, ge=1, le=100), Unit("years")] = 100
    vat_refund_share: Share = Sourced(
        value=0.5,
        source="Caishui [2013] 66: 50% of the VAT on PV electricity refunded at once, "
        "Oct 2013-2015; extended to 2018 by Caishui [2016] 81",
    )
    vat_refund_last_year: Year = 2018
