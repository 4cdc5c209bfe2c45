"""What the test suite costs: `make test` and `make test-fast`, wall and CPU seconds, against
the fast-loop issue's goals (#11: 45 s and 20 s on a quiet 2-core machine).

Each command runs as the Makefile runs it (`-n 2`; the fast loop with XLFINANCE_TESTS=fast
and its `-m`), with CI=true (hypothesis derandomized, a fresh chart cache each run, so every
run does the same work). With `--baseline DIR` (a `git worktree` of an earlier commit) each
repeat runs there and here in turn, interleaved, so the load of a shared machine falls on
both alike; the figures are the medians of `--repeats` (default 3), the ratio after/before
beside them. CPU is the user and system seconds of pytest and everything it starts (its
workers, LibreOffice, Chromium, the builds' children), which the machine's load moves less
than it moves the wall clock.

Run: .venv/bin/python benchmarks/bench_tests.py [--baseline DIR] [--repeats N]
         [--only test|test-fast]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GOALS = {"test": 45.0, "test-fast": 20.0}
"""The issue's goals, wall seconds on a quiet 2-core machine."""

FAST_MARKS = "not libreoffice and not chromium and not programme"


def command(target: str) -> tuple[list[str], dict[str, str]]:
    """The pytest command line and environment `make <target>` runs."""
    env = {**os.environ, "CI": "true"}
    argv = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider"]
    if target == "test-fast":
        env["XLFINANCE_TESTS"] = "fast"
        argv += ["-m", FAST_MARKS]
    return argv, env


def run(tree: Path, target: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, pytest's last line) of one run of `target` in `tree`."""
    argv, env = command(target)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.strip().splitlines()
    summary = lines[-1] if lines else done.stderr.strip()[-200:]
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {target} failed ({done.returncode}): {summary}")
    return wall, cpu, summary


def tests_in(summary: str) -> str:
    found = re.search(r"(\d+) passed", summary)
    return found.group(1) if found else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a worktree of the commit to compare")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=sorted(GOALS), action="append")
    args = parser.parse_args()
    trees = {"now": ROOT}
    if args.baseline:
        trees = {"before": args.baseline.resolve(), "now": ROOT}
    targets = args.only or ["test-fast", "test"]
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at the start")
    for target in targets:
        walls: dict[str, list[float]] = {name: [] for name in trees}
        cpus: dict[str, list[float]] = {name: [] for name in trees}
        counts: dict[str, str] = {}
        for repeat in range(args.repeats):
            for name, tree in trees.items():
                wall, cpu, summary = run(tree, target)
                walls[name].append(wall)
                cpus[name].append(cpu)
                counts[name] = tests_in(summary)
                print(
                    f"  {target} {name} #{repeat + 1}: {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
                    f"load {os.getloadavg()[0]:.1f}: {summary}",
                    flush=True,
                )
        print(f"make {target} (goal {GOALS[target]:.0f} s wall), medians of {args.repeats}:")
        for name in trees:
            wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
            print(
                f"  {name:>6}: {counts[name]:>4} tests, {wall:6.1f} s wall "
                f"({wall / GOALS[target]:.2f} of the goal), {cpu:6.1f} s CPU"
            )
        if "before" in trees:
            wall = statistics.median(walls["now"]) / statistics.median(walls["before"])
            cpu = statistics.median(cpus["now"]) / statistics.median(cpus["before"])
            print(f"  now/before: {wall:.2f} wall, {cpu:.2f} CPU")


if __name__ == "__main__":
    main()
