"""The output folder cannot destroy anything (xlfinance.outputs).

Each case runs the command line as a user would and checks the exit status, that the one
line on stderr names --out and the reason, that the definitions and the previous outputs
are byte for byte as they were (a hash of each tree), and that no staging folder is left.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from xlfinance import cli
from xlfinance.outputs import MARKER

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"


def tree_hash(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if ".staging-" in p.name or ".old-" in p.name]


@pytest.fixture()
def world(xiaolan_build, tmp_path, monkeypatch):
    """A copy of the programme (without risk.yaml: the Monte Carlo has nothing to do with
    where outputs go, and costs time), earlier outputs (a copy of the shared build) and a
    work dir."""
    programme = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, programme, ignore=shutil.ignore_patterns("risk.yaml"))
    out = tmp_path / "out"
    shutil.copytree(xiaolan_build.out, out, ignore=shutil.ignore_patterns("screenshots"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return programme, out, tmp_path


def refused(capsys, argv, *words):
    status = cli.main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "--out" in err, err
    for word in words:
        assert word in err, err
    return err


BAD_OUTS = {
    "the programme folder": ("{programme}", "programme folder"),
    "its projects folder": ("{programme}/projects", "definition file"),
    "a folder holding it": ("{tmp}", "programme folder"),
    "an existing file": ("{programme}/programme.yaml", "existing file"),
    "the root": ("/", "root folder"),
    "an empty path": ("", "empty path"),
    "the current folder": (".", "current folder"),
    "the home folder": ("~", "home folder"),
}


@pytest.mark.parametrize("case", list(BAD_OUTS))
def test_refused_outs_leave_everything_as_it_was(world, capsys, case):
    programme, out, tmp = world
    pattern, reason = BAD_OUTS[case]
    target = pattern.format(programme=programme, tmp=tmp)
    if target == "~":
        target = str(Path.home())
    before = tree_hash(tmp)
    refused(capsys, ["build", str(programme), "--out", target], reason)
    assert tree_hash(tmp) == before
    assert not leftovers(tmp)


def test_a_foreign_folder_is_refused(world, capsys):
    programme, _, tmp = world
    foreign = tmp / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8")
    refused(capsys, ["build", str(programme), "--out", str(foreign)], "did not write")
    assert (foreign / "holiday.jpg").read_bytes() == b"\xff\xd8"


@pytest.mark.programme
def test_an_edited_workbook_is_never_replaced_silently(world, capsys):
    programme, out, tmp = world
    workbook = out / "xiaolan.xlsx"
    workbook.write_bytes(workbook.read_bytes() + b"edited in Excel")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = tree_hash(out)
    err = refused(capsys, ["build", str(programme), "--out", str(out)], "--force")
    assert "xiaolan.xlsx changed since xlfinance wrote it" in err
    assert "notes.txt was not written by xlfinance" in err
    assert tree_hash(out) == before

    # --force moves both aside, never deletes them, and says where.
    assert cli.main(["build", str(programme), "--out", str(out), "--force"]) == 0
    said = capsys.readouterr().out
    kept = [p for p in tmp.iterdir() if p.name.startswith("out.kept-")]
    assert len(kept) == 1 and str(kept[0]) in said
    moved = hashlib.sha256((kept[0] / "xiaolan.xlsx").read_bytes()).hexdigest()
    assert moved == before["xiaolan.xlsx"]  # the edited workbook, as the user left it
    assert (kept[0] / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (out / "notes.txt").exists()
    assert not leftovers(tmp)


def test_the_marker_records_every_file_written(xiaolan_build):
    marker = json.loads((xiaolan_build.out / MARKER).read_text(encoding="utf-8"))
    written = {
        p.relative_to(xiaolan_build.out).as_posix()
        for p in xiaolan_build.out.rglob("*")
        if p.is_file() and p.name != MARKER and "screenshots" not in p.parts
    }
    assert set(marker["files"]) == written
    assert marker["programme"] == str(XIAOLAN.resolve())
    for rel, digest in marker["files"].items():
        assert hashlib.sha256((xiaolan_build.out / rel).read_bytes()).hexdigest() == digest


@pytest.mark.programme
def test_a_write_failure_says_cannot_write_and_names_out(world, capsys):
    programme, _, tmp = world
    blocker = tmp / "a_file"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "out"
    err = refused(capsys, ["build", str(programme), "--out", str(target)], "cannot write")
    assert f"--out {target}" in err and ".staging-" not in err


@pytest.mark.programme
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_build_leaves_the_previous_outputs(world, signum, status):
    programme, out, tmp = world
    before = tree_hash(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "xlfinance", "build", str(programme), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    deadline = time.monotonic() + 60
    while not leftovers(tmp) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until it is writing into its staging folder
    assert proc.poll() is None, "the build ended before it could be interrupted"
    seen = leftovers(tmp)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, (err, seen)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert tree_hash(out) == before
    assert not leftovers(tmp)
    children = subprocess.run(
        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
    ).stdout.split()
    assert children == []


def test_a_held_block_holds_a_signal_that_lands_on_another_thread():
    """The race behind a staging folder left by SIGTERM: with a second thread alive (numpy's
    BLAS keeps some), the kernel hands the process's signal to that thread, and CPython
    runs the handler in the main thread at its next bytecode, mask or no mask. A held
    block must still run to its end, and the interruption arrive after it."""
    from xlfinance import interrupt

    other = threading.Event()
    sleeper = threading.Thread(target=other.wait, daemon=True)  # does not block SIGTERM
    sleeper.start()
    reached = []
    try:
        with pytest.raises(interrupt.Interrupted) as caught:
            with interrupt.interruptible():
                with interrupt.held():
                    os.kill(os.getpid(), signal.SIGTERM)
                    for _ in range(10_000):  # bytecodes at which a handler could run
                        pass
                    time.sleep(0.05)
                    reached.append("end of the held block")
                reached.append("after the held block")
    finally:
        other.set()
        sleeper.join()
    assert reached == ["end of the held block"]
    assert caught.value.signum == signal.SIGTERM
