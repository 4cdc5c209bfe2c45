"""Building retrofit under an energy performance contract (archetype `retrofit`): a hand-worked
example and properties.

The example is worked by hand below with plain arithmetic (no xlfinance code): 10,000 m2 using
200 kWh/m2/yr; HVAC saves 10% of that, lighting 5%, hot water 3%, motors 2%: 20% in all,
400,000 kWh a year, worth 400,000 yuan at 1.00 yuan/kWh. The ESCO invests 1,000,000 yuan, takes
80% of the savings for a 5-year term, pays O&M of 2% of capex a year in the term (the owner pays
it after), depreciates over the term to nothing (the equipment goes to the owner), and gets the
EMC reward of 240 + 60 yuan/tce once, on the first year's savings at 0.1229 tce/MWh
(Caijian [2010] 249). The measures last 10 years. All equity, 25% tax, 8% discount, 0.8 t/MWh.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from xlfinance import finance
from xlfinance.archetypes import build_model

from .factories import merged, programme, project
from .strategies import examples

BASE = {
    "finance": {
        "capex_yuan": 1_000_000,
        "operating_years": 10,
        "depreciation_years": 5,
        "residual_value_share": 0,
    },
    "floor_area_m2": 10_000,
    "baseline_kwh_per_m2_per_year": 200,
    "savings_shares": {"hvac": 0.10, "lighting": 0.05, "hot_water": 0.03, "motors": 0.02},
    "tariff_yuan_per_kwh": 1.0,
    "esco_savings_share": 0.8,
    "contract_years": 5,
    "reward_central_yuan_per_tce": 240,
    "reward_provincial_yuan_per_tce": 60,
    "om_capex_share": 0.02,
}

ANNUITY_10 = sum(1.08**-t for t in range(1, 11))


def evaluate(params, **assumptions):
    model = build_model(project("retrofit", params), programme(**assumptions))
    return model, model.evaluate()


class TestHandWorked:
    # Savings 10,000 x 200 x 20% = 400,000 kWh = 400,000 yuan a year.
    # Term (years 1-5): ESCO 320,000, owner 80,000; ESCO O&M 20,000.
    # Reward, year 1 only: 400 MWh x 0.1229 = 49.16 tce x 300 = 14,748.
    # Year 1: EBITDA 320,000 + 14,748 - 20,000 = 314,748; depreciation 1,000,000 / 5 = 200,000;
    #         tax (314,748 - 200,000) x 25% = 28,687; cash flow 286,061.
    # Years 2-5: EBITDA 300,000; tax 25,000; cash flow 275,000.
    # Years 6-10: the owner has the equipment: nothing for the ESCO.
    flows = np.array([-1_000_000, 286_061] + [275_000] * 4 + [0] * 5, dtype=float)
    # The owner: 80,000 a year in the term, then 400,000 - 20,000 O&M = 380,000.
    owner = np.array([0] + [80_000] * 5 + [380_000] * 5, dtype=float)

    def test_savings_by_measure(self):
        _, ev = evaluate(BASE)
        frame = ev.frame()
        assert frame.loc[2016, "saved_kwh_hvac"] == pytest.approx(200_000)
        assert frame.loc[2016, "saved_kwh_lighting"] == pytest.approx(100_000)
        assert frame.loc[2016, "saved_kwh_hot_water"] == pytest.approx(60_000)
        assert frame.loc[2016, "saved_kwh_motors"] == pytest.approx(40_000)
        np.testing.assert_allclose(frame["saved_kwh"], [0] + [400_000] * 10)

    def test_split_between_esco_and_owner(self):
        _, ev = evaluate(BASE)
        frame = ev.frame()
        np.testing.assert_allclose(frame["savings_to_esco_yuan"], [0] + [320_000] * 5 + [0] * 5)
        np.testing.assert_allclose(
            frame["savings_to_owner_yuan"], [0] + [80_000] * 5 + [400_000] * 5
        )
        np.testing.assert_allclose(frame["esco_om_yuan"], [0] + [20_000] * 5 + [0] * 5)
        np.testing.assert_allclose(frame["owner_cash_flow"], self.owner)
        np.testing.assert_allclose(frame["fiscal_reward_yuan"], [0, 14_748] + [0] * 9)
        # The ESCO's revenue is its share plus the reward: the owner's flow and its offset cancel.
        np.testing.assert_allclose(frame["revenue"], [0, 334_748] + [320_000] * 4 + [0] * 5)

    def test_esco_cash_flows_and_metrics(self):
        _, ev = evaluate(BASE)
        frame = ev.frame()
        np.testing.assert_allclose(frame["tax"], [0, 28_687] + [25_000] * 4 + [0] * 5)
        np.testing.assert_allclose(frame["project_cash_flow"], self.flows, atol=1e-6)
        out = ev.metrics()
        npv = -1_000_000 + 286_061 / 1.08 + sum(275_000 / 1.08**t for t in range(2, 6))
        assert out["npv_yuan"] == pytest.approx(npv, rel=1e-12)
        assert out["irr"] == pytest.approx(finance.irr(self.flows), rel=1e-10)
        # Cumulative after 3 years: -1,000,000 + 286,061 + 2 x 275,000 = -163,939.
        assert out["payback_years"] == pytest.approx(3 + 163_939 / 275_000)
        assert out["equity_irr"] == pytest.approx(out["irr"], rel=1e-12)  # no debt

    def test_owner_metrics(self):
        _, ev = evaluate(BASE)
        out = ev.metrics()
        owner_npv = sum(80_000 / 1.08**t for t in range(1, 6)) + sum(
            380_000 / 1.08**t for t in range(6, 11)
        )
        assert out["owner_npv_yuan"] == pytest.approx(owner_npv, rel=1e-12)
        assert out["owner_savings_yuan"] == pytest.approx(5 * 80_000 + 5 * 400_000)

    def test_abatement_and_economic_cost(self):
        _, ev = evaluate(BASE)
        out = ev.metrics()
        # 400 MWh x 0.8 t/MWh = 320 t a year for the 10 years the measures last.
        assert out["abatement_t_co2e_per_year"] == pytest.approx(320)
        assert out["abatement_t_co2e"] == pytest.approx(3_200)
        # Society keeps the whole saving less the O&M, whoever pays, and no reward (a transfer):
        # 400,000 - 20,000 = 380,000 a year for 10 years.
        np.testing.assert_allclose(ev.frame()["economic_cash_flow"], [-1_000_000] + [380_000] * 10)
        economic = -1_000_000 + 380_000 * ANNUITY_10
        assert out["abatement_cost_yuan_per_t"] == pytest.approx(
            -economic / (320 * ANNUITY_10), rel=1e-12
        )
        # Levelised cost of the electricity saved: (capex + PV of O&M) / PV of kWh.
        cost = (1_000_000 + 20_000 * ANNUITY_10) / (400_000 * ANNUITY_10)
        assert out["cost_of_saved_energy_yuan_per_kwh"] == pytest.approx(cost, rel=1e-12)
        assert out["saved_tce_per_year"] == pytest.approx(49.16)

    def test_tax_holiday(self):
        # 三免三减半 (Caishui [2010] 110): nothing in years 1-3, half of 25,000 in years 4-5.
        _, ev = evaluate(merged(BASE, finance__tax_holiday=True))
        np.testing.assert_allclose(ev.lines["tax"][0], [0, 0, 0, 0, 12_500, 12_500] + [0] * 5)

    def test_savings_decay(self):
        # 1% a year after year 1: 400,000, then 396,000, then 392,040.
        _, ev = evaluate(merged(BASE, annual_savings_decay_share=0.01))
        saved = ev.lines["saved_kwh"][0]
        assert saved[1:4] == pytest.approx([400_000, 396_000, 392_040])

    def test_reward_paid_each_year_when_the_rules_say_so(self):
        _, ev = evaluate(merged(BASE, reward_years=3))
        np.testing.assert_allclose(ev.lines["fiscal_reward_yuan"][0], [0] + [14_748] * 3 + [0] * 7)

    def test_reward_follows_the_programme_tce_basis(self):
        # Coal-equivalent basis, 0.32 kgce/kWh: 400 MWh x 0.32 = 128 tce x 300 = 38,400.
        _, ev = evaluate(BASE, tce_per_mwh_electricity=0.32)
        assert ev.lines["fiscal_reward_yuan"][0][1] == pytest.approx(38_400)

    def test_debt_repaid_within_the_term(self):
        params = merged(BASE, finance__debt_share=0.5, finance__tenor_years=5)
        _, ev = evaluate(params)
        principal = ev.lines["principal_repaid"][0]
        assert principal.sum() == pytest.approx(500_000)
        assert principal[6:].sum() == 0
        assert ev.outputs["min_dscr"][0] > 1


class TestValidation:
    @pytest.mark.parametrize(
        "changes, message",
        [
            ({"savings_shares": {"hvac": 0.7, "lighting": 0.4}}, "add up to 1.1"),
            ({"finance__residual_value_share": 0.05}, "residual_value_share must be 0"),
            ({"finance__depreciation_years": 8}, "depreciation_years must be given"),
            (
                {"contract_years": 12, "finance__depreciation_years": 5},
                "exceeds finance.operating_years",
            ),
            (
                # 7 years from the first drawdown less 1 of construction: 6 after COD > 5
                {"finance__debt_share": 0.5, "finance__tenor_years": 7},
                "not repaid within the contract term",
            ),
            ({"reward_years": 6}, "reward_years (6) exceeds contract_years"),
            ({"annual_savings_decay_share": 1}, "must be below 1"),
        ],
    )
    def test_inconsistent_terms_are_refused(self, changes, message):
        with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
            project("retrofit", merged(BASE, **changes))

    def test_measure_names_are_snake_case(self):
        with pytest.raises(ValidationError):
            project("retrofit", merged(BASE, savings_shares={"Hot Water": 0.1}))


@settings(max_examples=examples(25), deadline=None)
@given(
    tariff=st.floats(0.3, 1.5),
    bump=st.floats(0.0, 0.5),
    share=st.floats(0.5, 0.95),
    debt=st.floats(0, 0.8),
    holiday=st.booleans(),
)
def test_higher_tariff_never_lowers_esco_or_owner_npv(tariff, bump, share, debt, holiday):
    base = merged(
        BASE,
        tariff_yuan_per_kwh=tariff,
        esco_savings_share=share,
        finance__debt_share=debt,
        finance__tenor_years=5,
        finance__tax_holiday=holiday,
    )
    _, low = evaluate(base)
    _, high = evaluate(merged(base, tariff_yuan_per_kwh=tariff + bump))
    for key in ("npv_yuan", "equity_npv_yuan", "owner_npv_yuan"):
        assert high.outputs[key][0] >= low.outputs[key][0] - 1e-6, key


@settings(max_examples=examples(25), deadline=None)
@given(reward=st.floats(0, 500), bump=st.floats(0, 500))
def test_higher_reward_never_lowers_npv_and_leaves_the_abatement_cost(reward, bump):
    _, low = evaluate(merged(BASE, reward_provincial_yuan_per_tce=reward))
    _, high = evaluate(merged(BASE, reward_provincial_yuan_per_tce=reward + bump))
    assert high.outputs["npv_yuan"][0] >= low.outputs["npv_yuan"][0] - 1e-6
    # The reward is a transfer: society's cost of the tonne does not move.
    assert high.outputs["abatement_cost_yuan_per_t"][0] == pytest.approx(
        low.outputs["abatement_cost_yuan_per_t"][0]
    )


@settings(max_examples=examples(25), deadline=None)
@given(scale=st.floats(0.01, 100), tariff=st.floats(0.3, 1.5), share=st.floats(0, 1))
def test_no_debt_equity_equals_project_abatement_scales_and_split_adds_up(scale, tariff, share):
    params = merged(BASE, tariff_yuan_per_kwh=tariff, esco_savings_share=share)
    _, one = evaluate(params)
    _, scaled = evaluate(merged(params, floor_area_m2=10_000 * scale))
    np.testing.assert_allclose(
        one.lines["equity_cash_flow"], one.lines["project_cash_flow"], rtol=1e-12
    )
    assert scaled.outputs["abatement_t_co2e"][0] == pytest.approx(
        scale * one.outputs["abatement_t_co2e"][0]
    )
    lines = one.lines
    np.testing.assert_allclose(
        lines["savings_to_esco_yuan"] + lines["savings_to_owner_yuan"],
        lines["savings_yuan"],
        rtol=1e-12,
    )
    # Whatever the split, society's flow is capex, the whole saving and all O&M.
    np.testing.assert_allclose(
        lines["economic_cash_flow"],
        -lines["capex"] + lines["savings_yuan"] - lines["om_yuan"],
        rtol=1e-12,
        atol=1e-6,
    )
