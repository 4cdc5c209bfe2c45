"""A progress bar on stderr, without dependencies: `[#####     ]  50% Monte Carlo`.

    bar = ProgressBar("Monte Carlo")
    run_risk(programme, projects, progress=bar)   # calls bar(done, total)
    bar.close()

On a terminal the bar redraws itself in place (carriage return); to a file or pipe it
writes one line at each tenth of the way, so logs stay readable.
"""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """Callable as `bar(done, total)`; `close()` ends the line."""

    def __init__(self, label: str = "", width: int = 30, stream: TextIO | None = None):
        self.label = label
        self.width = width
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last: int | None = None
        self._open = False

    def render(self, done: int, total: int) -> str:
        share = 1.0 if total <= 0 else min(1.0, max(0.0, done / total))
        filled = int(share * self.width)
        text = f"[{'#' * filled}{' ' * (self.width - filled)}] {int(share * 100):3d}%"
        return f"{text} {self.label}".rstrip()

    def __call__(self, done: int, total: int) -> None:
        share = 1.0 if total <= 0 else done / total
        if self.live:
            step = int(share * 100)
            if step != self._last:
                self.stream.write("\r" + self.render(done, total))
                self.stream.flush()
                self._open = True
        else:
            step = int(share * 10)
            if step != self._last:
                self.stream.write(self.render(done, total) + "\n")
                self.stream.flush()
        self._last = step

    def close(self) -> None:
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


__all__ = ["ProgressBar"]
