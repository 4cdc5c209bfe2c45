"""`Model.evaluate` gives the same numbers, to the last bit, as the tree-walking evaluator it
replaced (`tests.reference`); IRR bracketing gives the same roots as before; and so does a
whole risk run.

Compared: every line and output of every Xiaolan project model, of the fund's model and of
the forms of test_model_core, in several scenario sets (the base case; many scenarios with
every input varied; each input in turn at 0, minus itself, NaN and infinity; series given
per scenario; `only=`); random models drawn by hypothesis (any node, cycles through
`prev`, invalid models included: then both must raise the same error); and the risk run of
the Xiaolan programme, whose evaluations the reference replaces. Two arrays are identical
when their shapes, dtypes and bytes are (so -0.0 differs from 0.0, and NaNs must match),
and whether they are writable or a broadcast row must match too.
"""

from __future__ import annotations

import copy
import pickle
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlfinance import finance
from xlfinance.definitions import load_programme
from xlfinance.fund.model import build_fund_model, project_flows
from xlfinance.model import expr as ex
from xlfinance.model import ops
from xlfinance.model.core import Evaluation, Model, ModelError
from xlfinance.projects import evaluate_projects
from xlfinance.risk import engine, run_risk, sampling
from xlfinance.risk.engine import PROJECT_LINES, PROJECT_METRICS

from . import reference
from .strategies import examples
from .test_model_core import FORMS

XIAOLAN = Path(__file__).resolve().parents[1] / "projects" / "xiaolan"
SPECIAL = (0.0, -1.0, np.nan, np.inf)
"""Each input in turn is set to 0, to minus its value, to NaN and to infinity."""


@pytest.fixture(scope="module")
def models() -> dict[str, Model]:
    programme = load_programme(XIAOLAN)
    projects = evaluate_projects(programme)
    found = {pid: result.model for pid, result in projects.items()}
    found["fund"] = build_fund_model(programme.fund, project_flows(projects)).model
    for build in FORMS:
        model = build()
        found[f"form {model.name}"] = model
    return found


def assert_identical(got: Evaluation, want: Evaluation, where: str) -> None:
    assert got.n_scenarios == want.n_scenarios, where
    assert list(got.lines) == list(want.lines), where
    assert list(got.outputs) == list(want.outputs), where
    for kind, arrays, wanted in (
        ("line", got.lines, want.lines),
        ("output", got.outputs, want.outputs),
    ):
        for name, array in arrays.items():
            assert_same_array(array, wanted[name], f"{where}: {kind} {name}")


def assert_same_array(got: np.ndarray, want: np.ndarray, where: str) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype, where
    assert got.flags.writeable == want.flags.writeable, f"{where}: writable"
    assert (got.strides[0] == 0) == (want.strides[0] == 0), f"{where}: broadcast row"
    same = np.ascontiguousarray(got).view(np.uint8) == np.ascontiguousarray(want).view(np.uint8)
    if not same.all():
        bad = np.flatnonzero(~np.ascontiguousarray(got == want) & ~(np.isnan(got) & np.isnan(want)))
        raise AssertionError(f"{where}: not bit-identical; values differ at flat {bad[:5]}")


def scenario_sets(model: Model):
    """(label, overrides, n_scenarios, only) to evaluate the model with."""
    rng = np.random.default_rng(zlib.crc32(model.name.encode()))
    yield "base", {}, None, None
    yield "three identical scenarios", {}, 3, None
    varied = varied_inputs(model, rng)
    yield "every input varied", varied, None, None
    yield "every input varied, only a few results", varied, None, wanted(model)
    yield "each input at special values", special_values(model), None, None
    if model.series:
        per_scenario = {
            name: np.asarray(s.values) * rng.uniform(0.5, 1.5, (5, model.n_periods))
            for name, s in model.series.items()
        }
        yield "series per scenario", per_scenario, None, None
        first = next(iter(model.series.values()))
        yield "one series as 1-D", {first.name: np.asarray(first.values)[::-1].copy()}, None, None


def varied_inputs(model: Model, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each input at 30% to 170% of its value in each of 9 scenarios."""
    return {name: item.value * rng.uniform(0.3, 1.7, 9) for name, item in model.inputs.items()}


def special_values(model: Model) -> dict[str, np.ndarray]:
    """Row k x len(SPECIAL) + j sets input k to special value j; other inputs keep theirs."""
    names = list(model.inputs)
    n = len(names) * len(SPECIAL)
    overrides = {}
    for k, name in enumerate(names):
        column = np.full(n, model.inputs[name].value)
        for j, value in enumerate(SPECIAL):
            column[k * len(SPECIAL) + j] = -column[0] if value == -1.0 else value
        overrides[name] = column
    return overrides


def wanted(model: Model) -> list[str]:
    """What the risk engine asks of a project or the fund; a few outputs and a line otherwise."""
    asked = [*PROJECT_METRICS, *PROJECT_LINES.values()]
    if all(name in model.outputs or name in model.lines for name in asked):
        return asked
    fund = [o for o in model.outputs if o.startswith(("net_irr_", "received_yuan_", "paid_in_"))]
    return fund or [*list(model.outputs)[:3], *list(model.lines)[-1:]]


@pytest.mark.programme
def test_every_model_and_scenario_set_matches_the_reference(models):
    count = 0
    for key, model in models.items():
        for label, overrides, n, only in scenario_sets(model):
            got = model.evaluate(overrides, n, only=only)
            want = reference.evaluate(model, overrides, n, only=only)
            assert_identical(got, want, f"{key}, {label}")
            count += 1
    assert count >= 5 * len(models)


def test_evaluating_again_gives_the_same_bits(models):
    """The compiled program is kept on the model: a second evaluation reuses it."""
    model = models["fund"]
    overrides = special_values(model)
    assert_identical(model.evaluate(overrides), model.evaluate(overrides), "fund, twice")


def test_a_changed_model_is_compiled_again():
    m = Model("changing", 2020, 4)
    a = m.input("a", 2.0)
    m.line("x", a * m.period)
    before = m.evaluate().lines["x"][0].tolist()
    m.lines.pop("x")
    m.line("x", a + m.period)
    assert before == [0.0, 2.0, 4.0, 6.0]
    assert m.evaluate().lines["x"][0].tolist() == [2.0, 3.0, 4.0, 5.0]
    m.inputs["a"] = type(m.inputs["a"])("a", 10.0)
    assert m.evaluate().lines["x"][0].tolist() == [10.0, 11.0, 12.0, 13.0]


def widening_models() -> list[Model]:
    """Cycles whose rows widen late. In a cycle a row is widened to every scenario when its
    value differs between them, and NaN differs from NaN: a line reading one scenario's NaN
    from a row already widened reads it in every scenario, and is widened too."""
    huge = 1e300  # nothing is: `IF(prev(x) > huge, 0, ...)` only makes a line depend on x
    stored = Model("widened row holds a narrow value", 2020, 2)
    a = stored.input("a", 1.0)
    x, y, z = (ex.LineRef(name) for name in "xyz")
    stored.line("y", ex.IF(ex.prev(z) > huge, 0.0, ex.NA()), opening=a)
    stored.line("x", ex.prev(y))  # a, wide; then y's NaN, from one scenario
    stored.line("z", ex.IF(stored.period > 0, x, 1.0))  # 1.0, narrow; then x's NaN, wide
    before = Model("prev of a row widened since", 2020, 2)
    a = before.input("a", 1.0)
    q, p, r = (ex.LineRef(name) for name in "qpr")
    before.line("q", ex.IF(ex.prev(r) > huge, 0.0, a))  # wide from the start
    before.line("p", ex.IF(ex.prev(q) > 0.5, ex.NA(), ex.NA()))  # NaN, narrow; then wide
    before.line("r", ex.prev(p))  # 0, narrow; then p's first NaN, as p holds it: wide
    return [stored, before]


@pytest.mark.parametrize("model", widening_models(), ids=lambda m: m.name)
def test_a_cycle_widens_its_rows_as_before(model):
    overrides = {"a": np.array([1.0, 2.0, 3.0])}
    got, want = model.evaluate(overrides), reference.evaluate(model, overrides)
    assert_identical(got, want, model.name)
    last = list(model.lines)[-1]
    assert want.lines[last].strides[0] != 0, "the last line is widened"


def test_a_compiled_model_pickles_and_copies(models):
    """The compiled program (closures) is left behind, and made again when needed."""
    model = models["pv_phase1"]
    want = model.evaluate()
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model), copy.copy(model)):
        assert "_compiled" not in other.__dict__
        assert_identical(other.evaluate(), want, "copy")


# Some lines returned (`lines=`) ----------------------------------------------------------
@pytest.fixture(scope="module")
def sampled():
    """Xiaolan's projects and the inputs a risk run of 300 trials gives each of them (the
    scenarios, the tornado's ends and the draws of risk.yaml's distributions)."""
    programme = load_programme(XIAOLAN)
    projects = evaluate_projects(programme)
    return projects, engine.layout(programme, projects, trials=300, seed=11)


def test_returning_some_lines_matches_the_reference_and_every_line(sampled):
    """Each project over its sampled inputs, as the risk run evaluates it: only the rows of
    `PROJECT_LINES` returned, so the lines of its cycles that nothing reads are made into
    no row. The outputs and the lines returned are the reference's, and those of an
    evaluation returning every line, bit for bit."""
    projects, lay = sampled
    wanted, lines = engine.PROJECT_WANTED, tuple(PROJECT_LINES.values())
    cycles = unmade = 0
    for pid, result in projects.items():
        model, overrides = result.model, lay.overrides(pid)
        got = model.evaluate(overrides, only=wanted, lines=lines)
        want = reference.evaluate_returning(model, overrides, only=wanted, lines=lines)
        assert_identical(got, want, f"{pid}, sampled, two lines")
        every = model.evaluate(overrides, only=wanted)
        assert list(got.lines) == list(lines), pid
        for name in lines:
            assert_same_array(got.lines[name], every.lines[name], f"{pid}: line {name}")
        for name in wanted:
            if name in got.outputs:
                assert_same_array(got.outputs[name], every.outputs[name], f"{pid}: {name}")
        program = model._program().program  # the structure's, shared
        plan = program.plan_for((*wanted, *lines))[0]
        read = program.rows_read((*wanted, *lines), lines)
        cycles += sum(1 for _, whole in plan if not whole)
        unmade += sum(1 for block, whole in plan if not whole for n in block if n not in read)
    assert cycles >= 2 * len(projects), "the debt and the tax losses are cycles"
    assert unmade >= 10 * len(projects), "most lines of the cycles are made into no row"


def test_returning_no_lines_gives_the_fund_its_outputs(models):
    """The fund's model as the risk run evaluates it (`lines=()`): its waterfall's cycles
    make only the rows later lines read, and the class returns are the reference's."""
    model = models["fund"]
    wanted = [o for o in model.outputs if o.startswith(("net_irr_", "received_yuan_"))]
    varied = varied_inputs(model, np.random.default_rng(8))
    for label, overrides in (("varied", varied), ("special", special_values(model))):
        got = model.evaluate(overrides, only=wanted, lines=())
        want = reference.evaluate_returning(model, overrides, only=wanted, lines=())
        assert_identical(got, want, f"fund, {label}, no lines")
        assert got.lines == {}


def test_rows_no_later_block_reads_are_let_go():
    """x is read by y only, y by the cycle z only, and z by the output: with `lines=()` x
    goes once y is made, y once z is, and the output is computed as by hand."""
    m = Model("chain", 2020, 3)
    a = m.input("a", 2.0)
    x = m.line("x", a * m.period)
    y = m.line("y", x + 1)
    z = m.line("z", ex.prev(ex.LineRef("z")) + y, opening=a)
    m.output("total", ex.rowsum(z))
    program = m._program().program
    plan, done = program.plan_for(None)[0], program.rows_done(None, ())
    assert {name: plan[i][0] for i, names in enumerate(done) for name in names} == {
        "x": ["y"],
        "y": ["z"],
    }
    ev = m.evaluate({"a": np.array([1.0, 2.0])}, lines=())
    # x = a * period = 0, a, 2a; y = 1, a + 1, 2a + 1; z = a + y0, z0 + y1, z1 + y2
    # = a + 1, 2a + 2, 4a + 3; total = 7a + 6: 13 for a = 1, 20 for a = 2.
    assert ev.outputs["total"].tolist() == [13.0, 20.0]
    assert ev.lines == {}


def test_given_lines_are_read_not_computed():
    """x = 2 * period reads no a, y = x + a does, z = prev(z) + x a cycle of x only: with a
    moving, x and z are fixed (`independent_of`), and only x is what y, the moving line, or
    the output reads (`fixed_lines`). Given x as rows of our own, y and the output are
    computed from them, by hand."""
    m = Model("given", 2020, 3)
    a = m.input("a", 1.0)
    x = m.line("x", 2 * m.period)
    y = m.line("y", x + a)
    m.line("z", ex.prev(ex.LineRef("z")) + x)
    m.output("total", ex.rowsum(y))
    assert m.independent_of("a") == {"x", "z"}
    assert m.fixed_lines(("total",), "a") == ("x",)
    given = {"x": np.array([[10.0, 20.0, 30.0], [1.0, 2.0, 3.0]])}
    ev = m.evaluate({"a": np.array([1.0, 2.0])}, only=("total",), lines=("y",), given=given)
    # y = x + a: 11, 21, 31 (a = 1) and 3, 4, 5 (a = 2); total 63 and 12.
    assert ev.lines["y"].tolist() == [[11.0, 21.0, 31.0], [3.0, 4.0, 5.0]]
    assert ev.outputs["total"].tolist() == [63.0, 12.0]
    one = m.evaluate({"a": np.array([1.0, 2.0])}, only=("total",), given={"x": given["x"][:1]})
    assert one.outputs["total"].tolist() == [63.0, 66.0]  # one row for both: 60 + 3a


def test_lines_fixed_for_several_inputs_read_none_of_them():
    """x = 2 * period reads nothing, u = x * b reads b, y = u + a reads a (and b through u):
    with a moving, u and x are fixed and u is what y reads; with a and b moving, only x
    (what u, now moving, reads); with b alone, x too (u reads it). By hand."""
    m = Model("several", 2020, 3)
    a = m.input("a", 1.0)
    b = m.input("b", 2.0)
    x = m.line("x", 2 * m.period)
    u = m.line("u", x * b)
    y = m.line("y", u + a)
    m.output("total", ex.rowsum(y))
    assert m.fixed_lines(("total",), "a") == ("u",)
    assert m.fixed_lines(("total",), "a", "b") == ("x",)
    assert m.fixed_lines(("total",), "b") == ("x",)
    with pytest.raises(ModelError, match="names no moving input"):
        m.fixed_lines(("total",))


def test_bad_given_lines_are_errors_naming_them():
    m = Model("given", 2020, 3)
    a = m.input("a", 1.0)
    m.line("x", 2 * m.period)
    m.line("p", ex.prev(ex.LineRef("q")) + a)
    m.line("q", ex.LineRef("p") * 2)
    row = np.zeros((1, 3))
    with pytest.raises(ModelError, match=r"given: no line named 'w' to be given"):
        m.evaluate(given={"w": row})
    with pytest.raises(ModelError, match=r"line 'x' given as \(1, 2\), not \(1 or 1, 3\)"):
        m.evaluate(given={"x": np.zeros((1, 2))})
    with pytest.raises(ModelError, match=r"a cycle is given only in part: \['q'\]"):
        m.evaluate(given={"p": row})


def test_solving_for_an_input_given_its_fixed_lines_changes_no_bit(models):
    """For every Xiaolan model, the fund and the forms, each input in turn moving: the fixed
    lines of what the risk run reads, evaluated once over 9 varied scenarios and given for a
    subset of them (as a solve's iteration is), give every output and line returned bit for
    bit what the same evaluation computing everything gives."""
    rng = np.random.default_rng(17)
    cases = np.array([0, 2, 3, 7])
    for name, model in models.items():
        varied = varied_inputs(model, rng)
        only = tuple(wanted(model))
        for moving in list(model.inputs)[:: max(1, len(model.inputs) // 6)]:
            fixed = model.fixed_lines(only, moving)
            once = model.evaluate(varied, only=(), lines=fixed)
            given = {k: v[cases] for k, v in once.lines.items()}
            over = {k: v[cases] for k, v in varied.items()}
            over[moving] = over[moving] * 1.1
            got = model.evaluate(over, only=only, lines=(), given=given)
            want = model.evaluate(over, only=only, lines=())
            assert_identical(got, want, f"{name}, {moving} moving")


def test_returning_an_unknown_line_is_an_error_naming_it():
    m = Model("named", 2020, 3)
    m.line("x", m.input("a", 1.0) * m.period)
    with pytest.raises(ModelError, match=r"named: no line named \['y'\]"):
        m.evaluate(lines=("x", "y"))


# Random models ---------------------------------------------------------------------------
NUMBERS = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.0, 0.1, 1e-9, 1e300, np.nan])


def expressions(rows, lines, earlier, inputs, depth):
    """Expressions over the given rows, inputs and lines: `earlier` may be read in the same
    period, any line through prev(), and rows through aggregates (which may be invalid)."""
    leaves = [NUMBERS.map(ex.Const), st.sampled_from(inputs), st.sampled_from(rows)]
    if earlier:
        leaves += [st.sampled_from(earlier), st.sampled_from(earlier).map(ex.cumsum)]
    leaves.append(st.sampled_from(lines).map(ex.prev))
    leaves.append(
        st.tuples(
            st.sampled_from(["ROWSUM", "ROWMIN", "ROWMAX", "ROWMEAN"]),
            st.sampled_from(rows + lines),
        ).map(lambda a: ex.Aggregate(a[0], a[1]))
    )
    leaf = st.one_of(leaves)
    if depth == 0:
        return leaf
    sub = expressions(rows, lines, earlier, inputs, depth - 1)
    names = sorted(ops.ARITHMETIC) + sorted(ops.COMPARISONS)
    binary = st.tuples(st.sampled_from(names), sub, sub).map(
        lambda a: (ex.Compare if a[0] in ops.COMPARISONS else ex.BinOp)(a[0], a[1], a[2])
    )
    funcs = st.one_of(
        st.tuples(sub, sub, sub).map(lambda a: ex.IF(*a)),
        st.lists(sub, min_size=1, max_size=3).map(lambda a: ex.MIN(*a)),
        st.lists(sub, min_size=1, max_size=3).map(lambda a: ex.MAX(*a)),
        st.lists(sub, min_size=1, max_size=3).map(lambda a: ex.total(*a)),
        st.lists(sub, min_size=1, max_size=3).map(lambda a: ex.AND(*a)),
        st.lists(sub, min_size=1, max_size=3).map(lambda a: ex.OR(*a)),
        sub.map(ex.NOT),
        sub.map(ex.ABS),
        sub.map(ex.Neg),
        st.tuples(sub, sub).map(lambda a: ex.MOD(*a)),
        st.just(ex.NA()),
    )
    return st.one_of(leaf, binary, funcs)


@st.composite
def random_cases(draw):
    """A random model and overrides to evaluate it with."""
    t = draw(st.integers(1, 5))
    m = Model("random", 2020, t)
    inputs = [m.input(f"i{k}", draw(NUMBERS)) for k in range(3)]
    rows = [m.series_input("s", draw(st.lists(NUMBERS, min_size=t, max_size=t))), m.period, m.year]
    names = [f"l{k}" for k in range(draw(st.integers(1, 5)))]
    lines = [ex.LineRef(n) for n in names]
    for k, name in enumerate(names):
        expr = draw(expressions(rows, lines, lines[:k], inputs, depth=2))
        opening = draw(st.none() | st.sampled_from(inputs))
        m.line(name, expr, opening=opening)
    for k in range(draw(st.integers(0, 2))):
        row = draw(st.sampled_from(rows + lines))
        rate = draw(st.sampled_from(inputs))
        m.output(f"o{k}", draw(st.sampled_from([ex.rowsum(row), ex.npv(rate, row), ex.irr(row)])))
    n = draw(st.sampled_from([None, 1, 3]))
    overrides = {}
    for item in draw(st.lists(st.sampled_from(inputs + rows[:1]), unique_by=lambda x: x.name)):
        width = n or 3
        if isinstance(item, ex.SeriesRef):
            values = draw(st.lists(NUMBERS, min_size=width * t, max_size=width * t))
            overrides[item.name] = np.array(values).reshape(width, t)
        else:
            overrides[item.name] = np.array(draw(st.lists(NUMBERS, min_size=width, max_size=width)))
    if n is None and overrides:
        n = 3
    only = draw(st.none() | st.lists(st.sampled_from(names + list(m.outputs)), min_size=1))
    return m, overrides, n, only


def outcome(evaluate):
    try:
        return evaluate()
    except (ModelError, ValueError, TypeError) as error:
        return error


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_cases())
def test_random_models_match_the_reference(case):
    model, overrides, n, only = case
    got = outcome(lambda: model.evaluate(overrides, n, only=only))
    want = outcome(lambda: reference.evaluate(model, overrides, n, only=only))
    if isinstance(want, Exception):
        assert type(got) is type(want) and str(got) == str(want)
    else:
        assert isinstance(got, Evaluation), got
        assert_identical(got, want, "random model")


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_cases(), st.data())
def test_random_models_returning_some_lines_match_the_reference(case, data):
    """Random models (their cycles through prev()) returning some of their lines: the rows
    of the lines of a cycle that nothing reads are not made, and what is returned is the
    reference's."""
    model, overrides, n, only = case
    lines = data.draw(st.lists(st.sampled_from(list(model.lines)), unique=True))
    got = outcome(lambda: model.evaluate(overrides, n, only=only, lines=lines))
    old = reference.evaluate_returning
    want = outcome(lambda: old(model, overrides, n, only=only, lines=lines))
    if isinstance(want, Exception):
        assert type(got) is type(want) and str(got) == str(want)
    else:
        assert isinstance(got, Evaluation), got
        assert_identical(got, want, "random model, some lines")


# IRR bracketing --------------------------------------------------------------------------
SMALL_INTEGERS = st.sampled_from([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])
"""Flows whose NPV is exactly zero at some grid rates (at 100%, 1 / (1 + r) is 0.5)."""


@st.composite
def flow_batches(draw):
    """(rows of flows, one guess a row, times of the flows): integer or any flows, yearly or
    at year fractions."""
    m = draw(st.integers(2, 12))
    amount = draw(st.sampled_from([SMALL_INTEGERS, st.floats(-1e6, 1e6, allow_nan=False)]))
    rows = draw(st.lists(st.lists(amount, min_size=m, max_size=m), min_size=1, max_size=6))
    guess = draw(st.lists(st.floats(-0.95, 5.0), min_size=len(rows), max_size=len(rows)))
    tau = np.arange(m, dtype=float)
    if draw(st.booleans()):
        tau = np.cumsum(draw(st.lists(st.floats(0.05, 2.0), min_size=m, max_size=m)))
        tau -= tau[0]
    return np.array(rows), np.array(guess), tau


@settings(max_examples=examples(100), deadline=None)
@given(flow_batches())
def test_bracketed_roots_match_the_reference(batch):
    flows, guess, tau = batch
    if np.array_equal(tau, np.arange(len(tau))):
        ev = finance._PeriodicFlows(flows)
    else:
        ev = finance._DatedFlows(flows, tau)
    rows = np.arange(len(flows))
    with np.errstate(all="ignore"):
        got = finance._bracketed_root(ev, guess, rows)
        want = reference.bracketed_root(ev, guess, rows)
    assert_same_array(got, want, "bracketed roots")


ANY_FLOW = st.one_of(
    SMALL_INTEGERS,
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([np.nan, np.inf, -np.inf, 1e-15, -1e-15]),
)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda m: st.lists(st.lists(ANY_FLOW, min_size=m, max_size=m), min_size=1, max_size=8)
    )
)
def test_irr_matches_the_reference(rows):
    """IRRs and how they were found, of yearly and dated flows: non-finite, all zero, of one
    sign, with noise, several sign changes."""
    flows = np.array(rows)
    dates = np.datetime64("2020-01-01") + np.cumsum(np.arange(flows.shape[1]) * 45 + 20)
    solvers = (finance.irr, lambda f, **k: finance.xirr(f, dates, **k))
    with pytest.MonkeyPatch.context() as patch:
        reference.install(patch)
        want = [solve(flows, return_info=True) for solve in solvers]
    got = [solve(flows, return_info=True) for solve in solvers]
    for (rates, info), (want_rates, want_info) in zip(got, want, strict=True):
        assert_same_array(rates, want_rates, "irr")
        for field in ("converged", "ambiguous", "reason", "method"):
            assert getattr(info, field).tolist() == getattr(want_info, field).tolist(), field


MOSTLY_ZERO = st.sampled_from([0.0, 0.0, 0.0, -0.0, 1e-15, -2.0, 3.0, -1e6, 5e5, np.nan])
"""Flows with many zeros (and noise below `finance.NOISE`, and NaN): the sign carried over
them is what counts."""


@settings(max_examples=examples(200), deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda m: st.lists(st.lists(MOSTLY_ZERO, min_size=m, max_size=m), min_size=1, max_size=9)
    )
)
def test_sign_changes_match_the_reference(rows):
    """The sign changes of each series, counted over zeros by carrying the last nonzero
    sign period by period, are the counts (and the all-zero series) gathered as before."""
    flows = np.array(rows)
    got = finance._sign_changes(np.ascontiguousarray(flows.T))
    want = reference.sign_changes(flows)
    for mine, theirs in zip(got, want, strict=True):
        assert mine.dtype == theirs.dtype and mine.tolist() == theirs.tolist()


def test_sign_changes_by_hand():
    """[-5, 0, 0, 3, 0, -1]: - to + across two zeros, + to - across one: 2 changes;
    [0, 0, 4, 0]: none (nothing before the 4 has a sign); [0, 0]: none, and all zero."""
    flows = np.array([[-5.0, 0, 0, 3, 0, -1], [0, 0, 4, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    changes, all_zero = finance._sign_changes(np.ascontiguousarray(flows.T))
    assert changes.tolist() == [2, 0, 0]
    assert all_zero.tolist() == [False, False, True]


def test_bracketing_breaks_a_tie_as_before():
    """The guess on a grid rate between two roots, one in the grid interval below it and one
    in the interval above: both intervals are at distance 0, and the lower one wins."""
    k = int(np.searchsorted(finance._GRID, 0.1))
    g = finance._GRID[k]
    x1, x2 = 1 / (1 + g - 0.004), 1 / (1 + g + 0.004)  # roots in v = 1 / (1 + r)
    flows = np.array([[x1 * x2, -(x1 + x2), 1.0]])
    ev, rows, guess = finance._PeriodicFlows(flows), np.arange(1), np.array([g])
    got = finance._bracketed_root(ev, guess, rows)
    assert_same_array(got, reference.bracketed_root(ev, guess, rows), "tie")
    assert got[0] == pytest.approx(g - 0.004, abs=1e-12)


# The risk engine's helpers ------------------------------------------------------------------
def test_normal_cdf_matches_the_reference():
    z = np.random.default_rng(5).standard_normal((300, 7)) * 6
    z[0, :6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 40.0]
    for values in (z, z[:, 3], z.T[::2]):
        got, want = sampling.normal_cdf(values), reference.normal_cdf(values)
        assert_same_array(got, want, "normal_cdf")


def test_total_loss_matches_the_reference():
    rng = np.random.default_rng(6)
    flows = np.round(rng.normal(-0.5, 1.0, (400, 9)), 1)
    flows[:50] = -np.abs(flows[:50])
    flows[50:60] = 0.0
    flows[60:70, 3] = np.nan
    flows[70:80, 4] = -np.inf
    for rows in (flows, flows[:, ::2], np.broadcast_to(flows[10], flows.shape)):
        got = engine._total_loss(rows)
        assert got.tolist() == reference.total_loss(rows).tolist()
    assert 40 < engine._total_loss(flows).sum() < 70


# The risk run ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def risk_reference():
    """Xiaolan evaluated, and its 2,000 trials run by the old code on one thread: the same
    reference for every way of chunking the new run."""
    programme = load_programme(XIAOLAN)
    projects = evaluate_projects(programme)
    with pytest.MonkeyPatch.context() as patch:
        reference.install(patch)
        want = run_risk(programme, projects, trials=2000, seed=3, threads=1)
    return programme, projects, want


@pytest.mark.programme
@pytest.mark.parametrize("chunk_size", [None, 700])
def test_risk_run_matches_the_reference(risk_reference, chunk_size):
    """Two threads (the fund's model evaluated beside the projects), in one chunk or
    several, against the old code on one thread."""
    programme, projects, want = risk_reference
    got = run_risk(programme, projects, trials=2000, seed=3, threads=2, chunk_size=chunk_size)
    for field in ("outputs", "losses", "hurdles", "samples"):
        mine, theirs = getattr(got, field), getattr(want, field)
        assert list(mine) == list(theirs), field
        for name in theirs:
            assert_same_array(mine[name], theirs[name], f"risk {field} {name}")
    assert got.results() == want.results()


def test_a_row_without_values_warns_nothing():
    """The DSCR of a project without debt is NaN in every period and its ROWMIN and ROWMEAN
    are NaN, as numpy's nanmin and nanmean give, without their warnings: those were
    silenced with warnings.catch_warnings, which is not thread-safe, and leaked from the
    second thread of the structuring solver."""
    import warnings

    programme = load_programme(XIAOLAN)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        projects = evaluate_projects(programme)
    assert np.isnan(projects["community_pv"].metrics["min_dscr"])
    assert np.isnan(projects["community_pv"].metrics["avg_dscr"])
