"""A table as a model (`xlfinance.model.grid`): each cell an expression, numpy and the formula
held to sums worked by hand and to LibreOffice; the programme sheets built on it (Budget,
Benefits, MACC, Timeline) held to the plan's figures and to the project models.

LibreOffice checks the hand grid here and every computed cell of Xiaolan's four programme
sheets (tests/test_workbook.py, in the suite's one recalculation pass).
"""

from __future__ import annotations

import itertools

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.workbook.defined_name import DefinedName

from xlfinance.model.core import ModelError
from xlfinance.model.grid import Grid, name_part, total
from xlfinance.model.sheet import write_grid
from xlfinance.portfolio.timeline import timeline_sheet

from .lo import needs_libreoffice, workbooks
from .strategies import examples


def hand_grid() -> Grid:
    """Two typed figures and one read from a defined name (`units.ten`, 10), their sum, the
    sum over the linked figure, and a running sum of three typed tonnes down column F."""
    grid = Grid.new("hand")
    a = grid.typed("a", 3.0, "wan_yuan", (2, 2))
    b = grid.typed("b", 4.0, "wan_yuan", (2, 3))
    ten = grid.linked("ten", 10.0, "yuan/万元", "units.ten")
    s = grid.line("s", total([a, b]), "wan_yuan", (2, 4), "hand_sum")
    grid.line("r", s / ten, "wan_yuan", (2, 5), "hand_ratio")
    so_far = None
    for i, tonnes in enumerate((5.0, 2.0, 8.0)):
        t = grid.typed(f"t{i}", tonnes, "t CO2e/yr", (4 + i, 5))
        so_far = grid.line(f"c{i}", t if so_far is None else t + so_far, "t CO2e/yr", (4 + i, 6))
    return grid


# What each computed cell is, by hand:
HAND = {
    "s": 7.0,  # 3 + 4
    "r": 0.7,  # 7 / 10
    "c0": 5.0,  # 5
    "c1": 7.0,  # 5 + 2
    "c2": 15.0,  # 7 + 8
}


def test_a_grid_evaluates_to_the_sums_by_hand():
    values = hand_grid().evaluate()
    for name, want in HAND.items():
        assert values[name] == pytest.approx(want, rel=1e-15), name
    assert values["a"] == 3.0  # a typed figure is its own value
    assert np.isnan(values.get("nowhere"))  # a cell the grid does not have: no value


def test_a_grid_writes_each_line_where_it_is_placed():
    wb = openpyxl.Workbook()
    ws = wb.active
    write_grid(ws, hand_grid())
    assert [ws["B2"].value, ws["C2"].value] == [3, 4]  # typed, not formulas
    assert ws["D2"].value == "=SUM(B2,C2)"
    assert ws["E2"].value == "=D2/units.ten"  # a linked figure read from its reference
    assert [ws[c].value for c in ("F4", "F5", "F6")] == ["=E4", "=E5+F4", "=E6+F5"]
    assert ws["E4"].value == 5 and ws["A1"].value is None


def test_one_defined_name_one_cell():
    grid = hand_grid()
    with pytest.raises(ModelError, match="'hand_sum' is used twice"):
        grid.line("again", 1.0, "", (9, 9), "hand_sum")


def test_a_line_id_in_a_defined_name():
    assert name_part("7a") == "7a"
    assert name_part("7.a-1") == "7_a_1"


@settings(max_examples=examples(50), deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30))
def test_a_running_sum_is_each_cell_plus_the_one_above(tonnes):
    """The MACC's form: cell i = tonnes i + cell i-1; numpy adds in the order a spreadsheet
    does, so every cell equals the running sum added first to last, bit for bit."""
    grid = Grid.new("run")
    so_far = None
    for i, t in enumerate(tonnes):
        x = grid.typed(f"t{i}", t, "t CO2e/yr", (1 + i, 1))
        so_far = grid.line(f"c{i}", x if so_far is None else x + so_far, "t CO2e/yr", (1 + i, 2))
    values = grid.evaluate()
    for i, want in enumerate(itertools.accumulate(tonnes)):
        assert values[f"c{i}"] == want
    assert values[f"c{len(tonnes) - 1}"] == pytest.approx(float(np.sum(tonnes)), rel=1e-12)


@workbooks
def hand_workbook(folder, _fixture):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hand"
    grid = hand_grid()
    write_grid(ws, grid)
    ws["A10"] = 10
    wb.defined_names["units.ten"] = DefinedName("units.ten", attr_text="Hand!$A$10")
    path = folder / "grid.xlsx"
    wb.save(path)
    return [path], grid


@needs_libreoffice
def test_libreoffice_computes_the_grid_as_numpy_does(recalculated_books):
    grid, (values,) = recalculated_books(hand_workbook)
    for name, want in HAND.items():
        row, col = grid.cells[name]
        assert values["Hand"][(row, col)] == pytest.approx(want, rel=1e-12), name


# The programme sheets, on Xiaolan ------------------------------------------------------------
@pytest.fixture(scope="module")
def portfolio(xiaolan_build):
    return xiaolan_build.build.portfolio


def test_budget_sheet_adds_up_as_table_5_4(portfolio):
    sheet = portfolio.budget_sheet
    v, line = sheet.values, sheet.lines
    # Line 1: market 25,000 + policy 50 + town 10 = 25,060, its total (table 5-4).
    assert v[line["1"]["sum_of_sources_wan_yuan"]] == 25_060
    # The column totals are the plan's total row: 74,290 / 71,000 / 2,010 / 1,280 万元.
    assert [v[f"total_{f}"] for f in ("total_wan_yuan", "market_wan_yuan")] == [74_290, 71_000]
    assert v["total_policy_grants_wan_yuan"] == 2_010
    assert v["total_town_government_wan_yuan"] == 1_280
    # Action 7 is lines 7a-7c: 60 + 60 + 310 = 430; action 9 is 9a + 9b: 10 + 210 = 220.
    assert v[sheet.action_names[7]["total_wan_yuan"]] == 430
    assert v[sheet.action_names[9]["total_wan_yuan"]] == 220
    # Line 4: PV phase 1 35,000,000 + phase 2 841,000,000 yuan = 87,600 万元, 66,100 over
    # its 21,500 万元 budget.
    assert v[line["4"]["modelled_capex_wan_yuan"]] == pytest.approx(87_600, rel=1e-15)
    assert v[line["4"]["capex_minus_budget_wan_yuan"]] == pytest.approx(66_100, rel=1e-15)


def test_benefits_sheet_claims_in_tonnes(portfolio, xiaolan_build):
    sheet = portfolio.benefits_sheet
    v, cells = sheet.values, sheet.cells
    # Line 4 claims 5 万 t a year: 50,000 t; the two PV phases model their own tonnes.
    assert v[cells["4"][4]] == 50_000
    projects = xiaolan_build.build.projects
    pv = [projects[p].metrics["abatement_t_co2e_per_year"] for p in ("pv_phase1", "pv_phase2")]
    assert v[cells["4"][5]] == pytest.approx(pv[0] + pv[1], rel=1e-15)
    assert v[cells["4"][6]] == pytest.approx((pv[0] + pv[1]) / 50_000, rel=1e-15)
    # Table 5-5's rows: 34+12+2+5+1+2+3 = 59 万 t, its stated total; less it, 0.
    assert v["total_claimed_wan_t_co2e_per_year"] == 59
    assert v["rows_less_stated_claimed_wan_t_co2e_per_year"] == 0


def test_macc_running_sum_in_cost_order(portfolio, xiaolan_build):
    """Each bar's right end is the tonnes of every project as cheap or cheaper, added by hand
    here from the project models in the curve's order."""
    sheet = portfolio.macc_sheet
    projects = xiaolan_build.build.projects
    order = list(sheet.curve["project"])
    costs = [projects[p].metrics["abatement_cost_yuan_per_t"] for p in order]
    assert costs == sorted(costs)
    so_far = 0.0
    for pid in order:
        so_far += projects[pid].metrics["abatement_t_co2e_per_year"]
        assert sheet.values[f"cumulative_{pid}"] == so_far, pid


def test_timeline_is_one_in_construction_two_in_operation(xiaolan_build):
    projects = xiaolan_build.build.projects
    sheet = timeline_sheet(projects, lambda pid, line, period: "X1")
    values = sheet.grid.evaluate()
    pv = projects["pv_phase1"]  # from 2015: a year of construction, 25 of operation
    row = sheet.rows["pv_phase1"]
    shown = {
        sheet.years[col - 3]: values[name]
        for name, (r, col) in sheet.grid.cells.items()
        if r == row and name in sheet.grid.model.lines
    }
    assert pv.definition.start_year == 2015
    assert shown[2015] == 1 and shown[2016] == 2 and shown[2040] == 2
    assert 2041 not in shown and len(shown) == 26
