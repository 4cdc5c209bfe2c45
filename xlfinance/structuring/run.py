"""Run every solve of `structuring.yaml` and gather the answers as results.

`run_structuring(programme, projects, fund)` lays out the rows of risk.yaml (the base case,
its scenarios, the tornado's ends and the trials; only the base case without a risk.yaml),
solves each project over them (a project's solves of one target searched together,
`projects.batches`, two batches at a time on two cores) and returns a `StructuringResult`:
per solve and project the base-case answer, the answer in each scenario, and over the
trials the P50 and P90 of what is needed; then the blended-finance metrics (`blended`),
the viability gaps in total and the bankable debt. The answers of the file's `fund`
section (`structuring.fund.solve_fund`: the first-loss share, the fund size the deals
absorb, the senior net IRR at P90) follow as entries of their own.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, NotRequired, TypedDict

import numpy as np

from xlfinance.definitions.structuring import STRUCTURING_FILE, StructuringFile
from xlfinance.model.units import finite_or_none as _number
from xlfinance.structuring import cache, solver
from xlfinance.structuring.blended import Blended, Quantity
from xlfinance.structuring.fund import Entry
from xlfinance.structuring.projects import (
    CONFIDENCE,
    Job,
    ProjectSolve,
    Rows,
    applies,
    batches,
    investable,
    percentile_need,
    sizes_debt,
    solve_batch,
)

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.fund.model import FundEvaluation
    from xlfinance.projects import ProjectResult


class Loan(TypedDict):
    loan_yuan: float
    defined_loan_yuan: float
    sized_to_cover: NotRequired[bool]


class BankableDebt(TypedDict):
    """`StructuringResult.bankable_debt`."""

    solve: str
    projects: dict[str, Loan]
    total_yuan: float
    defined_total_yuan: float


class Amount(TypedDict):
    """A sum with its unit (never missing, unlike a `Quantity`)."""

    value: float
    unit: str


class ViabilityGaps(TypedDict):
    """`StructuringResult.viability_gaps`."""

    solve: str
    projects: dict[str, Amount]
    total: Amount
    unreachable: list[str]
    mobilisation_ratio_with_gaps_filled: Quantity


class StructuringSection(TypedDict):
    """The `structuring` section of results.json."""

    file: str
    entries: list[Entry]
    blended: NotRequired[Blended]
    viability_gaps: NotRequired[ViabilityGaps]
    bankable_debt: NotRequired[BankableDebt]


@dataclass(frozen=True)
class StructuringResult:
    """Every solve's answers, and where they came from."""

    file: str
    """structuring.yaml, relative to the programme folder."""
    solves: list[ProjectSolve]
    scenarios: dict[str, int]
    """Scenario name -> its row (the base case is row 0)."""
    trials: slice
    """The rows of the Monte Carlo trials (empty without them)."""
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    """Solve name -> {"zh": ..., "en": ...} from structuring.yaml (where given)."""
    target_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    blended: Blended | None = None
    """Blended-finance metrics of the programme as defined (`blended.blended_metrics`)."""
    capex: dict[str, float] = field(default_factory=dict)
    """Each project's base-case capex (yuan), to turn a debt share into a loan."""
    sized_debt: dict[str, float] = field(default_factory=dict)
    """The base-case loan (yuan) of each project whose debt is sized to cover: already the
    largest its own target allows, so no debt-share solve applies to it."""
    fund: list[Entry] = field(default_factory=list)
    """The answers of structuring.yaml's `fund` section (`structuring.fund.solve_fund`),
    already in entry form."""

    def results(self) -> StructuringSection:
        """The results.json section: the file, the targets and one entry per answer."""
        out: StructuringSection = {"file": self.file, "entries": self.entries()}
        if self.blended is not None:
            out["blended"] = self.blended
            gaps = self.viability_gaps()
            if gaps is not None:
                out["viability_gaps"] = gaps
        debt = self.bankable_debt()
        if debt is not None:
            out["bankable_debt"] = debt
        return out

    def bankable_debt(self, solve: str = "debt_capacity") -> BankableDebt | None:
        """The loans the projects can take at the cover target (base case), beside those
        they are defined with, in total and each; a project no loan suits counts 0. A loan
        sized to cover counts as it is defined (at its own target), marked `sized_to_cover`."""
        rows = [
            e
            for e in self.entries()
            if e["solve"] == solve
            and "loan_yuan" in e
            or (e["solve"] == solve and e["status"] == solver.UNREACHABLE)
        ]
        if not rows and not self.sized_debt:
            return None
        each: dict[str, Loan] = {}
        for e in rows:
            defined: float | None = e.get("defined_loan_yuan")
            if defined is None:
                defined = e["defined"] * self.capex.get(e["project"], 0.0)
            each[e["project"]] = {
                "loan_yuan": e.get("loan_yuan", 0.0),
                "defined_loan_yuan": defined,
            }
        for pid, loan in self.sized_debt.items():
            each[pid] = {"loan_yuan": loan, "defined_loan_yuan": loan, "sized_to_cover": True}
        return {
            "solve": solve,
            "projects": each,
            "total_yuan": sum(v["loan_yuan"] for v in each.values()),
            "defined_total_yuan": sum(v["defined_loan_yuan"] for v in each.values()),
        }

    def viability_gaps(self, solve: str = "viability_grant") -> ViabilityGaps | None:
        """The base-case grants that bring every project short of its return to it, in
        total, and the programme's mobilisation ratio once they are paid: each yuan of
        grant replaces a yuan of market equity (private - gaps over public + gaps). The
        projects no grant within its bounds can bring there are listed, not counted."""
        answers = [s for s in self.solves if s.solve == solve]
        prog = (self.blended or {}).get("programme", {})
        private = (prog.get("private_yuan") or {}).get("value")
        public = (prog.get("public_yuan") or {}).get("value")
        if not answers or private is None or public is None:
            return None
        needed: dict[str, float] = {}
        for s in answers:
            value, status, _ = s.base
            if status == solver.SOLVED and value > s.base_value:
                needed[s.project] = value - s.base_value
        unreachable = sorted(s.project for s in answers if s.base[1] == solver.UNREACHABLE)
        total = sum(needed.values())
        return {
            "solve": solve,
            "projects": {pid: {"value": v, "unit": "yuan"} for pid, v in sorted(needed.items())},
            "total": {"value": total, "unit": "yuan"},
            "unreachable": unreachable,
            "mobilisation_ratio_with_gaps_filled": {
                "value": (private - total) / (public + total) if public + total > 0 else None,
                "unit": "yuan private per yuan public",
            },
        }

    def entries(self) -> list[Entry]:
        """One results.json entry per solve and project (see `entry`), then the fund's."""
        return list(self._entries)

    @cached_property
    def _entries(self) -> list[Entry]:
        """The entries, made once: each takes percentiles over every trial, and the
        results section, the bankable debt, the sheet and the terminal all read them."""
        return [self.entry(s) for s in self.solves] + list(self.fund)

    def entry(self, s: ProjectSolve) -> Entry:
        """The answer in the form a user can write back: the value, the file and field to
        write it into, the target it meets and its status; then the scenarios and trials."""
        value, status, achieved = s.base
        sol = s.solution
        out: Entry = {
            "solve": s.solve,
            "label": self.labels.get(s.solve),
            "project": s.project,
            "value": _number(value),
            "unit": s.unit,
            "status": status,
            "file": f"projects/{s.project}.yaml",
            "field": s.field,
            "input": s.input,
            "defined": s.base_value,
            "target": {
                "output": f"projects.{s.project}.{s.output}",
                "value": s.target,
                "comparison": s.comparison,
            },
            "achieved": _number(achieved),
            "bounds": [s.lower, s.upper],
            "tolerance": s.tolerance,
            "monotone": bool(sol.monotone[0]),
            "prefer": s.prefer,
        }
        capex = self.capex.get(s.project)
        if s.input == "debt_share" and capex is not None and value == value:
            out["loan_yuan"] = value * capex  # the base case's loan at that share of capex
            out["defined_loan_yuan"] = s.base_value * capex
        if status == solver.UNREACHABLE:
            out["bound"] = _number(float(sol.bound[0]))
            out["reason"] = unreachable_reason(s, float(sol.bound[0]), achieved)
        out["scenarios"] = {
            name: {"value": _number(float(sol.value[row])), "status": str(sol.status[row])}
            for name, row in self.scenarios.items()
            if row != 0 and name != "base"
        }
        t = self.trials
        if t.stop > t.start and len(sol.value) >= t.stop:
            values, statuses = sol.value[t], sol.status[t]
            out["trials"] = {
                "n": int(t.stop - t.start),
                **{
                    f"p{round(p * 100)}": _number(percentile_need(values, statuses, p, s.prefer))
                    for p in CONFIDENCE
                },
                "unreachable_share": float(np.mean(statuses == solver.UNREACHABLE)),
                "monotone_share": float(np.mean(sol.monotone[t])),
            }
        return out


def cached_entries(value: object) -> list[Entry] | None:
    """The fund's entries as `cache.store_json` kept them (a list of JSON objects), or
    None for a miss."""
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        return None
    return value


def unreachable_reason(s: ProjectSolve, bound: float, achieved: float) -> str:
    """Why no value within the bounds meets the target, in one sentence. `bound` is the far
    end of the search (for "smallest", the upper bound, capped where the project caps it;
    for "largest", the lower)."""
    what = "the output is not defined" if math.isnan(achieved) else f"it reaches {achieved:.6g}"
    start = s.lower if s.prefer == "smallest" else s.upper
    way = "up" if s.prefer == "smallest" else "down"
    return (
        f"no {s.input} from {start:.6g} {way} to {bound:.6g} {s.unit} gives {s.output} "
        f"{s.comparison} {s.target:g}: at {bound:.6g} {what}"
    )


def run_structuring(
    programme: Programme,
    projects: dict[str, ProjectResult],
    fund: FundEvaluation | None = None,
    *,
    structuring: StructuringFile | None = None,
    trials: int | None = None,
    threads: int | None = None,
    use_cache: bool = True,
) -> StructuringResult:
    """Solve every solve of structuring.yaml for every project it applies to. With
    `use_cache` an answer whose inputs are unchanged since it was last solved is read back
    (`structuring.cache`)."""
    structuring = structuring if structuring is not None else programme.structuring
    if structuring is None:
        raise ValueError("the programme has no structuring.yaml")
    if getattr(programme, "risk", None) is not None:
        from xlfinance.risk.engine import layout

        lay = layout(programme, projects, fund, trials)
        n_rows = lay.n_rows
        scenarios = {name: row for name, (row, _) in lay.rows.scenarios.items()}
        trial_rows = lay.rows.trials

        def overrides(pid: str) -> Rows:
            return lay.overrides(pid)
    else:
        lay = None
        n_rows, scenarios, trial_rows = 1, {"base": 0}, slice(0, 0)

        def overrides(pid: str) -> Rows:
            return {}

    jobs: list[Job] = []
    for name, solve in structuring.solves.items():
        target = structuring.targets[solve.target]
        rows_wanted = n_rows if solve.trials else min(n_rows, trial_rows.start or n_rows)
        for pid in solve.projects or sorted(projects):
            model = projects[pid].model
            if investable(projects[pid]) and applies(model, solve, target.output):
                jobs.append((name, solve, target, pid, rows_wanted))

    info = {
        "programme": programme.programme.model_dump(mode="json"),
        "assumptions": programme.assumptions.model_dump(mode="json"),
    }

    def key_of(job: Job) -> str:
        name, solve, target, pid, n = job
        rows = {k: v[:n] for k, v in overrides(pid).items()}
        parts = {
            **info,
            "project": projects[pid].definition.model_dump(mode="json"),
            "solve": [name, solve.model_dump(mode="json"), target.model_dump(mode="json")],
        }
        return cache.project_key(parts, rows, n)

    def one(batch: list[Job]) -> list[ProjectSolve]:
        """A project's solves searched together (`batches`), those in the cache read back."""
        keys = [key_of(job) if use_cache else None for job in batch]
        found = [None if key is None else cache.load_project(key) for key in keys]
        missing = [job for job, hit in zip(batch, found, strict=True) if hit is None]
        solved: Iterator[ProjectSolve] = iter([])
        if missing:
            pid = batch[0][3]
            model = projects[pid].model
            solved = iter(solve_batch(missing, model, overrides(pid), trial_rows))
        answers: list[ProjectSolve] = []
        for key, hit in zip(keys, found, strict=True):
            if hit is None:
                hit = next(solved)
                if key is not None:
                    cache.store_project(key, hit)
            answers.append(hit)
        return answers

    workers = threads if threads is not None else min(2, os.cpu_count() or 1)
    grouped = batches(jobs)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            answered = list(pool.map(one, grouped))
    else:
        answered = [one(batch) for batch in grouped]
    by_job = {(a.solve, a.project): a for answers in answered for a in answers}
    solved = [by_job[name, pid] for name, _, _, pid, _ in jobs]

    # --- The fund section (structuring.fund): over the fund's model and the same rows. ---
    fund_entries: list[Entry] | None = []
    if structuring.fund is not None:
        from xlfinance.structuring.fund import solve_fund

        key = None
        if use_cache:
            key = cache.files_key(
                programme.files,
                {"trials": trials, "structuring": structuring.model_dump(mode="json")},
            )
            fund_entries = cached_entries(cache.load_json(key))
        if fund_entries is None or key is None:
            fund_entries = solve_fund(programme, projects, fund, structuring, lay)
            if key is not None:
                cache.store_json(key, fund_entries)
    # --------------------------------------------------------------------------------------
    from xlfinance.structuring.blended import blended_metrics

    return StructuringResult(
        blended=blended_metrics(programme, projects, fund),
        file=STRUCTURING_FILE,
        solves=solved,
        scenarios=scenarios,
        trials=trial_rows,
        labels={
            **_fund_labels(structuring),
            **{n: s.label.model_dump() for n, s in structuring.solves.items() if s.label},
        },
        target_labels={n: t.label.model_dump() for n, t in structuring.targets.items() if t.label},
        fund=fund_entries or [],
        capex={pid: float(r.metrics["capex_yuan"]) for pid, r in projects.items()},
        sized_debt={
            pid: float(r.metrics["debt_yuan"])
            for pid, r in sorted(projects.items())
            if investable(r) and sizes_debt(r)
        },
    )


FUND_SOLVES = {
    "first_loss": ("first_loss_share_p50", "first_loss_share_p90"),
    "deployment": ("fund_capacity", "fund_pipeline"),
    "supported_hurdle": ("supported_hurdle_p90",),
}
"""The answers each part of structuring.yaml's fund section gives (`structuring.fund`)."""


def _fund_labels(structuring: StructuringFile) -> dict[str, dict[str, str]]:
    """The fund answers' names, from the labels of the parts that give them."""
    fund = getattr(structuring, "fund", None)
    out: dict[str, dict[str, str]] = {}
    for part, solves in FUND_SOLVES.items():
        label = getattr(getattr(fund, part, None), "label", None)
        if label is not None:
            for name in solves:
                out[name] = label.model_dump()
    if "fund_pipeline" in out:  # the second answer of deployment is not the size
        out["fund_pipeline"] = {
            "zh": "达到投放目标需新增的项目",
            "en": "Projects the fund would need to deploy its size",
        }
    return out


__all__ = ["StructuringResult", "run_structuring", "unreachable_reason"]
