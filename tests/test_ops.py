"""The table of operators and functions (`xlfinance.model.ops`): each record is what numpy
computes and what a formula spells, and LibreOffice agrees with numpy on random trees of them.

- every record, checked on a case worked by hand in the comments (the NaN rule's cases too);
- every record read by both interpreters: its numpy and its spelling replaced by spies, a
  model using it evaluates through the spy and writes the spy's spelling;
- random expression trees (depth <= 4: inputs, rows, prev, cumsum, row aggregates, every
  operator and function), a few hundred drawn by hypothesis with a fixed seed, written as
  the lines of one model on one sheet by the real writer (`write_model`), recalculated by
  LibreOffice in the suite's one pass, every cell against numpy (relative 1e-9; NaN where
  the cell is an error or shows no value).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy_financial as npf
import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from xlfinance.model import expr as ex
from xlfinance.model import ops
from xlfinance.model.core import Model
from xlfinance.model.excel import Layout, RowLoc, formula
from xlfinance.model.sheet import write_model

from .lo import is_error, needs_libreoffice, no_value, workbooks

nan = math.nan


def hand_model() -> Model:
    """x = 2, y = -3, s = [4, -1, 0.5], flows f = [-10, 6, 6] and g = [1, 2, 3] (of one
    sign), and n = s where s > 0, else no value: [4, NaN, 0.5]."""
    m = Model("ops", 2020, 3)
    m.input("x", 2)
    m.input("y", -3)
    m.series_input("s", [4, -1, 0.5])
    m.series_input("f", [-10, 6, 6])
    m.series_input("g", [1, 2, 3])
    m.line("n", ex.IF(ex.SeriesRef("s") > 0, ex.SeriesRef("s"), ex.NA()))
    return m


x, y = ex.InputRef("x"), ex.InputRef("y")
s, f, g, n = ex.SeriesRef("s"), ex.SeriesRef("f"), ex.SeriesRef("g"), ex.LineRef("n")

# -10 + 6 v + 6 v^2 = 0 with v = 1 / (1 + r): v = (-6 + sqrt(36 + 240)) / 12.
IRR_F = 12 / (-6 + math.sqrt(276)) - 1
# MIRR(f, 10 %, 12 %): the outflow 10 at time 0 (nothing to discount); the inflows carried
# to the last period at 12 %: 6 x 1.12 + 6 = 12.72; (12.72 / 10) ^ (1 / 2) - 1.
MIRR_F = (12.72 / 10) ** 0.5 - 1

CASES = [
    # (record's table, name, expression, its value by hand: a row or a scalar)
    ("ARITHMETIC", "+", s + x, [6, 1, 2.5]),
    ("ARITHMETIC", "-", s - x, [2, -3, -1.5]),
    ("ARITHMETIC", "*", s * y, [-12, 3, -1.5]),
    ("ARITHMETIC", "/", s / x, [2, -0.5, 0.25]),
    ("ARITHMETIC", "^", s**2, [16, 1, 0.25]),
    ("COMPARISONS", "<", s < 0.5, [0, 1, 0]),
    ("COMPARISONS", "<=", s <= 0.5, [0, 1, 1]),
    ("COMPARISONS", ">", s > 0.5, [1, 0, 0]),
    ("COMPARISONS", ">=", s >= 0.5, [1, 0, 1]),
    ("COMPARISONS", "=", ex.eq(s, 0.5), [0, 0, 1]),
    ("COMPARISONS", "<>", ex.ne(s, 0.5), [1, 1, 0]),
    ("NEGATION", "-", -s, [-4, 1, -0.5]),
    ("FUNCTIONS", "IF", ex.IF(s > 0, s, y), [4, -3, 0.5]),
    ("FUNCTIONS", "MIN", ex.MIN(s, x, 1), [1, -1, 0.5]),
    ("FUNCTIONS", "MAX", ex.MAX(s, x), [4, 2, 2]),
    ("FUNCTIONS", "SUM", ex.total(s, x, y), [3, -2, -0.5]),  # s + 2 - 3
    ("FUNCTIONS", "AND", ex.AND(s > 0, s < 1), [0, 0, 1]),
    ("FUNCTIONS", "OR", ex.OR(s > 1, s < 0), [1, 1, 0]),
    ("FUNCTIONS", "NOT", ex.NOT(s > 0), [0, 1, 0]),
    ("FUNCTIONS", "ABS", ex.ABS(s), [4, 1, 0.5]),
    # The divisor's sign: 4 = 1 x 3 + 1, -1 = -1 x 3 + 2, and 4 = -2 x -3 - 2, -1 = 0 x -3 - 1.
    ("FUNCTIONS", "MOD", ex.MOD(s, 3), [1, 2, 0.5]),
    ("FUNCTIONS", "MOD", ex.MOD(s, -3), [-2, -1, -2.5]),
    ("FUNCTIONS", "NA", ex.NA(), nan),
    ("AGGREGATES", "ROWSUM", ex.rowsum(s), 3.5),  # 4 - 1 + 0.5
    ("AGGREGATES", "ROWMIN", ex.rowmin(s), -1),
    ("AGGREGATES", "ROWMIN", ex.rowmin(n), 0.5),  # the periods with a value: 4, 0.5
    ("AGGREGATES", "ROWMAX", ex.rowmax(s), 4),
    ("AGGREGATES", "ROWMEAN", ex.rowmean(s), 3.5 / 3),
    ("AGGREGATES", "ROWMEAN", ex.rowmean(n), 2.25),  # (4 + 0.5) / 2
    ("AGGREGATES", "ROWSUM", ex.rowsum(n), nan),  # a sum over a period with no value
    ("AGGREGATES", "NPV", ex.npv(0.1, s), 4 - 1 / 1.1 + 0.5 / 1.1**2),  # time 0 undiscounted
    ("AGGREGATES", "IRR", ex.irr(f), IRR_F),
    ("AGGREGATES", "IRR", ex.irr(g), nan),  # flows of one sign
    ("AGGREGATES", "MIRR", ex.mirr(f, 0.1, 0.12), MIRR_F),
    ("AGGREGATES", "MIRR", ex.mirr(g, 0.1, 0.12), nan),
    # The NaN rule: a comparison, AND / OR / NOT and IF of NaN is NaN (Excel: #N/A).
    ("COMPARISONS", ">", n > 1, [1, nan, 0]),
    ("COMPARISONS", "<>", ex.ne(n, 4), [0, nan, 1]),
    ("FUNCTIONS", "IF", ex.IF(n, 1, 2), [1, nan, 1]),  # 4 and 0.5 are true
    ("FUNCTIONS", "IF", ex.IF(n > 1, x, y), [2, nan, -3]),
    ("FUNCTIONS", "AND", ex.AND(n > 0, s > 0), [1, nan, 1]),
    ("FUNCTIONS", "OR", ex.OR(n > 0, s < 0), [1, nan, 1]),  # p1: s < 0 is true, but n has none
    ("FUNCTIONS", "NOT", ex.NOT(n > 1), [0, nan, 1]),
    ("FUNCTIONS", "MIN", ex.MIN(n, 1), [1, nan, 0.5]),
    ("FUNCTIONS", "IF", ex.IF(s > 0, n, 0), [4, 0, 0.5]),  # a branch with none, not taken
]


def _evaluated(expression: ex.Expr) -> np.ndarray:
    m = hand_model()
    if expression.is_row:
        m.line("case", expression)
        return m.evaluate().lines["case"][0]
    m.output("case", expression)
    return m.evaluate().outputs["case"][0]


@pytest.mark.parametrize(("table", "name", "expression", "want"), CASES)
def test_each_record_computes_its_case_by_hand(table, name, expression, want):
    got = _evaluated(expression)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)


def test_the_cases_cover_every_record():
    covered = {(table, name) for table, name, _, _ in CASES}
    records = {("NEGATION", "-")} | {
        (table, name)
        for table in ("ARITHMETIC", "COMPARISONS", "FUNCTIONS", "AGGREGATES")
        for name in getattr(ops, table)
    }
    assert covered == records


def test_irr_and_mirr_cases_agree_with_numpy_financial():
    """The IRR and MIRR worked by hand above are numpy-financial's too."""
    assert IRR_F == pytest.approx(npf.irr([-10, 6, 6]), rel=1e-12)
    assert MIRR_F == pytest.approx(npf.mirr([-10, 6, 6], 0.1, 0.12), rel=1e-12)


def _spied(monkeypatch, table: str, name: str) -> list:
    """Replace a record by one whose numpy counts its calls and whose spelling is marked."""
    calls = []
    holder = getattr(ops, table)
    op = holder if table == "NEGATION" else holder[name]

    def spy(*args):
        calls.append(len(args))
        return op.numpy(*args)

    marked = dataclasses.replace(op, numpy=spy, excel="Q_" + op.excel)
    if table == "NEGATION":
        monkeypatch.setattr(ops, "NEGATION", marked)
    else:
        monkeypatch.setitem(holder, name, marked)
    return calls


@pytest.mark.parametrize(
    ("table", "name", "expression"),
    [c[:3] for c in CASES if not (c[0] == "FUNCTIONS" and c[1] == "NA")]
    + [("FUNCTIONS", "NA", ex.NA() + s)],  # NA() with a row, not folded away unwritten
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_record_is_read_by_both_interpreters(monkeypatch, table, name, expression):
    calls = _spied(monkeypatch, table, name)
    m = hand_model()
    m.line("case", expression)
    m.evaluate()
    assert calls, f"numpy did not compute {table}[{name!r}] through its record"
    layout = Layout(first_col=2, n_periods=3, inputs={"x": "$A$1", "y": "$A$2"})
    layout.rows = {r: RowLoc(i + 3) for i, r in enumerate(["period", "s", "f", "g", "n"])}
    assert "Q_" in formula(expression, layout, 1), f"the writer did not spell {name!r}"


def test_a_prev_read_by_min_max_sum_and_or_counts_a_blank_as_zero():
    """MIN(D5, 4) leaves a blank D5 out (4), where numpy's opening is 0: N(D5) is 0."""
    layout = Layout(first_col=5, n_periods=3, rows={"s": RowLoc(7)})
    prev_s = ex.prev(ex.SeriesRef("s"))
    assert formula(ex.MIN(prev_s, 4), layout, 0) == "=MIN(N(D7),4)"
    assert formula(ex.OR(prev_s, prev_s), layout, 1) == "=IF(OR(N(E7),N(E7)),1,0)"
    assert formula(ex.ABS(prev_s) + prev_s, layout, 0) == "=ABS(D7)+D7"  # a blank is 0 here


# LibreOffice against numpy on random trees ----------------------------------------------
PERIODS = 5
TREES = 300
NUMBERS = [0.0, 1.0, -1.0, 0.5, 2.0, -2.5, 3.0]
"""Leaves: small numbers with few binary digits, so that +, -, * are exact in both and a
comparison never turns on a rounding (LibreOffice's = and - treat values within about
2^-48 of each other as equal, numpy does not)."""


def tree_model() -> Model:
    """The rows the trees read: series s (both signs, a zero), flows f (one sign change,
    one IRR), g (one sign: none), the period, a line n with no value where s <= 0, and a
    balance `bal`, a cycle through prev()."""
    m = Model("trees", 2020, PERIODS)
    m.input("a", 2)
    m.input("b", -0.5)
    m.input("rate", 0.1)
    m.series_input("s", [3, -1.5, 0, 2.25, -4])
    m.series_input("f", [-10, 2, 3, 4, 5])
    m.series_input("g", [1, 2, 0.5, 0, 3])
    m.line("n", ex.IF(ex.SeriesRef("s") > 0, ex.SeriesRef("s"), ex.NA()))
    m.line("bal", ex.prev(ex.LineRef("bal")) * 0.5 + ex.SeriesRef("s"), opening=ex.InputRef("a"))
    # Found by the trees: a blank opening read by prev() in the first period is 0 in numpy,
    # but MIN, MAX and SUM leave a blank reference out and OR refuses it (#VALUE!).
    prev_s = ex.prev(ex.SeriesRef("s"))
    m.line("min_of_blank", ex.MIN(prev_s, ex.prev(ex.LineRef("n")), 4))  # [0, 3, NaN, NaN, 2.25]
    m.line("or_of_blank", ex.OR(prev_s, prev_s))  # [0, 1, 1, 0, 1]
    return m


ROWS = [
    ex.SeriesRef("s"),
    ex.SeriesRef("f"),
    ex.LineRef("n"),
    ex.LineRef("bal"),
    ex.TimeRef("period"),
]
SOLVED = [ex.SeriesRef("f"), ex.SeriesRef("g"), ex.LineRef("n")]
"""Rows an IRR or MIRR is taken of: one root or none (several roots may be found apart)."""


def _aggregate(args) -> ex.Aggregate:
    name, row = args
    if name == "NPV":
        return ex.npv(ex.InputRef("rate"), row)
    if name == "IRR":
        return ex.irr(row)
    if name == "MIRR":
        return ex.mirr(row, ex.InputRef("rate"), 0.12)
    return ex.Aggregate(name, row)


def _leaves():
    rows = st.sampled_from(ROWS)
    solved = st.tuples(st.sampled_from(["IRR", "MIRR"]), st.sampled_from(SOLVED))
    reduced = st.tuples(st.sampled_from(["ROWSUM", "ROWMIN", "ROWMAX", "ROWMEAN", "NPV"]), rows)
    return st.one_of(
        st.sampled_from(NUMBERS).map(ex.Const),
        st.sampled_from([ex.InputRef("a"), ex.InputRef("b")]),
        rows,
        rows.map(ex.prev),
        rows.map(ex.cumsum),
        (reduced | solved).map(_aggregate),
        st.just(ex.NA()),
    )


def trees(depth: int):
    """Expressions of depth <= `depth` over every record of `ops`. A division is by a
    number that is not zero (1 + |d| or a constant) and a power's exponent a constant
    above zero: numpy's inf of x / 0 is Excel's #DIV/0!, which then goes on unlike inf
    (1 / inf is 0), and Excel's 0 ^ 0 is #NUM!."""
    if depth == 0:
        return _leaves()
    sub = trees(depth - 1)
    several = st.lists(sub, min_size=1, max_size=3)
    divisor = sub.map(lambda d: 1 + ex.ABS(d)) | st.sampled_from([2.0, -4.0, 3.0]).map(ex.Const)
    arithmetic = st.sampled_from(["+", "-", "*"])
    return st.one_of(
        _leaves(),
        st.tuples(arithmetic, sub, sub).map(lambda a: ex.BinOp(*a)),
        st.tuples(sub, divisor).map(lambda a: a[0] / a[1]),
        st.tuples(sub, st.sampled_from([1.0, 2.0, 3.0, 0.5])).map(lambda a: a[0] ** a[1]),
        st.tuples(st.sampled_from(sorted(ops.COMPARISONS)), sub, sub).map(lambda a: ex.Compare(*a)),
        sub.map(ex.Neg),
        st.tuples(sub, sub, sub).map(lambda a: ex.IF(*a)),
        several.map(lambda a: ex.MIN(*a)),
        several.map(lambda a: ex.MAX(*a)),
        several.map(lambda a: ex.total(*a)),
        several.map(lambda a: ex.AND(*a)),
        several.map(lambda a: ex.OR(*a)),
        sub.map(ex.NOT),
        sub.map(ex.ABS),
        st.tuples(sub, st.sampled_from([3.0, -2.0, 0.5])).map(lambda a: ex.MOD(*a)),
    )


def drawn_trees(count: int) -> list[ex.Expr]:
    """`count` trees drawn by hypothesis with a fixed seed (derandomize): the same ones on
    every run. Drawn, not tested, inside hypothesis: the test is the one comparison of
    them all after LibreOffice's one pass."""
    found: list[ex.Expr] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(trees(4))
    def collect(tree):
        found.append(tree)

    collect()
    return found


@workbooks
def trees_workbook(folder, _fixture):
    """The drawn trees as lines of one model (and the scalar ones as outputs too), written
    on one sheet."""
    model = tree_model()
    for k, tree in enumerate(drawn_trees(TREES)):
        model.line(f"t{k}", tree)
        if not tree.is_row:
            model.output(f"o{k}", tree)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "trees"
    sheet_map = write_model(ws, model)
    path = folder / "trees.xlsx"
    wb.save(path)
    return [path], (model, sheet_map)


def _agrees(got, want: float, *, scalar: bool) -> bool:
    if not np.isfinite(want):  # NaN, or an overflow: an error in the workbook
        return is_error(got) or no_value(got, scalar=scalar)
    if isinstance(got, bool):
        # LibreOffice formats the cell of arithmetic on a truth value (-NOT(x)) as a truth
        # value and writes the number in it as TRUE (not 0) or FALSE: all it says of it.
        return got == (want != 0)
    if not isinstance(got, int | float):
        return False
    return got == pytest.approx(want, rel=1e-9, abs=1e-12)


@needs_libreoffice
def test_random_trees_in_libreoffice_equal_numpy(recalculated_books):
    (model, sheet_map), (values,) = recalculated_books(trees_workbook)
    sheet = values["trees"]
    result = model.evaluate()
    first = sheet_map.layout.first_col
    trees_seen = [name for name in model.lines if name.startswith("t")]
    assert len(trees_seen) >= TREES * 0.9  # hypothesis drew (nearly) as many as asked
    wrong = []
    for name, row in sheet_map.line_rows.items():
        for p in range(model.n_periods):
            got, want = sheet.get((row, first + p)), result.lines[name][0][p]
            if not _agrees(got, want, scalar=not model.lines[name].expr.is_row):
                wrong.append(f"{name}[{p}]: numpy {want!r}, LibreOffice {got!r}")
    for name, ref in sheet_map.output_cells.items():
        col, row = coordinate_from_string(ref.split("!")[-1].replace("$", ""))
        got, want = sheet.get((row, column_index_from_string(col))), result.outputs[name][0]
        if not _agrees(got, want, scalar=True):
            wrong.append(f"{name}: numpy {want!r}, LibreOffice {got!r}")
    detail = [
        f"{w}\n    {model.lines[w.split('[')[0]].expr!r}" if w.split("[")[0] in model.lines else w
        for w in wrong[:8]
    ]
    assert not wrong, f"{len(wrong)} cells differ:\n" + "\n".join(detail)
