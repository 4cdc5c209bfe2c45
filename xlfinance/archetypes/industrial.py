"""Industrial boiler fuel switch (archetype `industrial`): the owner's fuel and O&M savings.

steam (t)        = capacity (t/h) x full-load hours, in operating years
useful heat (GJ) = steam x enthalpy put into a t of steam
Before, for each fuel f of the boilers replaced:
  fuel energy_f (GJ, NCV) = heat x steam share_f / boiler efficiency_f
  fuel_f (t)              = fuel energy_f / NCV_f (MJ/kg), since GJ / (MJ/kg) = t
After:
  gas boilers: gas energy (GJ) = heat x (1 - central share) / gas boiler efficiency;
               gas (m3) = gas energy x 1000 / NCV (MJ/m3)
  central steam: steam bought (t) = steam x central share; gas burned for it at the supplier
               (GJ) = heat x central share / supply efficiency

Cash flows are the owner's: the fuel and O&M of the old boilers avoided are the inflows
(`revenues`), gas, network steam and the new O&M the outflows (`costs`); all escalate with
the price index. Fuel, gas and steam prices are VAT included (coal and fuel oil at the
standard rate, wood, gas and steam at the low rate); O&M is staff and power and carries no
VAT credited here. The owner is a factory that credits input VAT (a general taxpayer): the
switch changes its VAT by the VAT of the purchases it no longer makes (credits lost: the
account's output side) less that of the gas, steam and boilers it buys (input), netted at
once against the VAT on the factory's own sales (`finance.vat`, `offset_elsewhere`). A
fiscal reward per tce saved (if any) is a subsidy, paid on the year's savings in the first
`reward_years` operating years.

Energy saved (tce) = (fuel energy before - fuel energy after) / GJ per tce, on the calorific
value (NCV) basis with 29.307 GJ/tce (GB/T 2589-2008); the supplier's gas counts for network
steam (primary-energy basis). Counting bought steam at its own heat content (0.03412 tce/GJ,
the site basis of GB/T 2589) would credit the owner with the supplier's conversion losses.

CO2 = fuel energy x emission factor (IPCC 2006, t/TJ): the programme's factors for coal, fuel
oil and natural gas; wood states its own. CO2 avoided = before - after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes import common
from xlfinance.archetypes.common import add_input
from xlfinance.archetypes.finance import add_finance
from xlfinance.archetypes.finance.vat import split_vat
from xlfinance.definitions.params.industrial import IndustrialParams
from xlfinance.definitions.schema import Sourced, declared_unit
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import MAX, LineRef, npv, rowsum

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef

FUEL_LABELS = {"coal": "Coal", "fuel_oil": "Heavy fuel oil", "wood": "Wood"}
FUEL_VAT = {"coal": "goods", "fuel_oil": "goods", "wood": "low_rate"}
"""The VAT rate of each fuel (`vat_rates`): coal at the standard rate since 2009
(财税[2008]171), fuel oil at it; firewood an agricultural product at the low rate
(增值税暂行条例 art. 2 (二), unverified for fuel wood)."""
CAPEX_VAT_SHARE = Sourced(
    value=0.8,
    source="assumption: gas boilers, burners, controls and gas train about 80% of a boiler "
    "switch; the gas connection's civil works and installation the rest",
)
CAPEX_VAT_CREDITABLE = (
    "财税[2008]170: input VAT on equipment creditable from 1 Jan 2009; the owner is a factory "
    "making taxable sales (a general VAT payer)"
)
FUEL_INPUTS = (  # key, field of `BaselineBoilers`, label, VAT (None: not a price)
    ("share", "steam_share", "{} boilers' share of the steam", None),
    ("efficiency", "boiler_efficiency_share", "{} boiler efficiency (NCV)", None),
    ("ncv", "ncv_mj_per_kg", "{} net calorific value", None),
    ("price", "price_yuan_per_t", "{} price", True),
    ("om", "om_yuan_per_t_steam", "{} boiler-house O&M", False),
    ("factor", "emission_factor_t_co2_per_tj", "{} emission factor", None),
)


def build(project: ProjectDef[IndustrialParams], programme: Programme) -> Model:
    p = project.parameters
    a = programme.assumptions
    fin = p.finance
    m = common.project_model(project)

    add = common.parameter_inputs(m, p)

    capacity = add("steam_capacity_t_per_h", "Steam capacity of the boilers replaced")
    hours = add("full_load_hours", "Full-load hours a year")
    enthalpy = add("steam_enthalpy_gj_per_t", "Heat put into a t of steam")

    # The boilers replaced, one set of inputs a fuel.
    baseline = {}
    for fuel, boilers in p.baseline.items():
        inputs = {}
        for key, field, label, vat in FUEL_INPUTS:
            value = getattr(boilers, field)
            name, text = f"{fuel}_{field}", label.format(FUEL_LABELS[fuel])
            unit = declared_unit(boilers, field)
            if vat is not None:
                unit = common.with_vat(unit, vat)
            if value is None:  # only the emission factor may be left out: the programme's
                path = f"emission_factors_t_co2_per_tj.{fuel}"
                inputs[key] = common.assumption_input(m, name, a, path, text, unit=unit)
            else:
                inputs[key] = add_input(m, name, value, text, unit=unit)
        baseline[fuel] = inputs

    central_share = add("central_steam_share", "Share of steam bought from the network")
    gas_eff = add("gas_boiler_efficiency_share", "Gas boiler efficiency (NCV)")
    gas_ncv = add("gas_ncv_mj_per_m3", "Gas net calorific value")
    price = common.price_inputs(m, p)
    gas_price = price("gas_price_yuan_per_m3", "Gas price")
    gas_om = price("gas_boiler_om_yuan_per_t_steam", "Gas boiler-house O&M", vat=False)
    central_price = price("central_steam_price_yuan_per_t", "Network steam price")
    central_eff = add(
        "central_supply_efficiency_share", "Network steam delivered over supplier's gas"
    )
    central_om = add(
        "central_om_yuan_per_t_steam", "Owner's O&M on network steam", unit="yuan/t steam no VAT"
    )
    reward_rate = add("reward_yuan_per_tce", "Fiscal reward per tce saved")
    reward_years = add_input(
        m, "reward_years", p.reward_years, "Reward paid in operating years", unit="years"
    )
    gas_factor = common.assumption_input(
        m,
        "natural_gas_emission_factor_t_co2_per_tj",
        a,
        "emission_factors_t_co2_per_tj.natural_gas",
        "Natural gas emission factor",
    )
    gj_per_tce = common.assumption_input(
        m, "gj_per_tce", a, "gj_per_tce", "GJ per tce (calorific value)", unit="GJ/tce"
    )

    f = common.finance_inputs(
        m,
        fin,
        a,
        production_unit="t",
        capex_vat_share=CAPEX_VAT_SHARE,
        vat_creditable=CAPEX_VAT_CREDITABLE,
    )
    vat_low = common.vat_rate(m, a, "low_rate")
    rates = {"goods": f.vat.goods_rate, "low_rate": vat_low}
    t = common.add_timeline(m, f)
    line = m.line

    steam = line("steam_t", capacity * hours * t.in_operation, "t", "Steam used by the factories")
    heat = line("useful_heat_gj", steam * enthalpy, "GJ", "Heat in the steam")

    # Before: the old boilers, fuel by fuel.
    fuel_gj, fuel_costs, co2_terms, om_terms, avoided_vat = [], [], [], [], []
    for fuel, b in baseline.items():
        label = FUEL_LABELS[fuel]
        energy = line(
            f"{fuel}_gj", heat * b["share"] / b["efficiency"], "GJ", f"{label} burned (energy, NCV)"
        )
        tonnes = line(f"{fuel}_t", energy / b["ncv"], "t", f"{label} burned")
        cost, cost_vat = split_vat(
            m,
            f"{fuel}_cost_avoided_yuan",
            tonnes * b["price"] * t.escalation,
            rates[FUEL_VAT[fuel]],
            f"{label} no longer bought",
        )
        fuel_costs.append(cost)
        avoided_vat.append(cost_vat)
        fuel_gj.append(energy)
        co2_terms.append(energy * b["factor"])
        om_terms.append(b["share"] * b["om"])
    om_before = line(
        "om_avoided_yuan",
        steam * ex.total(*om_terms) * t.escalation,
        "yuan",
        "Old boiler-house O&M avoided",
    )
    before_gj = line("fuel_before_gj", ex.total(*fuel_gj), "GJ", "Fuel energy before (NCV)")
    co2_before = line("co2_before_t", ex.total(*co2_terms) / 1000, "t CO2", "CO2 before")

    # After: gas boilers on site and steam from the network.
    gas_gj = line(
        "gas_boiler_gj",
        heat * (1 - central_share) / gas_eff,
        "GJ",
        "Gas burned in the new boilers (NCV)",
    )
    gas_m3 = line("gas_m3", gas_gj * 1000 / gas_ncv, "m3", "Gas bought")
    gas_cost, gas_vat = split_vat(
        m, "gas_cost_yuan", gas_m3 * gas_price * t.escalation, vat_low, "Gas"
    )
    bought = line("central_steam_t", steam * central_share, "t", "Steam bought from the network")
    central_cost, central_vat = split_vat(
        m,
        "central_steam_cost_yuan",
        bought * central_price * t.escalation,
        vat_low,
        "Network steam",
    )
    supplier_gj = line(
        "central_supplier_gas_gj",
        heat * central_share / central_eff,
        "GJ",
        "Gas burned at the supplier for it (NCV)",
    )
    om_after = line(
        "om_after_yuan",
        steam * ((1 - central_share) * gas_om + central_share * central_om) * t.escalation,
        "yuan",
        "O&M after the switch",
    )
    after_gj = line(
        "fuel_after_gj",
        gas_gj + supplier_gj,
        "GJ",
        "Fuel energy after (NCV, supplier's gas included)",
    )
    co2_after = line("co2_after_t", after_gj * gas_factor / 1000, "t CO2", "CO2 after")

    saved = line(
        "energy_saved_tce",
        (before_gj - after_gj) / gj_per_tce,
        "tce",
        "Energy saved (calorific value)",
    )
    abatement = line("abatement_t_co2e", co2_before - co2_after, "t CO2e", "CO2 avoided")
    reward = line(
        "reward_yuan",
        MAX(0, saved) * reward_rate * t.in_operation * (t.operating_year <= reward_years),
        "yuan",
        "Fiscal reward on energy saved",
    )

    add_finance(
        m,
        t,
        f,
        revenues=[*fuel_costs, om_before],
        subsidies=[reward],
        costs=[gas_cost, central_cost, om_after],
        abatement_t=abatement,
        production=steam,
        output_vat=avoided_vat,
        input_vat=[gas_vat, central_vat],
        vat_offset_elsewhere=True,
    )

    years = f.operating_years
    out = m.output
    out("steam_t_per_year", rowsum(steam) / years, "t/yr", "Steam a year")
    out(
        "fuel_before_tce_per_year",
        rowsum(before_gj) / gj_per_tce / years,
        "tce/yr",
        "Fuel before a year",
    )
    out(
        "fuel_after_tce_per_year",
        rowsum(after_gj) / gj_per_tce / years,
        "tce/yr",
        "Fuel after a year",
    )
    out(
        "energy_saved_tce_per_year",
        rowsum(saved) / years,
        "tce/yr",
        "Energy saved a year (calorific value)",
    )
    out("co2_before_t_per_year", rowsum(co2_before) / years, "t CO2/yr", "CO2 before a year")
    out("co2_after_t_per_year", rowsum(co2_after) / years, "t CO2/yr", "CO2 after a year")
    # Levelised cost of a t of steam: the old boilers' running costs (sunk capital) against
    # the new capex, replacements and running costs.
    rate = f.discount_rate
    before_cost = line(
        "steam_cost_before_yuan", ex.total(*fuel_costs, om_before), "yuan", "Cost of steam before"
    )
    after_cost = line(
        "steam_cost_after_yuan",
        LineRef("capex") + LineRef("replacement") + gas_cost + central_cost + om_after,
        "yuan",
        "Cost of steam after (capex included)",
    )
    out(
        "steam_cost_before_yuan_per_t",
        npv(rate, before_cost) / npv(rate, steam),
        "yuan/t",
        "Levelised steam cost before",
    )
    out(
        "steam_cost_after_yuan_per_t",
        npv(rate, after_cost) / npv(rate, steam),
        "yuan/t",
        "Levelised steam cost after",
    )
    return m
