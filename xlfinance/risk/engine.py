"""Scenarios, tornado and Monte Carlo of a programme, evaluated as rows of the scenarios axis.

`run_risk(programme, projects)` reads the programme's `risk.yaml` (`definitions.risk`) and
lays every case it asks for on one axis of rows:

    row 0                      the base case
    one row a scenario         its overrides applied to the base
    two rows a tornado bar     the parameter at its low, then at its high value
    one row a trial            every distribution's draw for that trial

Each project model whose inputs any row changes is evaluated over those rows with its
inputs as arrays (`Model.evaluate(overrides)`), and the fund's model once more with each
investment's equity cash flow as a (rows, years) series laid on the fund's calendar, so the
waterfall runs over every trial in the same numpy pass. A project no row changes keeps its
base results. Rows are evaluated in equal chunks of at most `chunk_size` (default
`CHUNK_SIZE`) to bound memory; a chunk of 1 is the trial-by-trial loop that the benchmark
compares against. Only the outputs the risk results need are computed (`only=`).

How a change reaches the models: `assumptions.<name>` changes every input linked to that
assumption, `projects.<id>.<input>` one input (`projects.*.<input>` the input in every project
that has it), `fund.<input>` an input of the fund's model. A `value` replaces the input;
`multiply` and `add` act on its value so far. Within a row, assumptions apply first, then
`projects.*`, then single projects and the fund, so the more specific path has the last word.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from numpy.typing import NDArray

from xlfinance.archetypes.finance.contract import EQUITY_CASH_FLOW, PROJECT_CASH_FLOW
from xlfinance.definitions.risk import (
    RISK_FILE,
    ParamPath,
    RiskFile,
    correlation_matrix,
    parse_path,
    problem_at,
)
from xlfinance.errors import DefinitionError
from xlfinance.model import units
from xlfinance.model.core import Model
from xlfinance.risk import sampling
from xlfinance.risk.results import Flags, RiskResult, TornadoBar

if TYPE_CHECKING:
    from xlfinance.definitions.fund import FundFile
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.risk import Distribution
    from xlfinance.errors import Problem
    from xlfinance.fund.model import FundEvaluation, FundModel
    from xlfinance.model.core import Evaluation
    from xlfinance.projects import ProjectResult

Projects: TypeAlias = "dict[str, ProjectResult]"
"""The evaluated projects, by id (`xlfinance.projects.evaluate_projects`)."""
Fund: TypeAlias = "FundModel | FundEvaluation | None"
"""A fund already built from the projects, or None to build it from fund.yaml."""
Outcome: TypeAlias = "tuple[str, Evaluation | dict[str, np.ndarray]]"
"""A project's id and its evaluation, or FUND and the fund's outputs (`_Chunk`)."""

CHUNK_SIZE = 12_000
"""Most rows evaluated together. One pass over every row is fastest (numpy's work grows
with the rows, Python's overhead with the passes), so 10,000 trials are one chunk; the cap
bounds memory: the fund's lines at 12,000 rows x 30 years take about 0.4 GB."""
LINES_MEMORY = 384 * 2**20
"""Bytes that one evaluation's lines may take, at the most, counting every line of the model
as a float64 (rows, periods) array (`rows_that_fit`): a bound, as lines the same in every
row are kept as one row and `only=` computes fewer. The fund's model grows by ten lines a
deal: Xiaolan's, 233 lines x 30 years with 4 deals, takes 10,039 rows in two blocks (0.52
GiB at once); with some 180 deals (1,000 projects) its 2,000 lines would take 4.5 GiB at
once, twelve blocks. 768 MiB before: the forked child's peak at 1,000 projects was its
last block of the fund's solves, over 2 GB."""
PROJECT_METRICS = ("npv_yuan", "irr", "equity_irr")
FUND = "fund"
BASE = "base"
BASE_DESCRIPTION = "Base case: every input as defined"
TORNADO_P = (0.1, 0.9)
"""Percentiles of a distribution that give a tornado bar its range when none is stated."""

Progress = Callable[[int, int], None]
"""progress(done, total): rows evaluated so far out of all rows."""


@dataclass(frozen=True)
class Target:
    """One model input a path reaches: a project id (or `fund`) and the input's name."""

    model: str
    input: str


@dataclass
class _Rows:
    """The rows of the scenarios axis and what each block of them is."""

    scenarios: dict[str, tuple[int, str]] = field(default_factory=dict)
    """scenario name -> (row, description)."""
    tornado: list[tuple[int, int]] = field(default_factory=list)
    """(row at low, row at high) for each tornado item."""
    trials: slice = field(default_factory=lambda: slice(0, 0))
    total: int = 1


_ORDER = {"assumptions": 0, "projects*": 1, "projects": 2, "fund": 2}


def _rank(path: ParamPath) -> int:
    return _ORDER["projects*" if path.project == "*" else path.scope]


def run_risk(
    programme: Programme,
    projects: Projects,
    fund: Fund = None,
    trials: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    *,
    risk: RiskFile | None = None,
    chunk_size: int | None = None,
    threads: int | None = None,
) -> RiskResult:
    """Evaluate the scenarios, tornado and Monte Carlo of `risk.yaml` over the programme.

    `projects` are the evaluated projects (`xlfinance.projects.evaluate_projects`); `fund` a
    `FundModel` or `FundEvaluation` already built from them (built here from `fund.yaml` when
    not given). `trials` and `seed` default to those of `risk.yaml`. Raises
    `DefinitionError` naming `risk.yaml` and the field when a path reaches no model input.
    """
    lay = layout(programme, projects, fund, trials, seed, risk=risk)
    risk, fund_model, rows, values = lay.risk, lay.fund_model, lay.rows, lay.values
    workers = threads if threads is not None else min(2, os.cpu_count() or 1)
    outputs, hurdles, losses = _evaluate(
        projects, fund_model, values, rows.total, chunk_size or CHUNK_SIZE, progress, workers
    )
    return RiskResult(
        trials=lay.n_trials,
        seed=lay.seed,
        bins=risk.histogram_bins,
        scenarios=rows.scenarios,
        tornado=list(zip(lay.bars, rows.tornado, strict=True)),
        trial_rows=rows.trials,
        outputs=outputs,
        units=_output_units(projects, fund_model),
        hurdles=hurdles,
        losses=losses,
        samples=lay.samples,
        input_bases=lay.input_bases,
        draw_units=lay.draw_units,
        distributions=dict(risk.distributions),
        classes=tuple(fund_model.classes) if fund_model is not None else None,
        labels={
            name: scenario.label for name, scenario in risk.scenarios.items() if scenario.label
        },
        labels_zh={
            name: scenario.label_zh
            for name, scenario in risk.scenarios.items()
            if scenario.label_zh
        },
    )


def _output_units(projects: Projects, fund_model: FundModel | None) -> dict[str, str]:
    """The unit of each output `_evaluate` gives, from the model output it reads."""
    found = {
        f"projects.{pid}.{metric}": result.model.outputs[metric].unit
        for pid, result in projects.items()
        for metric in PROJECT_METRICS
    }
    if fund_model is not None:
        outputs = fund_model.model.outputs
        found |= {
            f"fund.classes.{c}.net_irr": outputs[f"net_irr_{c}"].unit for c in fund_model.classes
        }
    return found


@dataclass(frozen=True)
class Layout:
    """The rows of a risk run and every input that changes across them: the base case (row
    0), each scenario, each tornado bar's low and high, then the trials."""

    risk: RiskFile
    fund_model: FundModel | None
    rows: _Rows
    values: _Overrides
    bars: list[TornadoBar]
    samples: dict[str, np.ndarray]
    n_trials: int
    seed: int
    input_bases: dict[str, float | None] = field(default_factory=dict)
    """Distribution path -> the value a draw of it takes in the base case, on the draw's
    scale (1 for `apply: multiply`, 0 for `add`, else the input's own value; None where the
    path reaches inputs of different values)."""
    draw_units: dict[str, str] = field(default_factory=dict)
    """Distribution path -> the unit of a draw: "x" for `apply: multiply` (a factor), else
    that of the inputs it reaches ("" where they differ)."""

    @property
    def n_rows(self) -> int:
        return self.rows.total

    def overrides(
        self, key: str, cases: NDArray[np.intp] | slice | None = None
    ) -> dict[str, np.ndarray]:
        """The changed inputs of project `key` (or FUND) in the given rows (all rows)."""
        arrays = self.values.arrays.get(key, {})
        if cases is None:
            return dict(arrays)
        return {name: a[cases] for name, a in arrays.items()}


def layout(
    programme: Programme,
    projects: Projects,
    fund: Fund = None,
    trials: int | None = None,
    seed: int | None = None,
    *,
    risk: RiskFile | None = None,
) -> Layout:
    """Lay out the rows of `risk.yaml` (scenarios, tornado, trials) over the programme and
    fill in every changed input, without evaluating anything (see `run_risk`)."""
    risk = risk if risk is not None else programme.risk
    if risk is None:
        raise ValueError("the programme has no risk.yaml")
    trials = risk.trials if trials is None else int(trials)
    seed = risk.seed if seed is None else int(seed)
    if trials < 1:
        raise ValueError(f"trials must be at least 1 (got {trials})")
    file = str(Path(programme.root) / RISK_FILE)
    fund_model = _fund_model(programme, projects, fund)
    models: dict[str, Model] = {pid: r.model for pid, r in projects.items()}
    if fund_model is not None:
        models[FUND] = fund_model.model
    resolver = _Resolver(models, file)
    targets = resolver.resolve_all(risk)

    # Lay out the rows and fill in every changed input.
    rows = _Rows()
    scenarios = dict(risk.scenarios)
    names = list(scenarios)
    if BASE not in scenarios:
        names.insert(0, BASE)
    n_fixed = 1 + len(names) + 2 * len(risk.tornado)
    n_trials = trials if risk.distributions else 0
    rows.total = n_fixed + n_trials
    rows.trials = slice(n_fixed, rows.total)
    values = _Overrides(models, rows.total)

    row = 1
    for name in names:
        scenario = scenarios.get(name)
        description = scenario.description if scenario else BASE_DESCRIPTION
        rows.scenarios[name] = (row, description)
        if scenario is not None:
            changes = sorted(scenario.overrides.items(), key=lambda kv: _rank(parse_path(kv[0])))
            for text, change in changes:
                values.apply(targets[text], row, change.apply, change.amount)
        row += 1

    bars: list[TornadoBar] = []
    for item in risk.tornado:
        dist = risk.distributions.get(item.parameter)
        how = item.apply or (dist.apply if dist is not None else "value")
        source: str | None
        if item.low is None or item.high is None:  # neither (definitions.risk: both or neither)
            if dist is None:  # as definitions.risk refuses it in a risk.yaml
                raise ValueError(
                    f"tornado: give low and high: '{item.parameter}' has no distribution to "
                    "take them from"
                )
            low, high = (sampling.quantile(dist, p) for p in TORNADO_P)
            source = f"{TORNADO_P[0]:.0%} and {TORNADO_P[1]:.0%} points of its distribution"
        else:
            low, high, source = item.low, item.high, item.source
        values.apply(targets[item.parameter], row, how, low)
        values.apply(targets[item.parameter], row + 1, how, high)
        rows.tornado.append((row, row + 1))
        label = item.label or (dist.label if dist is not None else None)
        label_zh = item.label_zh or (dist.label_zh if dist is not None else None)
        bars.append(
            TornadoBar(
                parameter=item.parameter,
                label=label or resolver.label(item.parameter, how),
                apply=how,
                low=float(low),
                high=float(high),
                source=source,
                label_zh=label_zh,
                unit=resolver.unit(targets[item.parameter]),
            )
        )
        row += 2

    samples: dict[str, np.ndarray] = {}
    if n_trials:
        samples = sampling.sample(risk.distributions, n_trials, seed, correlation_matrix(risk))
        order = sorted(risk.distributions, key=lambda text: _rank(parse_path(text)))
        for text in order:
            how = risk.distributions[text].apply
            values.apply(targets[text], rows.trials, how, samples[text])

    bases = {t: _base_of_draw(d, targets[t], models) for t, d in risk.distributions.items()}
    draw_units = {
        t: "x" if d.apply == "multiply" else resolver.unit(targets[t])
        for t, d in risk.distributions.items()
    }
    return Layout(risk, fund_model, rows, values, bars, samples, n_trials, seed, bases, draw_units)


def _base_of_draw(
    distribution: Distribution, targets: list[Target], models: dict[str, Model]
) -> float | None:
    """What a draw of `distribution` would be to leave its inputs as they are (`Layout`)."""
    if distribution.apply == "multiply":
        return 1.0
    if distribution.apply == "add":
        return 0.0
    found = {float(models[t.model].inputs[t.input].value) for t in targets}
    return found.pop() if len(found) == 1 else None


# --------------------------------------------------------------------------------------
# Paths to model inputs
# --------------------------------------------------------------------------------------


class _Resolver:
    """Finds the model inputs of each path; collects a problem for each that reaches none."""

    def __init__(self, models: dict[str, Model], file: str):
        self.models = models
        self.file = file

    def targets(self, text: str) -> tuple[list[Target], str | None]:
        path = parse_path(text)
        projects = {k: m for k, m in self.models.items() if k != FUND}
        if path.scope == "assumptions":
            found = [
                Target(k, name)
                for k, m in self.models.items()
                for name, item in m.inputs.items()
                if item.link == path.link
            ]
            why = f"no model input takes '{text}' (none is linked to it)"
            return found, None if found else why
        if path.scope == FUND:
            model = self.models.get(FUND)
            if model is None:
                return [], "the programme has no fund.yaml"
            return self._one(FUND, model, path.name, "the fund")
        if path.project == "*":
            found = [Target(k, path.name) for k, m in projects.items() if path.name in m.inputs]
            if any(projects[t.model].inputs[t.input].structural for t in found):
                return [], (
                    f"'{path.name}' fixes the projects' shape (their periods and rows), so it "
                    "cannot vary here; change it in the definitions and build again"
                )
            return found, None if found else f"no project has an input '{path.name}'"
        assert path.project is not None  # a projects path names one (parse_path)
        model = projects.get(path.project)
        if model is None:
            return [], f"unknown project '{path.project}'"
        return self._one(path.project, model, path.name, f"project '{path.project}'")

    @staticmethod
    def _one(key: str, model: Model, name: str, what: str) -> tuple[list[Target], str | None]:
        item = model.inputs.get(name)
        if item is not None and item.structural:
            return [], (
                f"{what}: '{name}' fixes the model's shape (its periods and rows), so it "
                "cannot vary here; change it in the definition and build again"
            )
        if item is not None:
            return [Target(key, name)], None
        close = difflib.get_close_matches(name, list(model.inputs), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return [], f"{what} has no input '{name}'{hint}"

    def resolve_all(self, risk: RiskFile) -> dict[str, list[Target]]:
        fields: list[tuple[str, str]] = []
        for name, scenario in risk.scenarios.items():
            fields += [(f"scenarios.{name}.overrides.{t}", t) for t in scenario.overrides]
        fields += [(f"tornado[{i}].parameter", t.parameter) for i, t in enumerate(risk.tornado)]
        fields += [(f"distributions.{t}", t) for t in risk.distributions]
        found: dict[str, list[Target]] = {}
        problems: list[Problem] = []
        for where, text in fields:
            targets, why = self.targets(text)
            if why:
                problems.append(problem_at(self.file, where, why))
            found[text] = targets
        if problems:
            raise DefinitionError(problems)
        return found

    def unit(self, targets: list[Target]) -> str:
        """The unit of the inputs `targets` reach, without a price's VAT basis; "" when they
        are in different units."""
        reached = (self.models[t.model].inputs[t.input].unit for t in targets)
        found = {units.split(unit)[0] if unit else "" for unit in reached}
        return found.pop() if len(found) == 1 else ""

    def label(self, text: str, how: str) -> str:
        path = parse_path(text)
        suffix = {"value": "", "multiply": " (x base)", "add": " (+ base)"}[how]
        if path.scope == "assumptions":
            return f"Programme: {path.name.replace('_', ' ')}{suffix}"
        if path.scope == FUND:
            item = self.models[FUND].inputs[path.name]
            return f"Fund: {item.label or path.name}{suffix}"
        if path.project == "*":
            return f"All projects: {path.name.replace('_', ' ')}{suffix}"
        assert path.project is not None  # a projects path names one (parse_path)
        item = self.models[path.project].inputs[path.name]
        return f"{path.project}: {item.label or path.name}{suffix}"


# --------------------------------------------------------------------------------------
# Input arrays
# --------------------------------------------------------------------------------------


class _Overrides:
    """For each model, the changed inputs as arrays over all rows (base value elsewhere)."""

    def __init__(self, models: dict[str, Model], n_rows: int):
        self.models = models
        self.n = n_rows
        self.arrays: dict[str, dict[str, np.ndarray]] = {}

    def apply(
        self, targets: list[Target], rows: int | slice, how: str, amount: float | np.ndarray
    ) -> None:
        for target in targets:
            per_model = self.arrays.setdefault(target.model, {})
            array = per_model.get(target.input)
            if array is None:
                base = self.models[target.model].inputs[target.input].value
                array = per_model[target.input] = np.full(self.n, base)
            if how == "value":
                array[rows] = amount
            elif how == "multiply":
                array[rows] = array[rows] * amount
            else:
                array[rows] = array[rows] + amount

    def of(self, key: str, start: int, stop: int) -> dict[str, np.ndarray]:
        return {name: a[start:stop] for name, a in self.arrays.get(key, {}).items()}


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


def _fund_model(programme: Programme, projects: Projects, fund: Fund) -> FundModel | None:
    if fund is not None:
        from xlfinance.fund.model import FundEvaluation

        return fund.fund if isinstance(fund, FundEvaluation) else fund
    definition: FundFile | None = getattr(programme, "fund", None)
    if definition is None:
        return None
    from xlfinance.definitions.fund import FUND_FILE
    from xlfinance.fund.model import build_fund_model, project_flows

    file = str(Path(programme.root) / FUND_FILE)
    return build_fund_model(definition, project_flows(projects), file)


def on_calendar(flows: np.ndarray, start_year: int, first_year: int, n_years: int) -> np.ndarray:
    """Rows of yearly flows from `start_year` laid on a calendar of `n_years` from
    `first_year`, zero outside (as `fund.model.ProjectFlows.on_calendar`, for many rows)."""
    out = np.zeros((flows.shape[0], n_years))
    offset = start_year - first_year
    first = max(0, -offset)
    last = min(flows.shape[1], n_years - offset)
    if last > first:
        out[:, first + offset : last + offset] = flows[:, first:last]
    return out


PROJECT_LINES = {"irr": PROJECT_CASH_FLOW, "equity_irr": EQUITY_CASH_FLOW}
"""The cash flow of each IRR metric: nothing received in it means a total loss."""


def _total_loss(flows: np.ndarray) -> Flags:
    """Rows in which nothing is ever received (every flow <= 0, some < 0).

    A row that is the same in every scenario (a broadcast view) is looked at once; the
    others over the flows transposed, a period at a time, several times faster than along
    each row's few periods (max and min are exact: the same rows either way)."""
    if flows.shape[0] > 1 and flows.strides[0] == 0:
        return np.broadcast_to(_total_loss(flows[:1]), flows.shape[:1])
    by_period = np.ascontiguousarray(flows.T)
    lost: Flags = (by_period.max(axis=0) <= 0) & (by_period.min(axis=0) < 0)
    return lost


def _evaluate(
    projects: Projects,
    fund_model: FundModel | None,
    values: _Overrides,
    n_rows: int,
    chunk: int,
    progress: Progress | None,
    workers: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Evaluate every changed project and the fund over all rows, chunk by chunk.

    Returns the outputs, each fund class's hurdle in each row, and for each IRR output the
    rows in which it is a total loss (nothing ever received: its IRR tends to -100%).
    """
    outputs: dict[str, np.ndarray] = {}
    losses: dict[str, np.ndarray] = {}
    for pid, result in projects.items():
        for metric in PROJECT_METRICS:
            outputs[f"projects.{pid}.{metric}"] = np.full(n_rows, result.metrics[metric])
        for metric, line in PROJECT_LINES.items():
            lost = bool(_total_loss(result.evaluation.lines[line])[0])
            losses[f"projects.{pid}.{metric}"] = np.full(n_rows, lost)
    deals = fund_model.deals if fund_model is not None else ()
    hurdles: dict[str, np.ndarray] = {}
    fund_wanted: list[str] = []
    if fund_model is not None:
        fund_inputs = fund_model.model.inputs
        for c in fund_model.classes:
            outputs[f"fund.classes.{c}.net_irr"] = np.full(n_rows, np.nan)
            losses[f"fund.classes.{c}.net_irr"] = np.zeros(n_rows, dtype=bool)
            fund_wanted += [f"net_irr_{c}", f"received_yuan_{c}", f"paid_in_yuan_{c}"]
            hurdle = values.arrays.get(FUND, {}).get(f"hurdle_rate_{c}")
            if hurdle is None:
                hurdle = np.full(n_rows, fund_inputs[f"hurdle_rate_{c}"].value)
            hurdles[c] = hurdle
    changed = [pid for pid in projects if pid in values.arrays]
    fund_changed = fund_model is not None and (
        FUND in values.arrays or any(d in values.arrays for d in deals)
    )
    if progress:
        progress(0, n_rows)
    if fund_model is not None and not fund_changed:
        base = fund_model.model.evaluate(only=fund_wanted)
        _fund_outputs(fund_model, base.outputs, outputs, losses, slice(None))
    n_chunks = -(-n_rows // chunk)
    size = -(-n_rows // n_chunks)
    steps = len(changed) + int(fund_changed)
    for start in range(0, n_rows, size):
        stop = min(n_rows, start + size)
        rows = slice(start, stop)
        part = _Chunk(projects, fund_model if fund_changed else None, values, rows, fund_wanted)
        with ThreadPoolExecutor(max_workers=workers) if workers > 1 else nullcontext() as pool:
            for k, (key, ev) in enumerate(part.evaluations(changed, pool, workers)):
                if isinstance(ev, dict):  # the fund's outputs (FUND), only with a fund_model
                    assert fund_model is not None
                    _fund_outputs(fund_model, ev, outputs, losses, rows)
                else:
                    for metric in PROJECT_METRICS:
                        outputs[f"projects.{key}.{metric}"][rows] = ev.outputs[metric]
                    for metric, line in PROJECT_LINES.items():
                        losses[f"projects.{key}.{metric}"][rows] = _total_loss(ev.lines[line])
                if progress:
                    progress(start + (stop - start) * (k + 1) // steps, n_rows)
        if progress:
            progress(stop, n_rows)
    return outputs, hurdles, losses


PROJECT_WANTED = (*PROJECT_METRICS, *PROJECT_LINES.values())
"""What the risk results need of each project's model: its outputs, and the rows of
`PROJECT_LINES` (`lines=`, so that no other line of a cycle is made into a row)."""


class _Chunk:
    """One chunk of rows: each changed project's model evaluated over them, and the fund's
    model (when given) with the equity flows of its deals.

    The deals go first and the fund as soon as their flows are in, ahead of the projects
    still waiting: with several workers it then runs beside the other projects, rather than
    alone after all of them. Each evaluation is the same whatever the order.
    """

    def __init__(
        self,
        projects: Projects,
        fund_model: FundModel | None,
        values: _Overrides,
        rows: slice,
        fund_wanted: list[str],
    ) -> None:
        self.projects = projects
        self.fund_model = fund_model
        self.values = values
        self.rows = rows
        self.fund_wanted = fund_wanted
        self.flows: dict[str, np.ndarray] = {}

    def evaluations(
        self, changed: list[str], pool: ThreadPoolExecutor | None, workers: int
    ) -> Iterator[Outcome]:
        """(project id or FUND, its evaluation), as each is done."""
        deals = self.fund_model.deals if self.fund_model is not None else ()
        queue = [p for p in changed if p in deals] + [p for p in changed if p not in deals]
        waiting = {p for p in changed if p in deals}
        fund = self.fund_model is not None
        running: set[Future[Outcome]] = set()

        def start_next() -> None:
            nonlocal fund
            assert pool is not None  # called only with a pool (below)
            if fund and not waiting:
                fund = False
                running.add(pool.submit(self.fund))
            elif queue:
                running.add(pool.submit(self.project, queue.pop(0)))

        if pool is None:
            while queue or fund:
                key, ev = self.fund() if fund and not waiting else self.project(queue.pop(0))
                fund = fund and key != FUND
                waiting.discard(self._done(key, ev))
                yield key, ev
            return
        for _ in range(workers):
            start_next()
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                key, ev = future.result()
                waiting.discard(self._done(key, ev))
                yield key, ev
                start_next()

    def _done(self, key: str, ev: Evaluation | dict[str, np.ndarray]) -> str:
        """Keep a deal's equity flows for the fund; return the key."""
        if self.fund_model is not None and key in self.fund_model.deals:
            assert not isinstance(ev, dict)  # a deal is a project: an Evaluation
            self.flows[key] = ev.lines[EQUITY_CASH_FLOW]
        return key

    def project(self, pid: str) -> tuple[str, Evaluation]:
        rows = self.rows
        overrides = self.values.of(pid, rows.start, rows.stop)
        model = self.projects[pid].model
        return pid, model.evaluate(overrides, only=PROJECT_WANTED, lines=PROJECT_LINES.values())

    def fund(self) -> tuple[str, dict[str, np.ndarray]]:
        assert self.fund_model is not None  # asked for only when there is one
        model, rows = self.fund_model.model, self.rows

        def overrides(block: slice) -> dict[str, np.ndarray]:
            at = slice(rows.start + block.start, rows.start + block.stop)
            out = self.values.of(FUND, at.start, at.stop)
            for d, flows in self.flows.items():
                start_year = self.projects[d].definition.start_year
                out[f"equity_cash_flow_{d}"] = on_calendar(
                    flows[block], start_year, model.start_year, model.n_periods
                )
            return out

        n = rows.stop - rows.start
        return FUND, evaluate_in_blocks(model, n, self.fund_wanted, overrides)


def rows_that_fit(model: Model, cap: int = CHUNK_SIZE, budget: int | None = None) -> int:
    """The most rows of `model` evaluated together whose lines fit in `budget` bytes
    (`LINES_MEMORY`), every line a float64 (rows, periods) array; at most `cap`, at least 1."""
    budget = LINES_MEMORY if budget is None else budget
    per_row = max(1, len(model.lines)) * model.n_periods * 8
    return max(1, min(cap, budget // per_row))


def row_blocks(start: int, stop: int, size: int) -> list[slice]:
    """The rows start..stop in blocks of at most `size`, all of one length but the last."""
    n = stop - start
    if n <= 0:
        return []
    k = -(-n // size)
    each = -(-n // k)
    return [slice(a, min(stop, a + each)) for a in range(start, stop, each)]


def evaluate_in_blocks(
    model: Model,
    n: int,
    only: Iterable[str],
    overrides: Callable[[slice], dict[str, np.ndarray]],
    size: int | None = None,
) -> dict[str, np.ndarray]:
    """The outputs `only` of `model` over n rows, evaluated `size` rows at a time
    (`rows_that_fit` by default) so that the lines of a large model fit in memory; each
    output an array of the n rows. `overrides(rows)` gives the changed inputs over a block
    of rows (a slice of 0..n), made block by block so that neither need exist for every row
    at once. A row's values are the same whichever block it is in: a model's lines act on
    each row alone (its sums run along the periods)."""
    only = tuple(only)
    blocks = row_blocks(0, n, size or rows_that_fit(model))
    parts: dict[str, list[np.ndarray]] = {k: [] for k in only}
    for rows in blocks:
        m = rows.stop - rows.start
        ev = model.evaluate(overrides(rows), n_scenarios=m, only=only, lines=())
        for k in only:
            parts[k].append(np.broadcast_to(ev.outputs[k], (m,)))
    if len(blocks) == 1:
        return {k: v[0] for k, v in parts.items()}
    return {k: np.concatenate(v) for k, v in parts.items()}


def _fund_outputs(
    fund_model: FundModel,
    got: dict[str, np.ndarray],
    outputs: dict[str, np.ndarray],
    losses: dict[str, np.ndarray],
    rows: slice,
) -> None:
    """The fund's outputs over `rows`, `got` (output name -> values), into the results."""
    for c in fund_model.classes:
        outputs[f"fund.classes.{c}.net_irr"][rows] = got[f"net_irr_{c}"]
        nothing_back = got[f"received_yuan_{c}"] <= 0
        losses[f"fund.classes.{c}.net_irr"][rows] = nothing_back & (got[f"paid_in_yuan_{c}"] > 0)


__all__ = ["CHUNK_SIZE", "Layout", "Target", "layout", "on_calendar", "run_risk"]


def resolve_paths(
    programme: Programme, projects: Projects, fund: Fund = None
) -> dict[str, list[Target]]:
    """Every path of the programme's risk.yaml and the model inputs it reaches; raises
    `DefinitionError` naming risk.yaml and the field of each path that reaches none (what
    `validate` checks without running anything)."""
    if programme.risk is None:
        raise ValueError("the programme has no risk.yaml")
    fund_model = _fund_model(programme, projects, fund)
    models: dict[str, Model] = {pid: r.model for pid, r in projects.items()}
    if fund_model is not None:
        models[FUND] = fund_model.model
    return _Resolver(models, str(Path(programme.root) / RISK_FILE)).resolve_all(programme.risk)
