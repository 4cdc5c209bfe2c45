"""Work done in a forked copy of this process while the main thread does its own.

A build's Monte Carlo and structuring solves (numpy) do not depend on the workbook's
project sheets (openpyxl, pure Python), so on two cores one can run beside the other. A
thread cannot do it: the workbook's Python holds the GIL, and each of the Monte Carlo's
thousands of short numpy calls would wait for it. A forked child starts with everything the
parent has loaded and computed, so nothing is imported again and nothing is sent to it;
only its result comes back, pickled into a pipe and unpickled as it arrives, neither end
holding the whole pickle (15 MB, about 30 ms, for Xiaolan).

    later = Forked(compute)       # the child starts computing now
    ...                           # the parent's own work
    value = later.result()        # compute()'s result
    later.close()                 # or `with Forked(compute) as later:`

The child is only a head start, never a second source of truth: where it cannot run, or
fails in any way (an exception, a signal, a result that does not pickle), `result()` calls
`compute()` in the parent, which then gives the same value or raises the same error as if
there had been no child. It runs only where a fork is safe and can pay:

- on POSIX, with at least two CPUs this process may use (`os.sched_getaffinity`);
- in a process with no other Python thread: a fork copies only the calling thread, and a
  lock another thread held stays held in the child (CPython 3.12 warns for that reason);
- unless `XLFINANCE_FORK=0` (for measuring, or a platform where forking misbehaves).

The child restores the default SIGINT and SIGTERM actions, so a Ctrl-C or a kill ends it at
once without running any of the parent's handlers; it leaves with `os._exit`, running no
`finally`, `atexit` hook or buffered write of the parent's. `close()` (and leaving the
`with` block, whatever the reason) kills and reaps a child still running.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_OK = b"ok"
_BUFFER = 1 << 20
"""Bytes of the pipe's buffer at either end."""


def can_fork() -> bool:
    """Whether `Forked` would start a child here and now (see the module's docstring)."""
    if os.environ.get("XLFINANCE_FORK", "1") == "0" or not hasattr(os, "fork"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2 and threading.active_count() == 1


class Forked(Generic[T]):
    """`compute()` started in a forked child (or, where it cannot be, called by `result`)."""

    def __init__(self, compute: Callable[[], T]):
        self._compute = compute
        self._pid: int | None = None
        self._read: int | None = None
        self.forked = False
        """Whether a child was started."""
        self.status: int | None = None
        """The child's wait status once reaped (`os.waitpid`), None before."""
        if can_fork():
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            status = 1
            try:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(signum, signal.SIG_DFL)
                os.close(read)
                value = self._compute()
                # Pickled straight into the pipe: no copy of the whole pickle in memory (a
                # build's risk and structuring results of 1,000 projects pickle to GBs).
                with os.fdopen(write, "wb", buffering=_BUFFER) as out:
                    out.write(_OK)
                    pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._read, self.forked = pid, read, True

    def result(self) -> T:
        """The child's result; `compute()` here when there was no child or it failed."""
        pid, read = self._pid, self._read
        if read is None or pid is None:  # both set by `_start`, both None without a child
            return self._compute()
        loaded = False
        value: T
        with os.fdopen(read, "rb", buffering=_BUFFER) as pipe:
            self._read = None
            # Unpickled as it arrives, never held whole: a child that fails part way leaves
            # a pickle cut short (an error here) or a failing wait status (checked below).
            try:
                if pipe.read(len(_OK)) == _OK:
                    value, loaded = pickle.load(pipe), True
            except Exception:  # noqa: BLE001 - a head start that failed is only lost time
                loaded = False
            while pipe.read(_BUFFER):  # to its end, so the child is never left writing
                pass
        _, status = os.waitpid(pid, 0)
        self._pid, self.status = None, status
        if status == 0 and loaded:
            return value
        return self._compute()

    def close(self) -> None:
        """Kill and reap a child still running; close the pipe."""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, self.status = os.waitpid(self._pid, 0)
            self._pid = None
        if self._read is not None:
            os.close(self._read)
            self._read = None

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["Forked", "can_fork"]
