"""The `xlfinance` command line.

    xlfinance validate DIR            load and check a programme folder, print a summary
    xlfinance build DIR --out OUT     evaluate it and write every output into OUT
    xlfinance risk DIR --trials N --seed S --out OUT   the same with the risk analysis
    xlfinance new DIR --archetype NAME    start a project definition from an example
    xlfinance structure DIR [--trials N]  the support each project needs (structuring.yaml)
    xlfinance risk DIR [--trials N] [--seed S] [--out OUT]
                                      build with the scenarios, tornado and Monte Carlo of
                                      DIR/risk.yaml, showing a progress bar
    xlfinance import WORKBOOK DIR [--dry-run]
                                      write the inputs changed in an edited workbook back
                                      into DIR's definitions (xlfinance.roundtrip)

Subcommands live in `COMMANDS`, a dict of name -> `Command` (help text, a function that
adds the subcommand's arguments, a handler returning the exit status). To add one, write
its two functions and add an entry:

    COMMANDS["build"] = Command("build the workbook and reports", _build_arguments, _build)

Exit status: 0 success; 2 when the definitions have problems (each printed on stderr,
one a line, then "N problem(s) found"), a file cannot be read or the output folder cannot
be written as asked (one line naming --out and why); argparse's usage errors are 2 as
well; 130 after Ctrl-C (SIGINT) and 143 after SIGTERM, with one line and the previous
outputs untouched.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from xlfinance import __version__
from xlfinance.errors import DefinitionError, printable

if TYPE_CHECKING:
    from xlfinance.build import BuildResult
    from xlfinance.results import JSON, ProgrammeResults, ProjectResults
    from xlfinance.structuring.blended import Blended, Quantity
    from xlfinance.structuring.fund import Entry

EXIT_OK = 0
EXIT_PROBLEMS = 2


@dataclass(frozen=True)
class Command:
    """One subcommand: its help line, its arguments and what it does."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _money(x: float) -> str:
    """74290.0 -> '74,290'; 12.5 -> '12.5'."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


# --------------------------------------------------------------------------------------
# validate
# --------------------------------------------------------------------------------------


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="programme folder (holds programme.yaml)")


def _validate(args: argparse.Namespace) -> int:
    from xlfinance.check import check_programme
    from xlfinance.definitions import load_programme

    programme = load_programme(args.dir, require_projects=True)
    _warn(programme.warnings)
    checked = check_programme(programme)  # everything build checks, nothing written
    info, budget = programme.programme, programme.budget
    sums = budget.column_sums()
    labels = {
        "market_wan_yuan": "market",
        "policy_grants_wan_yuan": "policy grants",
        "town_government_wan_yuan": "town government",
    }
    width = max(len(_money(sums[name])) for name in ("total_wan_yuan", *labels))
    lines = [
        f"{info.name.zh} / {info.name.en} ({info.id})",
        f"budget: {len(budget.lines)} lines, total {_money(sums['total_wan_yuan'])} 万元",
    ]
    for name, label in labels.items():
        lines.append(f"  {label + ':':<17}{_money(sums[name]):>{width}} 万元")
    lines.append(f"projects: {len(programme.projects)}")
    if programme.projects:
        from xlfinance.assemble import project_results

        lines.extend(_project_table(project_results(checked.projects)))
    lines.append(f"OK: {len(programme.files)} file(s) valid")
    print(printable_lines(lines))
    return EXIT_OK


def _warn(warnings: Iterable[object]) -> None:
    """Each warning of the definitions on stderr, one a line."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def printable_lines(lines: Sequence[str]) -> str:
    """`lines` joined for the terminal, each escaped (`errors.printable`): names come
    from definition files, and nothing read from a file is printed raw."""
    return "\n".join(printable(line) for line in lines)


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _cell(value: float, fmt: str) -> str:
    return "n/a" if value != value else format(value, fmt)


def _project_table(projects: Mapping[str, ProjectResults]) -> list[str]:
    """One line a project: capex and NPV in 万元, IRR, payback, t CO2e a year."""
    # 万 is two columns wide in a terminal, so these headers are padded one space less.
    head = f"  {'project':<26}{'archetype':<11}{'capex 万元':>10}{'NPV 万元':>10}"
    head += f"{'IRR':>8}{'payback':>9}{'t CO2e/yr':>12}"
    rows = [head]
    for pid, project in projects.items():
        m = {name: _nan(q.value) for name, q in project.metrics.items()}
        rows.append(
            f"  {pid:<26}{project.archetype:<11}"
            f"{_cell(m['capex_yuan'] / 1e4, ',.0f'):>12}{_cell(m['npv_yuan'] / 1e4, ',.0f'):>12}"
            f"{_cell(m['irr'] * 100, '.1f') + ('%' if m['irr'] == m['irr'] else ''):>8}"
            f"{_cell(m['payback_years'], '.1f'):>9}"
            f"{_cell(m['abatement_t_co2e_per_year'], ',.0f'):>12}"
        )
    return rows


# --------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------


def _build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="programme folder (holds programme.yaml)")
    parser.add_argument(
        "--out",
        metavar="OUT",
        required=True,
        help="output folder: new, empty, or written by xlfinance (replaced as a whole)",
    )
    _force_argument(parser)
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="list every file written and the seconds of each phase",
    )


def _force_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="move aside (never delete) output files changed since xlfinance wrote them",
    )


def _moved(result: BuildResult) -> None:
    if result.moved_aside is not None:
        print(
            printable(
                "moved the changed or foreign files of the previous outputs to "
                f"{result.moved_aside}"
            )
        )


def _wrote(result: BuildResult) -> str:
    return f"wrote {len(result.files)} file(s) to {result.out_dir} in {result.seconds:.2f} s"


class _PhaseLine:
    """The phase a build is in, on one line of a terminal's stderr, rewritten as it moves
    on and cleared at the end; nothing where stderr is not a terminal (logs stay clean)."""

    WORDS = {
        "load": "reading the definitions",
        "evaluate": "evaluating the projects and the fund",
        "roll-up": "rolling up the budget and the findings",
        "workbook": "writing the workbook (risk and structuring beside it)",
        "html": "writing the pages and charts",
    }

    BAR = 20
    """The Monte Carlo bar's width, in characters."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown: str | None = None

    def __call__(self, name: str) -> None:
        self._show(f"{self.WORDS.get(name, name)} ...")

    def progress(self, kind: str, done: int, total: int | None) -> None:
        """`build`'s `on_progress`: a bar for the Monte Carlo, which runs in the forked child
        while the parent writes the workbook (so the child draws it: this only writes to
        the stream), and a count of the charts. Redrawn only when what it shows changes."""
        if kind == "monte_carlo" and total:
            share = min(1.0, max(0.0, done / total))
            filled = int(share * self.BAR)
            bar = "#" * filled + " " * (self.BAR - filled)
            self._show(f"Monte Carlo [{bar}] {int(share * 100):3d}% (the workbook beside it)")
        elif kind == "charts":
            self._show(f"writing the pages: {done} chart(s) made ...")

    def _show(self, text: str) -> None:
        if self.live and text != self.shown:
            self.shown = text
            self.stream.write(f"\r\x1b[Kxlfinance: {text}")
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _build(args: argparse.Namespace) -> int:
    from xlfinance.build import build

    line = _PhaseLine()
    try:
        result = build(
            args.dir, args.out, force=args.force, on_phase=line, on_progress=line.progress
        )
    finally:
        line.close()
    _warn(result.programme.warnings)
    _moved(result)
    typed = result.programme_results
    print(printable(f"{typed.name.zh} / {typed.name.en}: {len(typed.projects)} project(s)"))
    print(printable_lines(_project_table(typed.projects)))
    print(printable(_standing_summary(typed)))
    if typed.structuring is not None:
        entries = typed.structuring["entries"]
        short = sum(e["status"] == "solved" and e["value"] > e["defined"] for e in entries)
        unreachable = sum(e["status"] == "unreachable" for e in entries)
        print(
            printable(
                f"structuring: {len(entries)} answer(s), {short} short of a target as defined, "
                f"{unreachable} unreachable (Structuring sheet; `xlfinance structure` prints "
                "them)"
            )
        )
    print(printable_lines(_fund_summary(None if typed.fund is None else typed.fund.section)))
    print(printable_lines(_findings_summary([f.to_json() for f in typed.portfolio.reconciliation])))
    if args.verbose:
        print(printable(_wrote(result) + ":"))
        print(printable_lines([f"  {p.relative_to(result.out_dir)}" for p in result.files]))
        print(printable_lines([f"  {n:<14}{s:8.2f} s" for n, s in result.timings.items()]))
    else:
        print(printable(_wrote(result) + ": " + _files_summary(result)))
    return EXIT_OK


def _standing_summary(results: ProgrammeResults) -> str:
    """How many projects an investor can buy as they are, need support (the viability gaps
    of structuring.yaml, in all) or are not investable even with a grant; how many are
    public programmes."""
    n_investable = len(results.investable())  # the pages' own count
    gaps = (results.structuring or {}).get("viability_gaps") or {}
    support = gaps.get("projects") or {}
    unreachable = gaps.get("unreachable") or []
    ready = n_investable - len(support) - len(unreachable)
    text = f"projects: {ready} investable as defined"
    if support:
        total = gaps["total"]["value"] / 1e4
        text += f", {len(support)} need support ({total:,.0f} 万元 of grants in all)"
    if unreachable:
        text += f", {len(unreachable)} not investable even with a grant"
    return text + f"; {len(results.projects) - n_investable} public programme(s)"


def _fund_summary(fund: Mapping[str, JSON] | None) -> list[str]:
    """The fund in two lines: its deployment, and each class's net IRR (ILPA TVPI)."""
    if not fund:
        return []
    lines = []
    deployment = fund.get("deployment")
    if deployment:
        lines.append(
            f"fund: {deployment['committed_yuan'] / 1e4:,.0f} 万元 committed, "
            f"{deployment['called_yuan'] / 1e4:,.0f} called, "
            f"{deployment['invested_yuan'] / 1e4:,.0f} invested "
            f"({deployment['deployment_ratio']:.1%} of commitments)"
        )
    classes = ", ".join(
        f"{c} {_percent(v.get('net_irr'))} (TVPI {_times(v.get('tvpi'))})"
        for c, v in fund.get("classes", {}).items()
    )
    lines.append(f"fund net IRR: {classes}")
    return lines


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _findings_summary(findings: Sequence[Mapping[str, JSON]]) -> list[str]:
    """How many findings of each severity, and the errors by title."""
    counts = {s: sum(f["severity"] == s for f in findings) for s in ("error", "warning", "info")}
    lines = [
        "reconciliation: "
        + ", ".join(f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items())
        + " (the Reconciliation sheet)"
    ]
    lines += [f"  error: {f['title']}" for f in findings if f["severity"] == "error"]
    return lines


def _files_summary(result: BuildResult) -> str:
    """The files written, grouped: the top-level ones by name, the folders by count."""
    top: list[str] = []
    folders: dict[str, int] = {}
    for path in result.files:
        rel = path.relative_to(result.out_dir)
        if len(rel.parts) == 1:
            if not rel.name.startswith("."):  # the marker (xlfinance.outputs), counted only
                top.append(rel.name)
        else:
            folders[rel.parts[0]] = folders.get(rel.parts[0], 0) + 1
    return ", ".join([*top, *(f"{folder}/ ({n})" for folder, n in folders.items())])


# --------------------------------------------------------------------------------------
# risk
# --------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _seed(text: str) -> int:
    from xlfinance.definitions.risk import MAX_SEED

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_SEED} (got {value})")
    return value


def _risk_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="programme folder (holds risk.yaml)")
    parser.add_argument(
        "--trials", metavar="N", type=_positive_int, help="Monte Carlo trials (default: risk.yaml)"
    )
    parser.add_argument("--seed", metavar="S", type=_seed, help="random seed (default: risk.yaml)")
    parser.add_argument(
        "--out",
        metavar="OUT",
        help="output folder, replaced as a whole (default: outputs/<the folder's name>)",
    )
    _force_argument(parser)


METRIC_WORDS = {"npv_yuan": "NPV", "irr": "IRR", "net_irr": "net IRR"}
"""How the risk summary names an output's metric."""
SHOWN = {"wan_yuan": ("万元", 1e4, ",.0f"), "pct": ("%", 0.01, ".1f")}
"""How the risk summary shows a number by the way its unit is shown (`model.units`): its unit
column, the divisor and the format; any other number as it is."""
TOP_DRIVERS = 5
"""Tornado bars listed for each fund class: those of the largest swing."""


def _width(text: str) -> int:
    """Columns a terminal gives `text`: two for a wide (East Asian) character."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _output_words(name: str, names: Mapping[str, str] | None = None) -> str:
    """'projects.bus_cng.npv_yuan' -> 'bus_cng NPV', or with the project's name from `names`
    ('公交油改气一期 Bus CNG 1 NPV'); fund classes likewise."""
    parts = name.split(".")
    what = METRIC_WORDS.get(parts[-1], parts[-1])
    owner = f"fund {parts[2]}" if parts[0] == "fund" else (names or {}).get(parts[1], parts[1])
    return f"{owner} {what}"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}"


def _risk_summary(
    risk: Mapping[str, JSON], units: Mapping[str, str], names: Mapping[str, str] | None = None
) -> list[str]:
    """The fund's classes under each scenario, their largest tornado drivers, and P10 / P50
    / P90 of every NPV and IRR that varies, each in its unit (results.json's `units`: 万元,
    %); projects by `names` (id -> name)."""
    from xlfinance.model.units import display

    lines = []
    scenarios = risk["scenarios"]
    classes = next((list(s["fund"]["classes"]) for s in scenarios.values() if s.get("fund")), [])
    if classes:
        lines.append("scenarios, fund net IRR %:")
        lines.append("  " + _left("scenario", 36) + "".join(_right(c, 12) for c in classes))
        for name, sc in scenarios.items():
            values = sc["fund"]["classes"] if sc.get("fund") else {}
            cells = "".join(_right(_rate(values.get(c, {}).get("net_irr")), 12) for c in classes)
            lines.append("  " + _left(sc.get("label") or name, 36) + cells)
    else:
        lines.append(f"scenarios: {', '.join(scenarios)}")
    for c in classes:
        bars = [b for b in risk["tornado"] if b["output"] == f"fund.classes.{c}.net_irr"]
        bars.sort(key=lambda b: -(b["swing"] or 0.0))
        if bars:
            lines.append(f"largest drivers of the {c} class's net IRR (low -> high input, %):")
            for b in bars[:TOP_DRIVERS]:
                label = b.get("label") or b["parameter"]
                lines.append(
                    f"  {_left(label, 58)}{_right(_rate(b['at_low']), 8)} ->"
                    f"{_right(_rate(b['at_high']), 7)}"
                )
    mc = risk.get("monte_carlo")
    if not mc:
        return [*lines, "Monte Carlo: risk.yaml defines no distributions"]
    lines.append(f"Monte Carlo, {risk['trials']:,} trials, seed {risk['seed']}:")
    header = ["P10", "P50", "P90", "P(<0)", "P(<hurdle)"]
    lines.append(
        "  " + _left("output", 40) + _left("unit", 6) + "".join(_right(h, 11) for h in header)
    )
    for name, s in mc["outputs"].items():
        if name.endswith(".equity_irr") or s["p10"] is None or s["p10"] == s["p90"]:
            continue
        words = _output_words(name, names)
        unit, scale, fmt = SHOWN.get(display(units[name]), ("", 1.0, ",.4g"))
        quantiles = [
            "n/a" if s[k] is None else format(s[k] / scale, fmt) for k in ("p10", "p50", "p90")
        ]
        below = "" if s["prob_below_zero"] is None else f"{s['prob_below_zero']:.0%}"
        hurdle = s.get("prob_below_hurdle")
        hurdle = "" if hurdle is None else f"{hurdle:.0%}"
        row = [*quantiles, below, hurdle]
        lines.append("  " + _left(words, 40) + _left(unit, 6) + "".join(_right(v, 11) for v in row))
    return lines


def _risk(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from xlfinance.build import build
    from xlfinance.definitions.risk import RISK_FILE
    from xlfinance.risk.progress import ProgressBar

    if not os.path.lexists(Path(args.dir, RISK_FILE)):  # anything else: the loader says what
        print(
            printable(
                f"{Path(args.dir, RISK_FILE)}: file not found (the risk command needs the "
                "programme's scenarios, tornado or distributions)"
            ),
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    if args.trials is not None and _trials_refused(args):
        return EXIT_PROBLEMS
    out = args.out or os.path.join("outputs", Path(args.dir).resolve().name)
    bar = ProgressBar("Monte Carlo")
    try:
        result = build(
            args.dir,
            out,
            risk_trials=args.trials,
            risk_seed=args.seed,
            progress=bar,
            force=args.force,
        )
    finally:
        bar.close()
    _moved(result)
    typed = result.programme_results
    print(printable(f"{typed.name.zh} / {typed.name.en}: {len(typed.projects)} project(s)"))
    risk = typed.risk
    if risk is not None:
        from xlfinance.render.sheetnames import sheet_titles

        summary = _risk_summary(risk, typed.units(), sheet_titles(result.projects))
        print(printable_lines(summary))
    print(printable(_wrote(result)))
    return EXIT_OK


def _trials_refused(args: argparse.Namespace) -> bool:
    """Print why `--trials` is refused (over `MAX_TRIALS`, with the memory it would need
    for this programme) and return True; False when it is allowed."""
    from xlfinance.definitions import load_programme
    from xlfinance.definitions.risk import MAX_TRIALS, trials_problem

    if args.trials <= MAX_TRIALS:
        return False
    projects = len(load_programme(args.dir).projects)  # bad definitions: their problems
    print(f"--trials: {trials_problem(args.trials, projects)}", file=sys.stderr)
    return True


# --------------------------------------------------------------------------------------
# new
# --------------------------------------------------------------------------------------


class _Archetypes:
    """The archetype names `--archetype` takes, from the registry when first asked: argparse
    reads them only to check a value or print an error, and importing the registry (the
    models and their parameters) at start-up would slow every command."""

    def _names(self) -> list[str]:
        from xlfinance.archetypes.registry import REGISTRY

        return sorted(REGISTRY)

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "projects" / "xiaolan" / "projects"


def _new_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="programme folder (holds programme.yaml)")
    parser.add_argument(
        "--archetype",
        required=True,
        metavar="NAME",
        choices=_Archetypes(),
        help="pv, chp, retrofit, fleet, industrial or programme",
    )
    parser.add_argument("--id", help="project id, snake_case (default: new_<archetype>)")
    parser.add_argument("--budget-line", help="budget line id (default: the programme's first)")


def _new(args: argparse.Namespace) -> int:
    """Start a project definition from the Xiaolan example of its archetype.

    The programme is read by the same loader as every other command (its problems are
    reported the same way, and nothing is written); the new file is checked by loading
    the programme again, and removed if it does not load."""
    import json

    from xlfinance.definitions import load_programme
    from xlfinance.definitions.schema import project_id_problem

    root = Path(args.dir)
    programme = load_programme(root)
    project_id = args.id or f"new_{args.archetype}"
    problem = project_id_problem(project_id)
    if problem is not None:
        print(printable(f"--id: {problem}"), file=sys.stderr)
        return EXIT_PROBLEMS
    target = root / "projects" / f"{project_id}.yaml"
    if os.path.lexists(target):
        print(printable(f"{target}: already exists; choose another --id"), file=sys.stderr)
        return EXIT_PROBLEMS
    if args.budget_line is None and not programme.budget.ids:
        print(printable(f"{root}: the budget has no lines to fund a project"), file=sys.stderr)
        return EXIT_PROBLEMS
    from xlfinance.archetypes.registry import archetype

    example = EXAMPLE_DIR / f"{archetype(args.archetype).example}.yaml"
    budget_line = args.budget_line or programme.budget.ids[0]
    text = example.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^id: .*$", f"id: {project_id}", text, count=1)
    # json.dumps is a YAML double-quoted string: --budget-line cannot add keys or lines
    quoted = json.dumps(budget_line)
    text = re.sub(r"(?m)^budget_line: .*$", lambda _: f"budget_line: {quoted}", text, count=1)
    if programme.sources is not None:
        text = _uncited(text, {ref.id for ref in programme.sources.references})
    header = (
        f"# New {args.archetype} project, started from {example.name} of the Xiaolan programme.\n"
        "# Replace every value and its source with this project's own; `xlfinance validate`\n"
        "# checks the file.\n"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(header + text, encoding="utf-8")
    partial.replace(target)
    try:
        load_programme(root)
    except BaseException:
        target.unlink()
        raise
    print(
        printable(f"wrote {target} (from {example.name}); edit it, then: xlfinance validate {root}")
    )
    return EXIT_OK


_CITED = re.compile(r'(source:[ \t]*(?:>-?[ \t]*\n[ \t]*|"))\[([a-z0-9, -]+)\][ \t]*')


def _uncited(text: str, known: set[str]) -> str:
    """The example's citations of entries the programme's sources.yaml does not hold, made
    assumptions that say what the example cited (the new file must load, and its sources
    are to be replaced anyway)."""

    def replace(match: re.Match[str]) -> str:
        refs = [ref.strip() for ref in match.group(2).split(",")]
        if all(ref in known for ref in refs):
            return match.group(0)
        cited = ", ".join(refs)
        return f"{match.group(1)}assumption: the Xiaolan example's, citing {cited} (replace it): "

    return _CITED.sub(replace, text)


# --------------------------------------------------------------------------------------
# structure
# --------------------------------------------------------------------------------------


def _structure_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="programme folder (holds structuring.yaml)")
    parser.add_argument(
        "--trials",
        type=_positive_int,
        default=None,
        help="Monte Carlo trials to solve over (default: risk.yaml's)",
    )


def structure_value(value: float | None, unit: str) -> str:
    """A solved value for the terminal: money in 万元, a share as %, else with its unit."""
    if value is None:
        return "-"
    if unit == "yuan":
        return f"{value / 1e4:,.1f} 万元"
    if unit in ("share", "rate"):
        return f"{value * 100:.2f}%"
    return f"{value:,.4g} {unit}"


def structure_table(entries: Sequence[Entry]) -> list[str]:
    """One line an answer: solve, project, base-case value and status, P50 and P90."""
    head = f"  {'solve':<26}{'project':<27}{'base case':>18}  {'status':<12}"
    head += f"{'P50':>18}{'P90':>18}"
    rows = [head]
    for e in entries:
        trials = e.get("trials") or {}
        p50 = structure_value(trials.get("p50"), e["unit"]) if trials else ""
        p90 = structure_value(trials.get("p90"), e["unit"]) if trials else ""
        rows.append(
            f"  {e['solve']:<26}{e['project']:<27}"
            f"{structure_value(e['value'], e['unit']):>18}  {e['status']:<12}{p50:>18}{p90:>18}"
        )
    return rows


def blended_summary(blended: Blended) -> list[str]:
    """The programme's and the fund's blended-finance figures, a line each."""

    def value(node: Quantity | None) -> float | None:
        return None if node is None else node.get("value")

    def ratio(node: Quantity | None) -> str:
        v = value(node)
        return "n/a" if v is None else f"{v:,.2f}"

    prog, fund = blended.get("programme", {}), blended.get("fund") or {}
    lines = ["blended finance (the projects as defined):"]
    lines.append(
        f"  mobilisation: {ratio(prog.get('mobilisation_ratio'))} yuan private per yuan public"
        f" ({ratio(prog.get('mobilisation_ratio_without_tariff_subsidies'))} without the "
        f"national tariff subsidy; the plan's table 5-4: "
        f"{ratio(prog.get('plan_mobilisation_ratio'))})"
    )
    if fund:
        lines.append(f"  fund mobilisation at commitment: {ratio(fund.get('mobilisation_ratio'))}")
    cost = value(prog.get("public_cost_yuan_per_t_co2e"))
    if cost is not None:
        lines.append(f"  public cost: {cost:,.0f} yuan per t CO2e avoided (present values)")
    who = prog.get("who_pays") or {}
    shares = [
        f"{name} {share * 100:.1f}%"
        for name in ("market", "policy", "town")
        if name in who and (share := value(who[name]["share"])) is not None
    ]
    if shares:
        lines.append("  who pays: " + ", ".join(shares))
    return lines


def _structure(args: argparse.Namespace) -> int:
    from xlfinance.check import check_programme
    from xlfinance.definitions import load_programme
    from xlfinance.structuring.run import run_structuring

    programme = load_programme(args.dir, require_projects=True)
    if programme.structuring is None:
        print(
            printable(f"error: {Path(args.dir) / 'structuring.yaml'}: no such file"),
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    checked = check_programme(programme)
    result = run_structuring(programme, checked.projects, checked.fund, trials=args.trials)
    entries = result.entries()
    info = programme.programme
    print(
        printable(f"{info.name.zh} / {info.name.en}: {len(entries)} answer(s) of structuring.yaml")
    )
    print(printable_lines(structure_table(entries)))
    for e in entries:
        returns = e.get("class_returns") if e["solve"] == "fund_pipeline" else None
        if returns:
            irrs = ", ".join(
                f"{c} {'n/a' if v is None else f'{v * 100:.1f}%'}"
                for c, v in returns["net_irr"].items()
            )
            added = ", ".join(x["project"] for x in e["projects"])
            print(
                printable(
                    f"fund with {added}: invests {returns['invested_share'] * 100:.1f}% of its "
                    f"commitments; net IRR {irrs}"
                )
            )
    section = result.results()
    debt = section.get("bankable_debt")
    if debt:
        print(
            printable(
                f"bankable debt at the cover target: {debt['total_yuan'] / 1e4:,.1f} 万元 over "
                f"{len(debt['projects'])} project(s), against "
                f"{debt['defined_total_yuan'] / 1e4:,.1f} 万元 as defined"
            )
        )
    if result.blended is not None:
        print(printable_lines(blended_summary(result.blended)))
        gaps = section.get("viability_gaps")
        if gaps:
            total = gaps["total"]["value"]
            ratio = gaps["mobilisation_ratio_with_gaps_filled"]["value"]
            line = (
                f"  viability gaps: {total / 1e4:,.1f} 万元 of grants over "
                f"{len(gaps['projects'])} project(s) bring them to their return"
            )
            if ratio is not None:
                line += f"; mobilisation then {ratio:,.2f}"
            if gaps["unreachable"]:
                line += f"; no grant suffices for {', '.join(gaps['unreachable'])}"
            print(printable(line))
    unreachable = [e for e in entries if e["status"] == "unreachable"]
    for e in unreachable:
        print(printable(f"warning: {e['project']}: {e['solve']}: {e['reason']}"), file=sys.stderr)
    return EXIT_OK


# --------------------------------------------------------------------------------------
# import
# --------------------------------------------------------------------------------------


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workbook", metavar="WORKBOOK", help="the edited workbook (.xlsx)")
    parser.add_argument("dir", metavar="DIR", help="programme folder the workbook was built from")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change and write nothing"
    )


def _import(args: argparse.Namespace) -> int:
    from xlfinance.roundtrip import describe, import_workbook

    result = import_workbook(args.workbook, args.dir, dry_run=args.dry_run)
    lines = describe(result, args.dir)
    if lines:
        print(printable_lines(lines))
    n = len(result.changes)
    if not result.changes:
        print(printable(f"{args.workbook}: no input changed; nothing written"))
    elif args.dry_run:
        print(
            printable(
                f"dry run: {n} field(s) would change in {len(result.files)} file(s); "
                "nothing written"
            )
        )
    else:
        print(printable(f"wrote {n} field(s) into {len(result.files)} file(s); build again"))
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "validate": Command(
        help="load and check a programme folder, print a summary",
        add_arguments=_validate_arguments,
        run=_validate,
    ),
    "build": Command(
        help="evaluate a programme and write its outputs (results.json, workbook, reports)",
        add_arguments=_build_arguments,
        run=_build,
    ),
    "new": Command(
        help="start a project definition of an archetype in a programme folder",
        add_arguments=_new_arguments,
        run=_new,
    ),
    "risk": Command(
        help="build with risk.yaml's scenarios, tornado and Monte Carlo (results.json 'risk', "
        "the workbook's Risk sheet, the investor report)",
        add_arguments=_risk_arguments,
        run=_risk,
    ),
    "structure": Command(
        help="solve structuring.yaml: the grant, subsidy, debt and carbon price each project "
        "needs to meet its targets, in the base case, the scenarios and the trials",
        add_arguments=_structure_arguments,
        run=_structure,
    ),
    "import": Command(
        help="carry the typed inputs changed in an edited workbook back into the definitions "
        "(values, sources; comments and layout kept), all files or none",
        add_arguments=_import_arguments,
        run=_import,
    ),
}


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xlfinance",
        description="Project finance and fund models for low-carbon programmes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help, description=command.help)
        command.add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    for stream in (sys.stdout, sys.stderr):  # Chinese names must not crash an ASCII console
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    from xlfinance.interrupt import Interrupted, interruptible
    from xlfinance.outputs import OutputRefused

    try:
        with interruptible():
            return COMMANDS[args.command].run(args)
    except Interrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 128 + exc.signum
    except OutputRefused as exc:
        print(printable(f"error: {exc}"), file=sys.stderr)
        return EXIT_PROBLEMS
    except DefinitionError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(printable(f"error: cannot read{where}: {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_PROBLEMS
