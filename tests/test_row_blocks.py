"""The fund's model evaluated a block of rows at a time (`risk.engine.evaluate_in_blocks`).

With hundreds of deals the fund's lines over 10,000 trials do not fit in memory at once
(ten lines a deal, each 10,000 x 30 float64: 2.4 MB). The rows are cut into
blocks whose lines fit `LINES_MEMORY`; every row's values must be exactly those of one
pass over all rows, since a model's lines act on each row alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xlfinance.check import check_programme
from xlfinance.definitions import load_programme
from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.risk import engine
from xlfinance.risk.engine import evaluate_in_blocks, row_blocks, rows_that_fit
from xlfinance.structuring.fund import solve_fund

XIAOLAN = Path(__file__).resolve().parents[1] / "projects" / "xiaolan"
TRIALS = 300


def test_row_blocks_cut_rows_into_equal_blocks_but_the_last():
    # 10 rows in blocks of at most 4: ceil(10 / 4) = 3 blocks of ceil(10 / 3) = 4: 4, 4, 2.
    assert row_blocks(0, 10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    # Rows 2..9 (7 rows), at most 3: 3 blocks of ceil(7 / 3) = 3: 2-5, 5-8, 8-9.
    assert row_blocks(2, 9, 3) == [slice(2, 5), slice(5, 8), slice(8, 9)]
    assert row_blocks(0, 10, 10) == [slice(0, 10)]
    assert row_blocks(0, 10, 64) == [slice(0, 10)]
    assert row_blocks(5, 5, 3) == []


def _small_model() -> Model:
    m = Model("small", 2020, 10)
    a = m.input("a", 2.0)
    x = m.line("x", a * m.period)
    y = m.line("y", x + 1)
    z = m.line("z", y * a)
    m.output("total", ex.rowsum(z))
    return m


def test_rows_that_fit_the_budget():
    m = _small_model()
    # 3 lines x 10 periods x 8 bytes = 240 bytes a row: 1,000 bytes hold 4 rows (960).
    assert rows_that_fit(m, budget=1000) == 4
    assert rows_that_fit(m, budget=100) == 1  # never fewer than one row
    assert rows_that_fit(m, cap=3, budget=10**9) == 3  # nor more than the cap


@pytest.fixture(scope="module")
def xiaolan():
    programme = load_programme(XIAOLAN, require_projects=True)
    checked = check_programme(programme)
    return programme, checked


@pytest.mark.programme
def test_the_fund_over_the_trials_is_the_same_in_blocks_of_seven(xiaolan, monkeypatch):
    programme, checked = xiaolan
    whole = engine.run_risk(programme, checked.projects, checked.fund, trials=TRIALS)
    fund_model = engine.layout(programme, checked.projects, checked.fund, TRIALS).fund_model
    per_row = len(fund_model.model.lines) * fund_model.model.n_periods * 8
    monkeypatch.setattr(engine, "LINES_MEMORY", 7 * per_row)  # seven rows a block
    assert rows_that_fit(fund_model.model) == 7
    blocks = engine.run_risk(programme, checked.projects, checked.fund, trials=TRIALS)
    fund_outputs = [k for k in whole.outputs if k.startswith("fund.")]
    assert fund_outputs
    for name in whole.outputs:  # bit for bit, not to a tolerance
        np.testing.assert_array_equal(blocks.outputs[name], whole.outputs[name], err_msg=name)
    for name in whole.losses:
        np.testing.assert_array_equal(blocks.losses[name], whole.losses[name], err_msg=name)


@pytest.mark.programme
def test_the_fund_solves_are_the_same_in_blocks_of_seven(xiaolan, monkeypatch):
    programme, checked = xiaolan
    lay = engine.layout(programme, checked.projects, checked.fund, TRIALS)
    args = (programme, checked.projects, checked.fund, programme.structuring, lay)
    whole = solve_fund(*args)
    model = lay.fund_model.model
    monkeypatch.setattr(engine, "LINES_MEMORY", 7 * len(model.lines) * model.n_periods * 8)
    assert solve_fund(*args) == whole


def test_evaluate_in_blocks_gives_each_row_its_own_values():
    m = _small_model()
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    seen = []

    def overrides(block: slice) -> dict:
        seen.append(block)
        return {"a": a[block]}

    out = evaluate_in_blocks(m, 5, ("total",), overrides, size=2)
    assert seen == [slice(0, 2), slice(2, 4), slice(4, 5)]
    # total = sum over periods 0..9 of (a x t + 1) x a = a^2 x 45 + 10 a:
    # a = 1: 55; a = 2: 200; a = 3: 435; a = 4: 760; a = 5: 1175.
    np.testing.assert_array_equal(out["total"], [55.0, 200.0, 435.0, 760.0, 1175.0])
