"""benchmarks/bench_scale.py's programmes: Xiaolan copied under new ids, still consistent.

What the benchmark measures is only worth reading if the programme it builds is a valid
one of the same shape as Xiaolan: every copy the original project, each budget line's money
and claims grown with its projects, the fund investing in every copy on the same terms.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

import xlfinance
from xlfinance.definitions import load_programme

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_scale", ROOT / "benchmarks" / "bench_scale.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    """Xiaolan's 22 projects twice and the first three a third time: 47 projects."""
    bench = _bench()
    folder = bench.generate(47, tmp_path_factory.mktemp("scale") / "programme-47")
    return folder, load_programme(folder, require_projects=True), load_programme(XIAOLAN)


def test_ids_are_copies_and_cut_short_in_file_order(copied):
    _, programme, xiaolan = copied
    originals = sorted(p.id for p in xiaolan.projects)
    ids = sorted(p.id for p in programme.projects)
    assert len(ids) == 47
    # 47 = 2 x 22 + 3: every project twice, the first three (in file order) a third time
    expected = [f"{pid}_{k:04d}" for pid in originals for k in range(2)]
    expected += [f"{pid}_0002" for pid in originals[:3]]
    assert ids == sorted(expected)


def test_budget_lines_grow_with_their_projects(copied):
    """Line 4 (pv_phase1, pv_phase2; neither among the first three ids) has 2 of 2 copied
    twice: 21,500 x 2 = 43,000 万元. Line 5 has bus_cng, bus_cng_phase2 (both among the first
    three: bus_cng, bus_cng_phase2, capacity_building) three times and its three other
    projects (slow_travel_lanes, taxi_cng, taxi_cng_phase2) twice: (3 + 3 + 2 + 2 + 2) / 5
    = 12 / 5 = 2.4, so 3,000 x 2.4 = 7,200 万元 and 1,000 x 2.4 = 2,400 of town money."""
    _, programme, xiaolan = copied
    lines = {line.id: line for line in programme.budget.lines}
    before = {line.id: line for line in xiaolan.budget.lines}
    assert lines["4"].total_wan_yuan == 43_000 == 2 * before["4"].total_wan_yuan
    assert lines["5"].total_wan_yuan == 7_200
    assert lines["5"].town_government_wan_yuan == 2_400
    # 7c (capacity_building, the third id) three times: 310 x 3 = 930
    assert lines["7c"].total_wan_yuan == 930
    # the printed total grows as the lines' sum: 74,290 -> the new sum of the lines
    total = sum(line.total_wan_yuan for line in programme.budget.lines)
    assert programme.budget.stated_totals.total_wan_yuan == total
    # every line twice, line 5 0.4 more of its 3,000, line 7c once more of its 310
    assert total == 2 * 74_290 + 0.4 * 3_000 + 310 == 150_090


def test_fund_invests_in_every_copy_on_its_terms(copied):
    _, programme, xiaolan = copied
    invested = [inv.project for inv in programme.fund.investments]
    assert invested == [
        f"{pid}_{k:04d}"
        for pid in ("pv_phase1", "pv_phase2", "des_phase1", "des_phase2")
        for k in range(2)
    ]
    # 8 investments over 4: commitments twice Xiaolan's 10 亿
    sizes = [close.fund_size_yuan.value for close in programme.fund.closes]
    assert sizes == [2 * close.fund_size_yuan.value for close in xiaolan.fund.closes]


@pytest.mark.programme
def test_a_copy_has_its_originals_figures(copied):
    folder, _, _ = copied
    scaled = xlfinance.load(folder).projects
    original = xlfinance.load(XIAOLAN).projects
    for pid in ("pv_phase1", "des_phase2", "bus_cng"):
        for k in (0, 1):
            for metric in ("capex_yuan", "npv_yuan", "irr", "equity_irr", "min_dscr"):
                a = scaled.loc[f"{pid}_{k:04d}", metric]
                b = original.loc[pid, metric]
                assert a == b or (math.isnan(a) and math.isnan(b)), (pid, k, metric)
