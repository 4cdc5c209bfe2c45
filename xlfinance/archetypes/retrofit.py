"""Public-building retrofit under an energy performance contract (archetype `retrofit`).

Shared savings (合同能源管理, 节能效益分享型): the ESCO invests, takes a share of the value of
the electricity saved for the contract term, then hands the equipment to the owner, who keeps
every saving until the end of the measures' life.

    baseline       = floor area x baseline kWh/m2/yr, in operating years
    saved (measure) = baseline x the measure's share x (1 - decay) ^ (operating year - 1)
    saved          = sum over the measures (each its own line)
    savings value  = saved x tariff x price index
    ESCO           : share x savings value in the term; O&M (a share of capex) in the term;
                     the fiscal reward, (central + provincial) yuan/tce x tce saved, paid once
                     on the first operating year's savings (Caijian [2010] 249); income tax
                     with the 三免三减半 holiday (Caishui [2010] 110)
    owner          : the rest of the savings in the term, all savings after it, less the O&M
                     after it (`owner_cash_flow`, `owner_npv_yuan`, `owner_savings_yuan`)
    tce saved      = saved kWh x the programme's tce/MWh (whatever basis it states)
    CO2 avoided    = saved kWh x the grid's combined-margin emission factor

VAT: the tariff is VAT included, as the owner pays it. The ESCO's energy performance contract
service is exempt from VAT (财税[2010]110 art. 2; 财税[2016]36 annex 3 art. 1 (二十七)), so it
charges none and credits none: its capex is a cost VAT included. The VAT in the savings and
in the capex is taken out of the economic cash flow (`finance.economic`); O&M is staff and
carries none.

The model's cash flows (`project_cash_flow`, `equity_cash_flow`, NPV, IRR) are the ESCO's.
The abatement cost is society's: the whole saving over the measures' life, not only the
ESCO's share: the owner's cash flow goes to `common.add_finance` as an external benefit,
counted in the economic flow and not in the ESCO's accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlfinance.archetypes import common
from xlfinance.archetypes.common import add_input
from xlfinance.archetypes.finance import add_finance
from xlfinance.archetypes.finance.vat import vat_content
from xlfinance.definitions.params.retrofit import RetrofitParams
from xlfinance.definitions.schema import Sourced
from xlfinance.model.core import Model
from xlfinance.model.expr import MAX, LineRef, npv, rowsum, total

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef

CAPEX_VAT_SHARE = Sourced(
    value=0.8,
    source="assumption: lighting, variable-speed drives, chillers and controls about 80% of "
    "a building retrofit's cost; design and installation the rest",
)


def build(project: ProjectDef[RetrofitParams], programme: Programme) -> Model:
    p = project.parameters
    a = programme.assumptions
    fin = p.finance
    m = common.project_model(project)

    add = common.parameter_inputs(m, p)

    area = add("floor_area_m2", "Floor area retrofitted")
    baseline_intensity = add("baseline_kwh_per_m2_per_year", "Baseline electricity use")
    shares = {
        measure: add_input(
            m,
            f"savings_share_{measure}",
            share,
            f"Share of baseline saved: {_words(measure)}",
            unit="share",
        )
        for measure, share in p.savings_shares.items()
    }
    decay = add("annual_savings_decay_share", "Loss of savings a year after year 1")
    tariff = common.price_inputs(m, p)("tariff_yuan_per_kwh", "Electricity tariff avoided")
    esco_share = add("esco_savings_share", "ESCO's share of savings in the term")
    contract_years = add_input(m, "contract_years", p.contract_years, "Contract term", unit="years")
    reward_central = add("reward_central_yuan_per_tce", "Fiscal reward, central")
    reward_provincial = add("reward_provincial_yuan_per_tce", "Fiscal reward, provincial")
    reward_years = add_input(
        m,
        "reward_years",
        p.reward_years,
        "Years the reward is paid (1 = once)",
        unit="years",
        source="Caijian [2010] 249: a one-off reward on the audited annual savings",
    )
    om_share = add("om_capex_share", "O&M a year, share of capex")
    tce_factor = common.assumption_input(
        m,
        "tce_per_mwh_electricity",
        a,
        "tce_per_mwh_electricity",
        "Standard coal per MWh of electricity",
    )

    vat = common.vat_rate(m, a, "electricity")
    f = common.finance_inputs(m, fin, a, production_unit="kWh", capex_vat_share=CAPEX_VAT_SHARE)
    t = common.add_timeline(m, f)
    grid_factor = common.grid_emission_factor(m, a, "retrofit")
    line = m.line

    baseline = line(
        "baseline_kwh",
        area * baseline_intensity * t.in_operation,
        "kWh",
        "Baseline electricity use",
    )
    persistence = line(
        "savings_persistence",
        (1 - decay) ** MAX(t.operating_year - 1, 0) * t.in_operation,
        "share",
        "Share of first-year savings still achieved",
    )
    by_measure = [
        line(
            f"saved_kwh_{measure}",
            baseline * share * persistence,
            "kWh",
            f"Electricity saved: {_words(measure)}",
        )
        for measure, share in shares.items()
    ]
    saved = line("saved_kwh", total(*by_measure), "kWh", "Electricity saved, all measures")
    in_contract = line(
        "in_contract",
        t.in_operation * (t.operating_year <= contract_years),
        "flag",
        "In the contract term",
    )
    savings = line(
        "savings_yuan", saved * tariff * t.escalation, "yuan", "Value of the electricity saved"
    )
    to_esco = line(
        "savings_to_esco_yuan",
        savings * esco_share * in_contract,
        "yuan",
        "ESCO's share of savings",
    )
    to_owner = line(
        "savings_to_owner_yuan",
        savings - to_esco,
        "yuan",
        "Owner's share of savings (all after the term)",
    )
    om = line(
        "om_yuan",
        f.capex_yuan * om_share * t.escalation * t.in_operation,
        "yuan",
        "O&M of the measures",
    )
    esco_om = line("esco_om_yuan", om * in_contract, "yuan", "O&M paid by the ESCO (in the term)")
    owner_om = line("owner_om_yuan", om - esco_om, "yuan", "O&M paid by the owner (after the term)")
    owner_flow = line(
        "owner_cash_flow",
        to_owner - owner_om,
        "yuan",
        "Owner's cash flow: its savings less its O&M",
    )
    saved_tce = line("saved_tce", saved / 1000 * tce_factor, "tce", "Standard coal saved")
    reward = line(
        "fiscal_reward_yuan",
        saved_tce
        * (reward_central + reward_provincial)
        * t.in_operation
        * (t.operating_year <= reward_years),
        "yuan",
        "EMC fiscal reward to the ESCO",
    )
    abatement = line("abatement_t_co2e", saved / 1000 * grid_factor, "t CO2e", "CO2e avoided")
    savings_vat = vat_content(m, "savings_vat_yuan", savings, vat, "the electricity saved")

    add_finance(
        m,
        t,
        f,
        revenues=[to_esco],
        subsidies=[reward],
        external_benefits=[owner_flow],
        costs=[esco_om],
        abatement_t=abatement,
        production=saved,
        taxes_in_inflows=[savings_vat],
    )

    out = m.output
    out(
        "owner_npv_yuan",
        npv(f.discount_rate, owner_flow),
        "yuan",
        "Owner's NPV (it invests nothing)",
    )
    out("owner_savings_yuan", rowsum(to_owner), "yuan", "Owner's savings, lifetime")
    out(
        "saved_kwh_per_year",
        rowsum(saved) / f.operating_years,
        "kWh/yr",
        "Electricity saved a year",
    )
    out(
        "saved_tce_per_year",
        rowsum(saved_tce) / f.operating_years,
        "tce/yr",
        "Standard coal saved a year",
    )
    cost = line(
        "retrofit_cost_yuan",
        LineRef("capex") + om,
        "yuan",
        "Capex and O&M of the measures (whoever pays)",
    )
    out(
        "cost_of_saved_energy_yuan_per_kwh",
        npv(f.discount_rate, cost) / npv(f.discount_rate, saved),
        "yuan/kWh",
        "Levelised cost of the electricity saved",
    )
    return m


def _words(name: str) -> str:
    return name.replace("_", " ")
