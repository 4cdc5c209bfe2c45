"""Programme roll-up: budget split, benefits, reconciliation, MACC, targets.

Reference numbers are the plan's own (table 5-4: 74,290 / 71,000 / 2,010 / 1,280 万元;
table 5-5; tables 3-1 and 3-2), transcribed independently in ../shared/reference/*.csv.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

import xlfinance
from xlfinance.definitions import load_programme
from xlfinance.errors import DefinitionError
from xlfinance.portfolio import roll_up
from xlfinance.projects import evaluate_projects

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"
REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="module")
def xiaolan():
    return xlfinance.load(XIAOLAN)


def findings(loaded) -> dict:
    return {f.id: f for f in loaded.portfolio.findings}


class TestBudget:
    @pytest.mark.programme
    def test_totals_equal_the_plan(self, xiaolan):
        budget = xiaolan.budget
        assert budget["total_wan_yuan"].sum() == 74_290
        assert budget["market_wan_yuan"].sum() == 71_000
        assert budget["policy_grants_wan_yuan"].sum() == 2_010
        assert budget["town_government_wan_yuan"].sum() == 1_280
        assert len(budget) == 13

    @pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference not beside the repo")
    def test_lines_equal_the_transcribed_table(self, xiaolan):
        with open(REFERENCE / "budget_table_5_4.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                line = row["action_no"] + row["sub_item"]
                for column in (
                    "total_wan_yuan",
                    "market_wan_yuan",
                    "policy_grants_wan_yuan",
                    "town_government_wan_yuan",
                ):
                    assert xiaolan.budget.loc[line, column] == float(row[column]), (line, column)

    def test_action_subtotals(self, xiaolan):
        actions = xiaolan.actions
        assert actions.loc[7, "total_wan_yuan"] == 60 + 60 + 310
        assert actions.loc[9, "total_wan_yuan"] == 10 + 210
        assert actions["total_wan_yuan"].sum() == 74_290

    def test_every_project_is_linked_to_its_line(self, xiaolan):
        linked = {pid for pids in xiaolan.budget["projects"] for pid in pids}
        assert linked == set(xiaolan.results)

    def test_capex_by_year_adds_up_to_modelled_capex(self, xiaolan):
        by_year = xiaolan.capex_by_year.sum()
        for line, capex in by_year.items():
            assert capex == pytest.approx(xiaolan.budget.loc[line, "modelled_capex_wan_yuan"])


class TestKnownInconsistencies:
    """The five inconsistencies of ../shared/reference/README.md, each with both numbers."""

    def test_jobs(self, xiaolan):
        f = findings(xiaolan)["benefits-total-new_jobs"]
        assert f.numbers == {"stated_new_jobs": 9370, "sum_of_rows_new_jobs": 9730}

    def test_economic_benefit(self, xiaolan):
        f = findings(xiaolan)["benefits-text-economic_benefit_wan_yuan"]
        assert f.numbers == {"text": 38_100, "table_5_5": 72_300}
        assert xiaolan.benefits["claimed_economic_benefit_wan_yuan"].sum() == 72_300

    def test_intensity_2015(self, xiaolan):
        f = findings(xiaolan)["intensity-2015"]
        assert f.numbers["section_3_text"] == 0.96 and f.numbers["table_3_1"] == 0.97
        assert f.numbers["implied_by_19_5_pct_cut"] == pytest.approx(0.97405)

    def test_forum_or_exhibition(self, xiaolan):
        f = findings(xiaolan)["names-line-9b"]
        assert "论坛" in f.numbers["table_5_4"] and "展览" in f.numbers["table_5_5"]

    def test_slow_travel_lanes(self, xiaolan):
        f = findings(xiaolan)["slow-travel-lanes"]
        assert f.numbers["action_5_km_by_2020"] == 20
        assert (f.numbers["table_3_2_km_2015"], f.numbers["table_3_2_km_2020"]) == (20, 40)

    def test_every_finding_says_where_its_numbers_come_from(self, xiaolan):
        for f in xiaolan.portfolio.findings:
            assert f.severity in {"error", "warning", "info"}
            assert f.sources, f.id


class TestModelsAgainstThePlan:
    def test_pv_budget_buys_less_than_the_target(self, xiaolan):
        f = findings(xiaolan)["pv-budget-capacity"]
        assert f.numbers["target_mw_2020"] == 150
        assert f.numbers["budget_implied_yuan_per_w"] == pytest.approx(215e6 / 150e6)
        assert f.numbers["mw_the_budget_buys"] < 150

    def test_claims_against_models_beyond_tolerance(self, xiaolan):
        benefits = xiaolan.benefits
        for line, row in benefits.iterrows():
            ratio = row["modelled_over_claimed"]
            if np.isfinite(ratio) and abs(ratio - 1) > 0.25:
                assert f"ghg-line-{line}" in findings(xiaolan)


class TestBenefits:
    def test_npv_is_summed_at_the_base_year(self, xiaolan):
        # pv_phase2 starts in 2018: its NPV is discounted four more years to 2014 at 8%.
        row = xiaolan.benefits.loc["4"]
        metrics = {
            pid: xiaolan.results[pid].metrics["npv_yuan"] for pid in ("pv_phase1", "pv_phase2")
        }
        want = metrics["pv_phase1"] / 1.08 + metrics["pv_phase2"] / 1.08**4
        assert row["modelled_npv_wan_yuan"] == pytest.approx(want / 10_000)


class TestMacc:
    def test_cheapest_tonne_first_and_widths(self, xiaolan):
        macc = xiaolan.macc
        costs = macc["abatement_cost_yuan_per_t"].to_numpy()
        assert (np.diff(costs) >= 0).all()
        widths = macc["x_end_t_co2e_per_year"] - macc["x_start_t_co2e_per_year"]
        np.testing.assert_allclose(widths, macc["abatement_t_co2e_per_year"])
        for _, row in macc.iterrows():
            assert (
                row["abatement_cost_yuan_per_t"]
                == xiaolan.results[row["project"]].metrics["abatement_cost_yuan_per_t"]
            )

    def test_claimed_tonnes_are_listed_apart(self, xiaolan):
        # Only modelled abatement makes the curve: no line whose tonnes are the plan's claim.
        assert "programme" not in set(xiaolan.macc["archetype"])
        claimed = xiaolan.macc_claimed.set_index("project")
        assert list(claimed.index) == ["subcentre_planning"]
        row = claimed.loc["subcentre_planning"]
        # Table 5-5 claims 2 万 t a year, counted 2016-2020 after 100 万元 spent in 2015:
        # 1,000,000 / (20,000 x (1/1.08 + 1/1.08^2 + ... + 1/1.08^5))
        # = 1,000,000 / (20,000 x 3.992710) = 1,000,000 / 79,854.20 = 12.5228 yuan/t.
        assert row["abatement_t_co2e_per_year"] == 20_000
        assert row["abatement_cost_yuan_per_t"] == pytest.approx(12.5228, abs=1e-4)
        # The curve's widths add up to the modelled tonnes alone.
        modelled = sum(
            r.metrics["abatement_t_co2e_per_year"]
            for pid, r in xiaolan.results.items()
            if pid in set(xiaolan.macc["project"])
        )
        assert xiaolan.macc["x_end_t_co2e_per_year"].iloc[-1] == pytest.approx(modelled)


class TestTargets:
    def test_intensity_path(self, xiaolan):
        path = xiaolan.intensity
        assert path.loc[2010, "intensity_without_t_per_wan_yuan"] == pytest.approx(1.21)
        # GDP anchors: 2010 derived (216 万 t / 1.21), 2013 and 2015 as the plan states them.
        assert path.loc[2013, "gdp_wan_yuan"] == pytest.approx(2_507_300)
        assert path.loc[2015, "gdp_wan_yuan"] == pytest.approx(2_630_000)
        assert (
            path["intensity_with_t_per_wan_yuan"]
            <= path["intensity_without_t_per_wan_yuan"] + 1e-12
        ).all()
        assert path.loc[2020, "target_t_per_wan_yuan"] == 0.91
        avoided = path["avoided_t_co2e"]
        manual = sum(
            r.annual["abatement_t_co2e"].reindex(path.index, fill_value=0)
            for r in xiaolan.results.values()
        )
        np.testing.assert_allclose(avoided, manual)

    def test_pv_share(self, xiaolan):
        share = xiaolan.pv_share
        assert share.loc[2020, "goal_share"] == 0.15
        assert share.loc[2020, "town_electricity_mwh"] == 1_000_000


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, target)
    return target


def test_a_line_that_does_not_add_up_is_reported_not_summed(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "programme.yaml"
    text = path.read_text(encoding="utf-8")
    # Line 6: 100 = 0 + 0 + 100; make its town money 90.
    start = text.index('- id: "6"')
    head, tail = text[:start], text[start:]
    tail = tail.replace("town_government_wan_yuan: 100", "town_government_wan_yuan: 90", 1)
    path.write_text(head + tail, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_programme(folder)
    message = str(caught.value)
    assert "budget.lines[5]" in message and "100" in message and "90" in message


@pytest.mark.programme
def test_stated_total_that_differs_from_the_lines_is_a_finding(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "programme.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  stated_totals:")
    text = text[:start] + text[start:].replace("total_wan_yuan: 74290", "total_wan_yuan: 74920", 1)
    path.write_text(text, encoding="utf-8")
    programme = load_programme(folder)
    portfolio = roll_up(programme, evaluate_projects(programme))
    found = {f.id: f for f in portfolio.findings}["budget-total-total"]
    assert found.severity == "error"
    assert found.numbers == {"stated_wan_yuan": 74_920, "sum_of_lines_wan_yuan": 74_290}


def test_results_json_sections(xiaolan_build):
    import json

    result = xiaolan_build.build
    data = json.loads((xiaolan_build.out / "results.json").read_text(encoding="utf-8"))
    for key in ("budget", "benefits", "reconciliation", "macc", "targets", "projects"):
        assert key in data
    assert data["budget"]["total_wan_yuan"] == 74_290
    assert data["budget"]["by_source"]["market_wan_yuan"]["wan_yuan"] == 71_000
    for pid, metrics in data["projects"].items():
        assert metrics["npv_yuan"] == pytest.approx(result.projects[pid].metrics["npv_yuan"])


def test_the_budget_total_has_its_modelled_capex(xiaolan_build):
    """The budget's total row gives the models' capex beside table 5-4's total (the
    proposal left it blank): the sum of the lines' modelled capex, and its difference from
    the sum of their budgets, both from the lines of results.json."""
    results = xiaolan_build.results["budget"]
    lines = [line for line in results["lines"] if line["modelled_capex_wan_yuan"] is not None]
    capex = sum(line["modelled_capex_wan_yuan"] for line in lines)
    budget = sum(line["total_wan_yuan"] for line in lines)
    assert results["modelled_capex_wan_yuan"] == pytest.approx(capex, rel=1e-12)
    assert results["capex_minus_budget_wan_yuan"] == pytest.approx(capex - budget, rel=1e-12)
    assert results["modelled_capex_wan_yuan"] == pytest.approx(118_179.2)  # the workbook's
