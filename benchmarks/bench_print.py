"""What the workbook's print setup costs LibreOffice's recalculation of it.

Builds Xiaolan (or takes `--workbook`), makes copies of its workbook that differ only in
their print setup, and times `xlfinance.recalc.values` (one LibreOffice start, the suite's
and `bench_build.py`'s check) on each in turn, interleaved, `--repeats` rounds; prints each
copy's median and its ratio to the workbook as built:

- as built: the scale, the column breaks and the print titles of the sheets that split
  (rows and label columns);
- titles rows only: the repeated label columns left out (the rows kept);
- no print titles: neither;
- no setup: no print titles, no breaks, no scale (LibreOffice's defaults);
- `--before PATH`, another workbook (a build of an earlier commit) timed in the same rounds.

Run: .venv/bin/python benchmarks/bench_print.py [--repeats N] [--before PATH]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rewrite(source: Path, target: Path, edit) -> Path:
    """A copy of a workbook with `edit(name, text)` applied to every XML part."""
    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if name.endswith(".xml"):
                data = edit(name, data.decode("utf-8")).encode("utf-8")
            archive.writestr(name, data)
    return target


def _rows_only(name: str, text: str) -> str:
    if name != "xl/workbook.xml":
        return text
    return re.sub(r",'[^']*'!\$[A-Z]+:\$[A-Z]+(?=</definedName>)", "", text)


def _no_titles(name: str, text: str) -> str:
    if name != "xl/workbook.xml":
        return text
    return re.sub(r'<definedName name="_xlnm\.Print_Titles"[^>]*>[^<]*</definedName>', "", text)


def _no_setup(name: str, text: str) -> str:
    text = _no_titles(name, text)
    if not name.startswith("xl/worksheets/sheet"):
        return text
    text = re.sub(r"<colBreaks.*?</colBreaks>|<rowBreaks.*?</rowBreaks>", "", text)
    return re.sub(r' scale="\d+"', "", text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workbook", type=Path, help="a built workbook (default: build one)")
    parser.add_argument("--before", type=Path, help="another workbook to time beside")
    args = parser.parse_args()

    from xlfinance import recalc

    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        folder = Path(tmp)
        workbook = args.workbook
        if workbook is None:
            from xlfinance.build import build

            workbook = build(ROOT / "projects" / "xiaolan", folder / "out").out_dir / (
                "xiaolan.xlsx"
            )
        copies = {"as built": _rewrite(workbook, folder / "built.xlsx", lambda n, t: t)}
        copies["titles rows only"] = _rewrite(workbook, folder / "rows.xlsx", _rows_only)
        copies["no print titles"] = _rewrite(workbook, folder / "untitled.xlsx", _no_titles)
        copies["no setup"] = _rewrite(workbook, folder / "bare.xlsx", _no_setup)
        if args.before is not None:
            copies["before"] = _rewrite(args.before, folder / "before.xlsx", lambda n, t: t)
        recalc.values([copies["as built"]])  # the profile made, LibreOffice's files cached
        times: dict[str, list[float]] = {name: [] for name in copies}
        for _ in range(args.repeats):
            for name, path in copies.items():
                started = time.perf_counter()
                recalc.values([path])
                times[name].append(time.perf_counter() - started)
        base = statistics.median(times["as built"])
        print(f"LibreOffice recalculation, median of {args.repeats} interleaved rounds")
        for name, seconds in times.items():
            median = statistics.median(seconds)
            print(f"  {name:18} {median:6.2f} s  x{median / base:.2f}")


if __name__ == "__main__":
    main()
