"""Where LibreOffice's recalculation of a workbook spends its time: one feature taken out at a time.

Each variant is the built workbook with one feature removed from its XML (the parts LibreOffice
reads, not the writer that made them), so the variants differ from the original by that
feature alone:

- charts: every sheet's `<drawing>` (the charts' parts stay in the package, unread);
- print areas: the `_xlnm.Print_Area` names (the workbook as it was written before they were);
- print titles: the `_xlnm.Print_Titles` names (rows and columns; or columns, or rows, alone);
- page setup: `<pageSetup>`, `<pageSetUpPr>`, `<pageMargins>`, `<printOptions>`;
- header/footer: `<headerFooter>` (the sheet name, "page / pages");
- page breaks: `<colBreaks>`, `<rowBreaks>`;
- defined names: every name but `_xlnm.*`, each formula that reads one given its address;
- conditional formats, merged cells, hyperlinks, data validations, comments: their elements;
- styles: every cell's, row's and column's `s`/`style` (all cells in the default style);
- column widths: `<cols>`; frozen panes: `<pane>`;
- formulas: every `<f>` (the values LibreOffice would compute are not there to compute);
- everything printed (titles, setup, header/footer, breaks) at once;
- an empty workbook (one sheet, one cell): LibreOffice's start and stop.

A feature the workbook does not have is reported as absent, not timed. Each variant is
recalculated as the tests do (`xlfinance.recalc.values`: one start, every sheet exported to
CSV), in turn with the others (interleaved, so load on a shared machine falls on all of them
alike), and its medians over the repeats printed, wall and CPU seconds (LibreOffice's, user
and system, which the machine's load moves less), with their difference from the whole
workbook's.

Run: .venv/bin/python benchmarks/bench_libreoffice.py [WORKBOOK] [--repeats 3] [--only NAME ...]
     (without WORKBOOK, Xiaolan is built into a temporary folder first)
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlfinance.recalc import values  # noqa: E402

Parts = dict[str, bytes]
SHEET = re.compile(r"xl/worksheets/sheet\d+\.xml")


def _sub_sheets(pattern: str, repl: str | Callable[[re.Match[str]], str] = "") -> Callable:
    """A variant that applies one regular expression to every sheet's XML."""
    compiled = re.compile(pattern, re.S)

    def apply(parts: Parts) -> int:
        found = 0
        for name in [n for n in parts if SHEET.fullmatch(n)]:
            text, n = compiled.subn(repl, parts[name].decode("utf-8"))
            parts[name] = text.encode("utf-8")
            found += n
        return found

    return apply


def _sub_workbook(pattern: str, repl: str | Callable[[re.Match[str]], str] = "") -> Callable:
    compiled = re.compile(pattern, re.S)

    def apply(parts: Parts) -> int:
        text, n = compiled.subn(repl, parts["xl/workbook.xml"].decode("utf-8"))
        parts["xl/workbook.xml"] = text.encode("utf-8")
        return n

    return apply


def _both(*steps: Callable) -> Callable:
    def apply(parts: Parts) -> int:
        return sum(step(parts) for step in steps)

    return apply


def _title_part(keep_rows: bool) -> Callable:
    """Print titles cut to their row part (keep_rows) or their column part."""
    rows = re.compile(r"!\$\d+:\$\d+$")

    def edit(match: re.Match[str]) -> str:
        refs = [r for r in match.group(2).split(",") if bool(rows.search(r)) == keep_rows]
        return f"{match.group(1)}{','.join(refs)}</definedName>" if refs else ""

    return _sub_workbook(
        r'(<definedName name="_xlnm\.Print_Titles"[^>]*>)([^<]*)</definedName>', edit
    )


def _inline_names(parts: Parts) -> int:
    """Drop every defined name but `_xlnm.*`; a formula reading one reads its address instead."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    pattern = re.compile(r'<definedName name="(?!_xlnm)([^"]+)"[^>]*>([^<]*)</definedName>')
    targets = {m.group(1): m.group(2) for m in pattern.finditer(workbook)}
    parts["xl/workbook.xml"] = pattern.sub("", workbook).encode("utf-8")
    token = re.compile(r"('[^']*'|\"[^\"]*\")|([A-Za-z_][\w.]*)")

    def formula(match: re.Match[str]) -> str:
        body = token.sub(
            lambda t: t.group(1) or targets.get(t.group(2), t.group(2)), match.group(1)
        )
        return f"<f>{body}</f>"

    _sub_sheets(r"<f>([^<]*)</f>", formula)(parts)
    return len(targets)


EMPTY = "empty workbook"
VARIANTS: dict[str, Callable[[Parts], int]] = {
    "charts": _sub_sheets(r"<drawing [^>]*/>"),
    "print titles": _sub_workbook(
        r'<definedName name="_xlnm\.Print_Titles"[^>]*>[^<]*</definedName>'
    ),
    "print areas": _sub_workbook(r'<definedName name="_xlnm\.Print_Area"[^>]*>[^<]*</definedName>'),
    "print title columns": _title_part(keep_rows=True),
    "print title rows": _title_part(keep_rows=False),
    "page setup": _sub_sheets(
        r"<pageSetup [^>]*/>|<pageSetUpPr[^>]*/>|<pageMargins [^>]*/>|<printOptions [^>]*/>"
    ),
    "header/footer": _sub_sheets(r"<headerFooter>.*?</headerFooter>"),
    "page breaks": _sub_sheets(r"<colBreaks .*?</colBreaks>|<rowBreaks .*?</rowBreaks>"),
    "all printing": _both(
        _sub_workbook(r'<definedName name="_xlnm\.Print_Titles"[^>]*>[^<]*</definedName>'),
        _sub_sheets(
            r"<pageSetup [^>]*/>|<pageSetUpPr[^>]*/>|<pageMargins [^>]*/>"
            r"|<printOptions [^>]*/>|<headerFooter>.*?</headerFooter>"
            r"|<colBreaks .*?</colBreaks>|<rowBreaks .*?</rowBreaks>"
        ),
    ),
    "defined names": _inline_names,
    "conditional formats": _sub_sheets(r"<conditionalFormatting .*?</conditionalFormatting>"),
    "data validations": _sub_sheets(r"<dataValidations .*?</dataValidations>"),
    "merged cells": _sub_sheets(r"<mergeCells .*?</mergeCells>"),
    "hyperlinks": _sub_sheets(r"<hyperlinks>.*?</hyperlinks>"),
    "comments": _sub_sheets(r"<legacyDrawing [^>]*/>"),
    "styles": _sub_sheets(r'(<(?:c|row|col) [^>]*?) (?:s|style)="\d+"', r"\1"),
    "column widths": _sub_sheets(r"<cols>.*?</cols>"),
    "frozen panes": _sub_sheets(r"<pane [^>]*/>"),
    "formulas": _sub_sheets(r"<f>[^<]*</f>"),
}


def read_parts(path: Path) -> Parts:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_parts(parts: Parts, path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def empty_workbook(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = 1
    book.save(path)


def variants(workbook: Path, out: Path, only: list[str]) -> dict[str, Path | None]:
    """Each variant's file (None where the workbook lacks the feature)."""
    original = read_parts(workbook)
    files: dict[str, Path | None] = {"whole workbook": workbook}
    for name, remove in VARIANTS.items():
        if only and name not in only:
            continue
        parts = dict(original)
        found = remove(parts)
        if not found:
            files[name] = None
            continue
        path = out / (re.sub(r"\W+", "-", name) + ".xlsx")
        write_parts(parts, path)
        files[name] = path
    empty = out / "empty.xlsx"
    empty_workbook(empty)
    files[EMPTY] = empty
    return files


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def recalc_seconds(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one recalculation of `path`."""
    start, cpu = time.perf_counter(), _children_cpu()
    values([path], timeout=600)
    return time.perf_counter() - start, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", nargs="?", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=[], choices=sorted(VARIANTS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xlf-bench-lo-") as tmp:
        out = Path(tmp)
        workbook = args.workbook
        if workbook is None:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "xlfinance",
                    "build",
                    str(ROOT / "projects" / "xiaolan"),
                    "--out",
                    str(out / "build"),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            workbook = out / "build" / "xiaolan.xlsx"
        files = variants(workbook, out, args.only)
        timed = {name: path for name, path in files.items() if path is not None}
        values([workbook])  # the first start sets up the profile
        seconds: dict[str, list[tuple[float, float]]] = {name: [] for name in timed}
        for _ in range(args.repeats):
            for name, path in timed.items():
                seconds[name].append(recalc_seconds(path))
        medians = {
            name: tuple(statistics.median(run[i] for run in runs) for i in (0, 1))
            for name, runs in seconds.items()
        }
        wall, cpu = medians["whole workbook"]
        print(f"LibreOffice recalculating {workbook.name}, medians of {args.repeats}, interleaved")
        print(f"  {'without':<22}{'wall s':>8}{'saves':>8}{'CPU s':>8}{'saves':>8}   wall runs")
        for name, path in files.items():
            if path is None:
                print(f"  {name:<22}{'absent':>8}")
                continue
            w, c = medians[name]
            runs = " ".join(f"{run[0]:.2f}" for run in seconds[name])
            if name == "whole workbook":
                print(f"  {name:<22}{w:>8.2f}{'':>8}{c:>8.2f}{'':>8}   {runs}")
            else:
                print(f"  {name:<22}{w:>8.2f}{wall - w:>+8.2f}{c:>8.2f}{cpu - c:>+8.2f}   {runs}")


if __name__ == "__main__":
    main()
