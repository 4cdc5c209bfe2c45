"""Cost-only programme lines: a hand-worked example, validation, properties, the Xiaolan lines.

The example is worked by hand below with plain arithmetic (no xlfinance code): 600 万元
(6,000,000 yuan) of running cost spread evenly over 2015-2017, a claimed reduction of
10,000 t CO2e a year counted for the 5 years after (2018-2022), 8% discount rate, period 0
(2015) not discounted.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from pydantic import ValidationError

from xlfinance.archetypes import build_model
from xlfinance.definitions.params.programme import TAX_EXEMPT_SOURCE
from xlfinance.definitions.schema import ProjectDef
from xlfinance.model.sheet import write_model

from .factories import merged, programme, project
from .lo import needs_libreoffice, no_value, workbooks
from .strategies import examples

BASE = {
    "total_cost_yuan": 6_000_000,
    "cost_years": 3,
    "claimed_reduction_t_co2e_per_year": 10_000,
    "reduction_years": 5,
}
NO_CLAIM = {"total_cost_yuan": 6_000_000, "cost_years": 3}


def evaluate(params, **assumptions):
    model = build_model(project("programme", params), programme(**assumptions))
    return model, model.evaluate()


class TestHandWorked:
    # Present cost: 2,000,000 + 2,000,000 / 1.08 + 2,000,000 / 1.08^2
    #             = 2,000,000 + 1,851,851.85 + 1,714,677.64 = 5,566,529.49 yuan.
    present_cost = 2_000_000 + 2_000_000 / 1.08 + 2_000_000 / 1.08**2
    # Discounted tonnes: 10,000 x (1.08^-3 + 1.08^-4 + 1.08^-5 + 1.08^-6 + 1.08^-7)
    #                  = 10,000 x (0.79383 + 0.73503 + 0.68058 + 0.63017 + 0.58349) = 34,231.05 t.
    discounted_t = 10_000 * (1.08**-3 + 1.08**-4 + 1.08**-5 + 1.08**-6 + 1.08**-7)

    def test_hand_numbers(self):
        # The hand arithmetic itself, to the cent and the tonne.
        assert self.present_cost == pytest.approx(5_566_529.49, abs=0.01)
        assert self.discounted_t == pytest.approx(34_231.05, abs=0.01)
        assert self.present_cost / self.discounted_t == pytest.approx(162.62, abs=0.01)

    def test_annual_lines(self):
        model, ev = evaluate(BASE)
        frame = ev.frame()
        assert model.n_periods == 8 and frame.index[0] == 2015 and frame.index[-1] == 2022
        assert frame["spending"].tolist() == [2_000_000] * 3 + [0] * 5
        assert frame["running_cost"].tolist() == [2_000_000] * 3 + [0] * 5
        assert frame["capex"].sum() == 0
        assert frame["abatement_t_co2e"].tolist() == [0] * 3 + [10_000] * 5
        assert frame["revenue"].sum() == 0
        assert frame["tax"].sum() == 0 and frame["adjusted_tax"].sum() == 0
        np.testing.assert_allclose(frame["project_cash_flow"], -frame["spending"])
        np.testing.assert_allclose(frame["economic_cash_flow"], -frame["spending"])

    def test_metrics(self):
        _, ev = evaluate(BASE)
        out = ev.metrics()
        assert out["npv_yuan"] == pytest.approx(-self.present_cost, rel=1e-12)
        assert out["npv_pre_tax_yuan"] == pytest.approx(-self.present_cost, rel=1e-12)
        assert out["equity_npv_yuan"] == pytest.approx(-self.present_cost, rel=1e-12)
        assert out["present_cost_yuan"] == pytest.approx(self.present_cost, rel=1e-12)
        assert out["total_spending_yuan"] == 6_000_000
        assert out["running_cost_yuan"] == 6_000_000
        assert out["capex_yuan"] == 0
        assert out["abatement_t_co2e"] == 50_000
        assert out["abatement_t_co2e_per_year"] == 10_000
        cost_per_t = self.present_cost / self.discounted_t
        assert out["abatement_cost_yuan_per_t"] == pytest.approx(cost_per_t, rel=1e-12)
        # Nothing comes back: no IRR, no payback, no cover ratio.
        for key in (
            "irr",
            "irr_pre_tax",
            "equity_irr",
            "mirr",
            "payback_years",
            "discounted_payback_years",
            "min_dscr",
        ):
            assert np.isnan(out[key]), key

    def test_public_spending_pays_no_tax(self):
        model, _ = evaluate(BASE)
        assert model.inputs["tax_rate"].value == 0
        assert model.inputs["tax_rate"].source == TAX_EXEMPT_SOURCE
        # Not exempt: the programme's 25% applies, and changes nothing without profit.
        model, ev = evaluate(merged(BASE, tax_exempt=False))
        assert model.inputs["tax_rate"].value == 0.25
        assert ev.metrics()["npv_yuan"] == pytest.approx(-self.present_cost, rel=1e-12)

    def test_no_claim_gives_nan_cost_per_tonne(self):
        # No claim: no tonnes (zeros, so they add up in roll-ups), and no cost per tonne:
        # the abatement cost is NaN (#N/A in the workbook) where nothing is avoided.
        model, ev = evaluate(NO_CLAIM)
        out = ev.metrics()
        assert model.n_periods == 4  # 3 spending years and one empty "operating" year
        assert (ev.lines["abatement_t_co2e"][0] == 0).all()
        assert out["abatement_t_co2e"] == 0 and out["abatement_t_co2e_per_year"] == 0
        assert np.isnan(out["abatement_cost_yuan_per_t"])
        assert out["npv_yuan"] == pytest.approx(-self.present_cost, rel=1e-12)

    def test_capital_part(self):
        # 1,500,000 of the 6,000,000 is capital: 500,000 a year of capex, 1,500,000 running.
        _, ev = evaluate(merged(BASE, capital_cost_yuan=1_500_000))
        frame, out = ev.frame(), ev.metrics()
        assert frame["capex"].tolist() == [500_000] * 3 + [0] * 5
        assert frame["running_cost"].tolist() == [1_500_000] * 3 + [0] * 5
        assert out["capex_yuan"] == 1_500_000
        assert out["running_cost_yuan"] == 4_500_000
        # Nothing is recovered at the end and the present cost is unchanged.
        assert frame["residual_recovery"].sum() == 0
        assert out["npv_yuan"] == pytest.approx(-self.present_cost, rel=1e-12)
        assert out["abatement_cost_yuan_per_t"] == pytest.approx(
            self.present_cost / self.discounted_t, rel=1e-12
        )

    def test_explicit_schedule(self):
        # 3,000,000, 2,000,000, 1,000,000: 3,000,000 + 1,851,851.85 + 857,338.82 = 5,709,190.67.
        params = merged(BASE, cost_years=None, cost_schedule_yuan={"values": [3e6, 2e6, 1e6]})
        del params["cost_years"]
        _, ev = evaluate(params)
        assert ev.lines["spending"][0].tolist() == [3e6, 2e6, 1e6] + [0] * 5
        assert ev.metrics()["present_cost_yuan"] == pytest.approx(5_709_190.67, abs=0.01)
        # An even schedule gives what cost_years gives.
        even = merged(params, cost_schedule_yuan={"values": [2e6, 2e6, 2e6]}, cost_years=3)
        _, ev_even = evaluate(even)
        assert ev_even.metrics()["npv_yuan"] == pytest.approx(-self.present_cost, rel=1e-12)

    def test_one_year_is_not_discounted(self):
        _, ev = evaluate({"total_cost_yuan": 1_000_000})
        assert ev.metrics()["npv_yuan"] == -1_000_000


class TestValidation:
    @pytest.mark.parametrize(
        "changes, message",
        [
            ({"capital_cost_yuan": 7_000_000}, "exceeds total_cost_yuan"),
            (
                {"cost_schedule_yuan": {"values": [1e6, 1e6]}, "cost_years": None},
                "adds up to 2,000,000, not total_cost_yuan 6,000,000",
            ),
            ({"cost_schedule_yuan": {"values": [3e6, 3e6]}}, "differs from the 2 years"),
            (
                {"cost_schedule_yuan": {"values": [4e6, 1e6, 1e6]}, "capital_cost_yuan": 6e6},
                "a schedule shapes the running cost only",
            ),
            ({"reduction_years": 0}, "needs reduction_years of at least 1"),
            ({"claimed_reduction_t_co2e_per_year": None}, "no claimed_reduction"),
            ({"claimed_reduction_t_co2e_per_year": 0}, "must be > 0"),
            ({"cost_years": 2.5}, "whole number of years"),
            ({"cost_years": 0}, "whole number of years"),
            ({"total_cost_yuan": 0}, "must be > 0"),
        ],
    )
    def test_rejected(self, changes, message):
        params = merged(BASE, **changes)
        params = {k: v for k, v in params.items() if v is not None}
        with pytest.raises(ValidationError, match=message):
            project("programme", params)

    def test_schedule_within_rounding_is_accepted(self):
        params = merged(NO_CLAIM, cost_schedule_yuan={"values": [2e6, 2e6, 2e6 + 0.4]})
        assert project("programme", params).parameters.spending_years == 3


# Properties ------------------------------------------------------------------------------

costs = st.floats(1e3, 1e9)
years = st.integers(1, 10)


@settings(max_examples=examples(25), deadline=None)
@given(total=costs, n=years, capital=st.floats(0, 1), rate=st.floats(0.0, 0.15))
def test_npv_is_minus_present_cost(total, n, capital, rate):
    params = {"total_cost_yuan": total, "capital_cost_yuan": total * capital, "cost_years": n}
    _, ev = evaluate(params, discount_rate=rate)
    out = ev.metrics()
    present = sum(total / n / (1 + rate) ** t for t in range(n))
    assert out["npv_yuan"] == pytest.approx(-present, rel=1e-9)
    assert out["present_cost_yuan"] == pytest.approx(present, rel=1e-9)
    assert out["capex_yuan"] + out["running_cost_yuan"] == pytest.approx(total, rel=1e-9)
    assert out["total_spending_yuan"] == pytest.approx(total, rel=1e-9)
    assert np.isnan(out["irr"]) and np.isnan(out["payback_years"])


@settings(max_examples=examples(25), deadline=None)
@given(total=costs, n=years, more=st.integers(1, 5), bump=st.floats(0, 1e8))
def test_spending_more_or_sooner_never_raises_npv(total, n, more, bump):
    _, base = evaluate({"total_cost_yuan": total, "cost_years": n})
    _, bigger = evaluate({"total_cost_yuan": total + bump, "cost_years": n})
    _, later = evaluate({"total_cost_yuan": total, "cost_years": n + more})
    assert bigger.outputs["npv_yuan"][0] <= base.outputs["npv_yuan"][0] + 1e-6
    assert later.outputs["npv_yuan"][0] >= base.outputs["npv_yuan"][0] - 1e-6


@settings(max_examples=examples(25), deadline=None)
@given(claim=st.floats(1, 1e6), scale=st.floats(0.01, 100), n=years, k=st.integers(1, 30))
def test_cost_per_tonne_scales(claim, scale, n, k):
    params = merged(BASE, claimed_reduction_t_co2e_per_year=claim, cost_years=n, reduction_years=k)
    _, one = evaluate(params)
    _, more_t = evaluate(merged(params, claimed_reduction_t_co2e_per_year=claim * scale))
    _, more_cost = evaluate(merged(params, total_cost_yuan=6_000_000 * scale))
    key = "abatement_cost_yuan_per_t"
    cost = one.outputs[key][0]
    assert one.outputs["abatement_t_co2e_per_year"][0] == pytest.approx(claim)
    assert more_t.outputs[key][0] == pytest.approx(cost / scale, rel=1e-9)
    assert more_cost.outputs[key][0] == pytest.approx(cost * scale, rel=1e-9)


# The Xiaolan lines ------------------------------------------------------------------------

XIAOLAN = Path(__file__).resolve().parents[1] / "projects" / "xiaolan"
PROGRAMME_YAML = yaml.safe_load((XIAOLAN / "programme.yaml").read_text(encoding="utf-8"))
BUDGET = {line["id"]: line for line in PROGRAMME_YAML["budget"]["lines"]}
BENEFITS = {line["budget_line"]: line for line in PROGRAMME_YAML["benefits"]["lines"]}
WAN = 10_000

# Project -> (budget line, the part of it the project spends in 万元, cost years).
XIAOLAN_LINES = {
    "subcentre_planning": ("6", lambda b: b["total_wan_yuan"], 1),
    "digital_map": ("7a", lambda b: b["total_wan_yuan"], 1),
    "ghg_inventories": ("7b", lambda b: b["total_wan_yuan"], 1),
    "capacity_building": ("7c", lambda b: b["total_wan_yuan"], 6),
    # The market money of line 8 is the fund's capital, modelled by the fund.
    "fund_setup": ("8", lambda b: b["policy_grants_wan_yuan"] + b["town_government_wan_yuan"], 2),
    "low_carbon_schools": ("9a", lambda b: b["total_wan_yuan"], 4),
    "forum": ("9b", lambda b: b["total_wan_yuan"], 1),
    "external_exchange": ("10", lambda b: b["total_wan_yuan"], 6),
    # The town's money of the transport line; the market's goes with the CNG fleet.
    "slow_travel_lanes": ("5", lambda b: b["town_government_wan_yuan"], 6),
}
# Table 5-5 claims a reduction for lines 5 and 8 too, but it belongs to the CNG fleet and to
# the projects the fund finances; only line 6's claim is the project's own.
CLAIM_NOT_ATTRIBUTED = {"fund_setup", "slow_travel_lanes"}


def load(project_id: str) -> ProjectDef:
    path = XIAOLAN / "projects" / f"{project_id}.yaml"
    return ProjectDef.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("project_id", sorted(XIAOLAN_LINES))
def test_xiaolan_line_spends_its_budget(project_id):
    line_id, budgeted, n = XIAOLAN_LINES[project_id]
    p = load(project_id)
    assert p.archetype == "programme" and p.id == project_id
    assert p.budget_line == line_id and p.start_year == 2015
    params = p.parameters
    assert params.total_cost_yuan.value == budgeted(BUDGET[line_id]) * WAN
    assert params.spending_years == n
    assert params.tax_exempt
    benefit = BENEFITS[line_id]["ghg_reduction_wan_t_per_year"]
    claimed = params.claimed_reduction_t_co2e_per_year
    if benefit is None or project_id in CLAIM_NOT_ATTRIBUTED:
        assert claimed is None
    else:
        assert claimed.value == benefit * WAN

    out = build_model(p, programme()).evaluate().metrics()
    total = params.total_cost_yuan.value
    present = sum(total / n / 1.08**t for t in range(n))
    assert out["total_spending_yuan"] == pytest.approx(total, rel=1e-12)
    assert out["npv_yuan"] == pytest.approx(-present, rel=1e-12)
    assert out["capex_yuan"] == params.capital_cost_yuan.value
    assert np.isnan(out["irr"]) and np.isnan(out["payback_years"])
    if claimed is None:
        assert np.isnan(out["abatement_cost_yuan_per_t"])


def test_subcentre_planning_cost_per_claimed_tonne():
    # 1,000,000 yuan in 2015 for 20,000 t a year claimed 2016-2020:
    # 1,000,000 / (20,000 x (1.08^-1 + ... + 1.08^-5)) = 1,000,000 / (20,000 x 3.99271) = 12.52.
    out = build_model(load("subcentre_planning"), programme()).evaluate().metrics()
    tonnes = 20_000 * sum(1.08**-t for t in range(1, 6))
    assert out["abatement_cost_yuan_per_t"] == pytest.approx(1_000_000 / tonnes, rel=1e-12)
    assert out["abatement_cost_yuan_per_t"] == pytest.approx(12.52, abs=0.01)


# The workbook ----------------------------------------------------------------------------


@workbooks
def programme_workbook(folder, _fixture):
    """A claimed and an unclaimed line on one workbook."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    maps = {}
    for name, params in (
        ("claimed", merged(BASE, capital_cost_yuan=1_500_000)),
        ("unclaimed", NO_CLAIM),
    ):
        model = build_model(project("programme", params, id=name), programme())
        maps[name] = (model, write_model(wb.create_sheet(name), model))
    path = folder / "programme.xlsx"
    wb.save(path)
    return [path], maps


@pytest.fixture(scope="module")
def recalculated(recalculated_books):
    maps, (values,) = recalculated_books(programme_workbook)
    return maps, values


def _cell(ref: str) -> tuple[int, int]:
    col, row = coordinate_from_string(ref.split("!")[-1].replace("$", ""))
    return row, column_index_from_string(col)


@needs_libreoffice
@pytest.mark.parametrize("name", ["claimed", "unclaimed"])
def test_workbook_equals_numpy(recalculated, name):
    maps, values = recalculated
    model, sheet_map = maps[name]
    sheet = values[name]
    ev = model.evaluate()
    for line, row in sheet_map.line_rows.items():
        for p in range(model.n_periods):
            got = sheet.get((row, sheet_map.layout.first_col + p))
            want = ev.lines[line][0][p]
            if np.isnan(want):
                assert no_value(got, scalar=False), (line, p, got)
            else:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (line, p)
    for output, ref in sheet_map.output_cells.items():
        got, want = sheet.get(_cell(ref)), ev.outputs[output][0]
        if math.isnan(want):
            assert no_value(got, scalar=True), (output, got)
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), output
    if name == "unclaimed":
        # The workbook's cost per tonne says there is none where numpy's is NaN.
        cost = sheet.get(_cell(sheet_map.output_cells["abatement_cost_yuan_per_t"]))
        assert cost == "无 n/a"
