"""The output folder: where a build may write, and how it replaces what was there.

A build writes only into a folder that is new, empty, or was written by xlfinance before.
xlfinance leaves a marker in every folder it writes, `.xlfinance-output.json`, recording the
programme folder and the SHA-256 of every file it wrote; a file that is missing from the
marker or whose bytes changed since (a workbook edited in Excel, notes a user dropped in) is
never replaced in silence: the build refuses and names it, and with `force` moves it aside
into a sibling folder `<out>.kept-<time>/` (never deleting it) and says where.

Refused outright, before anything is computed: an empty path; the root, home or current
folder; an existing file; the programme folder, a folder that holds it, and a folder that
holds any of its definition files.

Everything is written into a staging folder beside the output folder; only when every file
is written does the staging folder take the output folder's place, with SIGINT and SIGTERM
held off for the two renames. A failure or interruption at any point before leaves the
previous outputs byte for byte as they were and no staging folder behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from xlfinance import interrupt
from xlfinance.interrupt import held

MARKER = ".xlfinance-output.json"


class OutputRefused(Exception):
    """The output folder cannot be written as asked; the message names `--out` and why."""


@dataclass
class OutputPlan:
    """An output folder checked for a build: where it is and what `force` will move aside."""

    given: str
    """The path as the user gave it, for messages."""
    path: Path
    kept: list[Path] = field(default_factory=list)
    """Files found changed or foreign in the previous outputs (moved aside with `force`)."""
    moved_to: Path | None = None
    """Where `replace` moved them, when it did."""


def check_output(
    out: str | os.PathLike[str],
    programme_dir: str | os.PathLike[str],
    definition_files: Iterable[str | os.PathLike[str]] = (),
    *,
    force: bool = False,
) -> OutputPlan:
    """Check that a build may write into `out`; raise OutputRefused saying why not."""
    given = os.fspath(out)
    if given.strip() == "":
        raise OutputRefused("--out: must name a folder (got an empty path)")
    path = Path(given)
    where = f"--out {given}"
    resolved = path.resolve()
    for forbidden, what in (
        (Path(resolved.anchor), "the root folder"),
        (Path.home().resolve(), "the home folder"),
        (Path.cwd().resolve(), "the current folder"),
    ):
        if resolved == forbidden:
            raise OutputRefused(f"{where}: is {what}; name a folder of its own for the outputs")
    programme = Path(programme_dir).resolve()
    if resolved == programme or resolved in programme.parents:
        raise OutputRefused(f"{where}: is or holds the programme folder {programme_dir}")
    for file in definition_files:
        if resolved in Path(file).resolve().parents:
            raise OutputRefused(f"{where}: holds the definition file {file}")
    plan = OutputPlan(given, path)
    if not os.path.lexists(path):
        return plan
    if path.is_symlink() or not path.is_dir():
        raise OutputRefused(f"{where}: is an existing file, not a folder xlfinance wrote")
    found = changed_files(path, where)
    plan.kept = [file for file, _ in found]
    if found and not force:
        shown = "; ".join(f"{file.relative_to(path)} {why}" for file, why in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise OutputRefused(
            f"{where}: {shown}{more}; move it away, or build with --force to move it aside"
        )
    return plan


def changed_files(path: Path, where: str) -> list[tuple[Path, str]]:
    """Files under `path` that the marker does not record with their current bytes, each
    with the reason ("changed since xlfinance wrote it", "was not written by xlfinance")."""
    entries = list(path.iterdir())
    if not entries:
        return []
    marker = path / MARKER
    if not marker.is_file():
        raise OutputRefused(
            f"{where}: is a folder that xlfinance did not write (it is not empty and has no "
            f"{MARKER}); name a new or empty folder"
        )
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))["files"]
        if not isinstance(recorded, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputRefused(f"{where}: its {MARKER} cannot be read; name a new folder") from None
    changed = []
    for file in sorted(p for p in path.rglob("*") if not p.is_dir() or p.is_symlink()):
        rel = file.relative_to(path).as_posix()
        if rel == MARKER:
            continue
        if rel not in recorded:
            changed.append((file, "was not written by xlfinance"))
        elif file.is_symlink() or not file.is_file() or recorded[rel] != _sha256(file):
            changed.append((file, "changed since xlfinance wrote it"))
    return changed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_marker(stage: Path, programme_dir: str | os.PathLike[str]) -> None:
    """Record every file under `stage` with its SHA-256, as xlfinance's own."""
    files = {
        p.relative_to(stage).as_posix(): _sha256(p)
        for p in sorted(stage.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
    document = {
        "written_by": "xlfinance",
        "programme": str(Path(programme_dir).resolve()),
        "files": files,
    }
    (stage / MARKER).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


@contextmanager
def staged(
    plan: OutputPlan, programme_dir: str | os.PathLike[str], timings: dict[str, float] | None = None
) -> Iterator[Path]:
    """A fresh folder to write into; on success it replaces the output folder, on failure
    or interruption it vanishes. `timings`, when given, receives the seconds the
    replacement took as "move"."""
    out = plan.path
    parent = out.parent
    stage: Path | None = None
    try:
        try:
            parent.mkdir(parents=True, exist_ok=True)
            with held():  # so an interruption cannot fall between made and recorded
                stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=parent))
            yield stage
            write_marker(stage, programme_dir)
        except OSError as exc:
            raise OutputRefused(
                f"--out {plan.given}: cannot write: {exc.strerror or exc}"
            ) from None
        started = time.perf_counter()
        interrupt.check()  # a signal whose exception a callback swallowed stops here
        with held():
            # Edited since the check? Then nothing is replaced (force moves what it found).
            if out.is_dir():
                now = [file for file, _ in changed_files(out, f"--out {plan.given}")]
                late = sorted(set(now) - set(plan.kept))
                if late:
                    raise OutputRefused(
                        f"--out {plan.given}: {late[0].relative_to(out)} changed during the "
                        "build; nothing was replaced"
                    )
            _swap(plan, stage)
            interrupt.outputs_replaced()
        if timings is not None:
            timings["move"] = time.perf_counter() - started
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)


def _swap(plan: OutputPlan, stage: Path) -> None:
    """Put `stage` in the output folder's place; move the files `force` keeps aside."""
    out = plan.path
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
    try:
        os.replace(stage, out)
    except OSError:
        if old is not None:  # put the previous outputs back
            os.replace(old / out.name, out)
            shutil.rmtree(old, ignore_errors=True)
        raise
    os.chmod(out, 0o755)
    if old is None:
        return
    if plan.kept:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = out.with_name(f"{out.name}.kept-{stamp}")
        n = 1
        while os.path.lexists(aside):
            n += 1
            aside = out.with_name(f"{out.name}.kept-{stamp}-{n}")
        for file in plan.kept:
            rel = file.relative_to(out)
            target = aside / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old / out.name / rel, target)
        plan.moved_to = aside
    shutil.rmtree(old, ignore_errors=True)
