"""The model core: each expression form evaluated by numpy equals LibreOffice's recalculation
of the formulas emitted for it (relative 1e-9), plus the numpy engine's own rules.

Reference: LibreOffice Calc, headless, recalculating every cell on load (see
xlfinance.recalc); numpy-financial for the financial aggregates.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import openpyxl
import pytest

from xlfinance.model import expr as ex
from xlfinance.model.core import Model, ModelError
from xlfinance.model.excel import Layout, RowLoc, formula, number
from xlfinance.model.sheet import write_formula, write_model, write_text, write_value

from .lo import needs_libreoffice, no_value, workbooks


def arithmetic() -> Model:
    m = Model("arithmetic", 2015, 6)
    a = m.input("a", 2.5)
    b = m.input("b", -0.75)
    g = m.input("growth", 0.03)
    s = m.series_input("s", [1, -2, 3.5, 0.25, 10, -7])
    m.line("sum_diff", a + b - s - (a - b) - (s - a - b))
    m.line("prod_div", a * s / b / (a / s) * (b * 3))
    m.line("powers", (1 + g) ** (m.period - 1) * a**2 + (-b) ** 2 + -(a**2) + 2 ** (s / 4))
    m.line("nested_neg", -(-s) - -a + (-(s * b)) ** 2)  # noqa: B002 - double negation on purpose
    # A negative base to a fractional power is NaN in numpy and #NUM! in Excel, but LibreOffice
    # takes odd roots of negatives; models avoid it, and so does this test.
    m.line("assoc", a - (b - s) - s / (a / b) + ex.ABS(s) ** (1 / 3))
    m.line("big_small", s * 1e-7 + 123456789.125 + 0.1)
    return m


def comparisons_and_logic() -> Model:
    m = Model("logic", 2015, 7)
    k = m.input("k", 2)
    s = m.series_input("s", [-3, 0, 2, 2, 5, -1, 8])
    m.line("lt", s < k)
    m.line("le", s <= k)
    m.line("gt", s > k)
    m.line("ge", s >= k)
    m.line("eq", ex.eq(s, k))
    m.line("ne", ex.ne(s, k))
    m.line("and_", ex.AND(s > 0, s < 6))
    m.line("or_", ex.OR(s < 0, ex.eq(s, 5), m.period > 5))
    m.line("not_", ex.NOT(s > 0))
    m.line("flag_times", (s > 0) * s + (m.year >= 2018) * 100)
    return m


def if_min_max() -> Model:
    m = Model("if_min_max", 2020, 8)
    cap = m.input("cap", 4)
    floor = m.input("floor", -1)
    s = m.series_input("s", [-5, -1, 0, 3, 4, 6, 10, -2])
    m.line("if_", ex.IF(s > 0, s * 2, s / 2))
    m.line("clamp", ex.MIN(cap, ex.MAX(floor, s)))
    m.line("max3", ex.MAX(s, m.period, cap))
    m.line("min3", ex.MIN(s, m.period - 3, floor))
    m.line("abs_", ex.ABS(s) - ex.ABS(floor))
    m.line("safe_div", ex.IF(ex.eq(s, 0), 0, cap / s))
    m.line("mod_", ex.MOD(m.period, 3) + ex.MOD(s, cap) + ex.MOD(s, -3))
    return m


def balances() -> Model:
    """prev() with and without an opening value, a two-line cycle, cumsum and total()."""
    m = Model("balances", 2015, 10)
    opening = m.input("opening", 1000)
    rate = m.input("rate", 0.06)
    repay = m.input("repay", 150)
    draw = m.series_input("draw", [300, 200, 0, 0, 0, 0, 0, 0, 0, 0])
    # A debt schedule: the opening balance is last period's closing balance.
    m.line("opening_balance", ex.prev(ex.LineRef("closing_balance")))
    m.line("interest", ex.LineRef("opening_balance") * rate)
    m.line("repayment", ex.MIN(repay, ex.LineRef("opening_balance") + draw))
    m.line(
        "closing_balance",
        ex.LineRef("opening_balance") + draw + ex.LineRef("interest") - ex.LineRef("repayment"),
        opening=opening,
    )
    m.line("running", ex.cumsum(ex.LineRef("interest")))
    m.line("count", ex.prev(ex.LineRef("count")) + 1)
    m.line("all_flows", ex.total(draw, ex.LineRef("interest"), -ex.LineRef("repayment")))
    return m


def aggregates() -> Model:
    m = Model("aggregates", 2015, 12)
    r = m.input("rate", 0.08)
    fr = m.input("finance_rate", 0.05)
    rr = m.input("reinvest_rate", 0.07)
    flows = m.series_input("flows", [-1000, -200, 180, 220, 260, 260, 260, 240, 240, 220, 200, 150])
    cf = m.line("cf", flows * 1.0)
    m.line("cover", ex.IF(cf > 0, cf / 100, ex.NA()))
    m.output("npv", ex.npv(r, cf))
    m.output("irr", ex.irr(cf))
    m.output("mirr", ex.mirr(cf, fr, rr))
    m.output("total", ex.rowsum(cf))
    m.output("min_cover", ex.rowmin(ex.LineRef("cover")))
    m.output("max_cover", ex.rowmax(ex.LineRef("cover")))
    m.output("mean_cover", ex.rowmean(ex.LineRef("cover")))
    m.output("npv_per_total", ex.npv(r, cf) / ex.rowsum(cf) * 100)
    m.line("normalised", cf / ex.rowsum(cf))
    return m


def no_irr() -> Model:
    m = Model("no_irr", 2015, 4)
    flows = m.series_input("flows", [100, 50, 20, 10])
    m.line("cf", flows * 1.0)
    m.line("blank", ex.NA() * flows)
    m.output("irr", ex.irr(ex.LineRef("cf")))
    m.output("min_blank", ex.rowmin(ex.LineRef("blank")))
    return m


def absent() -> Model:
    """Values that do not exist (NaN) read by every kind of formula. Flows -100, 60, 0, 70;
    cover = flows / 10 where flows > 0: [NaN, 6, NaN, 7]."""
    m = Model("absent", 2015, 4)
    flows = m.series_input("flows", [-100, 60, 0, 70])
    costs = m.series_input("costs", [-50, -20, 0, -10])
    cover = m.line("cover", ex.IF(flows > 0, flows / 10, ex.NA()))
    m.line("twice", cover * 2)  # [NaN, 12, NaN, 14]: arithmetic keeps no value
    m.line("taken", ex.IF(flows > 0, cover, 0))  # [0, 6, 0, 7]: a branch never taken
    m.line("last", ex.prev(cover))  # [0, NaN, 6, NaN]: the blank opening is 0
    m.line("running", ex.cumsum(cover))  # [NaN] * 4: NaN from the first period on
    # A comparison, AND, OR, NOT or IF of NaN is NaN, as the same of #N/A is #N/A in Excel.
    m.line("above", cover > 6.5)  # [NaN, 0, NaN, 1]: 6 > 6.5 false, 7 > 6.5 true
    m.line("other", ex.ne(cover, 6))  # [NaN, 0, NaN, 1]: not even <> holds of NaN
    m.line("truthy", ex.IF(cover, 1, 2))  # [NaN, 1, NaN, 1]: 6 and 7 are not 0, so true
    m.line("both", ex.AND(cover, flows > 0))  # [NaN, 1, NaN, 1]
    # p0: cover NaN, so NaN although -100 < 0 is true; p1: 6 > 100 and 60 < 0 both false.
    m.line("either", ex.OR(cover > 100, flows < 0))  # [NaN, 0, NaN, 0]
    m.line("not_above", ex.NOT(cover > 6.5))  # [NaN, 1, NaN, 0]
    m.output("total", ex.rowsum(cover))  # NaN: a sum over a period with no value
    m.output("npv", ex.npv(0.1, cover))  # NaN
    m.output("irr_cover", ex.irr(cover))  # NaN (Excel's IRR would skip the text)
    m.output("min_cover", ex.rowmin(cover))  # 6: the periods with a value
    m.output("mean_cover", ex.rowmean(cover))  # (6 + 7) / 2 = 6.5
    m.output("irr_costs", ex.irr(costs))  # NaN: costs only (Excel: #NUM!, LO Err:523)
    m.output("mirr_costs", ex.mirr(costs, 0.05, 0.05))  # NaN (Excel: #DIV/0!, LO Err:502)
    m.output("irr_flows", ex.irr(flows))  # a number: both signs
    return m


FORMS = [arithmetic, comparisons_and_logic, if_min_max, balances, aggregates, no_irr, absent]


def test_values_that_do_not_exist_by_hand():
    """The `absent` form's numbers, worked by hand in its comments: the reference that the
    LibreOffice comparison below then holds the workbook to."""
    result = absent().evaluate()
    nan = np.nan
    want = {
        "cover": [nan, 6, nan, 7],
        "twice": [nan, 12, nan, 14],
        "taken": [0, 6, 0, 7],
        "last": [0, nan, 6, nan],
        "running": [nan, nan, nan, nan],
        "above": [nan, 0, nan, 1],
        "other": [nan, 0, nan, 1],
        "truthy": [nan, 1, nan, 1],
        "both": [nan, 1, nan, 1],
        "either": [nan, 0, nan, 0],
        "not_above": [nan, 1, nan, 0],
    }
    for line, values in want.items():
        np.testing.assert_array_equal(result.lines[line][0], values, err_msg=line)
    outputs = {k: v[0] for k, v in result.outputs.items()}
    for name in ("total", "npv", "irr_cover", "irr_costs", "mirr_costs"):
        assert np.isnan(outputs[name]), name
    assert outputs["min_cover"] == 6 and outputs["mean_cover"] == 6.5
    # -100 + 60 v + 70 v^3 = 0 with v = 1 / (1 + r): numpy-financial's root.
    assert outputs["irr_flows"] == pytest.approx(npf.irr([-100, 60, 0, 70]), rel=1e-12)


def test_a_value_that_does_not_exist_is_text_in_the_workbook_never_an_error():
    """The formulas: "" in a period, "无 n/a" in an output, #N/A only inside; the IRR is
    tested on the signs, not caught with IFERROR; a cell that may hold the text is read
    back as #N/A."""
    model = absent()
    wb = openpyxl.Workbook()
    sheet_map = write_model(wb.active, model)
    ws = wb.active
    first = sheet_map.layout.first_col

    def at(line, p=1):
        return ws.cell(sheet_map.line_rows[line], first + p).value

    def out(name):
        cell = sheet_map.output_cells[name].split("!")[-1].replace("$", "")
        return ws[cell].value

    assert at("cover").startswith("=_xlfn.IFNA(") and at("cover").endswith(',"")')
    assert "IF(ISTEXT(" in at("twice")
    assert out("irr_costs").endswith(',"无 n/a")') and "IFERROR" not in out("irr_costs")
    assert "AND(MAX(" in out("irr_costs") and "MIN(" in out("irr_costs")


@workbooks
def forms_workbook(folder, _fixture):
    """Every form on its own sheet of one workbook."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    maps = {}
    for build in FORMS:
        model = build()
        maps[model.name] = (model, write_model(wb.create_sheet(model.name), model))
    path = folder / "forms.xlsx"
    wb.save(path)
    return [path], maps


@pytest.fixture(scope="module")
def recalculated(recalculated_books):
    maps, (values,) = recalculated_books(forms_workbook)
    return maps, values


@needs_libreoffice
@pytest.mark.parametrize("form", [f.__name__ for f in FORMS])
def test_libreoffice_equals_numpy(recalculated, form):
    maps, values = recalculated
    name = {f.__name__: f().name for f in FORMS}[form]
    model, sheet_map = maps[name]
    sheet = values[name]
    result = model.evaluate()
    for line, row in sheet_map.line_rows.items():
        got = [sheet.get((row, sheet_map.layout.first_col + p)) for p in range(model.n_periods)]
        want = result.lines[line][0]
        for p, (g, w) in enumerate(zip(got, want, strict=True)):
            if np.isnan(w):
                assert no_value(g, scalar=False), f"{name}.{line}[{p}]: numpy NaN, LO {g!r}"
            else:
                assert g == pytest.approx(w, rel=1e-9, abs=1e-9), f"{name}.{line}[{p}]"
    for output, ref in sheet_map.output_cells.items():
        row, col = _cell(ref)
        g, w = sheet.get((row, col)), result.outputs[output][0]
        if np.isnan(w):
            assert no_value(g, scalar=True), f"{name}.{output}: numpy NaN, LibreOffice {g!r}"
        else:
            assert g == pytest.approx(w, rel=1e-9, abs=1e-12), f"{name}.{output}"


def _cell(ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    coordinate = ref.split("!")[-1].replace("$", "")
    col, row = coordinate_from_string(coordinate)
    return row, column_index_from_string(col)


class TestNumpyEngine:
    def test_balances_by_hand(self):
        """Debt schedule worked by hand: 1000 opening, 6% interest, 150 a year repaid."""
        ev = balances().evaluate()
        closing = ev.lines["closing_balance"][0]
        assert closing[0] == pytest.approx(1000 + 300 + 60 - 150)  # 1210
        assert closing[1] == pytest.approx(1210 + 200 + 72.6 - 150)  # 1332.6
        assert ev.lines["count"][0].tolist() == list(range(1, 11))
        np.testing.assert_allclose(ev.lines["running"][0], np.cumsum(ev.lines["interest"][0]))

    def test_aggregates_match_numpy_financial(self):
        m = aggregates()
        ev = m.evaluate()
        flows = np.array(m.series["flows"].values)
        assert ev.outputs["npv"][0] == pytest.approx(npf.npv(0.08, flows), rel=1e-12)
        assert ev.outputs["irr"][0] == pytest.approx(npf.irr(flows), rel=1e-9)
        assert ev.outputs["mirr"][0] == pytest.approx(npf.mirr(flows, 0.05, 0.07), rel=1e-9)
        assert ev.outputs["min_cover"][0] == pytest.approx(1.5)
        assert ev.outputs["max_cover"][0] == pytest.approx(2.6)

    def test_no_irr_is_nan(self):
        ev = no_irr().evaluate()
        assert np.isnan(ev.outputs["irr"][0])
        assert np.isnan(ev.outputs["min_blank"][0])

    def test_scenarios_axis_equals_one_at_a_time(self):
        m = balances()
        rates = np.array([0.0, 0.03, 0.06, 0.12])
        batch = m.evaluate({"rate": rates, "repay": np.array([100, 150, 150, 400])})
        for i, (rate, repay) in enumerate(zip(rates, [100, 150, 150, 400], strict=True)):
            one = m.evaluate({"rate": rate, "repay": repay})
            for name in m.lines:
                np.testing.assert_allclose(batch.lines[name][i], one.lines[name][0], rtol=1e-12)

    def test_series_override_per_scenario(self):
        m = aggregates()
        flows = np.array(m.series["flows"].values)
        two = np.vstack([flows, flows * 2])
        ev = m.evaluate({"flows": two})
        assert ev.outputs["npv"][1] == pytest.approx(2 * ev.outputs["npv"][0])
        assert ev.outputs["irr"][1] == pytest.approx(ev.outputs["irr"][0])

    def test_frame_is_indexed_by_year(self):
        frame = balances().evaluate().frame()
        assert list(frame.index) == list(range(2015, 2025))
        assert "closing_balance" in frame.columns

    def test_frame_carries_each_lines_unit_into_the_tables_made_from_it(self):
        m = Model("units", 2015, 3)
        price = m.input("price", 0.4, "yuan/kWh")
        output = m.line("output", m.period * 1000, "kWh")
        m.line("revenue", output * price, "yuan")
        frame = m.evaluate().frame()
        units = frame.attrs["units"]
        assert dict(units) == {"output": "kWh", "revenue": "yuan"}
        # pandas deep-copies attrs into each table an operation makes: the units are
        # shared, not copied (a column read, a slice, a sum), and cannot be changed
        for derived in (frame["revenue"], frame.loc[2016:], frame * 2, frame.copy(deep=True)):
            assert derived.attrs["units"] is units
        with pytest.raises(TypeError):
            units["revenue"] = "万元"  # type: ignore[index]
        # 0, 1000 and 2000 kWh at 0.4 yuan/kWh: 0, 400 and 800 yuan
        assert frame["revenue"].tolist() == [0.0, 400.0, 800.0]

    def test_circular_reference_is_rejected(self):
        m = Model("loop", 2015, 3)
        m.line("a", ex.LineRef("b") + 1)
        m.line("b", ex.LineRef("a") * 2)
        with pytest.raises(ModelError, match="circular reference"):
            m.evaluate()

    def test_unknown_names_are_rejected(self):
        m = Model("unknown", 2015, 3)
        m.line("a", ex.InputRef("nope") + 1)
        with pytest.raises(ModelError, match="unknown input 'nope'"):
            m.evaluate()
        m = Model("unknown_row", 2015, 3)
        m.line("a", ex.LineRef("ghost") + 1)
        with pytest.raises(ModelError, match="unknown row 'ghost'"):
            m.evaluate()

    def test_duplicate_name_is_rejected(self):
        m = Model("dup", 2015, 3)
        m.input("x", 1)
        with pytest.raises(ModelError, match="used twice"):
            m.line("x", 1)

    def test_output_must_be_scalar(self):
        m = Model("rowout", 2015, 3)
        with pytest.raises(ModelError, match="must be a scalar"):
            m.output("o", m.period * 2)

    def test_whole_row_of_own_cycle_is_rejected(self):
        m = Model("agg_cycle", 2015, 3)
        m.line("a", ex.prev(ex.LineRef("a")) + ex.rowsum(ex.LineRef("a")))
        with pytest.raises(ModelError, match="aggregates the whole row"):
            m.evaluate()

    def test_expression_has_no_truth_value(self):
        with pytest.raises(TypeError, match="no truth value"):
            bool(ex.InputRef("a") > 1)


class TestFormulaText:
    layout = Layout(
        first_col=5,
        n_periods=3,
        inputs={"a": "Inputs!$C$4", "b": "rate_b"},
        rows={"period": RowLoc(2, "Timeline"), "x": RowLoc(10), "y": RowLoc(11)},
    )

    def test_same_formula_across_columns_but_letters(self):
        expr = ex.LineRef("x") * ex.InputRef("a") + ex.prev(ex.LineRef("y"))
        assert formula(expr, self.layout, 0) == "=E10*Inputs!$C$4+D11"
        assert formula(expr, self.layout, 2) == "=G10*Inputs!$C$4+F11"

    def test_negation_and_powers_are_bracketed(self):
        a, b = ex.InputRef("a"), ex.InputRef("b")
        assert formula(-(a**2), self.layout) == "=-(Inputs!$C$4^2)"
        assert formula((-a) ** 2, self.layout) == "=(-Inputs!$C$4)^2"
        assert formula((a + b) ** (a - 1), self.layout) == "=(Inputs!$C$4+rate_b)^(Inputs!$C$4-1)"
        assert formula(a - (b - 1), self.layout) == "=Inputs!$C$4-(rate_b-1)"
        assert formula(a / (b * 2), self.layout) == "=Inputs!$C$4/(rate_b*2)"

    def test_timeline_rows_on_another_sheet_are_row_anchored(self):
        assert formula(ex.TimeRef("period") + 1, self.layout, 1) == "=Timeline!F$2+1"

    def test_npv_does_not_discount_period_zero(self):
        text = formula(ex.npv(ex.InputRef("b"), ex.LineRef("x")), self.layout)
        assert text == "=SUMPRODUCT($E$10:$G$10,(1+rate_b)^(-Timeline!$E$2:$G$2))"

    def test_truth_values_become_numbers(self):
        assert formula(ex.LineRef("x") > 0, self.layout, 0) == "=IF(E10>0,1,0)"

    def test_numbers_round_trip(self):
        for value in (0.1, 1 / 3, 1e-7, 123456789.125, 2.0, -5.5):
            assert float(number(value)) == value
        with pytest.raises(ValueError):
            number(float("nan"))

    def test_sheet_names_are_quoted_when_needed(self):
        from xlfinance.model.excel import sheet_prefix

        assert sheet_prefix("Inputs") == "Inputs!"
        assert sheet_prefix("PV phase 1") == "'PV phase 1'!"
        assert sheet_prefix("AB12") == "'AB12'!"
        assert sheet_prefix("O'Brien") == "'O''Brien'!"


def test_a_value_written_inside_a_merged_range_is_refused_naming_the_cell():
    """A cell inside a merged range (B2 of B2:C2 is its first, C2 is inside) holds no value:
    openpyxl raises an AttributeError ("read-only") when one is set; the sheet writers name
    the cell instead. Setting nothing (a blank label, `None`) and styling stay allowed."""
    ws = openpyxl.Workbook().active
    ws.title = "Sheet A"
    ws.merge_cells("B2:C2")
    write_text(ws, 2, 2, "heading")  # B2, the first cell, takes the value
    assert ws["B2"].value == "heading"
    assert write_text(ws, 2, 3, None) is ws["C2"]  # nothing to set
    write_value(ws, 2, 3, None)
    for write, value in ((write_text, "x"), (write_value, 1.5), (write_formula, "=1+1")):
        with pytest.raises(ValueError, match=r"^Sheet A!C2 is inside a merged range$"):
            write(ws, 2, 3, value)
    assert ws["C2"].value is None
