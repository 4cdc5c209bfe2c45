"""`xlfinance build`: evaluate a programme and write its outputs, all or nothing.

Where a build may write, and how it replaces the previous outputs without losing anything,
is `xlfinance.outputs`: a staging folder that takes the output folder's place only when
every file is written, so a failed or interrupted build leaves the previous outputs exactly
as they were.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypedDict, TypeVar

from xlfinance import collector
from xlfinance.assemble import programme_results, project_results, with_analysis
from xlfinance.check import check_programme
from xlfinance.definitions import Programme, load_programme
from xlfinance.forked import Forked
from xlfinance.outputs import check_output, staged
from xlfinance.portfolio import Portfolio, roll_up
from xlfinance.projects import ProjectResult
from xlfinance.render import results_json
from xlfinance.results import JSON, ProgrammeResults, has

if TYPE_CHECKING:
    from typing import Self

    from xlfinance.fund import FundEvaluation
    from xlfinance.model.sheet import Book
    from xlfinance.render.workbook import SheetAdder, WorkbookOutput
    from xlfinance.risk.engine import Progress
    from xlfinance.risk.results import RiskResult
    from xlfinance.structuring.run import StructuringResult

T = TypeVar("T")

OnPhase = Callable[[str], None]
"""`on_phase(name)`: a phase of the build (load, evaluate, roll-up, ...) starts."""
OnProgress = Callable[[str, int, "int | None"], None]
"""`on_progress(kind, done, total)`: the Monte Carlo's rows ("monte_carlo") or the charts
made ("charts", total None)."""
Analysis = tuple["RiskResult | None", "StructuringResult | None", dict[str, float]]
"""risk.yaml's and structuring.yaml's results (None without the file) and the seconds each
took (`_analyse`)."""


@dataclass
class BuildResult:
    """What a build produced, for the command line to report."""

    programme: Programme
    projects: dict[str, ProjectResult]
    portfolio: Portfolio
    fund: FundEvaluation | None
    risk: RiskResult | None
    results: dict[str, JSON]
    """results.json as written (`programme_results.to_json()`)."""
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each phase, in the order run (load, evaluate, roll-up, ...)."""
    moved_aside: Path | None = None
    """Where `force` moved the changed or foreign files of the previous outputs, if any."""
    structuring: StructuringResult | None = None
    """The solves of structuring.yaml (`xlfinance.structuring.run.StructuringResult`), None
    when the programme has none."""
    programme_results: ProgrammeResults = field(kw_only=True)
    """The typed results the pages and the command line's summary read."""


class _Phases:
    """Times the phases of a build: `with phases("load"): ...`; `on_phase(name)`, when
    given, is told as each starts."""

    def __init__(self, on_phase: OnPhase | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self.on_phase = on_phase

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        if self.on_phase is not None:
            self.on_phase(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


class _Analysed(TypedDict, total=False):
    """What the Risk and Structuring sheets' turn in the workbook hands back to `build`."""

    risk: RiskResult | None
    structuring: StructuringResult | None
    results: ProgrammeResults


@collector.held
def build(
    programme_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    risk_trials: int | None = None,
    risk_seed: int | None = None,
    progress: Progress | None = None,
    reports: bool = True,
    force: bool = False,
    on_phase: OnPhase | None = None,
    on_progress: OnProgress | None = None,
) -> BuildResult:
    """Load, evaluate and write every output of a programme into `out_dir`.

    When the programme has a `risk.yaml`, its scenarios, tornado and Monte Carlo run too,
    with `risk_trials` and `risk_seed` in place of the file's own when given; `progress`
    reports the Monte Carlo's advance, `on_phase(name)` the start of each phase (load,
    evaluate, roll-up, workbook, html), and `on_progress(kind, done, total)` the Monte
    Carlo's rows (kind "monte_carlo") and the charts made (kind "charts", total None). Unlike
    `progress`, `on_progress` may be called from the forked child that runs the Monte Carlo
    (`xlfinance.forked`), so it may only write to a stream: whatever it keeps stays in the
    child. Everything is computed before anything is written.
    With `reports=False` only the workbook and results.json are written (no HTML, no charts).
    What the roll-up leaves is held out of the collector's full passes to the end of the
    build (`xlfinance.collector`), in this process and the forked child.

    `out_dir` must be new, empty or xlfinance's own (`xlfinance.outputs.check_output`), else
    `OutputRefused` is raised before anything is computed; `force` moves aside, and never
    deletes, the files of previous outputs that changed since they were written.
    """
    started = time.perf_counter()
    phase = _Phases(on_phase)
    with phase("load"):
        programme = load_programme(programme_dir, require_projects=True)
        plan = check_output(out_dir, programme_dir, programme.files, force=force)
    with phase("evaluate"):  # the projects, the fund and risk.yaml's paths, as validate does
        checked = check_programme(programme)
        projects, fund = checked.projects, checked.fund
    with phase("roll-up"):  # the budget, benefits, MACC and findings; the fund's results
        portfolio = roll_up(programme, projects, fund)
        rolled_up = programme_results(programme, project_results(projects), portfolio, fund)
    collector.hold()  # the definitions, models and results: alive to the end of the build
    out = plan.path
    name = programme.programme.id
    monte_carlo = progress
    if monte_carlo is None and on_progress is not None:
        monte_carlo = partial(on_progress, "monte_carlo")
    analyse = partial(_analyse, programme, projects, fund, risk_trials, risk_seed, monte_carlo)
    # The Monte Carlo and the solves run in a forked child (`xlfinance.forked`) while this
    # process writes the workbook's other sheets; the Risk and Structuring sheets wait for them.
    ahead = progress is None and (programme.risk or programme.structuring) is not None
    later: Forked[Analysis] | _Inline[Analysis]
    with Forked(analyse) if ahead else _Inline(analyse) as later:
        analysis: _Analysed = {}

        def analysed(book: Book, sheet_maps: Mapping[str, object]) -> None:
            started = time.perf_counter()
            if reports and getattr(later, "forked", False):
                # The pitches' charts need no analysis: drawn while the child computes it.
                from xlfinance.render.pitch_page import draw_ahead

                draw_ahead(rolled_up.projects)
            ahead = time.perf_counter() - started
            risk, structuring, seconds = later.result()
            phase.seconds.update(seconds)
            phase.seconds["charts ahead"] = ahead
            phase.seconds["analysis wait"] = waited = time.perf_counter() - started - ahead
            phase.seconds["workbook"] = phase.seconds.get("workbook", 0.0) - waited - ahead
            analysis["risk"], analysis["structuring"] = risk, structuring
            analysis["results"] = with_analysis(rolled_up, risk, structuring)
            if risk is not None:
                from xlfinance.risk.sheet import risk_sheet

                risk_sheet(risk)(book, sheet_maps)
            if structuring is not None:
                from xlfinance.structuring.sheet import structuring_sheet

                structuring_sheet(structuring)(book, sheet_maps)

        with staged(plan, programme_dir, phase.seconds) as stage:
            with phase("workbook"):
                workbook = _write_workbook(
                    stage / f"{name}.xlsx",
                    programme,
                    projects,
                    portfolio,
                    built=build_date(),
                    fund=fund,
                    extra_sheets=[analysed],
                )
                analysed_results = analysis["results"]
                document = analysed_results.to_json()
                typed = replace(
                    analysed_results,
                    workbook_names={
                        path: defined
                        for path, defined in workbook.names.items()
                        if has(document, path)
                    },
                )
                del document  # (27 MB of JSON at 1,000 projects) before its copy with the names
                results = typed.to_json()
                (stage / "results.json").write_text(results_json.dumps(results), encoding="utf-8")
            if reports:
                from xlfinance.render import charts
                from xlfinance.render.reports import write_reports

                before = charts.STATS["seconds"]
                on_chart = None
                if on_progress is not None:
                    on_chart = partial(_chart_made, on_progress)
                with phase("html"):
                    write_reports(stage, typed, on_chart)
                drawing = charts.STATS["seconds"] - before
                phase.seconds["charts"] = drawing  # drawn or read from the cache
                phase.seconds["html"] -= drawing
    files = sorted(p for p in out.rglob("*") if p.is_file())
    seconds = time.perf_counter() - started
    return BuildResult(
        programme,
        projects,
        portfolio,
        fund,
        analysis.get("risk"),
        results,
        out,
        files,
        seconds,
        phase.seconds,
        plan.moved_to,
        analysis.get("structuring"),
        programme_results=typed,
    )


def _chart_made(on_progress: OnProgress, made: int) -> None:
    on_progress("charts", made, None)


def _analyse(
    programme: Programme,
    projects: dict[str, ProjectResult],
    fund: FundEvaluation | None,
    risk_trials: int | None,
    risk_seed: int | None,
    progress: Progress | None,
) -> Analysis:
    """risk.yaml's scenarios, tornado and Monte Carlo, and structuring.yaml's solves (each
    None when the programme has no such file), with the seconds each took."""
    seconds: dict[str, float] = {}
    risk: RiskResult | None = None
    structuring: StructuringResult | None = None
    if programme.risk is not None:
        started = time.perf_counter()
        from xlfinance.risk.engine import run_risk

        risk = run_risk(programme, projects, fund, risk_trials, risk_seed, progress)
        seconds["risk"] = time.perf_counter() - started
    if programme.structuring is not None:
        started = time.perf_counter()
        from xlfinance.structuring.run import run_structuring

        structuring = run_structuring(programme, projects, fund, trials=risk_trials)
        seconds["structuring"] = time.perf_counter() - started
    return risk, structuring, seconds


class _Inline(Generic[T]):
    """`Forked`'s interface, computing in this process when the result is asked for: where
    there is nothing to compute, or a progress callback must be called from here."""

    def __init__(self, compute: Callable[[], T]):
        self.result = compute

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _write_workbook(
    path: Path,
    programme: Programme,
    projects: dict[str, ProjectResult],
    portfolio: Portfolio,
    *,
    built: dt.date,
    fund: FundEvaluation | None,
    extra_sheets: Sequence[SheetAdder],
) -> WorkbookOutput:
    from xlfinance.render.workbook import write_workbook

    return write_workbook(
        path, programme, projects, portfolio, built=built, fund=fund, extra_sheets=extra_sheets
    )


def build_date() -> dt.date:
    """Today, or the date of SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()
