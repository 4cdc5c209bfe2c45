"""Industrial boiler fuel switch archetype: a hand-worked example and properties.

The example is worked by hand below with plain arithmetic (no xlfinance code): 10 t/h of
boilers running 2,000 full-load hours (20,000 t of steam a year), 2.7 GJ of heat a t of
steam (54,000 GJ). Before: half the steam from coal boilers (60% efficient, coal 20 MJ/kg at
600 yuan/t, O&M 30 yuan/t of steam), half from fuel-oil boilers (80%, 40 MJ/kg at
4,000 yuan/t, O&M 20). After: half from new gas boilers (90%, gas 36 MJ/m3 at 3.0 yuan/m3,
O&M 15), half bought from a steam network at 200 yuan/t (the supplier burns gas at 90%
delivered, owner's O&M 5). Capex 2,000,000 yuan, 15 operating years, all equity, 25% tax,
5% residual, 8% discount, no escalation; the programme's IPCC factors (coal 94.6, fuel oil
77.4, gas 56.1 t CO2/TJ) and 29.307 GJ/tce.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from xlfinance import finance
from xlfinance.archetypes import build_model
from xlfinance.definitions.schema import ProjectDef

from .factories import merged, programme, project
from .strategies import examples

XIAOLAN_PROJECTS = Path(__file__).resolve().parents[1] / "projects" / "xiaolan" / "projects"

BASE = {
    "finance": {"capex_yuan": 2_000_000, "operating_years": 15},
    "steam_capacity_t_per_h": 10,
    "full_load_hours": 2000,
    "steam_enthalpy_gj_per_t": 2.7,
    "baseline": {
        "coal": {
            "steam_share": 0.5,
            "boiler_efficiency_share": 0.6,
            "ncv_mj_per_kg": 20,
            "price_yuan_per_t": 600,
            "om_yuan_per_t_steam": 30,
        },
        "fuel_oil": {
            "steam_share": 0.5,
            "boiler_efficiency_share": 0.8,
            "ncv_mj_per_kg": 40,
            "price_yuan_per_t": 4000,
            "om_yuan_per_t_steam": 20,
        },
    },
    "central_steam_share": 0.5,
    "gas_boiler_efficiency_share": 0.9,
    "gas_ncv_mj_per_m3": 36,
    "gas_price_yuan_per_m3": 3.0,
    "gas_boiler_om_yuan_per_t_steam": 15,
    "central_steam_price_yuan_per_t": 200,
    "central_supply_efficiency_share": 0.9,
    "central_om_yuan_per_t_steam": 5,
}

ANNUITY = sum(1.08**-t for t in range(1, 16))


def evaluate(params, **assumptions):
    model = build_model(project("industrial", params), programme(**assumptions))
    return model, model.evaluate()


def with_fuel(params, fuel, **changes):
    out = merged(params)
    out["baseline"][fuel].update(changes)
    return out


class TestHandWorked:
    # Coal: 27,000 GJ of heat / 0.6 = 45,000 GJ = 2,250 t (45,000 GJ / 20 MJ/kg) x 600 = 1,350,000.
    # Fuel oil: 27,000 / 0.8 = 33,750 GJ = 843.75 t x 4,000 = 3,375,000.
    # Old O&M: 10,000 t x 30 + 10,000 t x 20 = 500,000. Costs avoided: 5,225,000.
    # Gas boilers: 27,000 / 0.9 = 30,000 GJ = 833,333.3 m3 (30,000,000 MJ / 36) x 3.0 = 2,500,000.
    # Network steam: 10,000 t x 200 = 2,000,000; the supplier burns 27,000 / 0.9 = 30,000 GJ.
    # New O&M: 10,000 x 15 + 10,000 x 5 = 200,000. Costs after: 4,700,000. EBITDA 525,000.
    # Depreciation 2,000,000 x 0.95 / 15 = 126,666.67; tax (525,000 - 126,666.67) x 25% = 99,583.33.
    # Residual book value recovered in year 15: 2,000,000 x 5% = 100,000.
    ebitda = 525_000
    after_tax = ebitda - (ebitda - 2_000_000 * 0.95 / 15) * 0.25
    flows = np.array([-2_000_000] + [after_tax] * 15, dtype=float)
    flows[-1] += 100_000
    # Energy: 45,000 + 33,750 = 78,750 GJ before; 30,000 + 30,000 = 60,000 GJ after.
    saved_tce = (78_750 - 60_000) / 29.307
    # CO2: 45,000 GJ x 94.6 + 33,750 GJ x 77.4 = 4,257 + 2,612.25 = 6,869.25 t before;
    # 60,000 GJ x 56.1 = 3,366 t after; 3,503.25 t avoided.
    abated = 6_869.25 - 3_366

    def test_annual_lines(self):
        _, ev = evaluate(BASE)
        frame = ev.frame()
        y1 = 2016
        assert frame["steam_t"].tolist() == [0] + [20_000] * 15
        assert frame.loc[y1, "coal_t"] == pytest.approx(2_250)
        assert frame.loc[y1, "fuel_oil_t"] == pytest.approx(843.75)
        assert frame.loc[y1, "coal_cost_avoided_yuan"] == pytest.approx(1_350_000)
        assert frame.loc[y1, "fuel_oil_cost_avoided_yuan"] == pytest.approx(3_375_000)
        assert frame.loc[y1, "om_avoided_yuan"] == pytest.approx(500_000)
        assert frame.loc[y1, "gas_m3"] == pytest.approx(30_000_000 / 36)
        assert frame.loc[y1, "gas_cost_yuan"] == pytest.approx(2_500_000)
        assert frame.loc[y1, "central_steam_cost_yuan"] == pytest.approx(2_000_000)
        assert frame.loc[y1, "central_supplier_gas_gj"] == pytest.approx(30_000)
        assert frame.loc[y1, "om_after_yuan"] == pytest.approx(200_000)
        assert frame.loc[y1, "ebitda"] == pytest.approx(self.ebitda)
        assert frame.loc[y1, "energy_saved_tce"] == pytest.approx(self.saved_tce)
        assert frame.loc[y1, "co2_before_t"] == pytest.approx(6_869.25)
        assert frame.loc[y1, "abatement_t_co2e"] == pytest.approx(self.abated)
        assert frame["reward_yuan"].sum() == 0
        np.testing.assert_allclose(frame["project_cash_flow"], self.flows)

    def test_metrics(self):
        _, ev = evaluate(BASE)
        out = ev.metrics()
        npv = -2_000_000 + self.after_tax * ANNUITY + 100_000 / 1.08**15
        assert out["npv_yuan"] == pytest.approx(npv, rel=1e-12)
        assert out["irr"] == pytest.approx(finance.irr(self.flows), rel=1e-10)
        assert out["equity_irr"] == pytest.approx(out["irr"], rel=1e-12)
        # After 4 years the cumulative flow is -2,000,000 + 4 x 425,416.67 = -298,333.33.
        assert out["payback_years"] == pytest.approx(
            4 + (2_000_000 - 4 * self.after_tax) / self.after_tax
        )
        assert out["steam_t_per_year"] == pytest.approx(20_000)
        assert out["energy_saved_tce_per_year"] == pytest.approx(self.saved_tce)
        assert out["fuel_before_tce_per_year"] == pytest.approx(78_750 / 29.307)
        assert out["abatement_t_co2e_per_year"] == pytest.approx(self.abated)
        assert out["co2_after_t_per_year"] == pytest.approx(3_366)
        # Economic flows: pre-tax, no subsidy: 525,000 a year.
        economic = -2_000_000 + self.ebitda * ANNUITY + 100_000 / 1.08**15
        assert out["abatement_cost_yuan_per_t"] == pytest.approx(
            -economic / (self.abated * ANNUITY), rel=1e-12
        )
        # Steam cost before: 5,225,000 / 20,000 t = 261.25 yuan/t (old boilers' capital sunk).
        assert out["steam_cost_before_yuan_per_t"] == pytest.approx(261.25)
        # After: (2,000,000 + 4,700,000 x annuity) / (20,000 x annuity).
        after = (2_000_000 + 4_700_000 * ANNUITY) / (20_000 * ANNUITY)
        assert out["steam_cost_after_yuan_per_t"] == pytest.approx(after, rel=1e-12)
        assert np.isnan(out["min_dscr"])

    def test_reward_is_paid_once_and_left_out_of_the_economic_cost(self):
        # 300 yuan/tce (240 central + 60 provincial) on the first year's 639.78 tce.
        _, ev = evaluate(merged(BASE, reward_yuan_per_tce=300))
        reward = ev.lines["reward_yuan"][0]
        assert reward[1] == pytest.approx(300 * self.saved_tce)
        assert reward[2:].sum() == 0
        _, plain = evaluate(BASE)
        np.testing.assert_allclose(
            ev.lines["economic_cash_flow"], plain.lines["economic_cash_flow"]
        )
        assert ev.outputs["npv_yuan"][0] > plain.outputs["npv_yuan"][0]

    def test_reward_years(self):
        _, ev = evaluate(merged(BASE, reward_yuan_per_tce=100, reward_years=3))
        reward = ev.lines["reward_yuan"][0]
        np.testing.assert_allclose(reward[1:4], 100 * self.saved_tce)
        assert reward[4:].sum() == 0

    def test_network_steam_counts_the_suppliers_gas(self):
        # All steam from the network at 0.9: the supplier burns 54,000 / 0.9 = 60,000 GJ,
        # 60,000 x 56.1 / 1000 = 3,366 t CO2; no gas is bought on site.
        _, ev = evaluate(merged(BASE, central_steam_share=1))
        frame = ev.frame()
        assert frame.loc[2016, "gas_m3"] == 0
        assert frame.loc[2016, "central_supplier_gas_gj"] == pytest.approx(60_000)
        assert frame.loc[2016, "co2_after_t"] == pytest.approx(3_366)
        assert frame.loc[2016, "central_steam_cost_yuan"] == pytest.approx(4_000_000)

    def test_escalation(self):
        # 5% a year from the first operating year: costs avoided in year 2 = 5,225,000 x 1.05.
        _, ev = evaluate(BASE, price_escalation=0.05)
        assert ev.lines["ebitda"][0][2] == pytest.approx(525_000 * 1.05)


class TestFuels:
    def test_wood_counts_its_own_factor(self):
        # Wood boilers (70%, 15 MJ/kg) replaced by gas boilers only: 54,000 / 0.7 = 77,142.9 GJ
        # of wood at the IPCC 2006 energy-total factor of 0; 54,000 / 0.9 = 60,000 GJ of gas
        # emits 3,366 t. The switch raises CO2 by 3,366 t a year.
        wood = {
            "steam_share": 1,
            "boiler_efficiency_share": 0.7,
            "ncv_mj_per_kg": 15,
            "price_yuan_per_t": 400,
            "om_yuan_per_t_steam": 30,
            "emission_factor_t_co2_per_tj": 0,
        }
        params = merged(BASE, baseline={"wood": wood}, central_steam_share=0)
        _, ev = evaluate(params)
        frame = ev.frame()
        assert frame.loc[2016, "wood_t"] == pytest.approx(54_000 / 0.7 / 15)
        assert frame.loc[2016, "abatement_t_co2e"] == pytest.approx(-3_366)
        assert frame.loc[2016, "energy_saved_tce"] == pytest.approx(
            (54_000 / 0.7 - 60_000) / 29.307
        )

    def test_wood_needs_a_factor(self):
        wood = dict(BASE["baseline"]["coal"], steam_share=1)
        with pytest.raises(ValidationError, match="wood.emission_factor_t_co2_per_tj is required"):
            project("industrial", merged(BASE, baseline={"wood": wood}))

    def test_shares_add_up_to_one(self):
        with pytest.raises(ValidationError, match="add up to 0.9, not 1"):
            project("industrial", with_fuel(BASE, "coal", steam_share=0.4))

    def test_factor_override(self):
        # A Chinese-practice coal factor of 2.66 t/tce = 90.76 t/TJ in place of IPCC's 94.6.
        _, ev = evaluate(with_fuel(BASE, "coal", emission_factor_t_co2_per_tj=90.76))
        assert ev.lines["co2_before_t"][0][1] == pytest.approx(45_000 * 90.76 / 1000 + 2_612.25)

    def test_reward_years_within_operation(self):
        with pytest.raises(ValidationError, match="reward_years"):
            project("industrial", merged(BASE, reward_years=16))


@settings(max_examples=examples(25), deadline=None)
@given(
    coal=st.floats(200, 1500),
    bump=st.floats(0, 500),
    gas=st.floats(1.5, 5.0),
    debt=st.floats(0, 0.8),
)
def test_higher_coal_price_never_lowers_npv(coal, bump, gas, debt):
    base = with_fuel(
        merged(BASE, gas_price_yuan_per_m3=gas, finance__debt_share=debt, finance__tenor_years=10),
        "coal",
        price_yuan_per_t=coal,
    )
    _, low = evaluate(base)
    _, high = evaluate(with_fuel(base, "coal", price_yuan_per_t=coal + bump))
    for key in ("npv_yuan", "equity_npv_yuan", "npv_pre_tax_yuan"):
        assert high.outputs[key][0] >= low.outputs[key][0] - 1e-6


@settings(max_examples=examples(25), deadline=None)
@given(scale=st.floats(0.01, 100), hours=st.floats(500, 8000), coal=st.floats(400, 1500))
def test_no_debt_equity_equals_project_and_co2_scales_with_steam(scale, hours, coal):
    base = with_fuel(merged(BASE, full_load_hours=hours), "coal", price_yuan_per_t=coal)
    _, one = evaluate(base)
    _, scaled = evaluate(merged(base, steam_capacity_t_per_h=10 * scale))
    if (one.lines["ebitda"][0][1:] > 0).all():  # no tax losses: actual and adjusted tax agree
        np.testing.assert_allclose(
            one.lines["equity_cash_flow"], one.lines["project_cash_flow"], rtol=1e-12
        )
    for key in ("abatement_t_co2e", "energy_saved_tce_per_year", "steam_t_per_year"):
        assert scaled.outputs[key][0] == pytest.approx(scale * one.outputs[key][0])


class TestXiaolan:
    """The two Xiaolan phases load, build, and save far less than the town-wide target."""

    @pytest.fixture(scope="class")
    @classmethod
    def metrics(cls):
        out = {}
        for pid in ("industrial_boilers_phase1", "industrial_boilers_phase2"):
            definition = ProjectDef.model_validate(
                yaml.safe_load((XIAOLAN_PROJECTS / f"{pid}.yaml").read_text())
            )
            out[pid] = build_model(definition, programme()).evaluate().metrics()
        return out

    def test_boiler_programme_against_table_3_2(self, metrics):
        saved = sum(m["energy_saved_tce_per_year"] for m in metrics.values())
        # Table 3-2: 11 万 tce/yr by 2015 and 14 万 by 2020, town-wide;
        # the two boiler phases give about 2.2 万.
        assert 15_000 < saved < 30_000
        assert saved < 0.25 * 110_000
        for m in metrics.values():
            assert m["abatement_t_co2e_per_year"] > 0
            assert m["capex_yuan"] > 0

    def test_coal_to_gas_costs_money_and_oil_to_gas_pays(self, metrics):
        assert metrics["industrial_boilers_phase1"]["npv_yuan"] < 0
        assert metrics["industrial_boilers_phase2"]["npv_yuan"] > 0
