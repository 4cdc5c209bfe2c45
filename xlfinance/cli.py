"""The `xlfinance` command line.

    xlfinance validate DIR            load and check a programme folder, print a summary
    xlfinance build DIR --out OUT     evaluate it and write every output into OUT

Subcommands live in `COMMANDS`, a dict of name -> `Command` (help text, a function that
adds the subcommand's arguments, a handler returning the exit status). To add one, write
its two functions and add an entry:

    COMMANDS["build"] = Command("build the workbook and reports", _build_arguments, _build)

Exit status: 0 success; 2 when the definitions have problems (each printed on stderr,
one a line, then "N problem(s) found") or a file cannot be read; argparse's usage
errors are 2 as well.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xlfinance import __version__
from xlfinance.errors import DefinitionError

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
    from xlfinance.definitions import load_programme

    programme = load_programme(args.dir)
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
        from xlfinance.projects import evaluate_projects

        lines.extend(_project_table(evaluate_projects(programme)))
    lines.append(f"OK: {len(programme.files)} file(s) valid")
    print("\n".join(lines))
    return EXIT_OK


def _cell(value: float, fmt: str) -> str:
    return "n/a" if value != value else format(value, fmt)


def _project_table(projects) -> list[str]:
    """One line a project: capex and NPV in 万元, IRR, payback, t CO2e a year."""
    # 万 is two columns wide in a terminal, so these headers are padded one space less.
    head = f"  {'project':<26}{'archetype':<11}{'capex 万元':>10}{'NPV 万元':>10}"
    head += f"{'IRR':>8}{'payback':>9}{'t CO2e/yr':>12}"
    rows = [head]
    for pid, result in projects.items():
        m = result.metrics
        rows.append(
            f"  {pid:<26}{result.definition.archetype:<11}"
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
        "--out", metavar="OUT", required=True, help="output folder (replaced as a whole)"
    )


def _build(args: argparse.Namespace) -> int:
    from xlfinance.build import build

    result = build(args.dir, args.out)
    info = result.programme.programme
    print(f"{info.name.zh} / {info.name.en}: {len(result.projects)} project(s)")
    print("\n".join(_project_table(result.projects)))
    print(f"wrote {len(result.files)} file(s) to {result.out_dir} in {result.seconds:.2f} s:")
    for path in result.files:
        print(f"  {path.relative_to(result.out_dir)}")
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
    try:
        return COMMANDS[args.command].run(args)
    except DefinitionError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot read{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEMS
