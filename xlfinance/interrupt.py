"""SIGINT and SIGTERM while a command runs: unwind like Ctrl-C, and never lose the news.

`interruptible()` turns either signal into an `Interrupted` exception raised in the main
thread, so every `finally` runs and every staging folder is removed. A handler's exception
can be swallowed when it fires inside a callback that C code calls and whose errors it drops
(a serialiser's write callback, say); so the signal is also recorded, and `check()` raises
it again at the points that must not be passed after an interruption: the swap of the
output folders (`xlfinance.outputs.staged`) and the end of the command.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []
_replaced: list[bool] = []
_holding: list[bool] = []
"""One entry per `held()` block the main thread is in."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived while a command ran."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.after_outputs = bool(_replaced)
        """True when the signal came after the new outputs took the old ones' place."""

    def __str__(self) -> str:
        if self.after_outputs:
            return f"interrupted ({self.name}) after the new outputs were in place"
        return f"interrupted ({self.name}); no output folder was replaced"


def outputs_replaced() -> None:
    """Record that the command has put its new outputs in place (for the message)."""
    _replaced.append(True)


def check() -> None:
    """Raise `Interrupted` if a signal arrived, even one whose exception was swallowed."""
    if _received:
        raise Interrupted(_received[0])


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Interrupted` while the block runs (in the main thread; a
    no-op elsewhere, where Python cannot install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        _received.append(signum)
        if not _holding:  # inside `held()` it is raised when the block ends
            raise Interrupted(signum)

    _received.clear()
    _replaced.clear()
    before = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
        check()
    finally:
        for s, old in before.items():
            signal.signal(s, old)
        _received.clear()
        _replaced.clear()


@contextmanager
def held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (then arrive as usual).

    Blocking the signals in the main thread is not enough: a process-directed signal goes to
    any thread that does not block it (numpy's BLAS keeps worker threads, and so may a
    library), and CPython then runs the handler in the main thread at its next bytecode,
    mask or not. So `interruptible()`'s handler also defers while a `held()` block runs: it
    records the signal, and the block raises it when it ends normally. The mask still holds
    back the default handlers outside `interruptible()`."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set(SIGNALS))
    _holding.append(True)
    try:
        yield
    finally:
        _holding.pop()
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
    if not _holding:
        check()
