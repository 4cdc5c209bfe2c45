"""Gas CCHP archetype: a hand-worked example and properties.

The example is worked by hand below with plain arithmetic (no xlfinance code): a 1 MW gas
engine run 5,000 full-load hours, 40% electrical and 45% thermal efficiency, 80% of the heat
recovered used, half of it driving absorption chillers of COP 1.2; gas of 36 MJ/m3 at
3.00 yuan/m3; electricity sold at 0.70 yuan/kWh, heat at 80 and cooling at 60 yuan/GJ;
O&M 100 yuan/kW a year plus 0.03 yuan/kWh; capex 5,000,000 yuan, all equity, 20 years,
25% tax, 5% residual, 8% discount. The heat displaces 90%-efficient gas boilers and the
cooling displaces electric chillers of COP 5; the grid factor is 0.8 t/MWh.
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
    "finance": {"capex_yuan": 5_000_000, "operating_years": 20},
    "capacity_kw": 1000,
    "full_load_hours": 5000,
    "electrical_efficiency_share": 0.40,
    "thermal_efficiency_share": 0.45,
    "heat_utilisation_share": 0.8,
    "cooling_share": 0.5,
    "absorption_chiller_cop": 1.2,
    "gas_ncv_mj_per_m3": 36,
    "gas_price_yuan_per_m3": 3.0,
    "electricity_price_yuan_per_kwh": 0.7,
    "heat_price_yuan_per_gj": 80,
    "cooling_price_yuan_per_gj": 60,
    "om_fixed_yuan_per_kw_per_year": 100,
    "om_variable_yuan_per_kwh": 0.03,
    "boiler_fuel": "natural_gas",
    "boiler_efficiency_share": 0.9,
    "displaced_chiller_cop": 5.0,
}

ANNUITY = sum(1.08**-t for t in range(1, 21))


def evaluate(params, **assumptions):
    model = build_model(project("chp", params), programme(**assumptions))
    return model, model.evaluate()


class TestHandWorked:
    # Energy a year: 1,000 kW x 5,000 h = 5,000,000 kWh = 18,000 GJ of electricity.
    # Gas energy 18,000 / 0.40 = 45,000 GJ = 45,000,000 MJ / 36 = 1,250,000 m3.
    # Heat recovered 45,000 x 0.45 = 20,250 GJ; used x 0.8 = 16,200 GJ; half (8,100 GJ) to the
    # chillers gives 8,100 x 1.2 = 9,720 GJ of cooling; the other 8,100 GJ is sold as heat.
    # Revenue: 5,000,000 x 0.70 = 3,500,000; heat 8,100 x 80 = 648,000;
    # cooling 9,720 x 60 = 583,200; total 4,731,200.
    # Costs: gas 1,250,000 x 3.00 = 3,750,000; O&M 1,000 x 100 = 100,000 fixed
    # + 5,000,000 x 0.03 = 150,000 variable; total 4,000,000. EBITDA 731,200.
    # Depreciation 5,000,000 x 0.95 / 20 = 237,500; tax (731,200 - 237,500) x 25% = 123,425.
    ebitda = 731_200
    tax = (731_200 - 237_500) * 0.25
    after_tax = ebitda - tax  # 607,775
    flows = np.array([-5_000_000] + [after_tax] * 20, dtype=float)
    flows[-1] += 250_000  # 5% residual book value recovered in year 20

    # CO2 a year: grid 5,000 MWh x 0.8 = 4,000 t; chillers would have used
    # 9,720 GJ / 3.6 / 5 = 540 MWh, x 0.8 = 432 t; boilers would have burned 8,100 / 0.9 =
    # 9,000 GJ of gas, x 56.1 t/TJ = 504.9 t; the station burns 45,000 GJ x 56.1 t/TJ = 2,524.5 t.
    abatement = 4_000 + 432 + 504.9 - 2_524.5  # 2,412.4 t

    def test_energy_lines(self):
        _, ev = evaluate(BASE)
        frame = ev.frame()
        year = frame.loc[2016]
        assert frame["electricity_kwh"].tolist() == [0] + [5_000_000] * 20
        assert year["gas_m3"] == pytest.approx(1_250_000)
        assert year["fuel_gj"] == pytest.approx(45_000)
        assert year["heat_recovered_gj"] == pytest.approx(20_250)
        assert year["heat_used_gj"] == pytest.approx(16_200)
        assert year["cooling_gj"] == pytest.approx(9_720)
        assert year["heat_sold_gj"] == pytest.approx(8_100)

    def test_cash_lines(self):
        _, ev = evaluate(BASE)
        year = ev.frame().loc[2016]
        assert year["sales_electricity_yuan"] == pytest.approx(3_500_000)
        assert year["sales_heat_yuan"] == pytest.approx(648_000)
        assert year["sales_cooling_yuan"] == pytest.approx(583_200)
        assert year["gas_cost_yuan"] == pytest.approx(3_750_000)
        assert year["opex"] == pytest.approx(4_000_000)
        assert year["ebitda"] == pytest.approx(self.ebitda)
        assert year["tax"] == pytest.approx(self.tax)
        np.testing.assert_allclose(ev.frame()["project_cash_flow"], self.flows)

    def test_emission_lines(self):
        _, ev = evaluate(BASE)
        year = ev.frame().loc[2016]
        assert year["grid_avoided_t_co2"] == pytest.approx(4_000)
        assert year["chiller_avoided_t_co2"] == pytest.approx(432)
        assert year["boiler_avoided_t_co2"] == pytest.approx(504.9)
        assert year["gas_emissions_t_co2"] == pytest.approx(2_524.5)
        assert year["abatement_t_co2e"] == pytest.approx(self.abatement)

    def test_metrics(self):
        _, ev = evaluate(BASE)
        out = ev.metrics()
        npv = -5_000_000 + self.after_tax * ANNUITY + 250_000 / 1.08**20
        assert out["npv_yuan"] == pytest.approx(npv, rel=1e-12)
        assert out["irr"] == pytest.approx(finance.irr(self.flows), rel=1e-10)
        assert out["equity_irr"] == pytest.approx(out["irr"], rel=1e-12)  # no debt
        # After 8 years the cumulative flow is -5,000,000 + 8 x 607,775 = -137,800.
        assert out["payback_years"] == pytest.approx(8 + 137_800 / self.after_tax)
        # LCOE: capex plus PV of (gas + O&M - heat and cooling sales) over PV of kWh.
        net_cost = 4_000_000 - 648_000 - 583_200  # 2,768,800 a year
        lcoe = (5_000_000 + net_cost * ANNUITY) / (5_000_000 * ANNUITY)
        assert out["lcoe_yuan_per_kwh"] == pytest.approx(lcoe, rel=1e-12)
        assert out["abatement_t_co2e_per_year"] == pytest.approx(self.abatement)
        # No subsidy: the economic flows are the pre-tax flows.
        economic = -5_000_000 + self.ebitda * ANNUITY + 250_000 / 1.08**20
        assert out["abatement_cost_yuan_per_t"] == pytest.approx(
            -economic / (self.abatement * ANNUITY), rel=1e-12
        )
        # CJJ 145-2010: (18,000 + 8,100 + 9,720) / 45,000 = 0.796.
        assert out["total_efficiency_share"] == pytest.approx(0.796)

    def test_coal_boilers_displaced(self):
        # 9,000 GJ of coal at 94.6 t/TJ = 851.4 t instead of 504.9 t of gas.
        _, ev = evaluate(merged(BASE, boiler_fuel="coal"))
        assert ev.metrics()["abatement_t_co2e_per_year"] == pytest.approx(
            self.abatement - 504.9 + 851.4
        )

    def test_subsidy_term_and_economic_cost(self):
        # 0.05 yuan/kWh for 5 years: 250,000 a year, left out of the economic cost.
        _, base = evaluate(BASE)
        _, ev = evaluate(merged(BASE, subsidy_yuan_per_kwh=0.05, subsidy_years=5))
        subsidy = ev.lines["subsidy_yuan"][0]
        assert subsidy[1:6].tolist() == pytest.approx([250_000] * 5)
        assert subsidy[6:].sum() == 0
        assert ev.metrics()["abatement_cost_yuan_per_t"] == pytest.approx(
            base.metrics()["abatement_cost_yuan_per_t"]
        )
        assert ev.metrics()["npv_yuan"] > base.metrics()["npv_yuan"]


class TestValidation:
    def test_total_efficiency_cannot_exceed_one(self):
        with pytest.raises(ValidationError, match="exceeds 1"):
            project(
                "chp", merged(BASE, electrical_efficiency_share=0.45, thermal_efficiency_share=0.6)
            )

    def test_hours_within_a_year(self):
        with pytest.raises(ValidationError, match="8760"):
            project("chp", merged(BASE, full_load_hours=9000))

    def test_unknown_boiler_fuel(self):
        with pytest.raises(ValidationError):
            project("chp", merged(BASE, boiler_fuel="wood"))


@settings(max_examples=examples(20), deadline=None)
@given(
    price=st.floats(0.3, 1.2),
    bump=st.floats(0.0, 0.5),
    heat=st.floats(0, 150),
    gas=st.floats(1.5, 5.0),
    debt=st.floats(0, 0.8),
)
def test_higher_prices_or_subsidy_never_lower_npv(price, bump, heat, gas, debt):
    base = merged(
        BASE,
        electricity_price_yuan_per_kwh=price,
        heat_price_yuan_per_gj=heat,
        gas_price_yuan_per_m3=gas,
        subsidy_years=20,
        finance__debt_share=debt,
    )
    _, low = evaluate(base)
    higher = {
        "electricity": merged(base, electricity_price_yuan_per_kwh=price + bump),
        "heat": merged(base, heat_price_yuan_per_gj=heat + 100 * bump),
        "cooling": merged(base, cooling_price_yuan_per_gj=60 + 100 * bump),
        "subsidy": merged(base, subsidy_yuan_per_kwh=bump),
    }
    for what, params in higher.items():
        _, high = evaluate(params)
        for key in ("npv_yuan", "equity_npv_yuan"):
            assert high.outputs[key][0] >= low.outputs[key][0] - 1e-6, (what, key)
    _, dearer_gas = evaluate(merged(base, gas_price_yuan_per_m3=gas + bump))
    assert dearer_gas.outputs["npv_yuan"][0] <= low.outputs["npv_yuan"][0] + 1e-6


@settings(max_examples=examples(20), deadline=None)
@given(scale=st.floats(0.01, 100), hours=st.floats(1000, 8760), price=st.floats(0.3, 1.2))
def test_no_debt_equity_equals_project_and_abatement_scales(scale, hours, price):
    params = merged(BASE, electricity_price_yuan_per_kwh=price, full_load_hours=hours)
    _, one = evaluate(params)
    _, scaled = evaluate(merged(params, capacity_kw=1000 * scale))
    _, half_hours = evaluate(merged(params, full_load_hours=hours / 2))
    np.testing.assert_allclose(
        one.lines["equity_cash_flow"], one.lines["project_cash_flow"], rtol=1e-12
    )
    base_t = one.outputs["abatement_t_co2e"][0]
    assert scaled.outputs["abatement_t_co2e"][0] == pytest.approx(scale * base_t)
    assert half_hours.outputs["abatement_t_co2e"][0] == pytest.approx(base_t / 2)
