"""Recalculate workbooks in LibreOffice, headless, and read back the computed values.

A public helper for anyone checking an edited workbook without a desktop, and the test
suite's reference engine:

- `recalculate(path)` writes a recalculated copy of a workbook (xlsx) and returns its path;
- `values(paths)` recalculates several workbooks in one LibreOffice start and returns every
  sheet's computed cells, keyed by (row, column), as numbers, booleans, text or `CellError`.

LibreOffice's default profile keeps cached cell values instead of recalculating them; this
module runs it with a private profile whose `OOXMLRecalcMode` is 0 (always recalculate), so a
check against the recalculated values can never pass by echoing numbers a writer stored. The
profile is made once per process (a fresh one costs LibreOffice 0.2-0.5 s of first-start
setup) and removed when the process ends.

`values` reads LibreOffice's CSV export of every sheet rather than a re-saved xlsx: saving
xlsx costs LibreOffice about 40 ms a sheet, and CSV carries the same 15 significant digits.
"""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path
from xml.etree import ElementTree

_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""

# CSV filter options: comma, double quote, UTF-8, from line 1, default cell format and
# language, text quoted only where needed, values as stored (not as shown: full precision),
# no formulas, spaces kept, every sheet to its own file (-1; LibreOffice 7.2 and later).
_CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

Values = dict[str, dict[tuple[int, int], object]]
"""Sheet title -> (row, column) -> computed value, 1-based as in the workbook."""


class LibreOfficeMissing(RuntimeError):
    """No `soffice` on PATH."""


class CellError(str):
    """A cell whose formula gave an error, holding LibreOffice's text for it ('#N/A',
    '#DIV/0!', 'Err:502', ...)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"CellError({str(self)!r})"


def soffice() -> str:
    """Path of the LibreOffice binary, or raise LibreOfficeMissing."""
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise LibreOfficeMissing(
        "LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui"
    )


_lock = threading.Lock()
_profile_uri: list[str] = []


def _profile() -> str:
    """The URI of this process's LibreOffice profile, made on first use."""
    if not _profile_uri:
        directory = Path(tempfile.mkdtemp(prefix="xlf-lo-profile-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        user = directory / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_XCU, encoding="utf-8")
        _profile_uri.append(directory.resolve().as_uri())
    return _profile_uri[0]


def _run(paths: list[Path], out_dir: Path, fmt: str, timeout: float) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        soffice(),
        f"-env:UserInstallation={_profile()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        fmt,
        "--outdir",
        str(out_dir),
        *[str(p) for p in paths],
    ]
    with _lock:  # one LibreOffice at a time may use a profile
        returncode, stdout, stderr = _run_group(cmd, timeout)
    if returncode != 0:
        raise RuntimeError(
            f"LibreOffice failed to convert {paths}: exit {returncode}\n{stdout}\n{stderr}"
        )


def _run_group(cmd: list[str], timeout: float) -> tuple[int, str, str]:
    """Run `cmd` in a process group of its own: (exit status, stdout, stderr). Past
    `timeout` the whole group is killed and `subprocess.TimeoutExpired` raised. `soffice`
    is a wrapper that starts `soffice.bin`; killing the wrapper alone (as `subprocess.run`
    does) leaves `soffice.bin` recalculating, holding its memory and the profile."""
    child = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(child.pid)
        child.communicate()
        raise
    except BaseException:  # an interrupt: leave no LibreOffice behind
        _kill_group(child.pid)
        child.wait()
        raise
    return child.returncode, stdout, stderr


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:  # already gone
        pass


def convert(
    paths: list[Path], out_dir: Path, fmt: str = "xlsx", timeout: float = 300
) -> list[Path]:
    """Open each workbook in LibreOffice (always recalculating) and save it as `fmt` in out_dir.

    Several files go through one `soffice` start, which is most of the cost.
    Returns the converted files' paths, in the order given.
    """
    paths = [Path(p) for p in paths]
    _run(paths, out_dir, fmt, timeout)
    outs = [out_dir / (p.stem + "." + fmt.split(":")[0]) for p in paths]
    missing = [o for o in outs if not o.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice wrote no {missing}")
    return outs


def recalculate(path: Path, out_dir: Path | None = None) -> Path:
    """Recalculate one workbook in LibreOffice; return the path of the recalculated copy."""
    out_dir = out_dir or Path(tempfile.mkdtemp(prefix="xlf-recalc-"))
    return convert([path], out_dir)[0]


def values(paths: list[Path], timeout: float = 300) -> list[Values]:
    """Recalculate each workbook in one LibreOffice start; return each one's computed cells.

    Numbers come back as floats (ints where integral), TRUE/FALSE as booleans, errors as
    `CellError`, other text as str. Text that reads as a number (a year typed as text) comes
    back as the number: CSV cannot tell them apart.
    """
    paths = [Path(p) for p in paths]
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError(f"workbooks recalculated together need distinct names: {stems}")
    with tempfile.TemporaryDirectory(prefix="xlf-values-") as tmp:
        out = Path(tmp)
        _run(paths, out, _CSV_FILTER, timeout)
        books = []
        for path in paths:
            book = {}
            for title in sheet_titles(path):
                csv_path = out / f"{path.stem}-{title}.csv"
                if not csv_path.exists():
                    raise RuntimeError(f"LibreOffice wrote no values for sheet {title!r} of {path}")
                book[title] = _read_csv(csv_path)
            books.append(book)
    return books


def sheet_titles(path: Path) -> list[str]:
    """The workbook's sheet titles in order, read from its xl/workbook.xml."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    return [sheet.get("name", "") for sheet in root.iter(f"{_MAIN_NS}sheet")]


def _read_csv(path: Path) -> dict[tuple[int, int], object]:
    cells: dict[tuple[int, int], object] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for r, record in enumerate(csv.reader(handle), start=1):
            for c, text in enumerate(record, start=1):
                if text != "":
                    cells[(r, c)] = _value(text)
    return cells


_ERROR_TEXTS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def _value(text: str) -> object:
    if text == "TRUE":
        return True
    if text == "FALSE":
        return False
    if text in _ERROR_TEXTS or (text.startswith("Err:") and text[4:].isdigit()):
        return CellError(text)
    if text[0] not in "0123456789+-.":
        return text
    if text.endswith("%"):  # LibreOffice keeps the percent sign of a percent format
        try:
            return float(text[:-1]) / 100
        except ValueError:
            return text
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and "." not in text and "E" not in text.upper():
        return int(text)
    return number
