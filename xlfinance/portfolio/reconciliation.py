"""Reconciliation: where the plan disagrees with itself, and where the models disagree with it.

Each finding has an id, a severity, the numbers side by side and where each comes from.
Severities: `error` — figures the plan prints do not add up; `warning` — the models or the
plan's own physics disagree with a claim beyond the stated tolerance; `info` — wording or
rounding differences a reader should know about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, TypeVar

from xlfinance.definitions.reconciliation import CAPACITY_UNIT, Rule, Value, value_units
from xlfinance.definitions.schema import BUDGET_MONEY_FIELDS, StatedBenefitTotals, declared_unit
from xlfinance.model.units import T_PER_WAN_T, YUAN_PER_WAN

if TYPE_CHECKING:
    import pandas as pd

    from xlfinance.definitions.load import Programme
    from xlfinance.fund.model import FundEvaluation
    from xlfinance.projects import ProjectResult

    Projects = Mapping[str, ProjectResult]
    Findings = Iterator["Finding"]

T = TypeVar("T")


def _required(value: T | None, what: str) -> T:
    """A field the definitions' validation has made sure of (a rule's kind requires it):
    never None here, and a ValueError naming it if it were."""
    if value is None:
        raise ValueError(f"{what} is missing, which validation requires")
    return value


CLAIM_TOLERANCE = 0.25
"""Modelled t CO2e a year may differ from the plan's claim by this share before it is reported."""
BUDGET_TOLERANCE = 0.10
"""Modelled capex may differ from a budget line by this share before it is reported."""


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    title: str
    numbers: Mapping[str, float | str | None]
    sources: dict[str, str] = field(default_factory=dict)
    detail: str = ""
    title_zh: str | None = None
    """The title in Chinese where a rule gives one (reconciliation.yaml's `title_zh`), for the
    workbook; the findings the code makes have theirs in the catalogue
    (`render.labels_zh.SHEET_TEMPLATES`). Not in results.json, which keeps the English."""
    units: Mapping[str, str] = field(default_factory=dict)
    """The unit of each of `numbers` (a symbol of `model.units`), by its key, as the check
    that compares them knows it; a text (a line's names, its projects) and a number whose
    source states none have none."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """What each of `numbers` is, by its key, without its unit ("Modelled capex"): a page
    names the unit from `units`."""

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        del out["title_zh"]
        return out


@dataclass(frozen=True)
class Number:
    """One number of a finding: its key, value, unit, label and source ("" for none)."""

    key: str
    value: float | str | None
    unit: str | None
    label: str
    source: str | None = ""


def finding(
    id: str,
    severity: str,
    title: str,
    numbers: Iterable[Number],
    title_zh: str | None = None,
    cited_first: tuple[str, ...] = (),
) -> Finding:
    """A `Finding` of `numbers`: their values, units, labels and the sources given, those of
    `cited_first` first (the order the Reconciliation sheet lists them in)."""
    rows = tuple(numbers)
    order = {key: i for i, key in enumerate(cited_first)}
    cited = sorted(rows, key=lambda n: order.get(n.key, len(order)))
    return Finding(
        id,
        severity,
        title,
        {n.key: n.value for n in rows},
        {n.key: n.source for n in cited if n.source},
        title_zh=title_zh,
        units={n.key: n.unit for n in rows if n.unit is not None},
        labels={n.key: n.label for n in rows},
    )


def words(name: str) -> str:
    """A value's name in words, as a label: `table_3_2_km_2015` -> `Table 3-2 km 2015`."""
    text = name.replace("_", " ")
    text = re.sub(r"\b(table|figure) (\d+) (\d+)\b", r"\1 \2-\3", text)
    for word, fixed in WORDS:
        text = re.sub(rf"\b{word}\b", fixed, text)
    return text[:1].upper() + text[1:]


WORDS = (("mw", "MW"), ("gdp", "GDP"), ("pv", "PV"), ("co2", "CO2"), ("pct", "%"), ("ghg", "GHG"))
"""Words a name writes in lower case that a label spells otherwise."""


Check = Callable[["Programme", "Projects", "pd.DataFrame", "pd.DataFrame"], "Findings"]
"""One of `reconcile`'s checks: the findings of the programme, its projects, the budget
table and the benefits table."""


def reconcile(
    programme: Programme,
    projects: Projects,
    budget: pd.DataFrame,
    benefits: pd.DataFrame,
    fund: FundEvaluation | None = None,
) -> list[Finding]:
    """Every finding, plan's own inconsistencies first, then models against claims.

    `fund` is the evaluated fund (`xlfinance.fund.FundEvaluation`), which the
    `fund_deployment` rule reads; evaluated here when such a rule needs it and it is None."""

    def rules(
        programme: Programme, projects: Projects, budget: pd.DataFrame, benefits: pd.DataFrame
    ) -> Findings:
        return _rules(programme, projects, budget, benefits, fund=fund)

    findings: list[Finding] = []
    checks: tuple[Check, ...] = (
        _budget_totals,
        _benefit_totals,
        _economic_benefit_text,
        rules,
        _capex_against_budget,
        _claims_against_models,
    )
    for check in checks:
        findings.extend(check(programme, projects, budget, benefits))
    return findings


# The plan against itself ------------------------------------------------------------------
def _budget_totals(
    programme: Programme, projects: Projects, budget: pd.DataFrame, benefits: pd.DataFrame
) -> Findings:
    stated = programme.budget.stated_totals
    table = "table 5-4"
    for name in BUDGET_MONEY_FIELDS:
        printed = getattr(stated, name)
        rows = float(budget[name].sum())
    unit = programme.budget.unit
    for name in BUDGET_MONEY_FIELDS:
        printed = getattr(stated, name)
        rows = float(budget[name].sum())
        if printed is not None and not math.isclose(printed, rows, abs_tol=0.5):
            yield finding(
                f"budget-total-{name.removesuffix('_wan_yuan')}",
                "error",
                f"Budget {name}: the printed total differs from the sum of the lines",
                (
                    Number("stated_wan_yuan", printed, unit, "Stated", f"{table}, total row"),
                    Number("sum_of_lines_wan_yuan", rows, unit, "Sum of lines", f"{table}, lines"),
                ),
            )
    text = programme.budget.stated_in_text
    if text is not None and text.total_wan_yuan is not None:
        rows = float(budget["total_wan_yuan"].sum())
        if not math.isclose(text.total_wan_yuan, rows, abs_tol=0.5):
            yield finding(
                "budget-total-text",
                "info",
                "The text rounds the total investment",
                (
                    Number("text_wan_yuan", text.total_wan_yuan, unit, "Text", "section 5.3 text"),
                    Number("table_wan_yuan", rows, unit, "Table", f"{table}, lines"),
                ),
            )


BENEFITS_TOTAL, BENEFITS_ROWS = "table 5-5, total row", "table 5-5, rows"


def _benefit_totals(
    programme: Programme, projects: Projects, budget: pd.DataFrame, benefits: pd.DataFrame
) -> Findings:
    stated = programme.benefits.stated_totals
    columns = {
        "new_jobs": ("new_jobs", "New jobs"),
        "ghg_reduction_wan_t_per_year": ("claimed_t_co2e_per_year", "GHG reduction"),
        "economic_benefit_wan_yuan": ("claimed_economic_benefit_wan_yuan", "Economic benefit"),
    }
    for name, (column, label) in columns.items():
        printed = getattr(stated, name)
        rows = float(benefits[column].sum(skipna=True))
        if name == "ghg_reduction_wan_t_per_year":
            rows /= T_PER_WAN_T
        if printed is not None and not math.isclose(printed, rows, abs_tol=1e-6):
            unit, what = declared_unit(StatedBenefitTotals, name), label[:1].lower() + label[1:]
            yield finding(
                f"benefits-total-{name}",
                "error",
                f"{label}: table 5-5's total row differs from the sum of its rows",
                (
                    Number(f"stated_{name}", printed, unit, f"Stated {what}", BENEFITS_TOTAL),
                    Number(f"sum_of_rows_{name}", rows, unit, f"Sum of rows {what}", BENEFITS_ROWS),
                ),
            )


def _economic_benefit_text(
    programme: Programme, projects: Projects, budget: pd.DataFrame, benefits: pd.DataFrame
) -> Findings:
    text, table = programme.benefits.stated_in_text, programme.benefits.stated_totals
    if text is None:
        return
    for name in ("economic_benefit_wan_yuan", "new_jobs", "ghg_reduction_wan_t_per_year"):
        said, printed = getattr(text, name), getattr(table, name)
        if said is not None and printed is not None and not math.isclose(said, printed):
            unit = declared_unit(StatedBenefitTotals, name)
            yield finding(
                f"benefits-text-{name}",
                "error",
                f"{name}: section 5.3's text and table 5-5's total disagree",
                (
                    Number("text", said, unit, "Text", "section 5.3 text"),
                    Number("table_5_5", printed, unit, "Table 5-5", BENEFITS_TOTAL),
                ),
            )


# The plan's own rules (reconciliation.yaml) ----------------------------------------------
DEFAULT_RULES = (Rule(id="names", kind="line_names"),)
"""Without a reconciliation.yaml, every plan still has its line names compared."""
DEFAULT_COVER_RULE = Rule(id="debt-cover", kind="debt_cover")
"""Without a debt_cover rule, the loans that state a target_dscr are still held to it."""
COVER_TOLERANCE = 1e-9
"""A minimum DSCR this share below its target still meets it (a loan sized to cover with no
tax meets its target to rounding: 1.2999999999999998 is 1.30)."""


def _rules(
    programme: Programme,
    projects: Projects,
    budget: pd.DataFrame,
    benefits: pd.DataFrame,
    fund: FundEvaluation | None = None,
) -> Findings:
    rules = _programme_rules(programme)
    if not any(rule.kind == "debt_cover" for rule in rules):
        rules = (*rules, DEFAULT_COVER_RULE)
    if fund is None and programme.fund is not None:
        from xlfinance.fund import evaluate_fund

        fund = evaluate_fund(programme, projects)
    for rule in rules:
        if rule.kind == "fund_deployment":
            yield from _fund_deployment(rule, fund)
        else:
            yield from RULE_KINDS[rule.kind](rule, programme, projects, budget)
    yield from _fund_overcalled(fund)


OVERCALL_TOLERANCE_YUAN = 1.0
"""A class called this much beyond its commitment is rounding, not an overcall."""


def _fund_overcalled(fund: FundEvaluation | None) -> Findings:
    """Every fund, rule or none: a class called beyond its commitment (its unfunded
    commitment below zero in some year) is an error, since an investor owes no more than it
    committed: the fund's deals and fees need more money than fund.yaml raises."""
    if fund is None:
        return
    metrics = fund.evaluation.metrics(0)
    short = {
        c: float(metrics[f"min_uncalled_yuan_{c}"])
        for c in fund.fund.classes
        if metrics[f"min_uncalled_yuan_{c}"] < -OVERCALL_TOLERANCE_YUAN
    }
    if short:
        yield finding(
            "fund-overcalled",
            "error",
            "The fund's investments and fees call " + ", ".join(short) + " beyond its commitments",
            (
                Number(
                    f"lowest_uncalled_yuan_{c}",
                    v,
                    fund.model.outputs[f"min_uncalled_yuan_{c}"].unit,
                    f"Lowest uncalled {c}",
                    "the fund model: commitments to date less capital called, at its lowest "
                    "over the years",
                )
                for c, v in short.items()
            ),
        )


def _fund_deployment(rule: Rule, fund: FundEvaluation | None) -> Findings:
    """The fund invests less of its commitments than fund.yaml's minimum: a finding with
    what was committed, called, invested and charged."""
    if fund is None:
        return
    metrics = fund.evaluation.metrics(0)
    # definitions.reconciliation.check_reconciliation: a fund_deployment rule needs one
    deployment = _required(fund.fund.definition.deployment, "fund.yaml deployment")
    minimum = deployment.minimum_ratio
    ratio = metrics["deployment_ratio"]
    if ratio < minimum.value:
        from xlfinance.fund.results import DEPLOYMENT as keys

        outputs = fund.model.outputs
        yield finding(
            rule.id,
            rule.severity,
            _required(rule.title, f"rule {rule.id}: title"),
            (
                *(
                    Number(
                        k,
                        float(metrics[k]),
                        outputs[k].unit,
                        DEPLOYMENT_LABELS[k],
                        "the fund model (fund.yaml and the project models)",
                    )
                    for k in keys
                ),
                Number(
                    "minimum_ratio",
                    minimum.value,
                    declared_unit(deployment, "minimum_ratio"),
                    "Minimum ratio",
                    f"fund.yaml deployment.minimum_ratio: {minimum.source}",
                ),
            ),
            title_zh=rule.title_zh,
            cited_first=("minimum_ratio",),
        )


DEPLOYMENT_LABELS = {
    "committed_yuan": "Committed",
    "called_yuan": "Called",
    "invested_yuan": "Invested",
    "uncalled_yuan": "Uncalled",
    "uninvested_yuan": "Uninvested",
    "management_fees_yuan": "Management fees",
    "fund_expenses_yuan": "Fund expenses",
    "called_ratio": "Called ratio",
    "deployment_ratio": "Deployment ratio",
    "fees_share_of_invested": "Fees share of invested",
    "fees_and_expenses_share_of_invested": "Fees and expenses share of invested",
}
"""What each number of the fund's deployment (`fund.results.DEPLOYMENT`) is, on the page."""


def _programme_rules(programme: Programme) -> tuple[Rule, ...]:
    file = programme.reconciliation
    return file.rules if file is not None else DEFAULT_RULES


@dataclass(frozen=True)
class CoverTarget:
    """The cover a project's loan is held to: its value, where it comes from, and the
    workbook name of the project's own input (None: the programme's rule gives it)."""

    min_dscr: float
    source: str
    input_name: str | None


def cover_targets(programme: Programme, projects: Projects) -> dict[str, CoverTarget]:
    """Each project with a loan and a lenders' target: its own `finance.target_dscr`, else
    the `min_dscr` of the programme's debt_cover rule (none: not held to a target)."""
    rule = next((r for r in _programme_rules(programme) if r.kind == "debt_cover"), None)
    targets: dict[str, CoverTarget] = {}
    for pid, result in projects.items():
        finance = getattr(result.definition.parameters, "finance", None)
        if not getattr(finance, "has_debt", False):
            continue
        own = result.model.inputs.get("target_dscr")
        if own is not None:
            where = f"finance.target_dscr of {pid}: {own.source}" if own.source else pid
            targets[pid] = CoverTarget(own.value, where, f"inputs.{pid}.target_dscr")
        elif rule is not None and rule.min_dscr is not None:
            source = _required(rule.min_dscr_source, f"rule {rule.id}: min_dscr_source")
            targets[pid] = CoverTarget(rule.min_dscr, source, None)
    return targets


def meets_cover(min_dscr: float, target: float) -> bool:
    """Whether a minimum DSCR meets its target (NaN, no cover measured: nothing to fail)."""
    return math.isnan(min_dscr) or min_dscr >= target * (1 - COVER_TOLERANCE)


def _debt_cover(
    rule: Rule, programme: Programme, projects: Projects, budget: pd.DataFrame
) -> Findings:
    """A project whose minimum DSCR (grace and repayment years) is below its target."""
    for pid, target in cover_targets(programme, projects).items():
        metrics = projects[pid].metrics
        achieved = metrics["min_dscr"]
        if meets_cover(achieved, target.min_dscr):
            continue
        capex = metrics["capex_yuan"]
        outputs = projects[pid].model.outputs
        cover = outputs["min_dscr"].unit
        yield finding(
            f"{rule.id}-{pid}",
            rule.severity,
            f"{pid}: {rule.title or 'the minimum DSCR of its loan is below the lenders target'}",
            (
                Number("min_dscr", achieved, cover, "Minimum DSCR", f"{pid} model"),
                Number("target_dscr", target.min_dscr, cover, "Target DSCR", target.source),
                Number("debt_yuan", metrics["debt_yuan"], outputs["debt_yuan"].unit, "Debt"),
                Number(
                    "debt_share_of_capex",
                    metrics["debt_yuan"] / capex if capex else None,
                    "share",  # debt over capex, both in yuan
                    "Debt share of capex",
                ),
            ),
            title_zh=rule.title_zh and f"{pid}：{rule.title_zh}",
        )


def _value(
    spec: Value,
    values: Mapping[str, float | None],
    programme: Programme,
    budget: pd.DataFrame,
) -> float | None:
    """One value of a rule, from programme.yaml or from the rule's values before it."""
    targets = programme.targets
    if spec.figure is not None:
        value = targets.figure(spec.figure).value
        if spec.cut_by is not None:
            value = value * (1 - targets.figure(spec.cut_by).value)
        return value
    if spec.indicator is not None:
        return targets.indicator_targets(spec.indicator).get(_required(spec.year, "year"))
    if spec.pathway is not None:
        return targets.pathway_targets(spec.pathway).get(_required(spec.year, "year"))
    if spec.budget is not None:
        column = _required(spec.column, "column")
        return _cell(budget, spec.budget, column) if spec.budget in budget.index else None
    a, b = (values.get(name) for name in spec.uses)
    if a is None or b is None:
        return None
    if spec.ratio is not None:
        return a / b if a and b else None  # a zero count gives no share
    if spec.difference is not None:
        return a - b
    return (b / a) ** (1 / _required(spec.years, "years")) - 1 if a > 0 and b > 0 else None


def _cell(budget: pd.DataFrame, line_id: str, column: str) -> float:
    """A money cell of the budget table (`budget.budget_table`): a number in 万元."""
    return float(budget[column].loc[line_id])


def _equal(rule: Rule, programme: Programme, projects: Projects, budget: pd.DataFrame) -> Findings:
    values: dict[str, float | None] = {}
    for name, spec in rule.values.items():
        values[name] = _value(spec, values, programme, budget)
    a, b = (values[name] for name in _required(rule.compare, f"rule {rule.id}: compare"))
    if a is None or b is None:
        return
    differ = abs(a - b) > rule.tolerance if rule.tolerance is not None else not math.isclose(a, b)
    if differ:
        units = value_units(rule, programme.targets, programme.budget)
        yield finding(
            rule.id,
            rule.severity,
            _required(rule.title, f"rule {rule.id}: title"),
            (
                Number(name, values[name], units[name], spec.label or words(name), spec.source)
                for name, spec in rule.values.items()
            ),
            title_zh=rule.title_zh,
        )


def _line_names(
    rule: Rule, programme: Programme, projects: Projects, budget: pd.DataFrame
) -> Findings:
    for claim in programme.benefits.lines:
        if claim.name is None:
            continue
        line = programme.budget.line(claim.budget_line)
        if claim.name.zh != line.name.zh:
            yield finding(
                f"names-line-{claim.budget_line}",
                "warning" if claim.budget_line in rule.warning_lines else "info",
                f"Line {claim.budget_line} is named differently in tables 5-4 and 5-5",
                (
                    Number(
                        "table_5_4",
                        f"{line.name.zh} ({line.name.en})",
                        None,
                        "Table 5-4",
                        "table 5-4",
                    ),
                    Number(
                        "table_5_5",
                        f"{claim.name.zh} ({claim.name.en})",
                        None,
                        "Table 5-5",
                        "table 5-5",
                    ),
                ),
            )


def _capacity_the_budget_buys(
    rule: Rule, programme: Programme, projects: Projects, budget: pd.DataFrame
) -> Findings:
    """The capacity (kW) a budget line buys at the modelled capex per kW of its projects of
    one archetype, against a target in MW: short by more than `tolerance`, a finding."""
    line_id = _required(rule.budget_line, f"rule {rule.id}: budget_line")
    field = _required(rule.capacity_field, f"rule {rule.id}: capacity_field")
    tolerance = _required(rule.tolerance, f"rule {rule.id}: tolerance")
    chosen = [
        r
        for r in projects.values()
        if r.definition.archetype == rule.archetype and r.definition.budget_line == line_id
    ]
    target_spec = rule.values["target"]
    target = _value(target_spec, {}, programme, budget)
    if not chosen or target is None or line_id not in budget.index:
        return
    capacity_kw = sum(getattr(r.definition.parameters, field).value for r in chosen)
    capex = sum(r.metrics["capex_yuan"] for r in chosen)
    yuan_per_kw = capex / capacity_kw
    line_budget = _cell(budget, line_id, "total_wan_yuan") * YUAN_PER_WAN
    bought_mw = line_budget / yuan_per_kw / 1000
    if bought_mw < target * (1 - tolerance):
        year = target_spec.year
        # a source the rule does not give is left out (as `_equal` does), not None
        yield finding(
            rule.id,
            rule.severity,
            _required(rule.title, f"rule {rule.id}: title"),
            (
                Number(
                    f"budget_line_{line_id}_wan_yuan",
                    line_budget / YUAN_PER_WAN,
                    programme.budget.unit,
                    f"Budget line {line_id}",
                    "table 5-4",
                ),
                Number(
                    "modelled_yuan_per_w", yuan_per_kw / 1000, PRICE, "Modelled", rule.cost_source
                ),
                Number("mw_the_budget_buys", bought_mw, CAPACITY_UNIT, "MW the budget buys"),
                Number(
                    f"target_mw_{year}",
                    target,
                    CAPACITY_UNIT,
                    f"Target MW {year}",
                    target_spec.source,
                ),
                Number(
                    "budget_implied_yuan_per_w",
                    line_budget / (target * 1e6),
                    PRICE,
                    "Budget implied",
                ),
            ),
            title_zh=rule.title_zh,
            cited_first=(f"budget_line_{line_id}_wan_yuan", f"target_mw_{year}"),
        )


PRICE = "yuan/W"
"""The unit of the system prices a capacity finding compares: yuan a watt, as PV is quoted."""


RULE_KINDS: dict[str, Callable[[Rule, Programme, Projects, pd.DataFrame], Findings]] = {
    "equal": _equal,
    "line_names": _line_names,
    "capacity_the_budget_buys": _capacity_the_budget_buys,
    "debt_cover": _debt_cover,
}


def _capex_against_budget(
    programme: Programme, projects: Projects, budget: pd.DataFrame, benefits: pd.DataFrame
) -> Findings:
    for line_id, row in budget.iterrows():
        capex = row["modelled_capex_wan_yuan"]
        if math.isnan(capex) or row["total_wan_yuan"] == 0:
            continue
        ratio = capex / row["total_wan_yuan"]
        if abs(ratio - 1) > BUDGET_TOLERANCE:
            unit = programme.budget.unit
            yield finding(
                f"capex-line-{line_id}",
                "warning",
                f"Line {line_id}: modelled capex differs from the budget by more than "
                f"{BUDGET_TOLERANCE:.0%}",
                (
                    Number(
                        "budget_wan_yuan", float(row["total_wan_yuan"]), unit, "Budget", "table 5-4"
                    ),
                    Number(
                        "modelled_capex_wan_yuan",
                        float(capex),
                        unit,
                        "Modelled capex",
                        "project definitions",
                    ),
                    Number("ratio", ratio, RATIO, "Ratio"),
                    Number("projects", ", ".join(row["projects"]), None, "Projects"),
                ),
            )


def _claims_against_models(
    programme: Programme, projects: Projects, budget: pd.DataFrame, benefits: pd.DataFrame
) -> Findings:
    for line_id, row in benefits.iterrows():
        claimed, modelled = row["claimed_t_co2e_per_year"], row["modelled_t_co2e_per_year"]
        if math.isnan(claimed) or claimed == 0:
            continue
        if math.isnan(modelled):
            yield finding(
                f"ghg-line-{line_id}",
                "info",
                f"Line {line_id}: the plan claims a reduction that no modelled project delivers",
                (
                    Number("claimed_t_co2e_per_year", claimed, TONNES, "Claimed", "table 5-5"),
                    Number("modelled_t_co2e_per_year", None, TONNES, "Modelled"),
                ),
            )
            continue
        ratio = modelled / claimed
        if abs(ratio - 1) > CLAIM_TOLERANCE:
            yield finding(
                f"ghg-line-{line_id}",
                "warning",
                f"Line {line_id}: modelled t CO2e a year differ from the claim by more than "
                f"{CLAIM_TOLERANCE:.0%}",
                (
                    Number("claimed_t_co2e_per_year", claimed, TONNES, "Claimed", "table 5-5"),
                    Number(
                        "modelled_t_co2e_per_year", modelled, TONNES, "Modelled", "project models"
                    ),
                    Number("ratio", ratio, RATIO, "Ratio"),
                    Number("projects", ", ".join(row["projects"]), None, "Projects"),
                ),
            )


TONNES = "t CO2e/yr"
"""The unit of the benefits table's claimed and modelled reductions (`portfolio.benefits`)."""
RATIO = "ratio"
"""Modelled over stated: a pure number, shown with its decimals."""
