"""Gas distributed energy station, combined cooling, heating and power (archetype `chp`).

electricity = capacity x full-load hours, in operating years
gas burned  = electricity x 3.6 MJ/kWh / electrical efficiency / NCV (m3); its energy in GJ
heat recovered = gas energy x thermal efficiency; used heat = recovered x utilisation;
cooling = used heat x cooling share x absorption COP; heat sold = used heat x (1 - cooling share)

Electricity, heat and cooling are sold at their prices; gas, fixed O&M (per kW) and variable
O&M (per kWh) are the operating costs; prices and costs escalate with the price index, a
production subsidy (if any) does not. Prices are VAT included (`finance.vat`): electricity
at the electricity rate of the year, heat, cooling and gas at the low rate, variable O&M
(parts, overhauls) at the standard rate, each credited; fixed O&M is staff, without VAT.
LCOE is on electricity, with the heat and cooling revenues credited against its cost.

CO2 avoided = grid electricity displaced x the grid's combined margin
            + electricity the displaced electric chillers would have used x the same factor
            + fuel the displaced boilers would have burned (heat sold / boiler efficiency) x
              the boiler fuel's factor
            - gas burned x the natural-gas factor.

`total_efficiency_share` is the annual average total efficiency as CJJ 145-2010 counts it,
(electricity + heat sold + cooling) / gas energy, to hold against the NDRC's 70%.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes import common
from xlfinance.archetypes.common import add_input
from xlfinance.archetypes.finance import add_finance
from xlfinance.archetypes.finance.vat import split_vat
from xlfinance.definitions.params.chp import ChpParams
from xlfinance.definitions.schema import Sourced
from xlfinance.errors import ParameterError
from xlfinance.model.core import Model
from xlfinance.model.expr import rowsum

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef

MJ_PER_KWH_SOURCE = "SI definition: 1 kWh = 3.6 MJ"
CAPEX_VAT_SHARE = Sourced(
    value=0.8,
    source="assumption: gas engines, heat recovery, absorption chillers and electrical plant "
    "about 80% of a small CCHP station's cost; civil works and installation the rest",
)
CAPEX_VAT_CREDITABLE = (
    "财税[2008]170: input VAT on equipment creditable from 1 Jan 2009; the station sells "
    "electricity, heat and cooling, taxable sales"
)


def build(project: ProjectDef[ChpParams], programme: Programme) -> Model:
    p = project.parameters
    a = programme.assumptions
    fin = p.finance
    m = common.project_model(project)

    add = common.parameter_inputs(m, p)

    capacity = add("capacity_kw", "Electric capacity")
    hours = add("full_load_hours", "Full-load hours a year")
    eta_e = add("electrical_efficiency_share", "Electrical efficiency (NCV)")
    eta_th = add("thermal_efficiency_share", "Heat recovered over gas energy (NCV)")
    utilisation = add("heat_utilisation_share", "Share of heat recovered that is used")
    cooling_share = add("cooling_share", "Share of used heat driving absorption chillers")
    absorption_cop = add("absorption_chiller_cop", "Absorption chiller COP")
    ncv = add("gas_ncv_mj_per_m3", "Gas net calorific value")
    price = common.price_inputs(m, p)
    gas_price = price("gas_price_yuan_per_m3", "Gas price")
    power_price = price("electricity_price_yuan_per_kwh", "Electricity price")
    heat_price = price("heat_price_yuan_per_gj", "Heat price")
    cooling_price = price("cooling_price_yuan_per_gj", "Cooling price")
    subsidy_rate = price("subsidy_yuan_per_kwh", "Production subsidy on electricity", vat=False)
    subsidy_years = add_input(m, "subsidy_years", p.subsidy_years, "Subsidy term", unit="years")
    om_fixed = price("om_fixed_yuan_per_kw_per_year", "Fixed O&M (staff)", vat=False)
    om_variable = price("om_variable_yuan_per_kwh", "Variable O&M (parts, overhauls)")
    vat_power = common.vat_rate(m, a, "electricity")
    vat_low = common.vat_rate(m, a, "low_rate")
    boiler_eff = add("boiler_efficiency_share", f"Displaced boiler efficiency ({p.boiler_fuel})")
    chiller_cop = add("displaced_chiller_cop", "Displaced electric chiller COP")
    mj_per_kwh = m.input("mj_per_kwh", 3.6, "MJ/kWh", MJ_PER_KWH_SOURCE, "Energy in a kWh")
    gas_factor = common.assumption_input(
        m,
        "gas_emission_factor_t_per_tj",
        a,
        "emission_factors_t_co2_per_tj.natural_gas",
        "Natural gas emission factor",
    )
    boiler_factor_value = getattr(a.emission_factors_t_co2_per_tj, p.boiler_fuel)
    if boiler_factor_value is None:
        raise ParameterError(
            "parameters.boiler_fuel",
            f"{p.boiler_fuel!r} has no emission factor in the programme's "
            "assumptions.emission_factors_t_co2_per_tj",
        )
    boiler_factor = common.assumption_input(
        m,
        "boiler_fuel_emission_factor_t_per_tj",
        a,
        f"emission_factors_t_co2_per_tj.{p.boiler_fuel}",
        f"Emission factor of the displaced boilers' fuel ({p.boiler_fuel})",
    )

    f = common.finance_inputs(
        m,
        fin,
        a,
        production_unit="kWh",
        capex_vat_share=CAPEX_VAT_SHARE,
        vat_creditable=CAPEX_VAT_CREDITABLE,
    )
    t = common.add_timeline(m, f)
    grid_factor = common.grid_emission_factor(m, a, "chp")
    line = m.line

    # Energy balance.
    electricity = line(
        "electricity_kwh", capacity * hours * t.in_operation, "kWh", "Electricity generated"
    )
    gas = line("gas_m3", electricity * mj_per_kwh / eta_e / ncv, "m3", "Gas burned")
    fuel = line("fuel_gj", gas * ncv / 1000, "GJ", "Gas energy burned (NCV)")
    recovered = line("heat_recovered_gj", fuel * eta_th, "GJ", "Heat recovered")
    used = line(
        "heat_used_gj", recovered * utilisation, "GJ", "Heat used (sold as heat or cooling)"
    )
    cooling = line("cooling_gj", used * cooling_share * absorption_cop, "GJ", "Cooling delivered")
    heat_sold = line("heat_sold_gj", used * (1 - cooling_share), "GJ", "Heat sold")

    # Revenues and costs.
    sales_power, power_vat = split_vat(
        m,
        "sales_electricity_yuan",
        electricity * power_price * t.escalation,
        vat_power,
        "Electricity sales",
    )
    sales_heat, heat_vat = split_vat(
        m, "sales_heat_yuan", heat_sold * heat_price * t.escalation, vat_low, "Heat sales"
    )
    sales_cooling, cooling_vat = split_vat(
        m, "sales_cooling_yuan", cooling * cooling_price * t.escalation, vat_low, "Cooling sales"
    )
    subsidy = line(
        "subsidy_yuan",
        electricity * subsidy_rate * (t.operating_year <= subsidy_years),
        "yuan",
        "Production subsidy",
    )
    gas_cost, gas_vat = split_vat(
        m, "gas_cost_yuan", gas * gas_price * t.escalation, vat_low, "Gas"
    )
    om_fixed_cost = line(
        "om_fixed_yuan", capacity * om_fixed * t.escalation * t.in_operation, "yuan", "Fixed O&M"
    )
    om_variable_cost, om_vat = split_vat(
        m,
        "om_variable_yuan",
        electricity * om_variable * t.escalation,
        f.vat.goods_rate,
        "Variable O&M",
    )

    # CO2: what the station displaces, less the gas it burns.
    grid_avoided = line(
        "grid_avoided_t_co2",
        electricity / 1000 * grid_factor,
        "t CO2",
        "Grid electricity displaced",
    )
    chiller_avoided = line(
        "chiller_avoided_t_co2",
        cooling / mj_per_kwh / chiller_cop * grid_factor,  # GJ / (MJ/kWh) = MWh of cooling
        "t CO2",
        "Electric chillers' grid electricity displaced",
    )
    boiler_avoided = line(
        "boiler_avoided_t_co2",
        heat_sold / boiler_eff * boiler_factor / 1000,
        "t CO2",
        "Boiler fuel displaced",
    )
    gas_emitted = line("gas_emissions_t_co2", fuel * gas_factor / 1000, "t CO2", "Gas burned")
    abatement = line(
        "abatement_t_co2e",
        grid_avoided + chiller_avoided + boiler_avoided - gas_emitted,
        "t CO2e",
        "CO2e avoided (net)",
    )
    useful = line(
        "useful_energy_gj",
        electricity * mj_per_kwh / 1000 + heat_sold + cooling,
        "GJ",
        "Electricity, heat and cooling supplied",
    )
    m.output(
        "total_efficiency_share",
        rowsum(useful) / rowsum(fuel),
        "share",
        "Annual average total efficiency, CJJ 145-2010 (NDRC asks >= 70%)",
    )

    add_finance(
        m,
        t,
        f,
        revenues=[sales_power, sales_heat, sales_cooling],
        subsidies=[subsidy],
        costs=[gas_cost, om_fixed_cost, om_variable_cost],
        abatement_t=abatement,
        energy_kwh=electricity,
        energy_credits=[sales_heat, sales_cooling],
        production=electricity,
        output_vat=[power_vat, heat_vat, cooling_vat],
        input_vat=[gas_vat, om_vat],
    )
    return m
