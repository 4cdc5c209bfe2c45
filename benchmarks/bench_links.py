"""Does headless LibreOffice recompute through a link to another workbook, and do two
LibreOffice processes recalculate workbooks in parallel on two cores?

Splitting a programme's project sheets into workbooks of their own (#17 item 5) is only
sound if the main workbook's formulas that read them stay live: LibreOffice, recalculating
the main workbook as the tests do (`xlfinance.recalc.values`, `soffice --convert-to csv`
with a profile that forces recalculation), must read the linked workbook's cells, not the
values cached beside the link. The probe is two books written here:

- `linked.xlsx`: Sheet1!A1 = 2 (a number), A2 = A1*3 (a formula with no cached value: 6
  only once computed);
- `main.xlsx`: A1 = [1]Sheet1!$A$2*10 and A2 = [1]Sheet1!$A$1*10, an xlsx external link
  (ECMA-376 Part 1, 18.14 externalLink; `xl/externalLinks/externalLink1.xml` and its
  `externalLinkPath` relationship) to linked.xlsx whose cached values are deliberately
  WRONG (A1 555, A2 999), or absent.

Through the link LibreOffice gives 60 and 20; from the cache 9990 and 5550; with no cache
and no link read, 0 and 0. Each case is recalculated in a child process of its own, with
the suite's profile and each of these settings added (LibreOffice's configuration schema,
officecfg/registry/schema/org/openoffice/Office/Calc.xcs, Content/Update/Link: 0 always,
1 never, 2 on request; Common.xcs, Security/Scripting/MacroSecurityLevel 0, under which
LibreOffice treats every location as trusted for updating links, and SecureURL, the
trusted locations):

- `suite`: the suite's profile as it is;
- `always`: Calc's link update mode "always";
- `always+low`: that, and macro security low;
- `always+trusted`: that, and the books' folder a trusted location.

`--parallel BOOK` recalculates copies of BOOK (4 by default) in one LibreOffice start, then
in two started at once (half the copies each, each with a profile of its own), in turn,
medians of `--repeats`: wall seconds, and the ratio of two at once to one.

Run: .venv/bin/python benchmarks/bench_links.py [--parallel BOOK] [--copies 4] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlfinance import recalc  # noqa: E402

SETTINGS = {
    "suite": "",
    "always": '<item oor:path="/org.openoffice.Office.Calc/Content/Update">'
    '<prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>',
}
SETTINGS["always+low"] = SETTINGS["always"] + (
    '<item oor:path="/org.openoffice.Office.Common/Security/Scripting">'
    '<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>0</value></prop></item>'
)
SETTINGS["always+trusted"] = SETTINGS["always"] + (
    '<item oor:path="/org.openoffice.Office.Common/Security/Scripting">'
    '<prop oor:name="SecureURL" oor:op="fuse"><value><it>{folder}</it></value></prop></item>'
)

THROUGH_LINK = {(1, 1): 60, (2, 1): 20}
"""main.xlsx's A1 and A2 computed from linked.xlsx: 6 * 10 (A2 = A1 * 3 = 2 * 3) and 2 * 10."""
FROM_CACHE = {(1, 1): 9990, (2, 1): 5550}
"""The same from the wrong cached values: 999 * 10 and 555 * 10."""


def write_books(folder: Path, *, cached: bool, absolute: bool) -> Path:
    """linked.xlsx and main.xlsx in `folder`; main.xlsx's path."""
    from openpyxl import Workbook
    from openpyxl.packaging.relationship import Relationship
    from openpyxl.workbook.external_link.external import (
        ExternalBook,
        ExternalCell,
        ExternalLink,
        ExternalRow,
        ExternalSheetData,
        ExternalSheetDataSet,
        ExternalSheetNames,
    )

    folder.mkdir(parents=True, exist_ok=True)
    linked = Workbook()
    ws = linked.active
    ws.title = "Sheet1"
    ws["A1"] = 2
    ws["A2"] = "=A1*3"
    linked.save(folder / "linked.xlsx")
    main = Workbook()
    ws = main.active
    ws.title = "Main"
    ws["A1"] = "=[1]Sheet1!$A$2*10"
    ws["A2"] = "=[1]Sheet1!$A$1*10"
    cache = None
    if cached:
        rows = [
            ExternalRow(r=1, cell=[ExternalCell(r="A1", v="555")]),
            ExternalRow(r=2, cell=[ExternalCell(r="A2", v="999")]),
        ]
        cache = ExternalSheetDataSet([ExternalSheetData(sheetId=0, row=rows)])
    book = ExternalBook(sheetNames=ExternalSheetNames(["Sheet1"]), sheetDataSet=cache, id="rId1")
    link = ExternalLink(externalBook=book)
    target = (folder / "linked.xlsx").resolve().as_uri() if absolute else "linked.xlsx"
    link.file_link = Relationship(
        Id="rId1", type="externalLinkPath", Target=target, TargetMode="External"
    )
    main._external_links.append(link)  # openpyxl writes the part and its relationship
    main.save(folder / "main.xlsx")
    return folder / "main.xlsx"


def probe(setting: str, main: Path) -> dict[tuple[int, int], object]:
    """main.xlsx recalculated with the suite's profile and `setting` added (in this process,
    whose profile is made on first use)."""
    extra = SETTINGS[setting].format(folder=main.parent.resolve().as_uri() + "/")
    recalc._PROFILE_XCU = recalc._PROFILE_XCU.replace("</oor:items>", extra + "</oor:items>")
    (book,) = recalc.values([main])
    return book["Main"]


def verdict(cells: dict[tuple[int, int], object]) -> str:
    if cells == THROUGH_LINK:
        return "recomputed through the link"
    if cells == FROM_CACHE:
        return "the cached values kept"
    return "neither (the link not read)"


def links(work: Path) -> None:
    print(f"{'link target':>12}  {'cache':>6}  {'setting':>15}  A1, A2  verdict")
    for absolute in (False, True):
        for cached in (True, False):
            for setting in SETTINGS:
                folder = work / f"{int(absolute)}{int(cached)}-{setting}"
                main = write_books(folder, cached=cached, absolute=absolute)
                out = subprocess.run(
                    [sys.executable, __file__, "--probe", setting, str(main)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                cells = {tuple(k): v for k, v in json.loads(out)}
                shown = f"{cells.get((1, 1))}, {cells.get((2, 1))}"
                target = "absolute" if absolute else "relative"
                wrong = "wrong" if cached else "none"
                print(
                    f"{target:>12}  {wrong:>6}  {setting:>15}  {shown}  {verdict(cells)}",
                    flush=True,
                )


def recalc_in_child(books: list[Path]) -> subprocess.Popen[bytes]:
    """A child process recalculating `books` in one LibreOffice start (a profile of its own)."""
    code = "import sys; from pathlib import Path; from xlfinance import recalc; "
    code += "recalc.values([Path(p) for p in sys.argv[1:]], timeout=1200)"
    return subprocess.Popen([sys.executable, "-c", code, *map(str, books)], cwd=ROOT)


def parallel(book: Path, work: Path, copies: int, repeats: int) -> None:
    books = []
    for i in range(copies):
        books.append(work / f"copy{i}-{book.name}")
        shutil.copyfile(book, books[-1])
    half = copies // 2
    taken: dict[str, list[float]] = {"one start": [], "two at once": []}
    for _ in range(repeats):
        started = time.perf_counter()
        if recalc_in_child(books).wait():
            sys.exit("LibreOffice failed")
        taken["one start"].append(time.perf_counter() - started)
        started = time.perf_counter()
        children = [recalc_in_child(books[:half]), recalc_in_child(books[half:])]
        if any(child.wait() for child in children):
            sys.exit("LibreOffice failed")
        taken["two at once"].append(time.perf_counter() - started)
    one, two = (statistics.median(t) for t in taken.values())
    print(f"{copies} copies of {book.name}, medians of {repeats}, wall s:")
    print(f"  one LibreOffice, all {copies}: {one:.2f}  (runs {taken['one start']})")
    print(f"  two at once, {half} and {copies - half}: {two:.2f}  (runs {taken['two at once']})")
    print(f"  two at once / one: {two / one:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", nargs=2, metavar=("SETTING", "MAIN"), help=argparse.SUPPRESS)
    parser.add_argument("--parallel", type=Path, metavar="BOOK")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.probe:
        cells = probe(args.probe[0], Path(args.probe[1]))
        print(json.dumps([[list(k), v] for k, v in sorted(cells.items())]))
        return
    with tempfile.TemporaryDirectory(prefix="bench-links-") as tmp:
        if args.parallel:
            parallel(args.parallel, Path(tmp), args.copies, args.repeats)
        else:
            links(Path(tmp))


if __name__ == "__main__":
    main()
