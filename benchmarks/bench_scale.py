"""A programme of N projects: what `validate` and `build` cost as it grows (22, 250, 1,000).

Each programme is Xiaolan's, copied into a temporary folder with its projects repeated under
new ids (`pv_phase1_0000`, `pv_phase1_0001`, ...; copy k of every project in file order, the
last copy cut short to make N): each copy is the same project, so every copy's figures are
the original's. What must stay consistent moves with the copies:

- programme.yaml: each budget line's amounts (total, the three sources) and its claimed
  benefits are scaled by the number of its projects over Xiaolan's (line 4 has two projects
  in Xiaolan; with 45 copies of each, 90, and 45 times the money), the stated totals summed
  again from the scaled lines;
- fund.yaml: the fund invests in every copy of the projects it invests in, on the same
  terms, and its commitments are scaled by the copies (so its deployment is Xiaolan's);
- risk.yaml: an entry naming a project (`projects.pv_phase1.capex_yuan`,
  `fund.exit_discount_rate_pv_phase1`) names its first copy (`_0000`); wildcards
  (`projects.*.<input>`) reach every copy as they reach every Xiaolan project.

Timed, each in a subprocess (`python -m xlfinance ...`): `validate`, `build` (wall time,
CPU time, the peak resident memory of the child or its fork from `wait4` and of each
polled from /proc, the phases of
`--verbose`), the size of investor.html and of the whole output folder, the number of
files in it, and with `--libreoffice` LibreOffice recalculating this tree's workbook
(`xlfinance.recalc.values`, one start, every sheet exported; not the baseline's).
Each figure is printed with its ratio to the issue's goal (#17, item 5: build <= 30 s,
investor.html <= 5 MB, LibreOffice <= 60 s, memory <= 2 GB); a ratio above 1.00 misses it.

`--profile N` runs one build of N projects under cProfile in this process, single-process
(`XLFINANCE_FORK=0`), and prints the functions with the most cumulative and own time.

`--baseline TREE` builds each programme with the code of another checkout too (say
`git worktree add /tmp/base <commit>`), in turn with this one, a row each: before and after
measured in one run under the same load.

Run: .venv/bin/python benchmarks/bench_scale.py [--sizes 22 250 1000] [--libreoffice]
     [--repeats R] [--baseline TREE] [--profile 250] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"

GOALS = {"build s": 30.0, "RSS MB": 2048.0, "investor MB": 5.0, "LO s": 60.0}
"""The issue's goals (#17, item 5), in the table's units: seconds, MB (2**20 bytes)."""

STATED = ("stated_totals", "stated_in_text")
"""The totals a plan prints beside its table (table 5-4's and 5-5's, and section 5.3's text)."""
QUANTITIES = ("_wan_yuan", "_wan_t_per_year", "_person_times", "new_jobs")
"""The columns of the budget and benefits tables that grow with the projects."""


def copy_id(pid: str, k: int) -> str:
    return f"{pid}_{k:04d}"


def _load(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _dump(data, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, allow_unicode=True, sort_keys=False, width=10_000)


def _scaled(value, factor: float):
    """A budget or benefit figure times `factor`, None where it is blank; a whole number
    stays whole (the nearest), a decimal keeps six places."""
    if value is None:
        return None
    if isinstance(value, int):  # a count (jobs, person-times) or whole 万元 stays whole
        return round(value * factor)
    product = round(value * factor, 6)
    return int(product) if product.is_integer() else product


def _scale_table(table: dict, key: str, factor: dict[str, float]) -> None:
    """Scale each number of each line of a budget or benefits table by its line's factor,
    and each printed total by its column's sum after over its sum before, so that a total
    that disagreed with its rows in Xiaolan disagrees by the same share (the same findings)
    and one that agreed still agrees."""
    columns: dict[str, list[float]] = {}
    for line in table["lines"]:
        scale = factor.get(str(line[key]), 1.0)
        for name, value in line.items():
            if name.endswith(QUANTITIES) and isinstance(value, (int, float)):
                sums = columns.setdefault(name, [0.0, 0.0])
                sums[0] += value
                sums[1] += value * scale
                line[name] = _scaled(value, scale)
    for stated in STATED:
        for name, value in (table.get(stated) or {}).items():
            if name in columns and isinstance(value, (int, float)) and columns[name][0]:
                table[stated][name] = _scaled(value, columns[name][1] / columns[name][0])


def _rename(path: str, first: dict[str, str]) -> str:
    """A risk.yaml path with a Xiaolan project id in it, naming that project's first copy:
    `projects.<id>.<input>` and the fund's `exit_discount_rate_<id>`."""
    steps = path.split(".")
    if len(steps) >= 2 and steps[0] == "projects" and steps[1] in first:
        steps[1] = first[steps[1]]
    elif len(steps) == 2 and steps[0] == "fund":
        for pid, new in first.items():
            if steps[1].endswith("_" + pid):
                steps[1] = steps[1][: -len(pid)] + new
    return ".".join(steps)


def generate(n: int, target: Path) -> Path:
    """Write a programme of `n` projects into `target` (which must not exist) and return it."""
    shutil.copytree(XIAOLAN, target, ignore=shutil.ignore_patterns("projects"))
    (target / "projects").mkdir()
    originals = sorted((XIAOLAN / "projects").glob("*.yaml"))
    pids = [path.stem for path in originals]
    copies = {pid: n // len(pids) + (1 if i < n % len(pids) else 0) for i, pid in enumerate(pids)}
    lines_of: dict[str, str] = {}
    for path in originals:
        project = _load(path)
        lines_of[project["id"]] = str(project["budget_line"])
        for k in range(copies[project["id"]]):
            copy = dict(project, id=copy_id(project["id"], k))
            if project.get("short_name"):
                short = dict(project["short_name"])
                short["en"] = f"{short['en']} {k:04d}"
                copy["short_name"] = short
            _dump(copy, target / "projects" / f"{copy['id']}.yaml")

    # Budget and benefits: each line scaled by its projects now over its projects in Xiaolan.
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    for pid, line in lines_of.items():
        before[line] = before.get(line, 0) + 1
        after[line] = after.get(line, 0) + copies[pid]
    factor = {line: after[line] / before[line] for line in before}
    programme = _load(target / "programme.yaml")
    _scale_table(programme["budget"], "id", factor)
    if "benefits" in programme:
        _scale_table(programme["benefits"], "budget_line", factor)
    _dump(programme, target / "programme.yaml")

    # The fund: every copy of what it invests in, its commitments scaled alike.
    fund = _load(target / "fund.yaml")
    invested = [inv["project"] for inv in fund["investments"]]
    fund["investments"] = [
        dict(inv, project=copy_id(inv["project"], k))
        for inv in fund["investments"]
        for k in range(copies[inv["project"]])
    ]
    scale = sum(copies[pid] for pid in invested) / len(invested)
    for close in fund["closes"]:
        close["fund_size_yuan"]["value"] = _scaled(close["fund_size_yuan"]["value"], scale)
        for commitment in close["commitments_yuan"].values():
            commitment["value"] = _scaled(commitment["value"], scale)
    for key in ("setup_expenses_yuan", "annual_expenses_yuan"):
        fund["fees"][key]["value"] = _scaled(fund["fees"][key]["value"], scale)
    _dump(fund, target / "fund.yaml")

    # risk.yaml: a named project becomes its first copy.
    first = {pid: copy_id(pid, 0) for pid in pids}
    risk = _load(target / "risk.yaml")
    for scenario in risk.get("scenarios", {}).values():
        if scenario.get("overrides"):
            scenario["overrides"] = {
                _rename(path, first): value for path, value in scenario["overrides"].items()
            }
    for bar in risk.get("tornado", []):
        bar["parameter"] = _rename(bar["parameter"], first)
    risk["distributions"] = {
        _rename(path, first): value for path, value in risk.get("distributions", {}).items()
    }
    for correlation in risk.get("correlations", []):
        correlation["between"] = [_rename(path, first) for path in correlation["between"]]
    _dump(risk, target / "risk.yaml")
    return target


PHASE = re.compile(r"^  (\S[\w -]*?) +(\d+\.\d+) s$")
"""A line of `build --verbose`'s phase timings: `  structuring     88.40 s`."""


def _high_water_mb(pid: int) -> float | None:
    """The peak resident memory of a live process so far (`VmHWM` of /proc/PID/status), MB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:  # gone, or no /proc
        pass
    return None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            return [int(c) for c in children.read().split()]
    except OSError:
        return []


class Peaks(threading.Thread):
    """The peak RSS of a process and of each process it forks, polled every `every`
    seconds from /proc (Linux): which of them holds the build's peak. A fork's last rise
    before it exits may fall between two polls; `wait4`'s figure is the exact largest."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.parent = 0.0
        self.forks: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.parent = max(self.parent, _high_water_mb(self.pid) or 0.0)
            for child in _children(self.pid):
                self.forks[child] = max(self.forks.get(child, 0.0), _high_water_mb(child) or 0.0)


def run(args: list[str], env: dict[str, str], tree: Path = ROOT) -> dict:
    """Run `python -m xlfinance args` of the code in `tree` in a child: its wall seconds,
    CPU seconds (user and system, with the forked process it waited for), peak RSS in MB
    (from `wait4`: the largest of the child and its fork, not their sum; and polled, each
    one's, `Peaks`) and, of a build run `--verbose`, the seconds of each phase. A failure
    prints its stderr and stops."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "xlfinance", *args], cwd=tree, env=env, stdout=out, stderr=err
        )
        peaks = Peaks(child.pid)
        peaks.start()
        _, status, usage = os.wait4(child.pid, 0)  # reaped here, with its resource usage
        peaks.done.set()
        peaks.join()
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        sys.exit(f"xlfinance {' '.join(args)} failed ({child.returncode}):\n{stderr}")
    phases = {}
    for line in stdout.splitlines():
        match = PHASE.match(line)
        if match:
            phases[match[1]] = float(match[2])
    return {
        "wall": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,  # KiB on Linux
        "rss parent": peaks.parent,
        "rss fork": max(peaks.forks.values(), default=0.0),
        "phases": phases,
    }


def folder_size(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


LO_TIMEOUT = 600.0
"""Seconds LibreOffice is given to recalculate a workbook before the figure is `> LO_TIMEOUT`."""


def libreoffice_seconds(out: Path) -> float:
    """Seconds LibreOffice takes to recalculate the workbook and export every sheet; inf
    where it has not finished in `LO_TIMEOUT` (its process is then killed)."""
    from xlfinance import recalc

    books = sorted(out.glob("*.xlsx"))
    started = time.perf_counter()
    try:
        recalc.values(books, timeout=LO_TIMEOUT)
    except subprocess.TimeoutExpired:
        return math.inf
    return time.perf_counter() - started


def measure(
    n: int, work: Path, repeats: int, libreoffice: bool, trees: dict[str, Path]
) -> list[dict[str, float]]:
    """The figures of a programme of `n` projects, a row for each tree of code (`trees`:
    label -> folder), its builds taken in turn (a, b, a, b, ...) so that the machine's load
    falls on each alike; times are medians of `repeats`, memory the largest."""
    programme = generate(n, work / f"programme-{n}")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1732492800")
    env.pop("XLFINANCE_FORK", None)
    taken = {label: [] for label in trees}
    for r in range(repeats):
        for label, tree in trees.items():
            # A fresh chart and answer cache each time: a programme built for the first time.
            env["XLFINANCE_CACHE_DIR"] = str(work / f"cache-{label}-{n}-{r}")
            out = work / f"out-{label}-{n}-{r}"
            validated = run(["validate", str(programme)], env, tree)
            built = run(["build", str(programme), "--out", str(out), "--verbose"], env, tree)
            taken[label].append((validated, built))
    rows = []
    for label in trees:
        out = work / f"out-{label}-{n}-{repeats - 1}"
        files, size = folder_size(out)
        runs = taken[label]
        phases = {}
        for _, built in runs:
            for phase, seconds in built["phases"].items():
                phases.setdefault(phase, []).append(seconds)
        rows.append(
            {
                "code": label,
                "N": n,
                "validate s": statistics.median(v["wall"] for v, _ in runs),
                "validate CPU s": statistics.median(v["cpu"] for v, _ in runs),
                "build s": statistics.median(b["wall"] for _, b in runs),
                "build CPU s": statistics.median(b["cpu"] for _, b in runs),
                "RSS MB": max(b["rss"] for _, b in runs),
                "parent MB": max(b["rss parent"] for _, b in runs),
                "fork MB": max(b["rss fork"] for _, b in runs),
                "investor MB": (out / "investor.html").stat().st_size / 2**20,
                "output MB": size / 2**20,
                "files": files,
                # This tree's workbook only: LibreOffice takes minutes over a large one.
                "LO s": libreoffice_seconds(out) if libreoffice and label == "this" else math.nan,
                "phases": {phase: statistics.median(times) for phase, times in phases.items()},
            }
        )
    return rows


COLUMNS = (
    "N",
    "validate s",
    "validate CPU s",
    "build s",
    "build CPU s",
    "RSS MB",
    "parent MB",
    "fork MB",
    "investor MB",
    "output MB",
    "files",
    "LO s",
)


def phase_table(rows: list[dict]) -> str:
    """Each build's phases (`build --verbose`, medians): where its seconds went."""
    names = list(dict.fromkeys(p for row in rows for p in row["phases"]))
    lines = ["  ".join(f"{c:>14}" for c in ("code", "N", *names))]
    for row in rows:
        cells = [row["code"], f"{row['N']:,}"]
        cells += [f"{row['phases'][p]:.2f}" if p in row["phases"] else "-" for p in names]
        lines.append("  ".join(f"{c:>14}" for c in cells))
    return "\n".join(lines)


def table(rows: list[dict[str, float]]) -> str:
    columns = COLUMNS
    lines = ["  ".join(f"{c:>14}" for c in ("code", *columns))]
    for row in rows:
        cells = [f"{row['code']:>14}"]
        for c in columns:
            value = row[c]
            if isinstance(value, float) and math.isnan(value):
                text = "-"
            elif value == math.inf:
                text = f"> {LO_TIMEOUT:.0f}"
            elif c in ("N", "files"):
                text = f"{value:,}"
            else:
                text = f"{value:.2f}"
            if c in GOALS and not (isinstance(value, float) and math.isnan(value)):
                text += f" ({value / GOALS[c]:.2f})"
            cells.append(f"{text:>14}")
        lines.append("  ".join(cells))
    for code in dict.fromkeys(row["code"] for row in rows):
        mine = [row for row in rows if row["code"] == code]
        for row in mine[1:]:
            growth = "  ".join(
                f"{c} x{row[c] / mine[0][c]:.1f}" for c in COLUMNS[1:-1] if mine[0][c]
            )
            lines.append(f"{code}, {mine[0]['N']} -> {row['N']}: {growth}")
    return "\n".join(lines)


def profile(n: int, work: Path, top: int = 30) -> None:
    import cProfile
    import pstats

    programme = generate(n, work / f"profile-{n}")
    os.environ["XLFINANCE_FORK"] = "0"
    os.environ["XLFINANCE_CACHE_DIR"] = str(work / f"profile-cache-{n}")
    os.environ["SOURCE_DATE_EPOCH"] = "1732492800"
    from xlfinance.cli import main

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        main(["build", str(programme), "--out", str(work / f"profile-out-{n}")])
    except SystemExit as stop:
        if stop.code:
            raise
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[22, 250, 1000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--libreoffice", action="store_true")
    parser.add_argument("--profile", type=int, metavar="N")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="TREE",
        help="another checkout of xlfinance (git worktree add TREE <commit>) built in turn "
        "with this one, a row each",
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.profile:
            profile(args.profile, work)
            return
        trees = {"this": ROOT}
        if args.baseline is not None:
            trees = {"baseline": args.baseline.resolve(), "this": ROOT}
        rows = []
        for n in args.sizes:
            rows += measure(n, work, args.repeats, args.libreoffice, trees)
            print(
                "\n".join(table(rows[-len(trees) :]).splitlines()[1 : 1 + len(trees)]), flush=True
            )
        print(f"goals: {GOALS} (ratio to the goal in brackets; above 1.00 misses it)")
        print(table(rows))
        print("phases of each build, s (risk and structuring run beside the workbook):")
        print(phase_table(rows))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
