"""`xlfinance import WORKBOOK DIR`: the typed inputs of an edited workbook carried back into
the definitions.

1. The workbook is read (an xlfinance workbook, or refused) and the programme folder
   loaded and evaluated; the workbook its definitions give now is written aside
   (`cells`) and compared with the edited one cell by cell.
2. Each difference imports or is refused (`plan`): only a typed input of the Inputs
   sheet that a definition file writes (`fields`) imports. One refusal and nothing is
   written.
3. The changed values, and their sources, are spliced into the YAML text (`yamledit`):
   only those scalars change. A changed value's source says it was edited in the
   workbook, when, and what it was, unless the workbook's source cell was edited too.
4. The new files are loaded and evaluated as `build` would, in a copy of the folder; a
   problem there is refused with the file and field.
5. All files are replaced at once, or none (`apply`); `dry_run` stops before.

A refusal is a `DefinitionError` whose problems name the workbook, the cell, its defined
name and why, so the command line prints them and exits with status 2.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from xlfinance.errors import DefinitionError, Problem, printable
from xlfinance.render.sheetnames import COVER
from xlfinance.roundtrip import cells as cells_
from xlfinance.roundtrip.apply import ReplaceFailed, replace_all
from xlfinance.roundtrip.plan import STAMP, Change, input_cells, plan
from xlfinance.roundtrip.yamledit import Edit, EditError, dotted, splice

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

    from xlfinance.check import CheckedProgramme
    from xlfinance.definitions.load import Programme
    from xlfinance.model.sheet import NamingBook

Cells = dict[str, tuple[str, int, int]]
"""Defined name -> (sheet, row, column), as `cells.defined_cells` reads them."""

MAX_REFUSALS_SHOWN = 20
"""Refusals listed one a line; the rest are counted."""


@dataclass
class ImportResult:
    """What an import changed (or, on a dry run, would change)."""

    changes: list[Change]
    files: dict[Path, tuple[bytes, bytes]] = field(default_factory=dict)
    """Each definition file changed: its bytes before and after."""
    written: bool = False


def _refused(workbook: str, problems: list[tuple[str, str]]) -> DefinitionError:
    return DefinitionError([Problem(workbook, where, message) for where, message in problems])


def _evaluate(
    programme_dir: str | os.PathLike[str], edited: Workbook | None = None, shown: str = ""
) -> tuple[Programme, CheckedProgramme]:
    """The programme loaded and evaluated; with `edited`, first refused unless the
    workbook's Cover names this programme."""
    from xlfinance.check import check_programme
    from xlfinance.definitions import load_programme

    programme = load_programme(programme_dir, require_projects=True)
    info = programme.programme
    cover = (edited[COVER]["A1"].value, edited[COVER]["A2"].value) if edited else None
    if cover is not None and cover != (info.name.zh, info.name.en):
        raise _refused(
            shown,
            [
                (
                    "Cover!A1",
                    f"is a workbook of another programme ({cover[0]} / {cover[1]}); "
                    f"{os.fspath(programme_dir)} holds {info.name.zh} / {info.name.en}",
                )
            ],
        )
    return programme, check_programme(programme)


def _reference(
    programme: Programme,
    checked: CheckedProgramme,
    built: dt.date,
    folder: Path,
    analysis: list[str],
    names: Cells,
) -> Path:
    """The workbook `build` writes from these definitions, the analysis sheets it had
    (`analysis`, titles) left empty: their figures are the analysis's, not compared. The
    cells the edited workbook names on them (`names`: name -> (sheet, row, column)) are
    named alike, so that the sheets reading them (the Summary's viability gaps) are laid
    out as `build` laid them out."""
    from xlfinance.portfolio import roll_up
    from xlfinance.render.workbook import write_workbook

    def placeholders(book: NamingBook, sheet_maps: object) -> None:
        for title in analysis:
            book.wb.create_sheet(title)
        for name, (sheet, row, column) in names.items():
            if sheet in analysis:
                book.name(name, book.wb[sheet], row, column)

    portfolio = roll_up(programme, checked.projects, checked.fund)
    path = folder / "reference.xlsx"
    write_workbook(
        path,
        programme,
        checked.projects,
        portfolio,
        built=built,
        fund=checked.fund,
        extra_sheets=[placeholders],
    )
    return path


def import_workbook(
    workbook: str | os.PathLike[str],
    programme_dir: str | os.PathLike[str],
    *,
    dry_run: bool = False,
) -> ImportResult:
    """Carry the typed inputs changed in `workbook` back into the definitions of
    `programme_dir`; DefinitionError, with nothing written, on any refusal."""
    from xlfinance.build import build_date

    shown = os.fspath(workbook)
    try:
        edited = cells_.read(Path(workbook))
    except cells_.Unreadable as exc:
        raise _refused(shown, [("", str(exc))]) from None
    programme, checked = _evaluate(programme_dir, edited, shown)
    with tempfile.TemporaryDirectory(prefix="xlfinance-import-") as folder:
        built = cells_.built_date(edited) or build_date()
        analysis = [s for s in edited.sheetnames if s in cells_.ANALYSIS_SHEETS]
        kept = cells_.defined_cells(edited)
        reference = cells_.read(_reference(programme, checked, built, Path(folder), analysis, kept))
    diffs, missing = cells_.differences(reference, edited)
    if missing:
        raise _refused(
            shown,
            [
                (
                    "",
                    f"was built from other definitions (sheet {missing[0]} is in one workbook "
                    "and not the other); build again and edit the new workbook",
                )
            ],
        )
    named = cells_.defined_cells(reference)
    moved = [name for name, cell in named.items() if kept.get(name) != cell]
    if moved:
        raise _refused(
            shown,
            [
                (
                    moved[0],
                    "the defined name was removed or points at another cell; import reads "
                    "each input by its name as xlfinance wrote it: build again",
                )
            ],
        )
    models = {pid: r.model for pid, r in checked.projects.items()}
    if checked.fund is not None:
        models["fund"] = checked.fund.model
    inputs = input_cells(named, programme, models)
    root = Path(programme_dir)
    documents = _Documents()
    stamp = printable(f"{STAMP} {Path(workbook).name} on {build_date().isoformat()}")
    changes, refusals = plan(diffs, inputs, root, documents, stamp)
    if refusals:
        shown_refusals = [(r.cell, r.message) for r in refusals[:MAX_REFUSALS_SHOWN]]
        if len(refusals) > MAX_REFUSALS_SHOWN:
            shown_refusals.append(("", f"and {len(refusals) - MAX_REFUSALS_SHOWN} more"))
        raise _refused(shown, shown_refusals)
    result = ImportResult(changes)
    result.files = _new_files(changes, documents, shown)
    if not result.files:
        return result
    _check_staged(programme, result.files, root)
    if not dry_run:
        try:
            replace_all(result.files)
        except ReplaceFailed as exc:
            raise _refused(shown, [("", str(exc))]) from None
        result.written = True
    return result


class _Documents:
    """Each definition file's bytes and data, read once (`documents(path)`)."""

    def __init__(self) -> None:
        self.raw: dict[Path, bytes] = {}
        self.data: dict[Path, object] = {}

    def __call__(self, path: Path) -> object:
        if path not in self.data:
            try:
                self.raw[path] = path.read_bytes()
                self.data[path] = yaml.safe_load(self.raw[path].decode("utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                self.data[path] = None
        return self.data[path]


def _new_files(
    changes: list[Change], documents: _Documents, shown: str
) -> dict[Path, tuple[bytes, bytes]]:
    edits: dict[Path, list[Edit]] = {}
    for change in changes:
        f = change.field
        todo = edits.setdefault(f.file, [])
        if change.new is not None:
            todo.append(Edit(f.value_path, f.written(change.new)))
        if change.source is not None and f.source_path is not None:
            todo.append(Edit(f.source_path, change.source))
    files: dict[Path, tuple[bytes, bytes]] = {}
    for path, todo in edits.items():
        unique = list({e.path: e for e in todo}.values())
        old = documents.raw[path]
        try:
            new = splice(old.decode("utf-8"), unique).encode("utf-8")
        except EditError as exc:
            raise _refused(shown, [(str(path), f"cannot be written: {exc}")]) from None
        files[path] = (old, new)
    return files


def _check_staged(programme: Programme, files: dict[Path, tuple[bytes, bytes]], root: Path) -> None:
    """Load and evaluate the definitions as they would be; DefinitionError naming the real
    files when they have a problem."""
    with tempfile.TemporaryDirectory(prefix="xlfinance-import-check-") as folder:
        stage = Path(folder) / (root.resolve().name or "programme")
        for path in programme.files:
            target = stage / Path(path).relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        for path, (_, new) in files.items():
            (stage / path.relative_to(root)).write_bytes(new)
        try:
            _evaluate(stage)
        except DefinitionError as exc:
            raise DefinitionError(
                [
                    Problem(
                        p.file.replace(str(stage), os.fspath(root), 1),
                        p.field,
                        "after the import: " + p.message,
                        p.line,
                    )
                    for p in exc.problems
                ]
            ) from None


def describe(result: ImportResult, root: str | os.PathLike[str]) -> list[str]:
    """One line a changed field: file, field, old -> new (in the file's own numbers), and
    its new source."""
    lines = []
    for change in result.changes:
        f = change.field
        file = os.fspath(Path(root, f.file.relative_to(Path(root))))
        if change.new is not None:
            lines.append(
                f"{file}: {dotted(f.value_path)}: {_number(f.written(change.old))} -> "
                f"{_number(f.written(change.new))} ({change.cell})"
            )
        # `plan` gives a source only to a field with a source beside its value
        if change.source is not None and f.source_path is not None:
            lines.append(f"{file}: {dotted(f.source_path)}: {change.source}")
        elif change.new is not None:
            lines.append(f"{file}: {dotted(f.value_path)}: a bare number, no source beside it")
    return lines


def _number(value: float) -> str:
    from xlfinance.definitions.schema import format_number

    return format_number(value)
