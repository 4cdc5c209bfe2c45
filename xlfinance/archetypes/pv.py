"""Rooftop PV (archetype `pv`): generation, self-consumption and export, subsidy, costs.

generation = capacity x specific yield x (1 - first-year degradation)
             x (1 - annual degradation) ^ (operating year - 1), in operating years.
The host building buys the self-consumed share at its tariff; the rest is sold to the grid at
the coal benchmark price; the national subsidy is paid on every kWh for its term (NDRC Price
[2013] 1638). Tariffs, O&M and roof rent escalate with the price index; the subsidy is fixed.

VAT (`finance.vat`): tariffs are VAT included, as quoted; sales carry output VAT at the
electricity rate of the year; O&M is a service bought with VAT at 6%, credited; roof rent
and insurance carry none the project credits. The national subsidy is not a taxable sale
(`SUBSIDY_VAT`). The capex's equipment share (`CAPEX_VAT_SHARE`) carries creditable VAT at
the standard rate. 50% of the VAT paid is refunded at once up to `vat_refund_last_year`.
CO2 avoided = generation x the grid's combined-margin emission factor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes import common
from xlfinance.archetypes.common import add_input
from xlfinance.archetypes.finance import add_finance
from xlfinance.archetypes.finance.vat import split_vat
from xlfinance.definitions.params.pv import PvParams
from xlfinance.definitions.schema import Assumptions, Sourced, step_in_force
from xlfinance.errors import ParameterError
from xlfinance.model.core import Model
from xlfinance.model.expr import InputRef

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef

CAPEX_VAT_SHARE = Sourced(
    value=0.8,
    source="assumption: modules, inverters, mounting and cables, about 80% of a 2015 "
    "distributed-PV system price; design, installation and grid connection the rest (under "
    "business tax until 营改增 of construction, 财税[2016]36, 1 May 2016)",
)
CAPEX_VAT_CREDITABLE = (
    "财税[2008]170: input VAT on equipment (fixed assets) creditable from 1 Jan 2009; the "
    "project sells electricity, a taxable sale"
)
SUBSIDY_VAT = (
    "国家税务总局公告2013年第3号: a central fiscal subsidy is not taxable income for VAT "
    "(unverified for the distributed-PV subsidy; from 2020 公告2019年第45号 taxes subsidies "
    "tied to the quantity sold)"
)


def _subsidy_rate(m: Model, project: ProjectDef[PvParams], assumptions: Assumptions) -> InputRef:
    """The national subsidy per kWh: the definition's own, or the programme's schedule's
    step in force in the project's first operating year (a distributed PV project keeps the
    rate of the year it is commissioned: 发改价格〔2013〕1638号 and the notices that cut it),
    linked to that step on the Inputs sheet."""
    p = project.parameters
    label = "National subsidy (no VAT: " + SUBSIDY_VAT + ")"
    unit = common.with_vat("yuan/kWh", False)
    if p.subsidy_yuan_per_kwh is not None:
        return add_input(m, "subsidy_yuan_per_kwh", p.subsidy_yuan_per_kwh, label, unit=unit)
    commissioned = project.start_year + p.finance.construction_years
    schedule = assumptions.pv_subsidy_yuan_per_kwh
    step = None if schedule is None else step_in_force(schedule, commissioned)
    if step is None:
        raise ParameterError(
            "parameters.subsidy_yuan_per_kwh",
            "no subsidy rate: give one, or a programme assumption pv_subsidy_yuan_per_kwh with "
            f"a step in force in {commissioned}, the first operating year",
        )
    year, value = step
    return add_input(
        m,
        "subsidy_yuan_per_kwh",
        value,
        f"{label}, commissioned in {commissioned}",
        unit=unit,
        link=f"assumptions.pv_subsidy_yuan_per_kwh.from_{year}",
    )


def build(project: ProjectDef[PvParams], programme: Programme) -> Model:
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
    price = common.price_inputs(m, p)
    building_tariff = price("building_tariff_yuan_per_kwh", "Host building's tariff")
    export_tariff = price("export_tariff_yuan_per_kwh", "Export tariff (coal benchmark)")
    subsidy_rate = _subsidy_rate(m, project, a)
    subsidy_years = add_input(m, "subsidy_years", p.subsidy_years, "Subsidy term", unit="years")
    om = price("om_yuan_per_kw_per_year", "O&M (a service, 6% VAT)")
    rent = price("roof_rent_yuan_per_kw_per_year", "Roof rent", vat=False)
    insurance = add("insurance_share", "Insurance, share of capex a year (no VAT credited)")
    inverter = price("inverter_replacement_yuan_per_kw", "Inverter replacement")
    inverter_life = add_input(
        m, "inverter_life_years", p.inverter_life_years, "Inverter life", unit="years"
    )
    vat = common.vat_rate(m, a, "electricity")
    vat_services = common.vat_rate(m, a, "services")
    refund = add("vat_refund_share", "Share of VAT paid refunded at once")
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
        capex_vat_share=CAPEX_VAT_SHARE,
        vat_creditable=CAPEX_VAT_CREDITABLE,
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
    sales_self, self_vat = split_vat(
        m, "sales_host_yuan", self_used * building_tariff * t.escalation, vat, "Sales to the host"
    )
    sales_grid, grid_vat = split_vat(
        m, "sales_grid_yuan", exported * export_tariff * t.escalation, vat, "Sales to the grid"
    )
    subsidy = line(
        "subsidy_yuan",
        generation * subsidy_rate * (t.operating_year <= subsidy_years),
        "yuan",
        "National production subsidy (no VAT)",
    )
    om_cost, om_vat = split_vat(
        m, "om_yuan", capacity * om * t.escalation * t.in_operation, vat_services, "O&M"
    )
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
        output_vat=[self_vat, grid_vat],
        input_vat=[om_vat],
        vat_refund_share=refund * (m.year <= refund_last),
    )
    return m
