"""What a risk run found, and the `risk` section of results.json.

    {"trials": 10000, "seed": 1,
     "scenarios": {"<name>": {"label": "...", ["label_zh": "...",] "description": "...",
                              "projects": {"<id>": {"npv_yuan": x, "irr": x, "equity_irr": x}},
                              "fund": {"classes": {"<class>": {"net_irr": x}}}}},
     "tornado": [{"output": "projects.pv_phase1.npv_yuan", "parameter": "<path>",
                  "label": "...", ["label_zh": "...",] "low": v, "high": v, "base": x,
                  "at_low": y, "at_high": z, "swing": s}, ...],
     "monte_carlo": {"outputs": {"projects.<id>.npv_yuan": {"p10": .., "p50": .., "p90": ..,
                                 "base": .., "base_percentile": ..,
                                 "mean": .., "prob_below_zero": .., "share_undefined": ..,
                                 "histogram": {"edges": [...], "counts": [...]}},
                                 "projects.<id>.irr": {...}, "projects.<id>.equity_irr": {...},
                                 "fund.classes.<class>.net_irr": {..., "prob_below_hurdle": ..}},
                     "inputs": {"<distribution path>": {"p10": .., "p50": .., "p90": ..,
                                                         "base": .., "base_percentile": ..}}}}

- Tornado: for each output (every project's NPV and IRR, every fund class's net IRR), a bar for
  each parameter that moves it; `low` and `high` are the parameter's range as `risk.yaml` states
  it (a value, or a factor or amount for `multiply` or `add`); `swing` = |at_high - at_low|;
  bars sorted by swing, largest first, within each output. A parameter that leaves an output
  exactly where it was is left out of that output's tornado.
- Monte Carlo: quantiles (numpy's linear interpolation) and mean over the trials with a
  defined result; `share_undefined` is the share of trials without one (an IRR with no root),
  and the probabilities are over the defined trials. A trial in which an investment or a
  class never gets anything back has no IRR in the model (NaN); where the base case has an
  IRR, such a case counts at -100%, the IRR's limit, in the scenarios, the tornado and the
  Monte Carlo alike, so that a total loss reads as one (not as "not defined") and weighs in
  the quantiles and in the chance of missing zero or a hurdle. `prob_below_hurdle`: net
  IRR below the class's hurdle in the same trial. `base` is the base case's value and
  `base_percentile` where it sits among the trials (`percentile_of`: the share below it plus
  half the share equal to it); for each distribution under `inputs`, `base` is the draw that
  leaves its inputs as defined (1 for `multiply`, 0 for `add`, the input's value, or None
  where the path reaches inputs of different values) and `base_percentile` where it sits among
  the draws: a base case far from the middle of its inputs' draws is why an output's base sits
  far from its P50. `monte_carlo` is None when `risk.yaml` has no
  distributions; `fund` None when the programme has no fund.
- NaN is None throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NotRequired, TypeAlias, TypedDict

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from xlfinance.definitions.risk import Distribution

Floats: TypeAlias = NDArray[np.float64]
Flags: TypeAlias = NDArray[np.bool_]

QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}
TOTAL_LOSS_IRR = -1.0
"""The IRR counted, in the Monte Carlo, for a trial in which nothing is ever received."""
PROJECT_METRICS = ("npv_yuan", "irr", "equity_irr")
TORNADO_METRICS = ("npv_yuan", "irr")


class LabelZh(TypedDict, total=False):
    """A label's Chinese, where one is given."""

    label_zh: str


class ClassReturn(TypedDict):
    net_irr: float | None


class FundScenario(TypedDict):
    classes: dict[str, ClassReturn]


class ScenarioResult(TypedDict):
    label: str
    label_zh: NotRequired[str]
    description: str
    projects: dict[str, dict[str, float | None]]
    """Project id -> each of `PROJECT_METRICS`."""
    fund: FundScenario | None


class TornadoEntry(TypedDict):
    output: str
    parameter: str
    label: str
    label_zh: NotRequired[str]
    apply: str
    unit: str
    low: float
    high: float
    base: float | None
    at_low: float | None
    at_high: float | None
    swing: float | None


class Quantiles(TypedDict):
    """By `QUANTILES`' keys."""

    p10: float | None
    p50: float | None
    p90: float | None


class InputStatistics(Quantiles):
    base: float | None
    base_percentile: float | None


class Histogram(TypedDict):
    edges: list[float]
    counts: list[int]


class Statistics(Quantiles):
    mean: float | None
    prob_below_zero: float | None
    base: NotRequired[float | None]
    base_percentile: NotRequired[float | None]
    prob_below_hurdle: NotRequired[float | None]
    share_undefined: float | None
    histogram: Histogram | None


class _BaseAndHurdle(TypedDict, total=False):
    base: float | None
    base_percentile: float | None
    prob_below_hurdle: float | None


class MonteCarlo(TypedDict):
    outputs: dict[str, Statistics]
    inputs: dict[str, InputStatistics]


class RiskSection(TypedDict):
    """The `risk` section of results.json (the module's docstring)."""

    trials: int
    seed: int
    scenarios: dict[str, ScenarioResult]
    tornado: list[TornadoEntry]
    monte_carlo: MonteCarlo | None


def number(value: float | np.floating) -> float | None:
    """A plain float, or None for NaN and infinities."""
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class TornadoBar:
    """One tornado parameter: its path, label and range (in its `apply` terms)."""

    parameter: str
    label: str
    apply: str
    low: float
    high: float
    source: str | None = None
    label_zh: str | None = None
    """The label in Chinese (risk.yaml's `label_zh`), None when not given."""
    unit: str = ""
    """The unit of the input the parameter reaches (`low` and `high` are factors of it for
    `apply: multiply`, amounts of it otherwise)."""


@dataclass
class RiskResult:
    """Every output of every row: base (row 0), scenarios, tornado ends, then the trials."""

    trials: int
    seed: int
    bins: int
    scenarios: dict[str, tuple[int, str]]
    """name -> (row, description)."""
    tornado: list[tuple[TornadoBar, tuple[int, int]]]
    """Each bar with its rows at low and at high."""
    trial_rows: slice
    outputs: dict[str, Floats]
    """`projects.<id>.<metric>` and `fund.classes.<class>.net_irr` -> value in each row."""
    units: dict[str, str] = field(default_factory=dict)
    """Output -> its unit, as the model's output carries it."""
    hurdles: dict[str, Floats] = field(default_factory=dict)
    """Fund class -> its hurdle rate in each row."""
    losses: dict[str, Flags] = field(default_factory=dict)
    """IRR output -> whether each row is a total loss (nothing ever received)."""
    samples: dict[str, Floats] = field(default_factory=dict)
    """Distribution path -> its draw in each trial (before it is applied)."""
    input_bases: dict[str, float | None] = field(default_factory=dict)
    """Distribution path -> the draw that leaves its inputs at the base case (`Layout`)."""
    draw_units: dict[str, str] = field(default_factory=dict)
    """Distribution path -> the unit of its draws (`engine.Layout.draw_units`)."""
    distributions: dict[str, Distribution] = field(default_factory=dict)
    classes: tuple[str, ...] | None = None
    """Fund class ids, or None when the programme has no fund."""
    labels: dict[str, str] = field(default_factory=dict)
    """Scenario name -> how a report titles it (risk.yaml's `label`, else the name)."""
    labels_zh: dict[str, str] = field(default_factory=dict)
    """Scenario name -> its title in Chinese (risk.yaml's `label_zh`), where given."""
    _values: dict[str, Floats] = field(default_factory=dict, repr=False, compare=False)
    """`values` of each output asked for: the scenarios, the tornado, the statistics and the
    Risk sheet each read an output's rows many times."""

    # Access ---------------------------------------------------------------------------
    @property
    def project_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for key in self.outputs:
            if key.startswith("projects."):
                seen.setdefault(key.split(".")[1], None)
        return list(seen)

    def base(self, output: str) -> float:
        return float(self.outputs[output][0])

    def values(self, output: str) -> Floats:
        """The output in every row (base, scenarios, tornado, trials).

        An IRR that has a value in the base case but none in a row because nothing is ever
        received in it (a total loss) counts as -100%, its limit. Where the base case has no
        IRR either (a programme cost with no income), none is made up.
        """
        if output not in self._values:
            values = self.outputs[output]
            lost = self.losses.get(output)
            if lost is not None and not math.isnan(values[0]):
                values = np.where(np.isnan(values) & lost, TOTAL_LOSS_IRR, values)
            self._values[output] = values
        return self._values[output]

    def trial_values(self, output: str) -> Floats:
        """The output in every trial, shape (trials,), total losses at -100% (`values`)."""
        return self.values(output)[self.trial_rows]

    def tornado_outputs(self) -> list[str]:
        names = [f"projects.{p}.{m}" for p in self.project_ids for m in TORNADO_METRICS]
        return names + [f"fund.classes.{c}.net_irr" for c in self.classes or ()]

    def monte_carlo_outputs(self) -> list[str]:
        names = [f"projects.{p}.{m}" for p in self.project_ids for m in PROJECT_METRICS]
        return names + [f"fund.classes.{c}.net_irr" for c in self.classes or ()]

    # Sections ---------------------------------------------------------------------------
    def scenario_results(self) -> dict[str, ScenarioResult]:
        out: dict[str, ScenarioResult] = {}
        for name, (row, description) in self.scenarios.items():
            fund: FundScenario | None = None
            if self.classes is not None:
                fund = {
                    "classes": {
                        c: {"net_irr": number(self.values(f"fund.classes.{c}.net_irr")[row])}
                        for c in self.classes
                    }
                }
            zh: LabelZh = {"label_zh": self.labels_zh[name]} if name in self.labels_zh else {}
            out[name] = {
                "label": self.labels.get(name, name.replace("_", " ")),
                **zh,
                "description": description,
                "projects": {
                    pid: {
                        m: number(self.values(f"projects.{pid}.{m}")[row]) for m in PROJECT_METRICS
                    }
                    for pid in self.project_ids
                },
                "fund": fund,
            }
        return out

    def tornado_results(self) -> list[TornadoEntry]:
        entries: list[TornadoEntry] = []
        for output in self.tornado_outputs():
            values = self.values(output)
            base = values[0]
            bars: list[TornadoEntry] = []
            for bar, (low_row, high_row) in self.tornado:
                at_low, at_high = values[low_row], values[high_row]
                if _same(at_low, base) and _same(at_high, base):
                    continue
                swing = abs(at_high - at_low)
                zh: LabelZh = {"label_zh": bar.label_zh} if bar.label_zh else {}
                bars.append(
                    {
                        "output": output,
                        "parameter": bar.parameter,
                        "label": bar.label,
                        **zh,
                        "apply": bar.apply,
                        "unit": bar.unit,
                        "low": bar.low,
                        "high": bar.high,
                        "base": number(base),
                        "at_low": number(at_low),
                        "at_high": number(at_high),
                        "swing": number(swing),
                    }
                )
            bars.sort(key=lambda b: (b["swing"] is None, -(b["swing"] or 0.0)))
            entries.extend(bars)
        return entries

    def statistics(self, output: str) -> Statistics:
        hurdle = None
        if output.startswith("fund.classes."):
            hurdle = self.hurdles[output.split(".")[2]][self.trial_rows]
        return statistics(self.trial_values(output), self.bins, hurdle, self.values(output)[0])

    def input_statistics(self, path: str) -> InputStatistics:
        """A distribution's draws: P10, P50, P90 and where the base case sits among them."""
        draws = np.asarray(self.samples[path], dtype=float)
        base = self.input_bases.get(path)
        return {
            **quantiles(draws),
            "base": None if base is None else number(base),
            "base_percentile": None if base is None else percentile_of(draws, base),
        }

    def monte_carlo_results(self) -> MonteCarlo | None:
        if not self.trials:
            return None
        return {
            "outputs": {name: self.statistics(name) for name in self.monte_carlo_outputs()},
            "inputs": {path: self.input_statistics(path) for path in self.samples},
        }

    def section_units(self, section: RiskSection) -> dict[str, str]:
        """The unit of each number of `section` (this run's `results()`), by its path in
        results.json: an output's statistics, scenario values and tornado ends in the
        output's unit; a tornado bar's range in its inputs' unit ("x" for a factor); a
        draw's quantiles in its unit; probabilities and percentiles shares; the number of
        trials, the seed and the histogram's counts pure numbers."""
        found = {"risk.trials": "", "risk.seed": ""}
        for name, scenario in section["scenarios"].items():
            at = f"risk.scenarios.{name}"
            for pid, metrics in scenario["projects"].items():
                found |= {
                    f"{at}.projects.{pid}.{m}": self.units[f"projects.{pid}.{m}"] for m in metrics
                }
            fund = scenario["fund"]
            for c in fund["classes"] if fund is not None else ():
                found[f"{at}.fund.classes.{c}.net_irr"] = self.units[f"fund.classes.{c}.net_irr"]
        for i, bar in enumerate(section["tornado"]):
            ends = "x" if bar["apply"] == "multiply" else bar["unit"]
            unit = self.units[bar["output"]]
            found |= {f"risk.tornado.{i}.{key}": ends for key in ("low", "high")}
            found |= {
                f"risk.tornado.{i}.{key}": unit for key in ("base", "at_low", "at_high", "swing")
            }
        mc = section["monte_carlo"]
        if mc is None:
            return found
        for output, stats in mc["outputs"].items():
            at, unit = f"risk.monte_carlo.outputs.{output}", self.units[output]
            for key in stats:
                if key != "histogram":
                    found[f"{at}.{key}"] = unit if key in (*QUANTILES, "base", "mean") else "share"
            if stats["histogram"] is not None:
                found[f"{at}.histogram.edges"] = unit
                found[f"{at}.histogram.counts"] = ""
        for path, draws in mc["inputs"].items():
            at, unit = f"risk.monte_carlo.inputs.{path}", self.draw_units.get(path, "")
            for key in draws:
                found[f"{at}.{key}"] = "share" if key == "base_percentile" else unit
        return found

    def results(self) -> RiskSection:
        """The `risk` section of results.json."""
        return {
            "trials": self.trials,
            "seed": self.seed,
            "scenarios": self.scenario_results(),
            "tornado": self.tornado_results(),
            "monte_carlo": self.monte_carlo_results(),
        }


def _same(a: float, b: float) -> bool:
    return bool(a == b or (math.isnan(a) and math.isnan(b)))


def quantiles(values: Floats) -> Quantiles:
    """P10, P50 and P90 of `values` (numpy's linear interpolation), by `QUANTILES`' keys."""
    p10, p50, p90 = (number(q) for q in np.quantile(values, list(QUANTILES.values())))
    return {"p10": p10, "p50": p50, "p90": p90}


def percentile_of(values: Floats, x: float) -> float | None:
    """Where `x` sits among the finite `values`, as a share: those below it plus half of
    those equal to it, over all of them (the mid-rank percentile rank, which scipy's
    `percentileofscore(kind="mean")` gives in percent); None without finite values."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0 or not math.isfinite(x):
        return None
    below = np.count_nonzero(finite < x)
    equal = np.count_nonzero(finite == x)
    return number((below + 0.5 * equal) / finite.size)


def statistics(
    values: Floats,
    bins: int = 20,
    hurdle: Floats | None = None,
    base: float | None = None,
) -> Statistics:
    """P10, P50, P90, mean, probabilities and a histogram of the defined values; with
    `base` (the base case's value), it and its percentile among them (`percentile_of`)."""
    values = np.asarray(values, dtype=float)
    defined = np.isfinite(values)
    finite = values[defined]
    quantile: Quantiles = {"p10": None, "p50": None, "p90": None}
    mean = below_zero = below_hurdle = None
    histogram: Histogram | None = None
    if finite.size:
        quantile = quantiles(finite)
        mean = number(finite.mean())
        below_zero = number((finite < 0).mean())
        if hurdle is not None:
            below_hurdle = number((finite < np.asarray(hurdle)[defined]).mean())
        counts, edges = np.histogram(finite, bins=bins)
        histogram = {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}
    beside: _BaseAndHurdle = {}
    if base is not None:
        beside["base"] = number(base)
        beside["base_percentile"] = percentile_of(finite, float(base))
    if hurdle is not None:
        beside["prob_below_hurdle"] = below_hurdle
    return {
        **quantile,
        "mean": mean,
        "prob_below_zero": below_zero,
        **beside,
        "share_undefined": number(1.0 - defined.mean()) if values.size else None,
        "histogram": histogram,
    }


__all__ = ["RiskResult", "TornadoBar", "number", "percentile_of", "statistics"]
