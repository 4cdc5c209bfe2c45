"""Fleet conversion archetype: a hand-worked example and properties.

The example is worked by hand below with plain arithmetic (no xlfinance code): 100 buses
moved from diesel to CNG, 50,000 km a bus a year, 30 L of diesel or 30 m3 of CNG per 100 km,
diesel at 6 yuan/L and CNG at 4 yuan/m3; a bus costs 50,000 yuan more and the operator's one
station 5,000,000 yuan, with O&M of 500,000 a year, and a bus 2,000 a year more maintenance;
10 years, all equity, 25% tax, 5% residual, 8% discount. Round physical constants keep the
sums easy: diesel 0.8 kg/L x 50 MJ/kg = 40 MJ/L, natural gas 40 MJ/m3; the IPCC factors of
the test programme, 74.1 t CO2/TJ for diesel and 56.1 for natural gas.
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

BASE = {
    "finance": {"operating_years": 10},
    "vehicles": 100,
    "km_per_vehicle_per_year": 50_000,
    "old_fuel": "diesel",
    "old_fuel_l_per_100km": 30,
    "old_fuel_price_yuan_per_l": 6,
    "old_fuel_density_kg_per_l": 0.8,
    "old_fuel_ncv_mj_per_kg": 50,
    "cng_m3_per_100km": 30,
    "cng_price_yuan_per_m3": 4,
    "natural_gas_ncv_mj_per_m3": 40,
    "conversion_cost_yuan_per_vehicle": 50_000,
    "extra_maintenance_yuan_per_vehicle_per_year": 2_000,
    "stations": 1,
    "station_capex_yuan": 5_000_000,
    "station_om_yuan_per_year": 500_000,
}

XIAOLAN = Path(__file__).resolve().parents[1] / "projects" / "xiaolan" / "projects"


def evaluate(params, **assumptions):
    model = build_model(project("fleet", params), programme(**assumptions))
    return model, model.evaluate()


class TestHandWorked:
    # Years 1-10: 100 x 50,000 = 5,000,000 km; diesel 1,500,000 L x 6 = 9,000,000 yuan;
    # CNG 1,500,000 m3 x 4 = 6,000,000; savings 3,000,000. Maintenance 100 x 2,000 = 200,000,
    # station O&M 500,000: EBITDA 2,300,000.
    # Capex 100 x 50,000 + 5,000,000 = 10,000,000; depreciation 10,000,000 x 0.95 / 10 = 950,000;
    # tax (2,300,000 - 950,000) x 25% = 337,500; residual book value 500,000 in year 10.
    after_tax = 2_300_000 - 337_500
    flows = np.array([-10_000_000] + [after_tax] * 10, dtype=float)
    flows[-1] += 500_000
    # CO2: diesel 1,500,000 L x 40 MJ/L = 60 TJ x 74.1 = 4,446 t; gas 1,500,000 m3 x 40 MJ/m3
    # = 60 TJ x 56.1 = 3,366 t; avoided 1,080 t a year.
    avoided = 4_446 - 3_366

    def test_annual_lines(self):
        _, ev = evaluate(BASE)
        frame = ev.frame()
        assert frame["fleet_km"].tolist() == [0] + [5_000_000] * 10
        assert frame.loc[2016, "old_fuel_before_l"] == pytest.approx(1_500_000)
        assert frame.loc[2016, "cng_m3"] == pytest.approx(1_500_000)
        assert frame.loc[2016, "fuel_cost_before_yuan"] == pytest.approx(9_000_000)
        assert frame.loc[2016, "fuel_cost_after_yuan"] == pytest.approx(6_000_000)
        assert frame.loc[2016, "fuel_savings_yuan"] == pytest.approx(3_000_000)
        assert frame.loc[2016, "revenue"] == pytest.approx(3_000_000)
        assert frame.loc[2016, "opex"] == pytest.approx(700_000)
        assert frame.loc[2016, "depreciation"] == pytest.approx(950_000)
        assert frame.loc[2016, "tax"] == pytest.approx(337_500)
        assert frame.loc[2015, "capex"] == pytest.approx(10_000_000)
        assert frame.loc[2016, "emissions_before_t_co2"] == pytest.approx(4_446)
        assert frame.loc[2016, "emissions_after_t_co2"] == pytest.approx(3_366)
        np.testing.assert_allclose(frame["project_cash_flow"], self.flows)

    def test_metrics(self):
        _, ev = evaluate(BASE)
        out = ev.metrics()
        annuity = sum(1.08**-t for t in range(1, 11))
        npv = -10_000_000 + self.after_tax * annuity + 500_000 / 1.08**10
        assert out["capex_yuan"] == 10_000_000
        assert out["npv_yuan"] == pytest.approx(npv, rel=1e-12)
        # After 5 years the cumulative flow is -10,000,000 + 5 x 1,962,500 = -187,500.
        assert out["payback_years"] == pytest.approx(5 + 187_500 / self.after_tax)
        assert out["irr"] == pytest.approx(finance.irr(self.flows), rel=1e-10)
        assert out["equity_irr"] == pytest.approx(out["irr"], rel=1e-12)  # no debt
        assert out["abatement_t_co2e_per_year"] == pytest.approx(self.avoided)
        assert out["emissions_cut_share"] == pytest.approx(self.avoided / 4_446)
        assert out["fuel_savings_yuan_per_vehicle_per_year"] == pytest.approx(30_000)
        # Economic flows at resource cost: no subsidies here, no VAT in the factories'
        # programme, but the diesel saved carries consumption tax, 1.2 yuan/L (财税[2015]11):
        # 2,300,000 - 1,500,000 L x 1.2 = 500,000 a year.
        economic = -10_000_000 + (2_300_000 - 1_500_000 * 1.2) * annuity + 500_000 / 1.08**10
        assert out["abatement_cost_yuan_per_t"] == pytest.approx(
            -economic / (self.avoided * annuity), rel=1e-12
        )
        assert "lcoe_yuan_per_kwh" not in out

    def test_bi_fuel_share(self):
        # A tenth of the distance stays on diesel: 150,000 L x 6 = 900,000 and 1,350,000 m3 x 4
        # = 5,400,000 after; savings 9,000,000 - 6,300,000 = 2,700,000. CO2 after
        # 0.1 x 4,446 + 0.9 x 3,366 = 3,474 t; avoided 972 t.
        _, ev = evaluate(merged(BASE, old_fuel_km_share_after=0.1))
        frame = ev.frame()
        assert frame.loc[2016, "old_fuel_after_l"] == pytest.approx(150_000)
        assert frame.loc[2016, "fuel_savings_yuan"] == pytest.approx(2_700_000)
        assert frame.loc[2016, "abatement_t_co2e"] == pytest.approx(972)

    def test_electric(self):
        # Electric buses at 100 kWh/100 km: 5,000,000 kWh x 0.8 yuan = 4,000,000 yuan;
        # 5,000 MWh x 0.8 t/MWh (the test grid factor) = 4,000 t; avoided 446 t.
        params = merged(
            BASE,
            cng_m3_per_100km=0,
            electricity_kwh_per_100km=100,
            electricity_price_yuan_per_kwh=0.8,
        )
        _, ev = evaluate(params)
        frame = ev.frame()
        assert frame.loc[2016, "electricity_kwh"] == pytest.approx(5_000_000)
        assert frame.loc[2016, "fuel_savings_yuan"] == pytest.approx(5_000_000)
        assert frame.loc[2016, "abatement_t_co2e"] == pytest.approx(446)

    def test_gasoline_uses_its_own_factor(self):
        # 60 TJ of gasoline x 69.3 = 4,158 t before; avoided 4,158 - 3,366 = 792 t.
        _, ev = evaluate(merged(BASE, old_fuel="gasoline"))
        assert ev.lines["abatement_t_co2e"][0][1] == pytest.approx(792)

    def test_renewal(self):
        # 10,000 yuan a vehicle every 4 years: years 4 and 8 of 10.
        _, ev = evaluate(
            merged(BASE, renewal_cost_yuan_per_vehicle=10_000, renewal_interval_years=4)
        )
        replacement = ev.lines["replacement"][0]
        assert replacement[4] == replacement[8] == 1_000_000
        assert replacement.sum() == 2_000_000

    def test_prices_and_costs_escalate(self):
        # 5% a year from the first operating year: year 2 savings 3,000,000 x 1.05.
        _, ev = evaluate(BASE, price_escalation=0.05)
        frame = ev.frame()
        assert frame.loc[2017, "fuel_savings_yuan"] == pytest.approx(3_150_000)
        assert frame.loc[2017, "station_om_yuan"] == pytest.approx(525_000)
        assert frame.loc[2017, "abatement_t_co2e"] == pytest.approx(self.avoided)

    def test_other_capex_adds_to_the_build_up(self):
        model, ev = evaluate(merged(BASE, finance__capex_yuan=1_000_000))
        assert ev.metrics()["capex_yuan"] == 11_000_000
        assert model.inputs["capex_yuan"].label.startswith("Other capex")


class TestValidation:
    def test_needs_a_new_energy(self):
        with pytest.raises(ValidationError, match="cng_m3_per_100km or electricity_kwh_per_100km"):
            project("fleet", merged(BASE, cng_m3_per_100km=0))

    def test_grant_is_checked_against_the_whole_capex(self):
        project("fleet", merged(BASE, finance__capital_grant_yuan=10_000_000))  # no error
        with pytest.raises(ValidationError, match="exceeds the capex"):
            project("fleet", merged(BASE, finance__capital_grant_yuan=10_000_001))

    def test_renewals_belong_to_the_fleet(self):
        with pytest.raises(ValidationError, match="renewal_cost_yuan_per_vehicle"):
            project("fleet", merged(BASE, finance__replacement_cost_yuan=1))

    def test_debt_term_still_checked(self):
        with pytest.raises(ValidationError, match="not repaid within operation"):
            project("fleet", merged(BASE, finance__debt_share=0.5, finance__tenor_years=12))


@pytest.mark.parametrize("path", sorted(XIAOLAN.glob("*_cng*.yaml")), ids=lambda p: p.stem)
def test_xiaolan_fleet_projects(path):
    definition = ProjectDef.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert definition.archetype == "fleet" and definition.budget_line == "5"
    out = build_model(definition, programme()).evaluate().metrics()
    p = definition.parameters
    capex = (
        p.vehicles.value * p.conversion_cost_yuan_per_vehicle.value
        + p.stations.value * p.station_capex_yuan.value
    )
    assert out["capex_yuan"] == pytest.approx(capex)
    assert out["abatement_t_co2e_per_year"] > 0
    assert 0 < out["emissions_cut_share"] < 0.5
    assert abs(out["debt_left_at_end_yuan"]) < 1e-3


@settings(max_examples=examples(25), deadline=None)
@given(
    price=st.floats(3, 9),
    bump=st.floats(0, 3),
    share=st.floats(0, 1),
    debt=st.floats(0, 0.8),
)
def test_higher_old_fuel_price_never_lowers_npv(price, bump, share, debt):
    base = merged(
        BASE,
        old_fuel_price_yuan_per_l=price,
        old_fuel_km_share_after=share,
        finance__debt_share=debt,
    )
    _, low = evaluate(base)
    _, high = evaluate(merged(base, old_fuel_price_yuan_per_l=price + bump))
    _, dear_gas = evaluate(merged(base, cng_price_yuan_per_m3=4 + bump))
    for key in ("npv_yuan", "equity_npv_yuan"):
        assert high.outputs[key][0] >= low.outputs[key][0] - 1e-6
        assert dear_gas.outputs[key][0] <= low.outputs[key][0] + 1e-6


@settings(max_examples=examples(25), deadline=None)
@given(vehicles=st.floats(0.01, 100), km=st.floats(0.01, 100), price=st.floats(3, 9))
def test_no_debt_equity_equals_project_and_abatement_scales(vehicles, km, price):
    _, one = evaluate(merged(BASE, old_fuel_price_yuan_per_l=price))
    _, scaled = evaluate(
        merged(
            BASE,
            old_fuel_price_yuan_per_l=price,
            vehicles=100 * vehicles,
            km_per_vehicle_per_year=50_000 * km,
        )
    )
    np.testing.assert_allclose(
        one.lines["equity_cash_flow"], one.lines["project_cash_flow"], rtol=1e-12
    )
    expected = vehicles * km * one.outputs["abatement_t_co2e"][0]
    assert scaled.outputs["abatement_t_co2e"][0] == pytest.approx(expected, rel=1e-9)
