"""`xlfinance.collector`: what is made before `hold()` is out of the collector's full passes
only inside a `held` call, and back in its sight once the outermost such call ends."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from xlfinance import collector
from xlfinance.check import check_programme
from xlfinance.definitions import load_programme

XIAOLAN = Path(__file__).resolve().parents[1] / "projects" / "xiaolan"


class Node:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def nothing_frozen():
    """Each test starts with nothing frozen: the session freezes its fixtures
    (`conftest.frozen`), and freezes everything alive again after the test."""
    was = gc.get_freeze_count()
    gc.unfreeze()
    yield
    if was:
        gc.freeze()


def test_a_hosts_frozen_objects_stay_frozen():
    # gc.unfreeze cannot tell the host's objects from ours: a held call that began with
    # objects frozen holds nothing more and lets none of them go
    host = Node()
    gc.freeze()
    frozen = gc.get_freeze_count()
    assert frozen > 0

    @collector.held
    def build() -> None:
        Node()
        collector.hold()
        assert collector.holding() and gc.get_freeze_count() == frozen

    build()
    assert gc.get_freeze_count() == frozen and not collector.holding()
    gc.unfreeze()
    del host


def test_hold_outside_a_held_call_holds_nothing():
    assert gc.get_freeze_count() == 0
    collector.hold()
    assert gc.get_freeze_count() == 0 and not collector.holding()


def test_a_held_call_holds_what_was_made_and_lets_it_go_at_its_end():
    seen = {}

    @collector.held
    def inner() -> None:
        collector.hold()
        seen["inner"] = gc.get_freeze_count()

    @collector.held
    def outer() -> weakref.ref[Node]:
        garbage = Node()
        collector.hold()
        seen["held"] = gc.get_freeze_count()
        inner()  # a nested call lets nothing go
        seen["after inner"] = gc.get_freeze_count()
        dropped = weakref.ref(garbage)
        del garbage
        gc.collect()
        seen["cycle kept"] = dropped() is not None  # held: not freed by a full pass
        return dropped

    dropped = outer()
    assert seen["held"] > 0 and seen["inner"] >= seen["held"]
    assert seen["after inner"] >= seen["held"] and seen["cycle kept"]
    assert gc.get_freeze_count() == 0 and not collector.holding()
    gc.collect()
    assert dropped() is None  # let go: the next full pass frees the cycle


def test_an_error_lets_go_too():
    @collector.held
    def failing() -> None:
        collector.hold()
        raise ValueError("bad definition")

    with pytest.raises(ValueError, match="bad definition"):
        failing()
    assert gc.get_freeze_count() == 0 and not collector.holding()


def test_checking_a_programme_leaves_nothing_held():
    checked = check_programme(load_programme(XIAOLAN, require_projects=True))
    assert len(checked.projects) == 22
    assert gc.get_freeze_count() == 0
