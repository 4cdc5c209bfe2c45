"""recalc's LibreOffice past its timeout: the whole process group killed, not the wrapper alone.

`soffice` is a shell wrapper that starts `soffice.bin`; `subprocess.run(timeout=...)` killed
only the wrapper and left `soffice.bin` recalculating (bench_scale at 1,000 projects). Here a
stand-in `soffice` on PATH starts a child that would outlive it, writes the child's pid and
waits; recalc must raise TimeoutExpired and leave neither process.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from xlfinance import recalc

WRAPPER = """#!/bin/sh
sleep 60 &
echo $! > "{pidfile}"
wait
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie awaiting its parent's wait counts as gone: it holds no memory.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:  # gone between the two looks
        return False


def test_a_timeout_kills_the_child_the_wrapper_started(tmp_path, monkeypatch):
    pidfile = tmp_path / "child.pid"
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text(WRAPPER.format(pidfile=pidfile), encoding="ascii")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(subprocess.TimeoutExpired):
        recalc.convert([tmp_path / "book.xlsx"], tmp_path / "out", timeout=1.0)
    child = int(pidfile.read_text())
    for _ in range(50):  # SIGKILL is delivered asynchronously: give it up to 5 s
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child), "the wrapper's child (soffice.bin) outlived the timeout"


def test_a_failing_soffice_is_reported_with_its_output(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho cannot open >&2\nexit 3\n", encoding="ascii")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(RuntimeError, match=r"exit 3[\s\S]*cannot open"):
        recalc.convert([tmp_path / "book.xlsx"], tmp_path / "out", timeout=30)
