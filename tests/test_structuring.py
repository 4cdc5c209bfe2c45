"""The structuring solver and the per-project solves of structuring.yaml.

The solver is held against closed forms worked here, numpy-financial's IRR and invariants
over random monotone functions (hypothesis); the solves against the definitions: each
answer written into a copy of its project file and evaluated again meets its target.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfinance.archetypes import build_model
from xlfinance.cli import main
from xlfinance.definitions import load_programme
from xlfinance.definitions.structuring import SolveDef, TargetDef
from xlfinance.errors import DefinitionError
from xlfinance.model.excel import NOT_AVAILABLE
from xlfinance.projects import evaluate_projects
from xlfinance.render.sheetnames import STRUCTURING
from xlfinance.structuring import solver
from xlfinance.structuring.projects import solve_project, solve_projects
from xlfinance.structuring.run import run_structuring

from .factories import merged, programme, project
from .lo import is_error, needs_libreoffice
from .strategies import examples
from .test_archetype_pv import BASE as PV_BASE
from .test_workbook import xiaolan_workbooks

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


# --------------------------------------------------------------------------------------
# The solver
# --------------------------------------------------------------------------------------


def batch(fn):
    """f(cases, x) from a function of x alone."""
    return lambda cases, x: fn(x)


class TestSolverByHand:
    def test_linear_smallest(self):
        # 3x - 5 >= 1  <=>  x >= 2. The answer meets the target; 2 - xtol does not.
        s = solver.solve(batch(lambda x: 3 * x - 5), 1.0, 0.0, 10.0, xtol=1e-9)
        value = s.value[0]
        assert s.status[0] == solver.SOLVED
        assert 3 * value - 5 >= 1
        assert abs(value - 2) <= 1e-9
        assert 3 * (value - 1e-9) - 5 < 1

    def test_largest_that_keeps_a_cover(self):
        # Cover 10 - x >= 3: the largest x is 7 (a loan that keeps DSCR 1.30 is this shape).
        s = solver.solve(batch(lambda x: 10 - x), 3.0, 0.0, 10.0, prefer="largest", xtol=1e-9)
        assert s.status[0] == solver.SOLVED
        assert 10 - s.value[0] >= 3 and abs(s.value[0] - 7) <= 1e-9

    def test_at_most(self):
        # x^2 <= 2 with the largest x: sqrt(2) from below.
        s = solver.solve(
            batch(lambda x: x**2), 2.0, 0.0, 4.0, comparison="<=", prefer="largest", xtol=1e-12
        )
        assert s.value[0] ** 2 <= 2 and abs(s.value[0] - np.sqrt(2)) <= 1e-12

    def test_already_met_and_unreachable(self):
        # x^2 >= 4 on [0, 10]: 2; >= 0: met at 0 already; >= 200: beyond 10^2 = 100.
        s = solver.solve(batch(lambda x: x**2), np.array([4.0, 0.0, 200.0]), 0.0, 10.0, xtol=1e-6)
        assert list(s.status) == [solver.SOLVED, solver.ALREADY_MET, solver.UNREACHABLE]
        assert s.value[1] == 0 and np.isnan(s.value[2])
        assert s.bound[2] == 10 and s.achieved[2] == 100

    def test_rate_that_zeroes_npv_is_numpy_financials_irr(self):
        flows = np.array([-100.0, 30, 40, 50, 20])

        def npv(cases, rates):
            return np.array([npf.npv(r, flows) for r in rates])

        s = solver.solve(npv, 0.0, 0.0, 1.0, comparison="<=", xtol=1e-12)
        assert abs(s.value[0] - npf.irr(flows)) <= 1e-12
        assert s.evaluations <= 16

    def test_nan_never_meets(self):
        # NaN below 1 (an IRR with no sign change): the answer is where the numbers start
        # meeting, found by bisecting through the NaN.
        def f(x):
            return np.where(x < 1, np.nan, x)

        s = solver.solve(batch(f), 1.5, 0.0, 4.0, xtol=1e-9)
        assert s.status[0] == solver.SOLVED and abs(s.value[0] - 1.5) <= 1e-9

    def test_not_monotone_is_flagged(self):
        # sin on [0, 7] turns back. On the default grid (0, 7/3, 14/3, 7: sin 0, 0.72,
        # -0.99, 0.66) no point reaches 0.9: unreachable, and flagged as not monotone, so
        # the answer is not trusted. On a grid of 8 (a point at 1.75, sin 0.98) the first
        # crossing, arcsin(0.9), is found.
        s = solver.solve(batch(np.sin), 0.9, 0.0, 7.0, xtol=1e-9)
        assert not s.monotone[0] and s.status[0] == solver.UNREACHABLE
        s = solver.solve(batch(np.sin), 0.9, 0.0, 7.0, xtol=1e-9, grid=8)
        assert not s.monotone[0]
        assert abs(s.value[0] - np.arcsin(0.9)) <= 1e-9

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="reversed"):
            solver.solve(batch(lambda x: x), 0.0, 2.0, 1.0, xtol=1e-6)
        with pytest.raises(ValueError, match="xtol"):
            solver.solve(batch(lambda x: x), 0.0, 0.0, 1.0, xtol=0)
        with pytest.raises(ValueError, match="comparison"):
            solver.solve(batch(lambda x: x), 0.0, 0.0, 1.0, xtol=1e-6, comparison=">")


@settings(max_examples=examples(60), deadline=None)
@given(
    a=st.floats(0.1, 100),
    b=st.floats(-50, 50),
    power=st.sampled_from([1, 3]),
    target=st.floats(-200, 200),
    prefer=st.sampled_from(["smallest", "largest"]),
    comparison=st.sampled_from([">=", "<="]),
)
def test_every_answer_is_the_edge_of_the_set_that_meets(a, b, power, target, prefer, comparison):
    """Over random monotone functions: a solved value meets the target and a step of xtol
    beyond it, towards the preferred end, does not; an already-met case meets at its end;
    an unreachable one meets at neither end."""
    lo, hi, xtol = -3.0, 3.0, 1e-7

    def f(x):
        return a * np.asarray(x) ** power + b

    def meets(x):
        y = f(x)
        return y >= target if comparison == ">=" else y <= target

    s = solver.solve(batch(f), target, lo, hi, xtol=xtol, prefer=prefer, comparison=comparison)
    v, status = s.value[0], s.status[0]
    near = lo if prefer == "smallest" else hi
    towards = -1 if prefer == "smallest" else 1
    if status == solver.ALREADY_MET:
        assert v == near and meets(near)
    elif status == solver.UNREACHABLE:
        assert not meets(lo) and not meets(hi) or not meets(hi if prefer == "smallest" else lo)
        assert np.isnan(v)
    else:
        assert meets(v)
        assert not meets(v + towards * xtol * 1.0001)
        assert s.monotone[0]


def test_a_batch_equals_its_cases_one_by_one():
    targets = np.array([0.5, 2.0, 7.5, -1.0])

    def f(cases, x):
        return np.exp(x) - 1 + cases * 0.0

    together = solver.solve(f, targets, 0.0, 3.0, xtol=1e-10)
    for i, t in enumerate(targets):
        alone = solver.solve(f, t, 0.0, 3.0, xtol=1e-10)
        assert alone.status[0] == together.status[i]
        if alone.status[0] != solver.UNREACHABLE:
            assert abs(alone.value[0] - together.value[i]) <= 1e-10


@settings(max_examples=examples(40), deadline=None)
@given(
    slopes=st.lists(st.floats(0.01, 50), min_size=2, max_size=5),
    tolerances=st.lists(st.sampled_from([1e-9, 1e-6, 1e-3, 0.25]), min_size=5, max_size=5),
)
def test_cases_with_their_own_tolerances_are_each_solved_as_alone(slopes, tolerances):
    # Each case its own line (slope s, crossing 1 at 1/s + 0.3) and its own tolerance: in
    # one batch, each answer is bit for bit the one a batch of that case alone gives, and
    # lies within its own tolerance above the threshold (x = (1 + 0.3 s) / s, by hand).
    n = len(slopes)
    slope = np.array(slopes)
    xtol = np.array(tolerances[:n])

    def f(cases, x):
        return slope[cases] * (np.asarray(x) - 0.3)

    together = solver.solve(f, 1.0, 0.0, 200.0, xtol=xtol, n=n)
    for i in range(n):
        alone = solver.solve(
            lambda c, x, i=i: slope[i] * (np.asarray(x) - 0.3), 1.0, 0.0, 200.0, xtol=xtol[i]
        )
        assert together.value[i] == alone.value[0] and together.status[i] == alone.status[0]
        threshold = (1 + 0.3 * slope[i]) / slope[i]
        assert slope[i] * (together.value[i] - 0.3) >= 1.0
        assert -1e-12 <= together.value[i] - threshold <= xtol[i] * (1 + 1e-9) + 1e-12
        assert together.width[i] <= xtol[i]


def test_a_tolerance_for_each_case_must_be_positive_and_one_a_case():
    with pytest.raises(ValueError, match="positive"):
        solver.solve(batch(lambda x: x), 1.0, 0.0, 2.0, xtol=np.array([1e-3, 0.0]))
    with pytest.raises(ValueError, match="disagree"):
        solver.solve(batch(lambda x: x), np.ones(3), 0.0, 2.0, xtol=np.array([1e-3, 1e-3]))


@settings(max_examples=examples(60), deadline=None)
@given(
    crossings=st.lists(st.floats(-1.0, 12.0), min_size=3, max_size=40),
    slopes=st.lists(st.floats(0.05, 20.0), min_size=40, max_size=40),
    power=st.sampled_from([1, 3]),
    prefer=st.sampled_from(["smallest", "largest"]),
    quantiles=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
)
def test_a_ranked_group_gives_its_order_statistics_to_the_bit(
    crossings, slopes, power, prefer, quantiles
):
    # Case i crosses the target 0 at c_i (below 0: met at once; above 10: unreachable),
    # rising for "smallest" (the least x with f >= 0), falling for "largest". Case 0 is
    # outside the group (searched to the tolerance); the others a Ranked group with the
    # ranks of the quantiles asked for. Against every case searched to the tolerance:
    # case 0, every status and every order statistic asked for are the same to the bit,
    # and every answer meets the target, the threshold within its width of it.
    n = len(crossings)
    c, k = np.array(crossings), np.array(slopes[:n])
    sign = 1.0 if prefer == "smallest" else -1.0

    def f(cases, x):
        return sign * k[cases] * (np.asarray(x) - c[cases]) ** power

    group = np.arange(1, n)
    ranks = tuple(
        sorted({int(np.quantile(np.arange(n - 1), q, method="inverted_cdf")) for q in quantiles})
    )
    ranked = [solver.Ranked(group, ranks)]
    full = solver.solve(f, 0.0, 0.0, 10.0, xtol=1e-6, prefer=prefer, n=n)
    short = solver.solve(f, 0.0, 0.0, 10.0, xtol=1e-6, prefer=prefer, n=n, ranked=ranked)
    assert np.array_equal(short.status, full.status)
    assert np.array_equal(short.monotone, full.monotone)
    assert np.array_equal(short.value[:1], full.value[:1], equal_nan=True)
    beyond = np.inf if prefer == "smallest" else -np.inf

    def answers(sol):
        return np.sort(np.where(sol.status == solver.UNREACHABLE, beyond, sol.value)[group])

    for r in ranks:
        assert answers(short)[r] == answers(full)[r]
    solved = short.status == solver.SOLVED
    assert np.all(f(np.flatnonzero(solved), short.value[solved]) >= 0)
    # The threshold lies between each answer and a width towards the preferred end.
    v = short.value[solved]
    other = v - sign * short.width[solved]
    assert np.all(
        (np.minimum(v, other) - 1e-9 <= c[solved]) & (c[solved] <= np.maximum(v, other) + 1e-9)
    )
    assert short.evaluations <= full.evaluations


def test_a_rank_outside_its_group_is_an_error():
    with pytest.raises(ValueError, match="outside a group of 2"):
        solver.solve(
            batch(lambda x: x),
            1.0,
            0.0,
            2.0,
            xtol=1e-3,
            n=3,
            ranked=[solver.Ranked(np.array([1, 2]), (2,))],
        )


# --------------------------------------------------------------------------------------
# Solves of the programme: written back, they meet their targets
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xiaolan(xiaolan_build):
    """Xiaolan and its projects evaluated: the shared build's (conftest.py), read only."""
    return xiaolan_build.build.programme, xiaolan_build.build.projects


@pytest.fixture(scope="module")
def answers(xiaolan):
    programme, projects = xiaolan
    return {(s.solve, s.project): s for s in solve_projects(programme.structuring, projects)}


def write_back(tmp_path: Path, project: str, field: str, value: float) -> Path:
    """A copy of Xiaolan with `value` written into `field` of the project's file."""
    copy = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, copy)
    path = copy / "projects" / f"{project}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    node = doc
    parts = field.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = {
        "value": float(value),
        "source": "derived: solved by xlfinance structure (test)",
    }
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


@pytest.mark.programme
@pytest.mark.parametrize(
    ("solve", "project", "output", "target"),
    [
        ("viability_grant", "des_phase1", "equity_irr", 0.08),
        ("viability_subsidy_kwh", "des_phase2", "equity_irr", 0.08),
        ("viability_subsidy_km", "bus_cng", "equity_irr", 0.08),
        ("viability_subsidy_steam", "industrial_boilers_phase1", "equity_irr", 0.08),
        ("break_even_carbon_price", "des_phase1", "equity_irr", 0.08),
        ("debt_capacity", "public_buildings_phase1", "min_dscr", 1.30),
    ],
)
def test_an_answer_written_back_meets_its_target(tmp_path, answers, solve, project, output, target):
    answer = answers[(solve, project)]
    value, status, _ = answer.base
    assert status == solver.SOLVED
    programme = load_programme(write_back(tmp_path, project, answer.field, value))
    assert metrics_of(programme, project)[output] >= target - 1e-9
    # and a tolerance less generous does not: the answer is the least that meets it
    worse = value - answer.tolerance if answer.prefer == "smallest" else value + answer.tolerance
    programme = load_programme(write_back(tmp_path / "worse", project, answer.field, worse))
    assert metrics_of(programme, project)[output] < target


def metrics_of(programme, pid: str) -> dict[str, float]:
    """One project of a loaded programme built and evaluated as `evaluate_projects` builds
    and evaluates each (a project's model reads the programme, never another project), the
    other 21 left alone."""
    (definition,) = [d for d in programme.projects if d.id == pid]
    return build_model(definition, programme).evaluate().metrics()


def test_des_phase1_needs_a_grant_its_npv_explains(answers, xiaolan):
    """The viability gap of a project short of its return is about its equity NPV at the
    target rate, grossed up for the grant's effect on tax (a grant lowers the depreciable
    base, so each yuan is worth less than a yuan of NPV)."""
    _, projects = xiaolan
    gap = answers[("viability_grant", "des_phase1")].base[0]
    shortfall = -projects["des_phase1"].metrics["equity_npv_yuan"]
    assert shortfall > 0
    assert shortfall < gap < 1.5 * shortfall


def test_projects_that_meet_their_return_need_nothing_more(answers, xiaolan):
    """A project earning 8% without a grant needs none; one earning it with the grant it has
    (community PV: 300 万 of 350 万) needs at most that grant (it needs 72.9 万)."""
    _, projects = xiaolan
    seen = 0
    for (solve, pid), answer in answers.items():
        if solve == "viability_grant" and projects[pid].metrics["equity_irr"] >= 0.08:
            seen += 1
            if answer.base_value == 0:
                assert answer.base[:2] == (0.0, solver.ALREADY_MET)
            else:
                assert answer.base[0] <= answer.base_value
    assert seen >= 6


def test_public_programmes_are_left_out(answers):
    assert not {pid for _, pid in answers} & {"forum", "digital_map", "capacity_building"}


@pytest.mark.programme
def test_trials_give_p50_and_p90(xiaolan):
    programme, projects = xiaolan
    from xlfinance.fund import evaluate_fund

    fund = evaluate_fund(programme, projects)
    result = run_structuring(programme, projects, fund, trials=300)
    entry = next(
        e
        for e in result.entries()
        if e["solve"] == "viability_grant" and e["project"] == "community_pv"
    )
    trials = entry["trials"]
    assert trials["n"] == 300 and trials["p50"] <= trials["p90"]
    assert set(entry["scenarios"]) == set(programme.risk.scenarios) - {"base"}


@pytest.mark.programme
def test_the_irr_achieved_is_the_models_own_at_each_answer(xiaolan):
    # `achieved` is read from the flows the search evaluated, not from a fresh evaluation:
    # it must be, bit for bit, the model's IRR output evaluated again at every answer (the
    # base case, each scenario and tornado end, 300 trials), NaN where the model gives none.
    from xlfinance.risk.engine import layout
    from xlfinance.structuring.projects import irr_line

    programme, projects = xiaolan
    result = run_structuring(programme, projects, trials=300, use_cache=False)
    lay = layout(programme, projects, None, 300)
    checked = 0
    for s in result.solves:
        model = projects[s.project].model
        if irr_line(model, s.output) is None:
            continue
        sol = s.solution
        n = len(sol)
        x = np.where(np.isnan(sol.value), np.where(np.isnan(sol.bound), 0.0, sol.bound), sol.value)
        rows = {k: v[:n] for k, v in lay.overrides(s.project).items()}
        again = model.evaluate({**rows, s.input: x}, n_scenarios=n, only=(s.output,))
        np.testing.assert_array_equal(sol.achieved, again.outputs[s.output], err_msg=s.project)
        checked += 1
    assert checked >= 10


class Plain:
    """A project's model evaluated the plain way: every line computed at every evaluation
    (no `lines=`, nothing `given`), and no line held fixed."""

    def __init__(self, model):
        self.model = model

    def __getattr__(self, name):
        return getattr(self.model, name)

    def fixed_lines(self, only, *names):
        return ()

    def evaluate(self, overrides=None, n_scenarios=None, **_):
        return self.model.evaluate(overrides, n_scenarios)


@pytest.mark.programme
def test_every_solve_gives_the_plain_evaluations_answers_to_the_bit(xiaolan):
    # A solve evaluates only the lines its target reads and is given the lines its input
    # does not move, computed once (`FixedRows`): every answer of every solve of
    # structuring.yaml, over the base case, the scenarios, the tornado and 200 trials, is
    # bit for bit the one found evaluating every line of the model at every iteration.
    from xlfinance.risk.engine import layout

    programme, projects = xiaolan
    lay = layout(programme, projects, None, 200)
    plain = {pid: dataclasses.replace(r, model=Plain(r.model)) for pid, r in projects.items()}
    solved = [
        solve_projects(programme.structuring, these, lay.overrides, lay.n_rows)
        for these in (projects, plain)
    ]
    assert len(solved[0]) == len(solved[1]) >= 40
    for fast, slow in zip(*solved, strict=True):
        assert (fast.solve, fast.project) == (slow.solve, slow.project)
        for field in ("value", "status", "achieved", "bound", "monotone"):
            got, want = getattr(fast.solution, field), getattr(slow.solution, field)
            equal_nan = got.dtype.kind == "f"
            assert np.array_equal(got, want, equal_nan=equal_nan), (fast.solve, fast.project)


@pytest.mark.programme
def test_solves_searched_together_give_each_solve_s_own_answers_to_the_bit(xiaolan):
    # A project's solves of one target (the grant, the subsidy per unit and the carbon
    # price, all on the equity return) are searched in one batch, given the lines none of
    # their inputs moves: every answer, over the base case, the scenarios, the tornado and
    # 200 trials, is bit for bit the one its solve finds searched alone.
    from xlfinance.risk.engine import layout

    programme, projects = xiaolan
    lay = layout(programme, projects, None, 200)
    together = solve_projects(programme.structuring, projects, lay.overrides, lay.n_rows)
    # Batches of three solves were searched (else this checks nothing new).
    pids = {s.project for s in together}
    assert (
        sum(sum(a.project == p and a.output == "equity_irr" for a in together) == 3 for p in pids)
        >= 5
    )
    for s in together:
        solve = programme.structuring.solves[s.solve]
        target = programme.structuring.targets[solve.target]
        alone = solve_project(
            s.solve,
            solve,
            target,
            s.project,
            projects[s.project].model,
            lay.overrides(s.project),
            lay.n_rows,
        )
        assert (alone.lower, alone.upper, alone.tolerance) == (s.lower, s.upper, s.tolerance)
        for field in ("value", "status", "achieved", "bound", "monotone", "width"):
            got, want = getattr(s.solution, field), getattr(alone.solution, field)
            equal_nan = got.dtype.kind == "f"
            assert np.array_equal(got, want, equal_nan=equal_nan), (s.solve, s.project, field)


@pytest.mark.programme
def test_trials_searched_only_as_far_as_p50_and_p90_need_report_the_same(xiaolan):
    # Every solve of structuring.yaml over 300 trials, the trials searched only as far as
    # their P50 and P90 need (`solver.Ranked`), against every row searched to the
    # tolerance: the results' entries (base case, scenarios, P50, P90, the unreachable and
    # monotone shares) are the same to the bit, every row but the trials too, every
    # trial's status and monotonicity; a trial left short meets its target.
    import json

    from xlfinance import finance
    from xlfinance.risk.engine import layout
    from xlfinance.structuring.projects import irr_line
    from xlfinance.structuring.run import StructuringResult

    programme, projects = xiaolan
    lay = layout(programme, projects, None, 300)
    t = lay.rows.trials
    scenarios = {name: row for name, (row, _) in lay.rows.scenarios.items()}
    results = {}
    for trials in (None, t):
        solved = solve_projects(programme.structuring, projects, lay.overrides, lay.n_rows, trials)
        results[trials is None] = solved
    full, short = results[True], results[False]
    left = 0
    for a, b in zip(full, short, strict=True):
        for field in ("value", "achieved", "bound", "width"):
            x, y = getattr(a.solution, field), getattr(b.solution, field)
            assert np.array_equal(x[: t.start], y[: t.start], equal_nan=True), (a.solve, field)
        for field in ("status", "monotone"):
            assert np.array_equal(getattr(a.solution, field), getattr(b.solution, field))
        short_of = b.solution.width > b.tolerance
        left += int(short_of.sum())
        assert not short_of[: t.start].any()
        if b.output == "min_dscr":  # the cover at each answer left short meets the target
            assert np.all(b.solution.achieved[short_of] >= b.target)
        elif short_of.any():  # its equity flow's NPV at the target rate is >= 0 there
            model = projects[b.project].model
            rows = {k: v[short_of] for k, v in lay.overrides(b.project).items()}
            rows[b.input] = b.solution.value[short_of]
            flow = irr_line(model, b.output)
            ev = model.evaluate(rows, n_scenarios=int(short_of.sum()), only=(), lines=(flow,))
            assert np.all(finance.npv(b.target, ev.lines[flow]) >= 0), (b.solve, b.project)
    assert left > 1000  # the trials were left short: this checks what it says

    def entries(solves):
        made = StructuringResult(file="s", solves=solves, scenarios=scenarios, trials=t)
        return json.dumps(made.entries(), sort_keys=True)

    assert entries(short) == entries(full)


# --------------------------------------------------------------------------------------
# Bad structuring.yaml
# --------------------------------------------------------------------------------------


def broken(tmp_path: Path, edit) -> Path:
    copy = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, copy)
    path = copy / "structuring.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


CASES = {
    "reversed bounds": (
        lambda d: d["solves"]["debt_capacity"].update(lower=0.9),
        "solves.debt_capacity",
        "reversed",
    ),
    "unknown target": (
        lambda d: d["solves"]["viability_grant"].update(target="equity_returns"),
        "solves",
        "no target named 'equity_returns'",
    ),
    "unsourced target": (
        lambda d: d["targets"]["debt_cover"].update(value=1.3),
        "targets.debt_cover.value",
        "needs a source",
    ),
    "unknown output": (
        lambda d: d["targets"]["debt_cover"].update(output="min_dcsr"),
        "targets.debt_cover.output",
        "did you mean 'min_dscr'",
    ),
    "not money or a rate": (
        lambda d: d["solves"]["viability_grant"].update(input="full_load_hours"),
        "solves.viability_grant.input",
        "not money",
    ),
    "shape input": (
        lambda d: d["solves"]["viability_grant"].update(input="operating_years"),
        "solves.viability_grant.input",
        "fixes the model's shape",
    ),
    "unknown project": (
        lambda d: d["solves"]["viability_grant"].update(projects=["pv_phase3"]),
        "solves.viability_grant.projects[0]",
        "unknown project 'pv_phase3'",
    ),
    "public programme": (
        lambda d: d["solves"]["viability_grant"].update(projects=["forum"]),
        "solves.viability_grant.projects[0]",
        "public spending",
    ),
    "debt share of a loan sized to cover": (
        lambda d: d["solves"]["debt_capacity"].update(
            projects=["public_buildings_phase1", "pv_phase1"]
        ),
        "solves.debt_capacity.projects[1]",
        "sizes its loan to cover (finance.debt_sizing: cover): it has no debt_share",
    ),
}


@pytest.mark.programme
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_structuring_is_a_problem_naming_file_and_field(tmp_path, capsys, case):
    edit, field, message = CASES[case]
    folder = broken(tmp_path, edit)
    before = (folder / "structuring.yaml").read_bytes()
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "structuring.yaml" in err and field in err and message in err, err
    assert "Traceback" not in err
    assert (folder / "structuring.yaml").read_bytes() == before


def test_load_rejects_reversed_bounds_directly(tmp_path):
    folder = broken(tmp_path, lambda d: d["solves"]["debt_capacity"].update(lower=0.9))
    with pytest.raises(DefinitionError):
        load_programme(folder)


@pytest.mark.programme
def test_structure_command_prints_the_answers(capsys):
    assert main(["structure", str(XIAOLAN), "--trials", "200"]) == 0
    out, err = capsys.readouterr()
    assert "viability_grant" in out and "des_phase1" in out and "万元" in out
    assert "debt_capacity" in out and "%" in out


# --------------------------------------------------------------------------------------
# The Structuring sheet, recalculated in LibreOffice
# --------------------------------------------------------------------------------------


@needs_libreoffice
def test_structuring_sheet_live_columns_recalculate_to_the_model(xiaolan_build, recalculated_books):
    """Columns J and K are formulas on the project sheets: the target's output as defined
    and whether it meets the target. Recalculated, they equal results.json, with no error
    cell anywhere on the sheet."""
    result = xiaolan_build.build
    _, (values, *_) = recalculated_books(xiaolan_workbooks)
    sheet = values[STRUCTURING]
    assert not [k for k, v in sheet.items() if is_error(v)]
    entries = [e for e in result.results["structuring"]["entries"] if e["project"] != "fund"]
    rows = {(sheet.get((r, 1)), sheet.get((r, 2))): r for r in range(5, 5 + len(entries))}
    checked = 0
    for e in entries:
        pid, output = e["project"], e["target"]["output"].rsplit(".", 1)[-1]
        row = next(
            r
            for r in range(5, 5 + len(entries))
            if sheet.get((r, 2)) == pid and sheet.get((r, 3)) == e["field"]
        )
        want = result.results["projects"][pid][output]
        got = sheet.get((row, 10))
        if want is None or want != want:  # no IRR: NaN here, null in results.json
            assert got == NOT_AVAILABLE
            assert sheet.get((row, 11)) is False
            continue
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (pid, output)
        meets = (
            want >= e["target"]["value"]
            if e["target"]["comparison"] == ">="
            else (want <= e["target"]["value"])
        )
        assert sheet.get((row, 11)) is meets, (pid, output)
        checked += 1
    assert rows and checked >= 30


def test_viability_gaps_add_up_and_move_the_mobilisation_ratio(xiaolan):
    """The total is the sum of the base-case grants beyond what each project has; paid,
    each yuan of grant replaces a yuan of market equity: (private - gaps) / (public + gaps)."""
    programme, projects = xiaolan
    result = run_structuring(programme, projects, None, trials=50)
    gaps = result.results()["viability_gaps"]
    grants = {
        e["project"]: e["value"] - e["defined"]
        for e in result.entries()
        if e["solve"] == "viability_grant" and e["status"] == "solved" and e["value"] > e["defined"]
    }
    assert (
        set(gaps["projects"])
        == set(grants)
        == {"bus_cng", "bus_cng_phase2", "des_phase1", "des_phase2"}
    )
    total = sum(grants.values())
    assert gaps["total"]["value"] == pytest.approx(total, abs=1e-6)
    prog = result.blended["programme"]
    private, public = prog["private_yuan"]["value"], prog["public_yuan"]["value"]
    assert gaps["mobilisation_ratio_with_gaps_filled"]["value"] == pytest.approx(
        (private - total) / (public + total), rel=1e-12
    )
    assert gaps["unreachable"] == ["industrial_boilers_phase1"]


# --------------------------------------------------------------------------------------
# The cache of answers
# --------------------------------------------------------------------------------------


@pytest.mark.programme
def test_cached_answers_equal_solved_ones_and_an_edit_resolves_only_its_project(
    tmp_path, monkeypatch
):
    import json

    from xlfinance.structuring import cache, run

    monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, copy)
    solved: list[str] = []
    real = run.solve_batch

    def counting(jobs, *args):
        answers = real(jobs, *args)
        solved.extend(a.project for a in answers)
        return answers

    monkeypatch.setattr(run, "solve_batch", counting)

    def answers():
        programme = load_programme(copy)
        projects = evaluate_projects(programme)
        result = run.run_structuring(programme, projects, None, trials=200)
        return json.dumps(result.results(), sort_keys=True)

    first = answers()
    assert len(solved) > 40  # every answer solved once
    solved.clear()
    assert answers() == first and solved == []  # every one read back, identical
    # Uncached, the same to the last digit.
    programme = load_programme(copy)
    fresh = run.run_structuring(
        programme, evaluate_projects(programme), None, trials=200, use_cache=False
    )
    assert json.dumps(fresh.results(), sort_keys=True) == first

    # An edit to one project: its answers are solved again, no other project's.
    path = copy / "projects" / "des_phase1.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("value: 24000000", "value: 25000000"),
        encoding="utf-8",
    )
    solved.clear()
    changed = answers()
    assert set(solved) == {"des_phase1"} and changed != first

    # A damaged entry is a miss, never an answer.
    for entry in (cache.folder()).glob("*.npz"):
        entry.write_bytes(b"not an npz")
    solved.clear()
    assert answers() == changed and len(solved) > 40


def test_bankable_debt_is_each_debt_capacity_times_capex(xiaolan):
    """public_buildings_phase1: capex x the share that keeps DSCR 1.30, beside capex x its
    defined 30%. pv_phase1 sizes its loan to cover: no debt share is solved for it, and its
    sized loan counts as defined."""
    programme, projects = xiaolan
    result = run_structuring(programme, projects, None, trials=50)
    debt = result.results()["bankable_debt"]
    pid = "public_buildings_phase1"
    entry = next(
        e for e in result.entries() if e["solve"] == "debt_capacity" and e["project"] == pid
    )
    capex = projects[pid].metrics["capex_yuan"]
    assert debt["projects"][pid]["loan_yuan"] == pytest.approx(entry["value"] * capex)
    assert debt["projects"][pid]["defined_loan_yuan"] == pytest.approx(0.3 * capex)
    sized = debt["projects"]["pv_phase1"]
    assert sized["sized_to_cover"] and not any(
        e["solve"] == "debt_capacity" and e["project"] == "pv_phase1" for e in result.entries()
    )
    assert (
        sized["loan_yuan"]
        == sized["defined_loan_yuan"]
        == projects["pv_phase1"].metrics["debt_yuan"]
    )
    assert debt["total_yuan"] == pytest.approx(
        sum(v["loan_yuan"] for v in debt["projects"].values())
    )
    # a project no loan suits (industrial boilers phase 1 loses money) can borrow nothing
    assert debt["projects"]["industrial_boilers_phase1"]["loan_yuan"] == 0.0


# --------------------------------------------------------------------------------------
# Closed forms, worked by hand
# --------------------------------------------------------------------------------------


def test_support_a_small_pv_project_needs_equals_its_closed_form():
    """1,000 kW of PV, 1,000 kWh/kW, half used on site at 1.00 and half exported at 0.40
    yuan/kWh, O&M 70 yuan/kW: 630,000 yuan a year for 20 years after a 7,000,000 capex in
    year 0; no tax, debt, VAT, subsidy or residual value, so each support adds to the
    equity cash flow one for one and the solves have closed forms.

    A = sum over t = 1..20 of 1.08^-t = (1 - 1.08^-20) / 0.08 = 9.818147.
    Equity NPV at 8% = -7,000,000 + 630,000 A = -814,567 (the IRR is below 8%).
    - grant g in year 0:   g = 7,000,000 - 630,000 A = 814,567 yuan;
    - subsidy s per kWh:   s x 1,000,000 kWh x A = 814,567, s = 0.082967 yuan/kWh;
    - carbon price c:      1,000,000 kWh x 0.8 t/MWh = 800 t a year, c = 814,567 / (800 A)
                           = 103.71 yuan/t.
    """
    params = merged(PV_BASE, subsidy_yuan_per_kwh=0, finance__residual_value_share=0)
    model = build_model(project("pv", params), programme(corporate_tax_rate=0.0))
    annuity = (1 - 1.08**-20) / 0.08
    gap = 7_000_000 - 630_000 * annuity
    assert gap == pytest.approx(814_567.1, abs=0.1)
    target = TargetDef.model_validate(
        {"output": "equity_irr", "value": {"value": 0.08, "source": "assumption: test"}}
    )
    cases = {
        "capital_grant_yuan": (gap, 1.0, 1e7),
        "production_subsidy": (gap / (1_000_000 * annuity), 1e-6, 1.0),
        "carbon_price_yuan_per_t": (gap / (800 * annuity), 0.01, 1000.0),
    }
    for name, (want, tol, upper) in cases.items():
        solve = SolveDef.model_validate(
            {
                "input": name,
                "target": "t",
                "upper": {"value": upper, "source": "assumption: test"},
                "tolerance": tol,
            }
        )
        answer = solve_project(name, solve, target, "example", model, {}, 1)
        value, status, achieved = answer.base
        assert status == solver.SOLVED, name
        assert want <= value <= want + tol, (name, value, want)
        assert 0.08 <= achieved <= 0.08 + 1e-6, name  # a tolerance of x moves the IRR a little


def test_debt_capacity_of_a_small_pv_project_equals_its_closed_form():
    """The same project with a 10-year annuity loan at 6%, drawn with the capex in year 0
    (no interest during a one-year construction: it accrues on the opening balance) and
    repaid in operating years 1-10 (a tenor of 11 years from the first drawdown, the
    construction year included). With no tax, cash available for debt service is the
    630,000 EBITDA; the payment on a loan D is D x 0.06 / (1 - 1.06^-10) = D / 7.360087.
    Cover 630,000 / (D / 7.360087) >= 1.30 gives D <= 630,000 / 1.30 x 7.360087 = 3,566,812
    yuan, a share of 3,566,812 / 7,000,000 = 0.509545 of capex."""
    params = merged(PV_BASE, subsidy_yuan_per_kwh=0, finance__residual_value_share=0,
                    finance__debt_share=0.3, finance__tenor_years=11)  # fmt: skip
    model = build_model(project("pv", params), programme(corporate_tax_rate=0.0))
    factor = (1 - 1.06**-10) / 0.06
    want = 630_000 / 1.30 * factor / 7_000_000
    assert want == pytest.approx(0.509545, abs=1e-6)
    target = TargetDef.model_validate(
        {"output": "min_dscr", "value": {"value": 1.30, "source": "assumption: test"}}
    )
    solve = SolveDef.model_validate(
        {"input": "debt_share", "target": "t", "prefer": "largest",
         "upper": {"value": 0.8, "source": "assumption: test"}}
    )  # fmt: skip
    answer = solve_project("debt", solve, target, "example", model, {}, 1)
    value, status, achieved = answer.base
    assert status == solver.SOLVED
    assert want - 1e-6 <= value <= want
    assert achieved >= 1.30


@pytest.mark.programme
def test_a_grant_written_back_and_built_meets_the_target_in_results_json(tmp_path, answers):
    """The whole loop a user runs: the answer's value written into the field it names,
    `build` again, and results.json's output (the target's path) meets the target."""
    import json

    from xlfinance.build import build

    answer = answers[("viability_grant", "des_phase2")]
    value, status, _ = answer.base
    assert status == solver.SOLVED
    folder = write_back(tmp_path, "des_phase2", answer.field, value)
    result = build(folder, tmp_path / "out", risk_trials=100, reports=False)
    results = json.loads((result.out_dir / "results.json").read_text(encoding="utf-8"))
    path = f"projects.{answer.project}.{answer.output}"
    got = results
    for key in path.split("."):
        got = got[key]
    assert got >= answer.target - 1e-9
    entry = next(
        e
        for e in results["structuring"]["entries"]
        if e["solve"] == "viability_grant" and e["project"] == "des_phase2"
    )
    assert entry["target"]["output"] == path
    # Built again with the grant it needs, it needs nothing more.
    assert entry["status"] == solver.ALREADY_MET or entry["value"] <= value + 1.0


def test_the_proposal_says_how_to_finance_it(xiaolan_build):
    """The proposal's section reads results.json's structuring answers: every grant a
    project needs, the total, the bankable debt, and the targets as structuring.yaml sets
    them (no number typed into the page)."""
    from xlfinance.model.units import fmt

    page = (xiaolan_build.out / "proposal.html").read_text(encoding="utf-8")
    section = page[page.index('id="financing"') : page.index('id="budget"')]
    s = xiaolan_build.results["structuring"]
    assert f"{fmt(s['viability_gaps']['total']['value'], 'wan_yuan')} 万元" in section
    assert fmt(s["bankable_debt"]["total_yuan"], "wan_yuan") in section
    for e in s["entries"]:
        if e["solve"] == "viability_grant" and e["status"] == "solved":
            assert f"{fmt(e['value'], 'wan_yuan')} 万元" in section, e["project"]
    assert "不低于8.0%" in section and "不低于1.30" in section


def test_the_structuring_section_s_units_by_hand():
    """A viability grant (yuan) for a project's equity IRR (a rate), the fund's capacity
    (yuan) for its deployment ratio (a share) with an edit to fund.yaml, the bankable debt
    and the blended metrics' {value, unit} pairs: each number's unit written out here."""
    from xlfinance.structuring.blended import RATIO_UNIT
    from xlfinance.structuring.units import structuring_units

    grant = {
        "solve": "viability_grant",
        "project": "a",
        "value": 2.0e6,
        "unit": "yuan",
        "defined": 0.0,
        "target": {"output": "projects.a.equity_irr", "value": 0.08, "comparison": ">="},
        "achieved": 0.08,
        "bounds": [0.0, 1.0e9],
        "tolerance": 1.0,
        "scenarios": {"low": {"value": 3.0e6, "status": "solved"}},
        "trials": {"n": 100, "p50": 2.5e6, "p90": 4.0e6, "unreachable_share": 0.0},
    }
    capacity = {
        "solve": "fund_capacity",
        "project": "fund",
        "value": 5.0e8,
        "unit": "yuan",
        "edits": [{"field": "closes[0].fund_size_yuan", "value": 500000000}],
        "defined": 1.0e9,
        "invested_yuan": 4.0e8,
        "target": {"output": "fund.invested_yuan / fund.committed_yuan", "value": 0.8},
        "achieved": 0.8,
        "called_yuan": 4.5e8,
    }
    section = {
        "file": "structuring.yaml",
        "entries": [grant, capacity],
        "blended": {
            "programme": {"mobilisation_ratio": {"value": 1.5, "unit": RATIO_UNIT}},
            "projects": {"a": {"start_year": 2015, "debt_yuan": {"value": 1.0, "unit": "yuan"}}},
        },
        "bankable_debt": {
            "solve": "debt_capacity",
            "projects": {"a": {"loan_yuan": 1.0e6, "defined_loan_yuan": 0.0}},
            "total_yuan": 1.0e6,
            "defined_total_yuan": 0.0,
        },
    }
    units = {"projects.a.equity_irr": "rate", "fund.deployment.deployment_ratio": "share"}
    at0, at1 = "structuring.entries.0", "structuring.entries.1"
    assert structuring_units(section, units) == {
        f"{at0}.value": "yuan",
        f"{at0}.defined": "yuan",
        f"{at0}.bounds": "yuan",
        f"{at0}.tolerance": "yuan",
        f"{at0}.achieved": "rate",  # the target output's unit
        f"{at0}.target.value": "rate",
        f"{at0}.scenarios.low.value": "yuan",
        f"{at0}.trials.n": "",  # a count of trials
        f"{at0}.trials.p50": "yuan",
        f"{at0}.trials.p90": "yuan",
        f"{at0}.trials.unreachable_share": "share",
        f"{at1}.value": "yuan",
        f"{at1}.defined": "yuan",
        f"{at1}.achieved": "share",  # invested over committed: the deployment ratio's unit
        f"{at1}.invested_yuan": "yuan",
        f"{at1}.called_yuan": "yuan",
        f"{at1}.target.value": "share",
        f"{at1}.edits.0.value": "yuan",  # a close's fund size, in yuan
        "structuring.blended.programme.mobilisation_ratio.value": "x",  # a multiple
        "structuring.blended.projects.a.start_year": "year",
        "structuring.blended.projects.a.debt_yuan.value": "yuan",
        "structuring.bankable_debt.projects.a.loan_yuan": "yuan",
        "structuring.bankable_debt.projects.a.defined_loan_yuan": "yuan",
        "structuring.bankable_debt.total_yuan": "yuan",
        "structuring.bankable_debt.defined_total_yuan": "yuan",
    }
