"""A model's structure: its expression trees with the numbers written in them taken out.

Models of the same shape (the projects of one archetype with the same options, the copies a
scale benchmark makes) differ only in the values of their inputs, which an evaluation reads,
and in the numbers their expressions were built with (`Const`): a share, a year count, a
rate folded in by the builder. `structure(model)` gives a key that is equal for two models
exactly when they are the same but for those numbers, and the numbers as a vector, in the
order the key's slots number them. Models with equal keys share one compiled program
(`xlfinance.model.compiled`), each run with its own numbers.

What the key holds, so that nothing that changes how a model is compiled or ordered is left
out: the number of periods; the names of the inputs and series (in order); every line (in
order: its name, its expression, its opening) and output; and every node of every
expression, as its exact class and what else it holds (an operator, a function's name, a
row's or an input's name, its children), a number as its slot and its Python type (an int
`Const` computes in ints). The expressions are numbered as a graph: a node met again (the
same object, read by two lines) is the same number, and two nodes alike in everything but
identity are too, so a key is as long as the model's distinct nodes, however often they are
read. A node of a class the compiler does not know is keyed by its identity, so it is never
shared, and compiling it fails as it did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from xlfinance.model import expr as ex
from xlfinance.model.expr import Expr

if TYPE_CHECKING:
    from xlfinance.model.core import Model

Key: TypeAlias = tuple[object, ...]
"""A model's structure, hashable: equal for two models that differ only in their numbers."""

_NAMED = (ex.InputRef, ex.RowRef, ex.TimeRef, ex.SeriesRef, ex.LineRef)
_OPERATORS = (ex.BinOp, ex.Compare)


class Structure:
    """The key of a model's structure, its numbers (`constants`, a slot each) and which
    `Const` fills each slot (`slots`, by the node's identity: valid while the model's
    expressions are alive)."""

    __slots__ = ("key", "constants", "slots")

    def __init__(self, model: Model):
        walk = _Walk()
        lines = tuple(
            (
                name,
                walk.node(line.expr),
                -1 if line.opening is None else walk.node(line.opening),
            )
            for name, line in model.lines.items()
        )
        outputs = tuple((name, walk.node(output.expr)) for name, output in model.outputs.items())
        self.key: Key = (
            model.n_periods,
            tuple(model.inputs),
            tuple(model.series),
            lines,
            outputs,
            tuple(walk.signatures),
        )
        self.constants: tuple[float, ...] = tuple(walk.constants)
        self.slots: dict[int, int] = walk.slots


class _Walk:
    """Numbers the nodes of a model's expressions (`node`), each once."""

    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}
        """A node's number, by its identity."""
        self.alike: dict[tuple[object, ...], int] = {}
        """A node's number, by its signature."""
        self.signatures: list[tuple[object, ...]] = []
        self.constants: list[float] = []
        self.slots: dict[int, int] = {}

    def node(self, node: Expr) -> int:
        number = self.numbers.get(id(node))
        if number is None:
            signature = self._signature(node)
            number = self.alike.get(signature)
            if number is None:
                number = self.alike[signature] = len(self.signatures)
                self.signatures.append(signature)
            self.numbers[id(node)] = number
        return number

    def _signature(self, node: Expr) -> tuple[object, ...]:
        kind = type(node)
        if kind is ex.Const:
            assert isinstance(node, ex.Const)
            slot = self.slots[id(node)] = len(self.constants)
            self.constants.append(node.value)
            return (kind, slot, type(node.value))
        if kind in _NAMED:
            assert isinstance(node, ex.RowRef | ex.InputRef)
            return (kind, node.name)
        if kind in _OPERATORS:
            assert isinstance(node, ex.BinOp | ex.Compare)
            return (kind, node.op, self.node(node.left), self.node(node.right))
        if kind is ex.Neg:
            assert isinstance(node, ex.Neg)
            return (kind, self.node(node.operand))
        if kind is ex.Func:
            assert isinstance(node, ex.Func)
            return (kind, node.name, *(self.node(a) for a in node.args))
        if kind is ex.Prev or kind is ex.Cumsum:
            assert isinstance(node, ex.Prev | ex.Cumsum)
            return (kind, self.node(node.row))
        if kind is ex.Aggregate:
            assert isinstance(node, ex.Aggregate)
            return (kind, node.name, self.node(node.row), *(self.node(p) for p in node.params))
        return (kind, id(node))  # unknown to the compiler: never shared
