"""Test-suite settings and the fixtures shared across modules.

In CI (CI=true) hypothesis runs derandomized: the same examples every run, so a submission's
result does not depend on the luck of the draw. Locally it explores new examples each run and
keeps failing ones in .hypothesis/ to replay.

Charts are cached in a folder of the suite's own (`chart_cache`), never the user's cache.

Shared, built once a session:
- `xiaolan_build`: the Xiaolan programme built with its reports, for every test that only reads it
  (`XLFINANCE_REPORTS_OUT` names a folder to keep it in, for looking at the pages), once for
  all pytest-xdist workers (`shared`);
- `xiaolan_opened`: its workbook loaded by openpyxl, for the modules that read it;
- `clashing_build`: the variant of it whose project ids clash as sheet names, the same way;
- `recalculated_books`: every workbook registered with `tests.lo.workbooks`, recalculated in
  one LibreOffice start.
"""

from __future__ import annotations

import fcntl
import functools
import gc
import json
import os
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from .lo import HAVE_LIBREOFFICE, Recalculated

# The test modules' assertion-rewritten bytecode is kept (tests/__pycache__, git-ignored) even
# where PYTHONDONTWRITEBYTECODE is set, as on the shared machine: pytest rewrites the asserts
# of every test module it imports and, when it may not write the result, does it again in
# each process, every run (4.3 of the 7.0 CPU-s a worker took to collect the suite, twice
# under `-n 2`). Set before any test module is imported; the bytecode is Python's own,
# checked against its source's mtime and size.
sys.dont_write_bytecode = False

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"
SOURCE_DATE_EPOCH = 1732492800
"""The shared build's date (2024-11-25), so a test can build again and compare bytes."""


def pytest_configure(config):
    """xdist hands out its work in the order `pytest_collection_modifyitems` leaves the
    tests, not largest file first (`--loadscope-reorder`, which counts tests, not seconds)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


@pytest.hookimpl(trylast=True)  # after `-m` and `-k` have deselected what they leave out
def pytest_collection_modifyitems(config, items):
    """The LibreOffice tests first (one scope, `_split_scope` below; writing and
    recalculating every registered workbook takes 15 CPU-seconds in one go), test_hostile.py's
    157 tests beside them on the other worker, then every file in its order. The order
    within a file is kept. test_hostile's tests time the command line against the clock
    (refused within 5 s, alias bombs within 1 s): run early, they run in a worker that
    holds little yet, before the collector has the shared build and the module fixtures to
    walk (at the end they took 6 s and 1.9 s under a load of 11).

    The LibreOffice pass needs the shared Xiaolan build, so its worker builds it while the
    other runs test_hostile's tests, which need none. Where no LibreOffice test runs (`make
    test-fast`), the first file that reads the shared build goes first in their place:
    otherwise both workers went from test_hostile's tests to files reading the build at
    about the same time, and one waited out the other's build (33 s of a loaded run).

    Skip LibreOffice tests where soffice is missing, except in CI, where it is a failure.

    `make test` runs two pytest-xdist workers, scheduled by `pytest_xdist_make_scheduler`
    below: a file's tests stay on one worker (so Chromium, all in test_reports.py, starts
    once, and a module's fixtures are made once) and the LibreOffice tests share one. (xdist's
    own `loadgroup` would do it by marks, but pytest 9 no longer reads the node ids it
    rewrites.)"""
    recalculating = HAVE_LIBREOFFICE or os.environ.get("CI") == "true"
    builder = None
    if not (recalculating and any("libreoffice" in item.keywords for item in items)):
        builder = next((item.path for item in items if "xiaolan_build" in item.fixturenames), None)

    def rank(item) -> int:
        if "libreoffice" in item.keywords or item.path == builder:
            return 0
        return 1 if item.path.name in ONE_BY_ONE else 2

    items.sort(key=rank)  # stable: the order within each rank is kept
    if recalculating:
        return
    skip = pytest.mark.skip(reason="LibreOffice (soffice) is not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def chart_cache(tmp_path_factory):
    """Charts are cached in a folder of the suite's own, never the user's cache (the tests'
    subprocesses inherit it): in CI a new one each run, so every chart is drawn; locally
    `.pytest_cache/charts`, kept between runs for the edit loop. A cached chart is byte for
    byte the chart drawn, and its key hashes the drawing code, so an edit to a chart redraws
    it (tests/test_charts.py holds both)."""
    if os.environ.get("CI") == "true":
        folder = tmp_path_factory.mktemp("chart-cache")
    else:
        folder = ROOT / ".pytest_cache" / "charts"
        folder.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XLFINANCE_CACHE_DIR", str(folder))
        yield folder


def _libreoffice_tests(path: Path) -> frozenset[str]:
    """The tests of a file marked `needs_libreoffice` (functions or classes, by name)."""
    import ast

    def marked(node) -> bool:
        for deco in node.decorator_list:
            name = deco.id if isinstance(deco, ast.Name) else getattr(deco, "attr", "")
            if name in ("needs_libreoffice", "libreoffice"):
                return True
        return False

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and marked(node)
    )


# The tests with LibreOffice checks, by file: under pytest-xdist they all run on one worker,
# so the suite makes one LibreOffice pass (tests/lo.py recalculates every registered workbook
# on the first request in a process); the other tests of their files spread as any file's.
LIBREOFFICE_TESTS = {
    path.name: _libreoffice_tests(path)
    for path in Path(__file__).parent.glob("test_*.py")
    if "needs_libreoffice" in path.read_text(encoding="utf-8")
}


ONE_BY_ONE = frozenset({"test_hostile.py"})
"""Files whose tests share no fixture beyond the session's: xdist may hand them out one by
one, to whichever worker is free."""


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, except that every test with LibreOffice checks is one scope and
    the tests of ONE_BY_ONE's files are one each."""
    from xdist.scheduler import LoadFileScheduling

    class OneLibreOffice(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file, _, rest = nodeid.partition("::")
            test = rest.split("::", 1)[0].split("[", 1)[0]
            if test in LIBREOFFICE_TESTS.get(Path(file).name, ()):
                return "libreoffice"
            return nodeid if Path(file).name in ONE_BY_ONE else file

    return OneLibreOffice(config, log)


@dataclass(frozen=True)
class Built:
    """The shared Xiaolan build: what `build` returned, its folder and its results.json;
    `by_openpyxl`, its workbook as openpyxl's own writer saves it (`with_openpyxl_copies`)."""

    build: object
    out: Path
    results: dict
    by_openpyxl: Path

    @property
    def workbook(self) -> Path:
        return self.out / "xiaolan.xlsx"


def with_openpyxl_copies(patch: pytest.MonkeyPatch, folder: Path) -> list[Path]:
    """Make the build write each workbook twice, from the same definitions and results:
    first saved by openpyxl's own `ExcelWriter` into `folder`, then as the build saves it.
    Returns the list the copies' paths go into (tests/test_sheetdata.py holds them to the
    build's, part by part). Twice, not one Workbook saved twice: a save changes the
    Workbook (openpyxl sets each sheet's outlineLevelCol), so a second save differs."""
    from openpyxl.writer.excel import ExcelWriter

    from xlfinance import build
    from xlfinance.render import workbook

    copies: list[Path] = []
    write = build._write_workbook
    by_openpyxl = functools.partial(workbook.save, writer=ExcelWriter)

    def twice(path, *args, **kwargs):
        copies.append(folder / f"{len(copies)}-{Path(path).name}")
        with pytest.MonkeyPatch.context() as inner:
            inner.setattr(workbook, "save", by_openpyxl)
            inner.setattr(workbook, "FREEZE", False)  # openpyxl's writer writes cells
            write(copies[-1], *args, **kwargs)
        return write(path, *args, **kwargs)

    folder.mkdir(parents=True, exist_ok=True)
    patch.setattr(build, "_write_workbook", twice)
    return copies


def shared(tmp_path_factory, name: str, make: Callable[[Path], object]) -> object:
    """`make(folder)`'s value, made once a session however many pytest-xdist workers ask.

    The first worker to ask makes it in a folder of the session's (every worker's base temp
    folder is under it) and pickles it beside; the others wait for it and unpickle it: 0.4 s
    for the Xiaolan build instead of building it again (3 s with the caches warm, 12 s cold as
    in CI). Each worker gets its own objects: nothing one worker's tests do reaches another's.
    Without xdist it is made in the session's own base temp folder."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, pickled = root / f"shared-{name}", root / f"shared-{name}.pickle"
    with open(root / f"shared-{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if pickled.exists():
            return pickle.loads(pickled.read_bytes())
        value = make(folder)
        staging = pickled.with_suffix(".staging")
        staging.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        staging.replace(pickled)
        return value


def frozen(value):
    """`value`, with every object alive now moved out of the garbage collector's reach
    (`gc.freeze`; what is garbage already collected first). A session fixture lives to the
    end of the session, and each full collection walked its objects again (the workbook
    openpyxl loads alone holds 174,000), in every test after; reference counting still
    frees what they drop. 33.0 and 31.4 -> 31.3 and 29.3 user CPU-s four files' fast-loop
    tests with the shared build in one process (test_results, test_fund, test_workbook,
    test_compiled_evaluation), interleaved."""
    gc.collect()
    gc.freeze()
    return value


def pytest_collection_finish(session):
    """The collected modules, their imports and their tests, out of the collector's reach
    (`frozen`)."""
    frozen(None)


def _build_xiaolan(folder: Path) -> Built:
    from xlfinance.build import build

    keep = os.environ.get("XLFINANCE_REPORTS_OUT")
    out = Path(keep) if keep else folder / "xiaolan"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(SOURCE_DATE_EPOCH))
        copies = with_openpyxl_copies(patch, folder / "by-openpyxl")
        result = build(XIAOLAN, out)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (by_openpyxl,) = copies
    return Built(result, out, results, by_openpyxl)


@pytest.fixture(scope="session")
def xiaolan_build(tmp_path_factory) -> Built:
    """The Xiaolan programme built with its reports, once a session (`shared`); tests only
    read it (a test that changes the outputs copies them first)."""
    return frozen(shared(tmp_path_factory, "xiaolan", _build_xiaolan))


@pytest.fixture(scope="session")
def xiaolan_opened(xiaolan_build):
    """The shared build's workbook as openpyxl reads it (1.3 s a load), loaded once a worker
    for the modules that read its cells, styles and print settings; they never change it."""
    import openpyxl

    return frozen(openpyxl.load_workbook(xiaolan_build.workbook))


@dataclass(frozen=True)
class ClashingBuild:
    """Xiaolan with project ids that clash as sheet names (tests/test_workbook.py's
    `CLASHING_IDS`), built without its reports; `by_openpyxl`, its workbook as openpyxl's own
    writer saves it (`with_openpyxl_copies`)."""

    build: object
    by_openpyxl: Path

    @property
    def workbook(self) -> Path:
        return self.build.out_dir / "xiaolan.xlsx"


def _build_clashing(folder: Path) -> ClashingBuild:
    from xlfinance.build import build

    from .test_workbook import CLASHING_IDS, _with_ids

    programme = _with_ids(folder / "clashing", CLASHING_IDS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(SOURCE_DATE_EPOCH))
        copies = with_openpyxl_copies(patch, folder / "by-openpyxl")
        result = build(programme, folder / "out", reports=False)
    (by_openpyxl,) = copies
    return ClashingBuild(result, by_openpyxl)


@pytest.fixture(scope="session")
def clashing_build(tmp_path_factory) -> ClashingBuild:
    """The variant whose ids clash as sheet names, built once a session for the two tests
    that read it (`shared`): its LibreOffice check (tests/test_workbook.py) and its workbook
    held to openpyxl's writer (tests/test_sheetdata.py)."""
    return frozen(shared(tmp_path_factory, "clashing", _build_clashing))


@pytest.fixture(scope="session")
def recalculated_books(tmp_path_factory, request) -> Recalculated:
    return Recalculated(tmp_path_factory.mktemp("libreoffice"), request.getfixturevalue)
