"""Vehicle-fleet conversion (archetype `fleet`): buses or taxis from diesel or gasoline to CNG
or electricity, with the operator's own filling or charging stations.

The cash flows are the fleet operator's. In each operating year:

    fleet km          = vehicles x km per vehicle
    old fuel before   = fleet km x L/100 km / 100
    old fuel after    = fleet km x share still on the old fuel x L/100 km / 100
    CNG after         = fleet km x (1 - that share) x m3/100 km / 100
    electricity after = fleet km x (1 - that share) x kWh/100 km / 100
    fuel savings      = (cost of the fuel before - cost of the fuel and power after) x price index

Taxes: fuel and power are priced as the operator pays them, VAT (and for oil products the
consumption tax) included. A bus or taxi operator pays business tax (before 1 May 2016) or
VAT by the simplified method on its fares (财税[2016]36 annex 2: 3% for public transport),
and credits no input VAT: its costs carry the taxes, and none is in a VAT account. The
economic cash flow takes out the taxes in the fuel saved (`fuel_taxes_saved_yuan`: VAT at the
year's rates, consumption tax per litre), in the maintenance (parts and repairs at the
standard rate) and in the capex.

The savings are the revenue line; the extra vehicle maintenance and the stations' O&M
(escalated) are the costs. Capex = other capex + vehicles x conversion cost + stations x station
capex; keeping the fleet on gas when its vehicles are renewed costs vehicles x renewal cost
every renewal interval. CO2 avoided = emissions before - after, where a liquid fuel's energy
is litres x density x net calorific value, gas energy is m3 x net calorific value (GB/T
2589-2008), each times the programme's IPCC factor per TJ, and electricity is MWh x the grid's
combined-margin factor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes import common
from xlfinance.archetypes.common import add_input
from xlfinance.archetypes.finance import add_finance
from xlfinance.archetypes.finance.vat import vat_content
from xlfinance.definitions.params.fleet import FleetParams
from xlfinance.definitions.schema import Sourced
from xlfinance.model.core import Model
from xlfinance.model.expr import rowsum

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef

CAPEX_VAT_SHARE = Sourced(
    value=0.9,
    source="assumption: gas kits, cylinders and vehicles (goods) and the stations' "
    "compressors and storage about 90% of the capex; civil works the rest",
)
CONSUMPTION_TAX = {
    "diesel": Sourced(
        value=1.2, source="财税[2015]11: consumption tax on diesel 1.2 yuan/L from 13 Jan 2015"
    ),
    "gasoline": Sourced(
        value=1.52,
        source="财税[2015]11: consumption tax on gasoline 1.52 yuan/L from 13 Jan 2015",
    ),
}


def build(project: ProjectDef[FleetParams], programme: Programme) -> Model:
    p = project.parameters
    a = programme.assumptions
    fin = p.finance
    m = common.project_model(project)

    add = common.parameter_inputs(m, p)

    vehicles = add("vehicles", "Vehicles converted")
    km = add("km_per_vehicle_per_year", "Distance a vehicle a year")
    old_l = add(
        "old_fuel_l_per_100km", f"{p.old_fuel.capitalize()} use before conversion", "L/100 km"
    )
    price = common.price_inputs(m, p)
    old_price = price(
        "old_fuel_price_yuan_per_l", f"{p.old_fuel.capitalize()} price", unit="yuan/L"
    )
    old_tax = add_input(
        m,
        "old_fuel_consumption_tax_yuan_per_l",
        p.old_fuel_consumption_tax_yuan_per_l or CONSUMPTION_TAX[p.old_fuel],
        f"Consumption tax in a litre of {p.old_fuel}",
        unit="yuan/L",
    )
    density = add("old_fuel_density_kg_per_l", f"{p.old_fuel.capitalize()} density", "kg/L")
    old_ncv = add(
        "old_fuel_ncv_mj_per_kg", f"{p.old_fuel.capitalize()} net calorific value", "MJ/kg"
    )
    old_factor = common.assumption_input(
        m,
        "old_fuel_emission_factor_t_co2_per_tj",
        a,
        f"emission_factors_t_co2_per_tj.{p.old_fuel}",
        f"{p.old_fuel.capitalize()} emission factor",
    )
    old_share = add("old_fuel_km_share_after", "Share of distance on the old fuel after conversion")
    cng = add("cng_m3_per_100km", "CNG use after conversion")
    cng_price = price("cng_price_yuan_per_m3", "CNG price paid by the operator")
    gas_ncv = add("natural_gas_ncv_mj_per_m3", "Natural gas net calorific value")
    gas_factor = common.assumption_input(
        m,
        "natural_gas_emission_factor_t_co2_per_tj",
        a,
        "emission_factors_t_co2_per_tj.natural_gas",
        "Natural gas emission factor",
    )
    power = add("electricity_kwh_per_100km", "Electricity use after conversion")
    power_price = price("electricity_price_yuan_per_kwh", "Electricity price paid by the operator")
    conversion = price(
        "conversion_cost_yuan_per_vehicle", "Conversion cost (or new-vehicle premium)"
    )
    renewal = price("renewal_cost_yuan_per_vehicle", "Cost to stay converted at vehicle renewal")
    renewal_years = add_input(
        m,
        "renewal_interval_years",
        p.renewal_interval_years,
        "Vehicle renewal interval",
        unit="years",
    )
    maintenance = price(
        "extra_maintenance_yuan_per_vehicle_per_year",
        "Extra maintenance a vehicle",
    )
    stations = add("stations", "Stations built")
    station_capex = price("station_capex_yuan", "Capex of a station")
    station_om = price(
        "station_om_yuan_per_year", "O&M of a station (staff)", vat=False, unit="yuan/station/yr"
    )

    # `finance.capex_yuan` is the capex beyond vehicles and stations; the finance lines read
    # the whole build-up.
    f = common.finance_inputs(
        m,
        fin,
        a,
        replacement_cost_yuan=vehicles * renewal,
        replacement_interval_years=renewal_years,
        extra_capex_yuan=vehicles * conversion + stations * station_capex,
        capex_label="Other capex (beyond vehicles and stations)",
        production_unit="km",
        capex_vat_share=CAPEX_VAT_SHARE,
    )
    t = common.add_timeline(m, f)
    grid_factor = common.grid_emission_factor(m, a, "fleet")
    line = m.line

    fleet_km = line("fleet_km", vehicles * km * t.in_operation, "km", "Fleet distance")
    old_before = line(
        "old_fuel_before_l", fleet_km * old_l / 100, "L", "Old fuel without conversion"
    )
    old_after = line(
        "old_fuel_after_l", fleet_km * old_share * old_l / 100, "L", "Old fuel after conversion"
    )
    gas = line("cng_m3", fleet_km * (1 - old_share) * cng / 100, "m3", "CNG after conversion")
    kwh = line(
        "electricity_kwh",
        fleet_km * (1 - old_share) * power / 100,
        "kWh",
        "Electricity after conversion",
    )

    cost_before = line(
        "fuel_cost_before_yuan",
        old_before * old_price * t.escalation,
        "yuan",
        "Fuel cost without conversion",
    )
    cost_after = line(
        "fuel_cost_after_yuan",
        (old_after * old_price + gas * cng_price + kwh * power_price) * t.escalation,
        "yuan",
        "Fuel and power cost after conversion",
    )
    savings = line("fuel_savings_yuan", cost_before - cost_after, "yuan", "Fuel cost savings")
    maintenance_cost = line(
        "extra_maintenance_yuan",
        vehicles * maintenance * t.escalation * t.in_operation,
        "yuan",
        "Extra vehicle maintenance",
    )
    station_cost = line(
        "station_om_yuan",
        stations * station_om * t.escalation * t.in_operation,
        "yuan",
        "Station O&M",
    )

    vat_oil, vat_gas, vat_power = (
        f.vat.goods_rate,
        common.vat_rate(m, a, "low_rate"),
        common.vat_rate(m, a, "electricity"),
    )
    # The taxes in a litre at the pump: VAT at rate / (1 + rate) of the price, and the
    # consumption tax (itself inside the VAT's base).
    oil_tax_per_l = old_price * t.escalation * vat_oil / (1 + vat_oil) + old_tax
    fuel_taxes = line(
        "fuel_taxes_saved_yuan",
        (old_before - old_after) * oil_tax_per_l
        - (
            gas * cng_price * vat_gas / (1 + vat_gas)
            + kwh * power_price * vat_power / (1 + vat_power)
        )
        * t.escalation,
        "yuan",
        "Taxes in the fuel saved (VAT, consumption tax) less those in the gas and power bought",
    )
    maintenance_vat = vat_content(
        m, "extra_maintenance_vat_yuan", maintenance_cost, vat_oil, "the extra maintenance"
    )

    # Energy in TJ: litres x kg/L x MJ/kg, or m3 x MJ/m3, over 1,000,000 MJ/TJ.
    old_tj_per_l = density * old_ncv / 1_000_000
    before_t = line(
        "emissions_before_t_co2",
        old_before * old_tj_per_l * old_factor,
        "t CO2",
        "CO2 without conversion",
    )
    after_t = line(
        "emissions_after_t_co2",
        old_after * old_tj_per_l * old_factor
        + gas * gas_ncv / 1_000_000 * gas_factor
        + kwh / 1000 * grid_factor,
        "t CO2",
        "CO2 after conversion (electricity at the grid's combined margin)",
    )
    abatement = line("abatement_t_co2e", before_t - after_t, "t CO2e", "CO2e avoided")

    add_finance(
        m,
        t,
        f,
        revenues=[savings],
        subsidies=[],
        costs=[maintenance_cost, station_cost],
        abatement_t=abatement,
        production=fleet_km,
        taxes_in_inflows=[fuel_taxes],
        taxes_in_outflows=[maintenance_vat],
    )
    m.output(
        "emissions_cut_share",
        rowsum(abatement) / rowsum(before_t),
        "share",
        "CO2 cut, share of emissions before",
    )
    m.output(
        "fuel_savings_yuan_per_vehicle_per_year",
        rowsum(savings) / f.operating_years / vehicles,
        "yuan/vehicle/yr",
        "Fuel savings a vehicle a year (average)",
    )
    return m
