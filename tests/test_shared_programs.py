"""Models of one structure share one compiled program (`xlfinance.model.structure`), each run
with its own numbers: checked by hand on small models, against the tree-walking reference
(`tests.reference`) on random models given other numbers, and on every structural
difference that must keep two models apart (an operand's order, an int for a float, the
periods, a name, an opening, a number met twice against two numbers alike)."""

from __future__ import annotations

import dataclasses
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlfinance.model import expr as ex
from xlfinance.model.core import Evaluation, Model
from xlfinance.model.expr import Expr
from xlfinance.model.structure import Structure

from . import reference
from .strategies import examples
from .test_compiled_evaluation import NUMBERS, assert_identical, outcome, random_cases


def loan(rate: float, fee: float, periods: int = 3) -> Model:
    """A balance growing at `rate` a period with 100 added each, and a fee of `fee` of it:
    the rate and the fee are numbers written in the expressions, not inputs."""
    m = Model("loan", 2020, periods)
    start = m.input("start", 1000.0)
    balance = m.line("balance", ex.prev(ex.LineRef("balance")) * (1 + rate) + 100, opening=start)
    m.line("fee", balance * fee)
    m.output("fees", ex.rowsum(ex.LineRef("fee")))
    return m


def program(m: Model) -> object:
    return m._program().program


def test_two_models_differing_in_a_number_share_one_program_each_with_its_numbers():
    low, high = loan(0.05, 0.02), loan(0.10, 0.03)
    got_low, got_high = low.evaluate(), high.evaluate()
    assert program(low) is program(high)
    # low: 1000 * 1.05 + 100 = 1150; 1150 * 1.05 + 100 = 1307.5; 1307.5 * 1.05 + 100 =
    # 1472.875; fees 2% of each: 23, 26.15, 29.4575, in all 78.6075.
    np.testing.assert_allclose(got_low.lines["balance"][0], [1150.0, 1307.5, 1472.875])
    np.testing.assert_allclose(got_low.lines["fee"][0], [23.0, 26.15, 29.4575])
    np.testing.assert_allclose(got_low.outputs["fees"], [78.6075])
    # high: 1000 * 1.1 + 100 = 1200; 1200 * 1.1 + 100 = 1420; 1420 * 1.1 + 100 = 1662;
    # fees 3%: 36, 42.6, 49.86, in all 128.46.
    np.testing.assert_allclose(got_high.lines["balance"][0], [1200.0, 1420.0, 1662.0])
    np.testing.assert_allclose(got_high.lines["fee"][0], [36.0, 42.6, 49.86])
    np.testing.assert_allclose(got_high.outputs["fees"], [128.46])
    # and each to the bit what the tree-walking evaluator gives it, evaluated in turn
    for m in (low, high, low):
        assert_identical(m.evaluate(), reference.evaluate(m), m.name)


def test_a_number_folded_with_another_is_folded_with_each_models_own():
    """`(1 + rate)` is a sub-tree of numbers only, computed once a model: each its own."""
    a, b = loan(0.05, 0.02), loan(0.5, 0.02)
    assert program(a) is program(b)
    assert a.evaluate().lines["balance"][0][0] == 1000.0 * 1.05 + 100
    assert b.evaluate().lines["balance"][0][0] == 1000.0 * 1.5 + 100


def test_a_structural_difference_keeps_two_models_apart():
    base = loan(0.05, 0.02)
    swapped = loan(0.05, 0.02)
    swapped.lines.pop("fee")
    swapped.line("fee", 0.02 * ex.LineRef("balance"))  # the operands the other way round
    longer = loan(0.05, 0.02, periods=4)
    renamed = loan(0.05, 0.02)
    renamed.outputs.pop("fees")
    renamed.output("all_fees", ex.rowsum(ex.LineRef("fee")))
    opened = loan(0.05, 0.02)
    opened.lines.pop("fee")
    opened.line("fee", ex.LineRef("balance") * 0.02, opening=1.0)
    others = [swapped, longer, renamed, opened]
    for m in others:
        m.evaluate()
    base.evaluate()
    assert len({id(program(m)) for m in [base, *others]}) == 1 + len(others)
    for m in [base, *others]:
        assert_identical(m.evaluate(), reference.evaluate(m), m.name)


def test_an_int_is_not_a_float():
    """A `Const` of an int computes in ints (`np.full` keeps its dtype): never shared with
    a float's program."""
    as_float, as_int = Model("n", 2020, 2), Model("n", 2020, 2)
    as_float.line("x", ex.BinOp("/", ex.Const(7.0), ex.Const(2.0)))
    as_int.line("x", ex.BinOp("/", ex.Const(7), ex.Const(2)))
    as_float.evaluate(), as_int.evaluate()
    assert Structure(as_float).key != Structure(as_int).key
    assert program(as_float) is not program(as_int)


def test_a_number_read_twice_is_not_two_numbers():
    """One `Const` read by two lines is one slot; two alike are two: the models differ."""
    once, twice = Model("k", 2020, 2), Model("k", 2020, 2)
    shared = ex.Const(3.0)
    once.line("x", once.period * shared)
    once.line("y", once.period + shared)
    twice.line("x", twice.period * ex.Const(3.0))
    twice.line("y", twice.period + ex.Const(3.0))
    assert Structure(once).constants == (3.0,)
    assert Structure(twice).constants == (3.0, 3.0)
    assert Structure(once).key != Structure(twice).key


def test_changing_the_first_model_after_it_was_compiled_changes_no_other():
    """A program compiles lines when first needed, from its own copy of the first model's
    lines: that model's later changes reach neither it nor the models sharing it."""
    first, second = loan(0.05, 0.02), loan(0.10, 0.03)
    first.evaluate(only=["balance"])  # compiles the cycle, not the fee nor the output
    assert program(first) is program(second)
    first.lines.pop("fee")
    first.line("fee", ex.LineRef("balance") * 0.5 + 1)
    got = second.evaluate()  # compiles the fee and the output now
    np.testing.assert_allclose(got.lines["fee"][0], [36.0, 42.6, 49.86])  # as by hand above
    assert_identical(got, reference.evaluate(second), "second")
    assert_identical(first.evaluate(), reference.evaluate(first), "first, changed")
    assert program(first) is not program(second)


def renumbered(model: Model, numbers: list[float]) -> Model:
    """`model` built again with each of its numbers (`Const`) the next of `numbers` (one
    `Const` read twice given one new number): the same structure, other numbers."""
    new: dict[int, Expr] = {}
    given = iter(numbers)

    def rebuilt(node: Expr) -> Expr:
        if id(node) not in new:
            if isinstance(node, ex.Const):
                new[id(node)] = ex.Const(next(given))
            elif dataclasses.is_dataclass(node) and not isinstance(node, ex.RowRef | ex.InputRef):
                changes = {}
                for field in dataclasses.fields(node):
                    value = getattr(node, field.name)
                    if isinstance(value, Expr):
                        changes[field.name] = rebuilt(value)
                    elif isinstance(value, tuple):
                        changes[field.name] = tuple(rebuilt(v) for v in value)
                new[id(node)] = dataclasses.replace(node, **changes)
            else:
                new[id(node)] = node
        return new[id(node)]

    twin = Model(model.name, model.start_year, model.n_periods, dict(model.inputs))
    twin.series = dict(model.series)
    for name, line in model.lines.items():
        opening = None if line.opening is None else rebuilt(line.opening)
        twin.lines[name] = dataclasses.replace(line, expr=rebuilt(line.expr), opening=opening)
    for name, output in model.outputs.items():
        twin.outputs[name] = dataclasses.replace(output, expr=rebuilt(output.expr))
    return twin


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_cases(), st.lists(NUMBERS, min_size=64, max_size=64))
def test_random_models_given_other_numbers_share_a_program_and_match_the_reference(case, numbers):
    model, overrides, n, only = case
    twin = renumbered(model, numbers)
    assert Structure(twin).key == Structure(model).key
    assert Structure(twin).constants == tuple(numbers[: len(Structure(model).constants)])
    for m in (model, twin, model):
        got = outcome(lambda m=m: m.evaluate(overrides, n, only=only))
        want = outcome(lambda m=m: reference.evaluate(m, overrides, n, only=only))
        if isinstance(want, Exception):
            assert type(got) is type(want) and str(got) == str(want)
        else:
            assert isinstance(got, Evaluation), got
            assert_identical(got, want, f"random model {m is twin and 'twin' or 'first'}")
    if "_compiled" in model.__dict__ and "_compiled" in twin.__dict__:
        assert program(model) is program(twin)


def test_models_of_one_structure_compiled_in_threads_at_once_each_get_their_numbers():
    """The risk run and the solves evaluate models in threads: compiling a shared program's
    closures and folds from several at once, each switched out every microsecond, still
    gives every model its own numbers, the reference's to the bit."""
    models = [loan(0.01 * k, 0.001 * k, periods=12) for k in range(1, 17)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            got = list(pool.map(lambda m: m.evaluate(), models))
    finally:
        sys.setswitchinterval(interval)
    assert len({id(program(m)) for m in models}) == 1
    for m, evaluation in zip(models, got, strict=True):
        assert_identical(evaluation, reference.evaluate(m), m.name)
