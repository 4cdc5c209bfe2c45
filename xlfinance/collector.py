"""Python's cyclic garbage collector kept off what a command holds to its end (`held`,
`hold`), and paused while the workbook is written (`paused`).

A full pass of the collector goes over every object it tracks. Loading a programme and
building and evaluating its models makes objects that live until the command ends (the
definitions, each project's model, its expressions and evaluation): at 250 projects some
millions of them, and the full passes, set off as more are made, went over all of them
again each time, a cost that grew faster than the projects (1.1 CPU-s of a 110-project
build, 3.6 at 250). `hold()` moves every object made so far out of the collector's sight
(`gc.freeze`), so that the passes after it look only at what is made after it.

It holds only inside a function wrapped in `held` (`check_programme`, `build`): leaving the
outermost such call puts everything back (`gc.unfreeze`), so a process that builds again
(a test session, a server) collects what the last build dropped at its next full pass. Until
then a cycle that was garbage already when held (or became garbage after) is not freed:
what a held phase makes that dies in a cycle waits for the end of the command.

A host that froze objects itself (an application embedding xlfinance, the test session)
keeps them frozen: `gc.unfreeze` cannot tell its objects from ours, so where anything is
frozen when the outermost `held` call starts, that call holds nothing and lets nothing go.

A fork (`xlfinance.forked`) is safe with it, and cheaper: the child inherits the held state,
and its own collections leave the parent's objects (and the pages they are on) alone, as
`gc.freeze`'s documentation recommends before a fork.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_depth = 0
"""How many calls of `held` functions are running (nested: a build checks its programme)."""

_host_froze = False
"""Whether objects were frozen already when the outermost running `held` call began."""


def held(function: Callable[P, R]) -> Callable[P, R]:
    """`function` run with `hold()` in effect, and what it held let go when the outermost
    such call returns or raises."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        global _depth, _host_froze
        if _depth == 0:
            _host_froze = gc.get_freeze_count() > 0
        _depth += 1
        try:
            return function(*args, **kwargs)
        finally:
            _depth -= 1
            if _depth == 0 and not _host_froze:
                gc.unfreeze()

    return run


def hold() -> None:
    """Every object made so far out of the collector's full passes, within a `held` call;
    nothing outside one, nor where the host had frozen objects of its own."""
    if _depth and not _host_froze:
        gc.freeze()


def holding() -> bool:
    """Whether `hold()` holds now."""
    return _depth > 0


@contextmanager
def paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused, and resumed as it was, while the workbook
    is written (`render.workbook.write_workbook`). Writing the Xiaolan workbook makes some
    190,000 objects the collector tracks (cells, their styles, charts), all alive until the
    save, and every 700 made set off a collection, its full passes going over the 200,000
    objects a build already holds: about 0.4 of the 1.1 CPU-s the workbook took. What the
    writing drops is still freed at once, by reference counting; only a cycle dropped
    meanwhile waits for the collector's next run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
