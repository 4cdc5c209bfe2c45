"""`xlfinance.forked`: a head start in a forked child, never a second source of truth.

Each test shows one promise of the module's docstring: the result is the child's where it
ran, the parent computes it where the child could not (an error, a signal, a result that does
not pickle), nothing forks where it is unsafe or turned off, and closing kills a child still
running. The last test builds Xiaolan with and without the child and finds the same outputs.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import zipfile

import pytest

from xlfinance import forked
from xlfinance.forked import Forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")


@pytest.fixture
def may_fork(monkeypatch):
    """Forking allowed whatever the machine (one CPU) or the test runner's threads."""
    monkeypatch.setattr(forked, "can_fork", lambda: True)


def test_the_result_is_computed_in_the_child(may_fork):
    parent = os.getpid()
    later = Forked(os.getpid)
    assert later.forked
    assert later.result() not in (parent, None)


def test_a_child_that_raises_leaves_the_parent_to_compute(may_fork):
    parent = os.getpid()

    def compute():
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return "the parent's"

    assert Forked(compute).result() == "the parent's"


def test_an_error_the_parent_meets_too_is_raised_as_it_is(may_fork):
    def compute():
        raise KeyError("every time")

    with pytest.raises(KeyError, match="every time"):
        Forked(compute).result()


def test_a_result_that_does_not_pickle_is_computed_by_the_parent(may_fork):
    parent = os.getpid()

    def compute():
        pid = os.getpid()
        return (lambda: pid) if pid != parent else pid  # a lambda does not pickle

    assert Forked(compute).result() == parent


def test_a_result_larger_than_the_pipe_comes_back_whole(may_fork):
    # 24 MB of arrays, many times the pipe's buffer (64 KB) and the ends' (1 MB): pickled
    # into the pipe and unpickled as it arrives, every byte as the child made it.
    import numpy as np

    parent = os.getpid()

    def compute():
        rng = np.random.default_rng(7)
        return {"pid": os.getpid(), "a": rng.random((1000, 3000)), "b": [rng.random(3)] * 2}

    got = Forked(compute).result()
    expected = compute()
    assert got["pid"] != parent
    np.testing.assert_array_equal(got["a"], expected["a"])
    np.testing.assert_array_equal(got["b"][1], expected["b"][1])


def test_a_result_that_stops_pickling_part_way_is_computed_by_the_parent(may_fork):
    # The child writes 8 MB of pickle before it reaches what does not pickle: the parent
    # reads a pickle cut short and the child's failing status, and computes it itself.
    import numpy as np

    parent = os.getpid()

    def compute():
        pid = os.getpid()
        if pid == parent:
            return pid
        return [np.ones(1_000_000), lambda: pid]  # a lambda does not pickle

    assert Forked(compute).result() == parent


def test_a_child_killed_by_a_signal_leaves_the_parent_to_compute(may_fork):
    parent = os.getpid()

    def compute():
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)  # the default action: the child ends here
            time.sleep(60)
        return "the parent's"

    assert Forked(compute).result() == "the parent's"


def test_close_kills_a_child_still_running(may_fork):
    later = Forked(lambda: time.sleep(60))
    pid = later._pid
    later.close()
    # killed, not waited for: the child ended by SIGKILL, not by finishing its sleep
    assert os.WIFSIGNALED(later.status) and os.WTERMSIG(later.status) == signal.SIGKILL
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no such child any more


def test_leaving_the_block_on_an_error_kills_the_child(may_fork):
    with pytest.raises(ZeroDivisionError):
        with Forked(lambda: time.sleep(60)) as later:
            pid = later._pid
            raise ZeroDivisionError("the parent fails while the child runs")
    assert os.WTERMSIG(later.status) == signal.SIGKILL
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_no_fork_where_another_thread_runs_or_when_turned_off(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forked.can_fork()
        assert not Forked(os.getpid).forked
    finally:
        stop.set()
        other.join()
    monkeypatch.setenv("XLFINANCE_FORK", "0")
    later = Forked(os.getpid)
    assert not later.forked
    assert later.result() == os.getpid()  # computed here, when asked


def test_no_fork_on_one_cpu(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert not forked.can_fork()


@pytest.mark.programme
def test_a_build_with_the_child_writes_what_one_without_it_writes(tmp_path, monkeypatch):
    from tests.conftest import SOURCE_DATE_EPOCH, XIAOLAN
    from xlfinance import build as build_module

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(SOURCE_DATE_EPOCH))
    started: list[Forked] = []

    class Recorded(Forked):
        def __init__(self, compute):
            super().__init__(compute)
            started.append(self)

    real_can_fork = forked.can_fork
    monkeypatch.setattr(build_module, "Forked", Recorded)
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    ahead = build_module.build(XIAOLAN, tmp_path / "forked", reports=False)
    assert [f.forked for f in started] == [True]
    monkeypatch.setenv("XLFINANCE_FORK", "0")
    monkeypatch.setattr(forked, "can_fork", real_can_fork)
    inline = build_module.build(XIAOLAN, tmp_path / "inline", reports=False)
    assert [f.forked for f in started] == [True, False]

    def document(out):
        return json.loads((out / "results.json").read_text(encoding="utf-8"))

    assert document(ahead.out_dir) == document(inline.out_dir)
    assert "risk" in document(ahead.out_dir) and "structuring" in document(ahead.out_dir)
    with (
        zipfile.ZipFile(ahead.out_dir / "xiaolan.xlsx") as a,
        zipfile.ZipFile(inline.out_dir / "xiaolan.xlsx") as b,
    ):
        assert a.namelist() == b.namelist()
        for part in a.namelist():
            assert a.read(part) == b.read(part), part
    assert {"risk", "structuring", "analysis wait"} <= set(ahead.timings)
