"""Loading and validating definitions: Xiaolan's 28 files, and its 22 project files alone.

What is timed, in a child process per tree and repeat (`--child`), each the median of
`--inner` calls: `load_programme` (every file read and validated, the cross-file checks
run: what `xlfinance validate` does) and `ProjectDef.model_validate` over the 22 project
files' YAML data, read once and not timed (each project through the union discriminated on
its archetype, or, in an older tree, through its `parameters` validator). The first call of
a process, which builds pydantic's validators, is left out.

`--baseline TREE` times another checkout (`git archive <commit> | tar -x -C TREE`) in turn
with this one, repeat by repeat, under the same load; each figure is the median over
`--repeats`, with this tree's ratio to the baseline's beside it.

Run: .venv/bin/python benchmarks/bench_definitions.py [--repeats 7] [--inner 5] [--baseline TREE]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_fund import options  # run as a script: benchmarks/ is on the path

FIGURES = ("load_ms", "projects_ms")


def timed(call, inner: int) -> float:
    """The median of `inner` calls of `call`, in ms, after one call not counted."""
    call()
    times = []
    for _ in range(inner):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def measure(inner: int) -> dict[str, float]:
    """This interpreter's xlfinance (whichever tree PYTHONPATH puts first), timed."""
    import yaml

    from xlfinance.definitions import ProjectDef, load_programme

    xiaolan = Path.cwd() / "projects" / "xiaolan"  # the tree's own, in its own vocabulary
    load_programme(xiaolan)  # registers the archetypes in either tree
    data = [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((xiaolan / "projects").glob("*.yaml"))
    ]
    return {
        "load_ms": timed(lambda: load_programme(xiaolan), inner),
        "projects_ms": timed(lambda: [ProjectDef.model_validate(d) for d in data], inner),
    }


def in_tree(tree: Path, inner: int) -> dict[str, float]:
    """`measure` in a child process on `tree`'s code."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", "--inner", str(inner)],
        env=dict(os.environ, PYTHONPATH=str(tree)),
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(trees: dict[str, Path], repeats: int, inner: int) -> None:
    found: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(repeats):  # interleaved: each repeat times every tree in turn
        for name, tree in trees.items():
            found[name].append(in_tree(tree, inner))
    print(f"definitions, Xiaolan; medians of {repeats} runs, each the median of {inner} calls")
    print(f"{'tree':<9} {'load_programme ms':>18} {'22 projects ms':>15}  ratio")
    first = None
    for name, runs in found.items():
        medians = [statistics.median(r[key] for r in runs) for key in FIGURES]
        ratio = (
            ""
            if first is None
            else " / ".join(f"{m / f:.2f}" for m, f in zip(medians, first, strict=True))
        )
        first = first or medians
        print(f"{name:<9} {medians[0]:>18.1f} {medians[1]:>15.1f}  {ratio}")


def main() -> None:
    args, trees = options(__doc__, repeats=7)
    if args.child:
        print(json.dumps(measure(args.inner)))
        return
    report(trees, args.repeats, args.inner)


if __name__ == "__main__":
    main()
