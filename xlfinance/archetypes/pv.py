"""Rooftop PV (archetype `pv`): generation, self-consumption and export, subsidy, costs.

generation = capacity x specific yield x (1 - first-year degradation)
             x (1 - annual degradation) ^ (operating year - 1), in operating years.
The host building buys the self-consumed share at its tariff; the rest is sold to the grid at
the coal benchmark price; the national subsidy is paid on every kWh for its term (NDRC Price
[2013] 1638). Tariffs, O&M and roof rent escalate with the price index; the subsidy is fixed.
Tariffs and subsidy are VAT-inclusive; revenue is taken net of output VAT less the PV refund:
net share = (1 + refund x VAT) / (1 + VAT) while the refund lasts, 1 / (1 + VAT) after.
CO2 avoided = generation x the grid's combined-margin emission factor.
"""

from __future__ import annotations

from xlfinance.archetypes import common
from xlfinance.archetypes.common import add_input
from xlfinance.archetypes.finance import add_finance
from xlfinance.model.core import Model


def build(project, programme) -> Model:
    p = project.parameters
    a = programme.assumptions
    fin = p.finance
    m = common.project_model(project)

    add = common.parameter_inputs(m, p)

    capacity = add("capacity_kw", "Capacity")
    yield_ = add("specific_yield_kwh_per_kw", "Specific yield, first year")
    first_deg = add("first_year_degradation_share", "Degradation in year 1")
    annual_deg = add("annual_degradation_share", "Degradation a year after year 1")
    self_share = add("self_consumption_share", "Self-consumed share")
    building_tariff = add("building_tariff_yuan_per_kwh", "Host building's tariff")
    export_tariff = add("export_tariff_yuan_per_kwh", "Export tariff (coal benchmark)")
    subsidy_rate = add("subsidy_yuan_per_kwh", "National subsidy")
    subsidy_years = add_input(m, "subsidy_years", p.subsidy_years, "Subsidy term", unit="years")
    om = add("om_yuan_per_kw_per_year", "O&M")
    rent = add("roof_rent_yuan_per_kw_per_year", "Roof rent")
    insurance = add("insurance_share", "Insurance, share of capex a year")
    inverter = add("inverter_replacement_yuan_per_kw", "Inverter replacement")
    inverter_life = add_input(
        m, "inverter_life_years", p.inverter_life_years, "Inverter life", unit="years"
    )
    vat = common.assumption_input(m, "vat_rate", a, "vat_rate_electricity", "VAT on electricity")
    refund = add("vat_refund_share", "Share of VAT refunded")
    refund_last = add_input(
        m, "vat_refund_last_year", p.vat_refund_last_year, "Last year of the refund", unit="year"
    )

    f = common.finance_inputs(
        m,
        fin,
        a,
        replacement_cost_yuan=capacity * inverter,
        replacement_interval_years=inverter_life,
        production_unit="kWh",
    )
    t = common.add_timeline(m, f)
    grid_factor = common.grid_emission_factor(m, a, "pv")
    line = m.line
    generation = line(
        "generation_kwh",
        capacity
        * yield_
        * (1 - first_deg)
        * (1 - annual_deg) ** (t.operating_year - 1)
        * t.in_operation,
        "kWh",
        "Generation",
    )
    self_used = line(
        "self_consumed_kwh", generation * self_share, "kWh", "Used by the host building"
    )
    exported = line("exported_kwh", generation - self_used, "kWh", "Exported to the grid")
    net_of_vat = line(
        "net_of_vat_share",
        (1 + refund * vat * (m.year <= refund_last)) / (1 + vat),
        "share",
        "Share of a VAT-inclusive price kept after output VAT and its refund",
    )
    sales_self = line(
        "sales_host_yuan",
        self_used * building_tariff * t.escalation * net_of_vat,
        "yuan",
        "Sales to the host, net of VAT",
    )
    sales_grid = line(
        "sales_grid_yuan",
        exported * export_tariff * t.escalation * net_of_vat,
        "yuan",
        "Sales to the grid, net of VAT",
    )
    subsidy = line(
        "subsidy_yuan",
        generation * subsidy_rate * (t.operating_year <= subsidy_years) * net_of_vat,
        "yuan",
        "National production subsidy, net of VAT",
    )
    om_cost = line("om_yuan", capacity * om * t.escalation * t.in_operation, "yuan", "O&M")
    rent_cost = line(
        "roof_rent_yuan", capacity * rent * t.escalation * t.in_operation, "yuan", "Roof rent"
    )
    insurance_cost = line(
        "insurance_yuan", f.capex_yuan * insurance * t.in_operation, "yuan", "Insurance"
    )
    abatement = line("abatement_t_co2e", generation / 1000 * grid_factor, "t CO2e", "CO2e avoided")
    add_finance(
        m,
        t,
        f,
        revenues=[sales_self, sales_grid],
        subsidies=[subsidy],
        costs=[om_cost, rent_cost, insurance_cost],
        abatement_t=abatement,
        energy_kwh=generation,
        production=generation,
    )
    return m
