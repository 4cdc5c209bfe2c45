"""The `fund` section of structuring.yaml: questions about the fund of fund.yaml, answered
over its model and the Monte Carlo trials of risk.yaml.

`solve_fund(programme, projects, fund, structuring, layout)` returns one results.json entry
per answer, in the form of `StructuringResult.entries()` (value, unit, status, target, file
and the edits that reproduce it):

1. `first_loss`: the smallest share of the fund committed by the junior (first-loss) class
   at which the protected class's net IRR meets its target at each confidence (P50, P90).
   A share s moves the junior class's commitments at the closes where it commits, in
   proportion to them (s x fund size x its part of them at that close, to the whole yuan),
   and gives the difference to the balance class at the same close, so that each close's
   `fund_size_yuan` and the fund's size stay as they are. For each candidate share the
   fund's model is evaluated over every trial in one numpy pass (the deals' equity flows
   in each trial computed once beforehand, as `risk.engine` lays them on the fund's
   calendar), and the statistic of the protected class's net IRR is a number; `solver.solve`
   searches the share, one case per confidence, in lock-step (an evaluation at a share the
   other case has already asked for is reused). The share answered is the end of the final
   interval that meets the target, so writing the edits it lists and running again meets
   the target exactly; the threshold lies within the tolerance below it. More first loss
   protects the senior class in the bad trials but also cuts its part of the residual (pro
   rata to commitments) in the good ones, so the statistic need not rise with the share:
   the solver flags a turn on its grid (`monotone`) and answers from the lower bound up.
2. `deployment`: the largest fund size S whose commitments the deals absorb at the target
   ratio, invested / S >= ratio, so S = invested / ratio (the fund's `invested_yuan`: its
   share of every negative equity flow of its deals while it holds them; it does not depend
   on the commitments). Its edits scale every close's size and commitments in proportion
   (to the whole yuan, down). Then the projects that would have to enter the fund to deploy
   the target size: a greedy choice of the investable projects not in the fund that start
   in its investment period, the highest base-case equity IRR first (a project with no IRR
   last), each at all of its equity (`equity_invested_yuan` of its results), until the
   invested amount reaches ratio x size. Only the equity amounts are reported, not the
   classes' returns with these projects: entering one needs exit terms (when and at what
   price the fund sells it) that fund.yaml does not give.
3. `supported_hurdle`: the largest target net IRR of a class that the fund as defined
   meets at a confidence: the statistic below, with no solve.

Statistics over the trials: the value at confidence p ("Pp") is the value met or beaten in
at least a share p of the trials: sorted from the highest, the ceil(p x n)-th. P90 is thus
the value met or exceeded in 90% of the trials, the 10th percentile (numpy's
`inverted_cdf` at 1 - p, up to which of two neighbouring trials is taken), and "the
target is met at P90" means at least 90% of the trials meet it. A trial with no net IRR
(NaN: nothing received) counts as missing every target; a net IRR within `IRR_TOLERANCE`
(1e-9) below its target meets it. Without a risk.yaml the one case is the base case. The
first-loss share's commitments replace any that risk.yaml varies (`fund.commitment_*`).

The first-loss entries also give the share the base case (row 0) and each scenario of
risk.yaml needs (`base`, `scenarios`: value, status, achieved and the edits), solved over
those rows in lock-step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

import numpy as np
from numpy.typing import ArrayLike

from xlfinance.archetypes.finance.contract import EQUITY_CASH_FLOW
from xlfinance.definitions.structuring import (
    STRUCTURING_FILE,
    DeploymentDef,
    FirstLossDef,
    StructuringFile,
    SupportedHurdleDef,
)
from xlfinance.errors import DefinitionError, Problem
from xlfinance.structuring import solver
from xlfinance.structuring.projects import investable

if TYPE_CHECKING:
    from xlfinance.definitions.fund import Close, FundFile
    from xlfinance.definitions.load import Programme
    from xlfinance.fund.model import FundEvaluation, FundModel
    from xlfinance.projects import ProjectResult
    from xlfinance.risk.engine import Layout

Entry: TypeAlias = dict[str, Any]
"""An answer as results.json lists it (`structuring.entries`): a JSON object, which
`structuring.cache` keeps as JSON and reads back (`json.loads`, whose values are unchecked);
its keys in the function that writes it."""


class Edit(TypedDict):
    """A value to write into fund.yaml: the field's path there and its number."""

    field: str
    value: int | float | None


class PipelineProject(TypedDict):
    """A project the fund would need to deploy its size (`solve_deployment`)."""

    project: str
    equity_invested_yuan: float
    equity_irr: int | float | None
    cumulative_yuan: float


FUND_FILE = "fund.yaml"
IRR_TOLERANCE = 1e-9
"""A net IRR this close below its target meets it: the IRR is found to about 1e-14, but a
class paid exactly its capital and hurdle earns its hurdle rate give or take the rounding
of the sums (6% as 0.05999999999999997), and a target equal to the hurdle must count that."""
FUND_KEY = "fund"
"""The `projects` path of a fund input in risk.yaml (`fund.<input>`)."""


def met_at(values: np.ndarray, p: float) -> float:
    """The value met or beaten in at least a share p of `values` (NaN counts as missing
    everything): sorted from the highest, the ceil(p x n)-th; NaN when that one is NaN."""
    v = np.where(np.isnan(values), -np.inf, np.asarray(values, dtype=float))
    n = v.size
    k = min(n, max(1, math.ceil(p * n - 1e-9)))  # the k-th highest
    x = float(np.partition(v, n - k)[n - k])
    return x if math.isfinite(x) else float("nan")


# ------------------------------------------------------------------------------------------
# The fund's model over the rows
# ------------------------------------------------------------------------------------------


class FundRows:
    """The fund's model over a set of rows of the risk layout (the trials, or the base
    case), with each deal's equity flow in each row computed once. The fund's model is
    evaluated a block of rows at a time (`risk.engine.evaluate_in_blocks`): with hundreds
    of deals its lines over 10,000 trials would not fit in memory at once."""

    def __init__(
        self,
        fund_model: FundModel,
        projects: dict[str, ProjectResult],
        lay: Layout | None = None,
        rows: slice | None = None,
    ) -> None:
        self.fund_model = fund_model
        if lay is None or rows is None or rows.stop <= rows.start:
            rows = slice(0, 1)
        self.rows = rows
        self.n = n = rows.stop - rows.start
        self.base = lay.overrides(FUND_KEY, rows) if lay is not None else {}
        self.flows: dict[str, tuple[np.ndarray, int]] = {}
        """Deal -> its equity flow in each row ((n, its periods), or one row for all) and
        its start year, laid on the fund's calendar a block at a time."""
        for d in fund_model.deals:
            over = lay.overrides(d, rows) if lay is not None else {}
            result = projects[d]
            if over:
                ev = result.model.evaluate(over, n_scenarios=n, only=(), lines=(EQUITY_CASH_FLOW,))
                flows = ev.lines[EQUITY_CASH_FLOW]
            else:
                flows = result.evaluation.lines[EQUITY_CASH_FLOW][:1]
            self.flows[d] = (flows, result.definition.start_year)

    def evaluate(
        self,
        inputs: Mapping[str, ArrayLike],
        only: tuple[str, ...],
        cases: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """The outputs `only` over the rows (those numbered `cases` among them), with
        `inputs` changed: each a number for every row or an array, one value a case."""
        from xlfinance.risk.engine import evaluate_in_blocks, on_calendar

        index = np.arange(self.n) if cases is None else np.asarray(cases)
        n = len(index)
        changed = {
            name: np.broadcast_to(np.asarray(value, dtype=float), (n,))
            for name, value in inputs.items()
        }
        model = self.fund_model.model

        def overrides(block: slice) -> dict[str, np.ndarray]:
            rows = index[block]
            m = len(rows)
            out = {k: v[rows] for k, v in self.base.items()}
            for d, (flows, start_year) in self.flows.items():
                own = flows[rows] if flows.shape[0] > 1 else flows
                out[f"equity_cash_flow_{d}"] = on_calendar(
                    np.broadcast_to(own, (m, flows.shape[-1])),
                    start_year,
                    model.start_year,
                    model.n_periods,
                )
            out.update({k: v[block].copy() for k, v in changed.items()})
            return out

        return evaluate_in_blocks(model, n, only, overrides)


# ------------------------------------------------------------------------------------------
# The junior class's share
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shares:
    """How a share of the fund for the junior class becomes commitments at each close."""

    size: float
    """The fund's size: every commitment at every close."""
    junior: str
    balance: str
    closes: tuple[tuple[int, float, float, float], ...]
    """(close index from 0, junior's commitment, balance's commitment, junior's part) for
    each close where fund.yaml lists the junior class and its part is above 0: its part is
    its commitment there over all of its commitments; when those are all 0, the balance
    class's commitment there over the balance's at those closes (equal parts if none)."""

    @classmethod
    def of(cls, definition: FundFile, junior: str, balance: str) -> Shares:
        size = sum(v.value for close in definition.closes for v in close.commitments_yuan.values())
        listed = [
            (k, _commitment(close, junior), _commitment(close, balance))
            for k, close in enumerate(definition.closes)
            if junior in close.commitments_yuan
        ]
        total_j = sum(j for _, j, _ in listed)
        total_b = sum(b for _, _, b in listed)
        if total_j > 0:
            parts = [j / total_j for _, j, _ in listed]
        elif total_b > 0:  # the junior class at 0 everywhere: alongside the balance class
            parts = [b / total_b for _, _, b in listed]
        else:
            parts = [1 / len(listed)] * len(listed) if listed else []
        closes = tuple((k, j, b, w) for (k, j, b), w in zip(listed, parts, strict=True) if w > 0)
        return cls(size, junior, balance, closes)

    @property
    def defined(self) -> float:
        """The junior class's share as fund.yaml defines it."""
        return sum(j for _, j, _, _ in self.closes) / self.size

    @property
    def most(self) -> float:
        """The largest share the balance class's commitments leave room for."""
        return min(1.0, min((j + b) / (self.size * w) for _, j, b, w in self.closes))

    def commitments(self, share: float) -> list[tuple[int, float, float]]:
        """(close index, junior's commitment, balance's commitment) at each close moved, in
        whole yuan; each close keeps its total."""
        out: list[tuple[int, float, float]] = []
        for k, j, b, w in self.closes:
            new = min(float(round(share * self.size * w)), j + b)
            out.append((k, new, j + b - new))
        return out

    def inputs(self, share: float) -> dict[str, float]:
        """The fund model's inputs at `share` (`commitment_<class>_close_<k>`, k from 1)."""
        out: dict[str, float] = {}
        for k, j, b in self.commitments(share):
            out[f"commitment_{self.junior}_close_{k + 1}"] = j
            out[f"commitment_{self.balance}_close_{k + 1}"] = b
        return out

    def edits(self, share: float) -> list[Edit]:
        """The edits to fund.yaml that give `share`: each field is a `{value, source}`
        whose value is to be set."""
        out: list[Edit] = []
        for k, j, b in self.commitments(share):
            out.append({"field": f"closes[{k}].commitments_yuan.{self.junior}", "value": _num(j)})
            out.append({"field": f"closes[{k}].commitments_yuan.{self.balance}", "value": _num(b)})
        return out

    def realised(self, share: float) -> float:
        """The share the whole-yuan commitments at `share` give."""
        return sum(j for _, j, _ in self.commitments(share)) / self.size


def _commitment(close: Close, class_id: str) -> float:
    value = close.commitments_yuan.get(class_id)
    return float(value.value) if value is not None else 0.0


def _num(x: float | None) -> int | float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return int(x) if float(x).is_integer() else float(x)


def solve_first_loss(
    defn: FirstLossDef,
    fund_model: FundModel,
    trials: FundRows,
    n_trials: int,
    fixed: FundRows | None = None,
    scenarios: dict[str, int] | None = None,
) -> list[Entry]:
    """The smallest junior share that meets the protected class's target at each confidence
    over the trials (one entry each); with `fixed` (the rows from the base case, row 0, to
    the last scenario) and `scenarios` (name -> row), the share each scenario needs and the
    base case's too, in each entry."""
    shares = Shares.of(fund_model.definition, defn.junior, defn.balance)
    output = f"net_irr_{defn.protected}"
    goal = float(defn.net_irr.value)
    threshold = goal - IRR_TOLERANCE
    confidence = [float(p) for p in defn.confidence]
    lower = float(defn.lower.value)
    most = shares.most
    upper = min(float(defn.upper.value), most) if defn.upper is not None else most
    upper = max(lower, upper)
    cache: dict[float, np.ndarray] = {}

    def irr_at(share: float) -> np.ndarray:
        key = float(share)
        if key not in cache:
            cache[key] = trials.evaluate(shares.inputs(key), (output,))[output]
        return cache[key]

    def f(cases: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.array([met_at(irr_at(xi), confidence[c]) for c, xi in zip(cases, x, strict=True)])

    solution = solver.solve(
        f,
        threshold,
        lower,
        upper,
        comparison=">=",
        prefer="smallest",
        xtol=float(defn.tolerance),
        n=len(confidence),
    )
    at_defined = irr_at(shares.defined)
    per_row: dict[str, Entry] | None = None
    if fixed is not None:
        rows = {"base": 0, **{k: r for k, r in (scenarios or {}).items() if k != "base" and r}}

        def g(cases: np.ndarray, x: np.ndarray) -> np.ndarray:
            row_index = np.array([list(rows.values())[c] for c in cases])
            inputs: dict[str, list[float]] = {}
            for xi in x:
                for name, value in shares.inputs(float(xi)).items():
                    inputs.setdefault(name, []).append(value)
            return fixed.evaluate(inputs, (output,), row_index)[output]

        by_row = solver.solve(
            g,
            threshold,
            lower,
            upper,
            comparison=">=",
            prefer="smallest",
            xtol=float(defn.tolerance),
            n=len(rows),
        )
        per_row = {
            name: {
                "value": _num(float(by_row.value[i])),
                "status": str(by_row.status[i]),
                "achieved": _num(float(by_row.achieved[i])),
                "edits": shares.edits(float(by_row.value[i]))
                if not math.isnan(by_row.value[i])
                else [],
            }
            for i, name in enumerate(rows)
        }
    out: list[Entry] = []
    for i, p in enumerate(confidence):
        value = float(solution.value[i])
        status = str(solution.status[i])
        entry: Entry = {
            "solve": f"first_loss_share_{_statistic(p)}",
            "project": FUND_KEY,
            "value": _num(value),
            "unit": "share",
            "status": status,
            "confidence": p,
            "statistic": _statistic(p),
            "file": FUND_FILE,
            "edits": shares.edits(value) if not math.isnan(value) else [],
            "input": f"commitment_{defn.junior}_close_<k>",
            "defined": shares.defined,
            "realised": _num(shares.realised(value)) if not math.isnan(value) else None,
            "target": {
                "output": f"fund.classes.{defn.protected}.net_irr",
                "value": goal,
                "comparison": ">=",
                "statistic": _statistic(p),
                "source": defn.net_irr.source,
                "irr_tolerance": IRR_TOLERANCE,
            },
            "achieved": _num(float(solution.achieved[i])),
            "achieved_defined": _num(met_at(at_defined, p)),
            "bounds": [lower, upper],
            "tolerance": float(defn.tolerance),
            "monotone": bool(solution.monotone[i]),
            "prefer": "smallest",
            "classes": {"junior": defn.junior, "balance": defn.balance},
            "n_trials": n_trials,
            "evaluations": len(cache),
        }
        if per_row is not None:
            entry["base"] = per_row["base"]
            entry["scenarios"] = {k: v for k, v in per_row.items() if k != "base"}
        if status == solver.UNREACHABLE:
            entry["bound"] = _num(float(solution.bound[i]))
            entry["reason"] = (
                f"no {defn.junior} share from {lower:g} to {upper:.6g} gives "
                f"{output} >= {goal:g} at {_statistic(p)}: at {upper:.6g} it is "
                f"{_fmt(float(solution.achieved[i]))}"
            )
        out.append(entry)
    return out


def _statistic(p: float) -> str:
    return f"p{round(p * 100)}"


def _fmt(x: float) -> str:
    return "not defined" if math.isnan(x) else f"{x:.6g}"


# ------------------------------------------------------------------------------------------
# Deployment
# ------------------------------------------------------------------------------------------


def scaled_closes(definition: FundFile, size: float) -> list[Edit]:
    """The edits that make the fund `size` (at most), every close's size and commitments
    scaled in proportion, each commitment down to the whole yuan."""
    old = sum(v.value for close in definition.closes for v in close.commitments_yuan.values())
    factor = size / old
    edits: list[Edit] = []
    running = 0.0
    for k, close in enumerate(definition.closes):
        for c, v in close.commitments_yuan.items():
            new = float(math.floor(v.value * factor))
            running += new
            edits.append({"field": f"closes[{k}].commitments_yuan.{c}", "value": _num(new)})
        edits.append({"field": f"closes[{k}].fund_size_yuan", "value": _num(running)})
    return edits


def candidate_projects(
    defn: DeploymentDef, fund_model: FundModel, projects: dict[str, ProjectResult]
) -> list[str]:
    """The projects that may enter the fund, the highest equity IRR first (no IRR last)."""
    definition = fund_model.definition
    if defn.candidates is not None:
        ids = list(defn.candidates)
    else:
        ids = [
            pid
            for pid, r in projects.items()
            if pid not in fund_model.deals
            and investable(r)
            and definition.first_year <= r.definition.start_year <= definition.investment_period_end
            and r.metrics.get("equity_invested_yuan", 0.0) > 0
        ]

    if defn.min_equity_irr is not None:
        floor = float(defn.min_equity_irr.value)
        ids = [pid for pid in ids if projects[pid].metrics.get("equity_irr", math.nan) >= floor]

    def key(pid: str) -> tuple[bool, float, str]:
        irr = projects[pid].metrics.get("equity_irr", float("nan"))
        return (math.isnan(irr), -irr if not math.isnan(irr) else 0.0, pid)

    return sorted(ids, key=key)


def solve_deployment(
    defn: DeploymentDef,
    fund_model: FundModel,
    projects: dict[str, ProjectResult],
    base: FundRows,
    trials: FundRows | None,
) -> list[Entry]:
    """The largest fund the deals absorb at the ratio, and the projects that would have to
    enter it to deploy the target size (two entries)."""
    definition = fund_model.definition
    ratio = float(defn.ratio.value)
    wanted = ("invested_yuan", "committed_yuan")
    at_base = base.evaluate({}, wanted)
    invested = float(at_base["invested_yuan"][0])
    committed = float(at_base["committed_yuan"][0])
    largest = invested / ratio
    status = solver.ALREADY_MET if committed <= largest else solver.SOLVED
    edits = scaled_closes(definition, largest) if status == solver.SOLVED else []
    last = edits[-1]["value"] if edits else committed  # the last close's size is the fund's
    assert last is not None  # a whole yuan (`scaled_closes`), never NaN
    size_edited = float(last)
    checks: dict[str, float]
    if edits:
        scaled = _scaled_inputs(fund_model, edits)
        at = base.evaluate(scaled, ("invested_yuan", "committed_yuan", "called_yuan"))
        checks = {
            "achieved": float(at["invested_yuan"][0] / at["committed_yuan"][0]),
            "called_yuan": float(at["called_yuan"][0]),
        }
    else:
        at = base.evaluate({}, ("called_yuan",))
        checks = {"achieved": invested / committed, "called_yuan": float(at["called_yuan"][0])}
    capacity: Entry = {
        "solve": "fund_capacity",
        "project": FUND_KEY,
        "value": largest,
        "unit": "yuan",
        "status": status,
        "file": FUND_FILE,
        "edits": edits,
        "defined": committed,
        "size_edited": size_edited,
        "invested_yuan": invested,
        "target": {
            "output": "fund.invested_yuan / fund.committed_yuan",
            "value": ratio,
            "comparison": ">=",
            "source": defn.ratio.source,
        },
        "achieved": checks["achieved"],
        "called_yuan": checks["called_yuan"],
        "over_called": checks["called_yuan"] > size_edited,
    }
    if trials is not None and trials.n > 1:
        inv = trials.evaluate({}, ("invested_yuan",))["invested_yuan"]
        capacity["trials"] = {
            "n": trials.n,
            "p50": met_at(inv, 0.5) / ratio,
            "p90": met_at(inv, 0.9) / ratio,
        }

    size = float(defn.fund_size_yuan.value) if defn.fund_size_yuan is not None else committed
    needed = ratio * size - invested
    chosen: list[PipelineProject] = []
    total = 0.0
    for pid in candidate_projects(defn, fund_model, projects):
        if total >= needed:
            break
        metrics = projects[pid].metrics
        equity = float(metrics.get("equity_invested_yuan", 0.0))
        total += equity
        chosen.append(
            {
                "project": pid,
                "equity_invested_yuan": equity,
                "equity_irr": _num(float(metrics.get("equity_irr", float("nan")))),
                "cumulative_yuan": total,
            }
        )
    if needed <= 0:
        pipeline_status = solver.ALREADY_MET
    elif total >= needed:
        pipeline_status = solver.SOLVED
    else:
        pipeline_status = solver.UNREACHABLE
    pipeline: Entry = {
        "solve": "fund_pipeline",
        "project": FUND_KEY,
        "value": total,
        "unit": "yuan",
        "status": pipeline_status,
        "file": FUND_FILE,
        "field": "investments",
        "projects": chosen,
        "fund_size_yuan": size,
        "invested_yuan": invested,
        "needed_yuan": max(0.0, needed),
        "shortfall_yuan": max(0.0, needed - total),
        "achieved": (invested + total) / size,
        "target": {
            "output": "fund.invested_yuan / fund.committed_yuan",
            "value": ratio,
            "comparison": ">=",
            "source": defn.ratio.source,
        },
        "method": (
            "greedy: the investable projects not in the fund that start in its investment "
            "period (and earn min_equity_irr, where given), the highest base-case equity IRR "
            "first, each at all of its equity (equity_invested_yuan), until invested "
            "reaches ratio x fund size"
        ),
    }
    pipeline.update(pipeline_returns(fund_model, [c["project"] for c in chosen], projects))
    if pipeline_status == solver.UNREACHABLE:
        pipeline["reason"] = (
            f"every candidate together brings {total:,.0f} yuan of equity, "
            f"{needed - total:,.0f} short of the {needed:,.0f} needed to invest "
            f"{ratio:.0%} of {size:,.0f}"
        )
    return [capacity, pipeline]


PIPELINE_EXIT_SOURCE = (
    "assumption: a project entering the fund is held to the fund's last year and sold there "
    "for its later equity flows at the fund's NAV discount rate (the liquidation at NAV of "
    "fund.yaml), or held to its end where its life ends sooner"
)


def pipeline_returns(
    fund_model: FundModel, added: list[str], projects: dict[str, ProjectResult]
) -> Entry:
    """The fund's returns (each class's net IRR, the gross IRR, invested over committed)
    with `added` projects entering it at all of their equity: held to the fund's last year
    and sold there at the NAV discount rate, or held to the end of a shorter life
    (`PIPELINE_EXIT_SOURCE`). The fund's size and commitments are as defined."""
    from xlfinance.definitions.fund import Exit, Investment
    from xlfinance.definitions.schema import Sourced
    from xlfinance.fund.model import build_fund_model, project_flows

    definition = fund_model.definition
    if not added:
        return {"class_returns": None, "exit_terms": PIPELINE_EXIT_SOURCE}
    final = definition.final_year
    rate = definition.valuation.nav_discount_rate
    new: list[Investment] = []
    for pid in added:
        fin = projects[pid].definition.parameters.finance
        end = projects[pid].definition.start_year + fin.construction_years + fin.operating_years - 1
        exit_ = (
            Exit(method="hold", source=PIPELINE_EXIT_SOURCE)
            if end <= final
            else Exit(
                method="discount_rate", year=final, discount_rate=rate, source=PIPELINE_EXIT_SOURCE
            )
        )
        new.append(
            Investment(
                project=pid,
                equity_share=Sourced(value=1.0, source="all of the project's equity"),
                exit=exit_,
            )
        )
    widened = definition.model_copy(update={"investments": (*definition.investments, *new)})
    try:
        model = build_fund_model(widened, project_flows(projects))
    except DefinitionError as exc:
        return {
            "class_returns": None,
            "exit_terms": PIPELINE_EXIT_SOURCE,
            "note": "the projects do not fit the fund's calendar: "
            + "; ".join(p.message for p in exc.problems),
        }
    outputs = model.model.evaluate().outputs
    classes = {c: _num(float(outputs[f"net_irr_{c}"][0])) for c in model.classes}
    return {
        "class_returns": {
            "net_irr": classes,
            "gross_irr": _num(float(outputs["gross_irr"][0])),
            "invested_yuan": float(outputs["invested_yuan"][0]),
            "committed_yuan": float(outputs["committed_yuan"][0]),
            "invested_share": float(outputs["invested_yuan"][0] / outputs["committed_yuan"][0]),
        },
        "exit_terms": PIPELINE_EXIT_SOURCE,
    }


def _scaled_inputs(fund_model: FundModel, edits: list[Edit]) -> dict[str, float]:
    """The fund model's commitment inputs after the edits of `scaled_closes`."""
    out: dict[str, float] = {}
    for e in edits:
        field = e["field"]
        if ".commitments_yuan." not in field:
            continue
        k = int(field[len("closes[") : field.index("]")])
        c = field.rsplit(".", 1)[1]
        name = f"commitment_{c}_close_{k + 1}"
        if name in fund_model.model.inputs:
            value = e["value"]
            assert value is not None  # a whole yuan (`scaled_closes`), never NaN
            out[name] = float(value)
    return out


# ------------------------------------------------------------------------------------------
# The hurdle the fund supports
# ------------------------------------------------------------------------------------------


def supported_hurdle(
    defn: SupportedHurdleDef, fund_model: FundModel, trials: FundRows, n_trials: int
) -> Entry:
    """The largest target net IRR of the class met at the confidence: its net IRR met or
    beaten in that share of the trials (one entry)."""
    c, p = defn.investor_class, float(defn.confidence)
    output = f"net_irr_{c}"
    irr = trials.evaluate({}, (output,))[output]
    value = met_at(irr, p)
    cls = fund_model.definition.investor_class(c)
    hurdle = float(cls.hurdle_rate.value)
    return {
        "solve": f"supported_hurdle_{_statistic(p)}",
        "project": FUND_KEY,
        "value": _num(value),
        "unit": "rate",
        "status": solver.UNREACHABLE if math.isnan(value) else solver.SOLVED,
        "confidence": p,
        "statistic": _statistic(p),
        "file": FUND_FILE,
        "field": None,
        "target": {
            "output": f"fund.classes.{c}.net_irr",
            "comparison": ">=",
            "statistic": _statistic(p),
        },
        "defined": hurdle,
        "meets_defined_hurdle": bool(value >= hurdle) if not math.isnan(value) else False,
        "undefined_share": float(np.mean(np.isnan(irr))),
        "n_trials": n_trials,
        "note": (
            "not an input: the class's net IRR at this confidence with the fund as defined; "
            "its hurdle_rate in fund.yaml is compared in meets_defined_hurdle"
        ),
    }


# ------------------------------------------------------------------------------------------
# Checks and the entry point
# ------------------------------------------------------------------------------------------


def check_fund_section(
    structuring: StructuringFile,
    fund_model: FundModel | None,
    projects: dict[str, ProjectResult],
    file: str = "structuring.yaml",
) -> list[Problem]:
    """The classes and projects the fund section names exist in fund.yaml and the
    programme, and the balance class can take up the junior's commitments."""
    from xlfinance.structuring.check import _located

    section = structuring.fund
    found: list[tuple[str, str]] = []
    if section is None:
        return []
    if fund_model is None:
        return [_located(file, "fund", "the programme has no fund.yaml")]
    classes = set(fund_model.classes)
    known = ", ".join(fund_model.classes)

    def need_class(where: str, c: str) -> bool:
        if c not in classes:
            found.append((where, f"unknown class '{c}' (classes: {known})"))
            return False
        return True

    if section.first_loss is not None:
        fl = section.first_loss
        ok = need_class("fund.first_loss.junior", fl.junior)
        ok = need_class("fund.first_loss.balance", fl.balance) and ok
        need_class("fund.first_loss.protected", fl.protected)
        if ok:
            shares = Shares.of(fund_model.definition, fl.junior, fl.balance)
            inputs = shares.inputs(shares.defined) if shares.closes else {}
            missing = [name for name in inputs if name not in fund_model.model.inputs]
            if missing or not shares.closes:
                found.append(
                    (
                        "fund.first_loss.balance" if shares.closes else "fund.first_loss.junior",
                        f"class '{fl.balance}' has no commitment at a close where "
                        f"'{fl.junior}' commits ({', '.join(missing)}): it cannot take up the "
                        "difference"
                        if shares.closes
                        else f"class '{fl.junior}' is listed at no close of fund.yaml: list "
                        "its commitment (0 if need be) at each close where it may commit",
                    )
                )
    if section.supported_hurdle is not None:
        need_class("fund.supported_hurdle.investor_class", section.supported_hurdle.investor_class)
    if section.deployment is not None:
        for i, pid in enumerate(section.deployment.candidates or []):
            where = f"fund.deployment.candidates[{i}]"
            if pid not in projects:
                found.append((where, f"unknown project '{pid}'"))
            elif pid in fund_model.deals:
                found.append((where, f"project '{pid}' is already in the fund"))
            elif not investable(projects[pid]):
                found.append((where, f"project '{pid}' is not investable"))
    return [_located(file, where, message) for where, message in found]


def solve_fund(
    programme: Programme,
    projects: dict[str, ProjectResult],
    fund: FundModel | FundEvaluation | None,
    structuring: StructuringFile,
    layout: Layout | None,
) -> list[Entry]:
    """Every answer of structuring.yaml's `fund` section, as results.json entries.

    `fund` is the `FundModel` or `FundEvaluation` (built from fund.yaml when None);
    `layout` the rows of risk.yaml (`risk.engine.layout`), laid out here when None and the
    programme has a risk.yaml; without one the statistics are of the base case alone.
    """
    section = structuring.fund if structuring is not None else None
    if section is None:
        return []
    from xlfinance.fund.model import FundEvaluation

    fund_model = fund.fund if isinstance(fund, FundEvaluation) else fund
    if fund_model is None and layout is not None:
        fund_model = layout.fund_model
    if fund_model is None and getattr(programme, "fund", None) is not None:
        from xlfinance.risk.engine import _fund_model

        fund_model = _fund_model(programme, projects, None)
    file = str(Path(programme.root) / STRUCTURING_FILE) if programme is not None else None
    problems = check_fund_section(structuring, fund_model, projects, file or STRUCTURING_FILE)
    if problems:
        raise DefinitionError(problems)
    assert fund_model is not None  # check_fund_section refuses a fund section without one
    if layout is None and getattr(programme, "risk", None) is not None:
        from xlfinance.risk.engine import layout as lay_out

        layout = lay_out(programme, projects, fund_model)
    trial_rows = layout.rows.trials if layout is not None else slice(0, 0)
    n_trials = trial_rows.stop - trial_rows.start
    base = FundRows(fund_model, projects, layout, slice(0, 1))
    trials = FundRows(fund_model, projects, layout, trial_rows) if n_trials else base
    entries: list[Entry] = []
    if section.first_loss is not None:
        scenarios = (
            {name: row for name, (row, _) in layout.rows.scenarios.items()}
            if layout is not None
            else {}
        )
        last = max(scenarios.values(), default=0)
        fixed = FundRows(fund_model, projects, layout, slice(0, last + 1))
        entries += solve_first_loss(
            section.first_loss, fund_model, trials, n_trials, fixed, scenarios
        )
    if section.deployment is not None:
        entries += solve_deployment(
            section.deployment, fund_model, projects, base, trials if n_trials else None
        )
    if section.supported_hurdle is not None:
        entries.append(supported_hurdle(section.supported_hurdle, fund_model, trials, n_trials))
    return entries


__all__ = [
    "FundRows",
    "Shares",
    "check_fund_section",
    "met_at",
    "scaled_closes",
    "solve_fund",
]
