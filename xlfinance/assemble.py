"""The typed results (`xlfinance.results`) made from an evaluated programme: the one place
that reads the definitions, the archetype registry and the models on the renderers' behalf.

    projects = project_results(evaluated)
    results = programme_results(programme, projects, portfolio, fund)   # before the analysis
    results = with_analysis(results, risk, structuring)      # once risk and structuring ran
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from xlfinance.archetypes.finance.contract import CUMULATIVE_CASH_FLOW, PROJECT_CASH_FLOW
from xlfinance.archetypes.registry import REGISTRY
from xlfinance.definitions.schema import field_unit
from xlfinance.fund import fund_results
from xlfinance.fund.results import fund_units
from xlfinance.results import (
    Archetype,
    Assumption,
    BudgetLineNames,
    Close,
    Correlation,
    Exit,
    FundInvestment,
    FundResults,
    FundTerms,
    InvestorClass,
    Loan,
    ProgrammeResults,
    ProjectResults,
    Quantity,
    Series,
    Sponsor,
    Text,
)
from xlfinance.structuring.units import structuring_units

if TYPE_CHECKING:
    from xlfinance.definitions import Programme
    from xlfinance.definitions.fund import FundFile
    from xlfinance.fund.model import FundEvaluation
    from xlfinance.portfolio import Portfolio
    from xlfinance.projects import ProjectResult


def project_results(projects: Mapping[str, ProjectResult]) -> dict[str, ProjectResults]:
    """Each project's results (its own definition says all they need), with the yearly
    cash flows of those an investor can buy."""
    out = {}
    for pid, r in projects.items():
        d = r.definition
        kind = REGISTRY.get(d.archetype)
        metrics = r.metrics
        outputs = r.model.outputs
        project = ProjectResults(
            id=pid,
            name=_text(d.name),
            archetype=d.archetype,
            archetype_label=Text(*kind.label) if kind else Text("", d.archetype),
            colour=kind.colour if kind else "",
            archetype_investable=kind is not None and kind.investable,
            budget_line=d.budget_line,
            start_year=d.start_year,
            metrics={name: Quantity(metrics[name], outputs[name].unit) for name in outputs},
            description=_text(d.description) if getattr(d, "description", None) else None,
            sponsor=sponsor_of(d.sponsor) if getattr(d, "sponsor", None) is not None else None,
            loan=_loan(r),
            operating_years=getattr(_finance(r), "operating_years", None),
        )
        if project.investable:
            project = _with_cash_flows(project, r)
        out[pid] = project
    return out


def programme_results(
    programme: Programme,
    projects: Mapping[str, ProjectResults],
    portfolio: Portfolio,
    fund: FundEvaluation | None = None,
) -> ProgrammeResults:
    """The programme's results: `projects` from `project_results`, the roll-up and the fund
    evaluated (or None); the analysis joins them later (`with_analysis`)."""
    info = programme.programme
    fund_section = fund_results(fund)
    rate = getattr(programme.assumptions, "discount_rate", None)
    return ProgrammeResults(
        id=info.id,
        name=_text(info.name),
        base_year=info.base_year,
        currency=info.currency,
        location=_text(info.location) if info.location else None,
        source=info.source,
        projects=projects,
        portfolio=portfolio.results(programme),
        budget_lines={
            line.id: BudgetLineNames(
                _text(line.name), _text(line.action) if line.action is not None else None
            )
            for line in programme.budget.lines
        },
        bibliography=tuple(
            ref.model_dump() for ref in (programme.sources.references if programme.sources else [])
        ),
        assumptions=assumptions_of(programme),
        discount_rate=None if rate is None else Quantity(rate.value, "rate"),
        archetypes=archetypes(),
        fund=None
        if fund_section is None
        else FundResults(section=fund_section, units=fund_units(fund)),
        fund_terms=None if programme.fund is None else _fund_terms(programme.fund),
        correlations=_correlations(programme),
    )


def with_analysis(results: ProgrammeResults, risk: Any, structuring: Any) -> ProgrammeResults:
    """`results` with risk.yaml's run (`risk.engine.RiskResult`) and structuring.yaml's
    solves (`structuring.run.StructuringResult`), each None where the programme has none."""
    section = None if risk is None else risk.results()
    solved = None if structuring is None else structuring.results()
    return replace(
        results,
        risk=section,
        structuring=solved,
        risk_units={} if section is None else risk.section_units(section),
        structuring_units={} if solved is None else structuring_units(solved, results.units()),
    )


def archetypes() -> dict[str, Archetype]:
    """Every archetype of the registry as the pages name and colour it, in its order."""
    return {name: Archetype(Text(*a.label), a.colour, a.investable) for name, a in REGISTRY.items()}


def _text(bilingual: Any) -> Text:
    return Text(bilingual.zh, bilingual.en)


def _value(field: Any) -> float:
    return float(getattr(field, "value", field))


def _finance(r: ProjectResult) -> Any:
    return getattr(r.definition.parameters, "finance", None)


def sponsor_of(s: Any) -> Sponsor:
    return Sponsor(
        name=_text(s.name),
        arrangement=_text(s.arrangement) if s.arrangement else None,
        contact=_text(s.contact) if s.contact else None,
        source=s.source,
    )


def _loan(r: ProjectResult) -> Loan | None:
    fin = _finance(r)
    if fin is None:
        return None
    inputs = r.model.inputs

    def quantity(value: Any, unit: str) -> Quantity | None:
        return None if value is None else Quantity(_value(value), unit)

    rate = inputs.get("debt_rate")
    return Loan(
        rate=None if rate is None else Quantity(float(rate.value), rate.unit),
        tenor_years=fin.tenor_years,
        construction_years=fin.construction_years,
        grace_years=fin.grace_years,
        repayment=fin.repayment,
        sizing=getattr(fin, "debt_sizing", "share"),
        debt_share=quantity(getattr(fin, "debt_share", None), "share"),
        target_dscr=quantity(getattr(fin, "target_dscr", None), "x"),
        max_gearing=quantity(getattr(fin, "max_gearing", None), "share"),
    )


def _with_cash_flows(project: ProjectResults, r: ProjectResult) -> ProjectResults:
    """`project` with its model's yearly and cumulative cash flows, the base case's."""
    lines, values = r.model.lines, r.evaluation.lines
    if not {PROJECT_CASH_FLOW, CUMULATIVE_CASH_FLOW} <= set(values):
        return project
    years = tuple(r.model.start_year + year for year in range(r.model.n_periods))

    def series(name: str) -> Series:
        return Series(years, tuple(float(v) for v in values[name][0]), lines[name].unit)

    return replace(
        project,
        cash_flow=series(PROJECT_CASH_FLOW),
        cumulative_cash_flow=series(CUMULATIVE_CASH_FLOW),
    )


def assumptions_of(programme: Programme) -> tuple[Assumption, ...]:
    """The sourced numbers of programme.yaml's assumptions and its targets' outlook."""
    found: list[Assumption] = []
    if programme.assumptions is not None:
        found += _sourced(programme.assumptions, "")
    if programme.targets.outlook is not None:
        found += _sourced(programme.targets.outlook, "")
    return tuple(found)


def _sourced(model: Any, prefix: str, inherited: str | None = None) -> Iterator[Assumption]:
    """Each sourced number of a definition's `model`, in the unit its field declares (or
    the one declared above it: a schedule's, a weight table's)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if value is None:
            continue
        unit = field_unit(type(model), [name]) or inherited or ""
        if hasattr(value, "value") and hasattr(value, "source"):
            yield Assumption(
                path, name, None, Quantity(value.value, unit), value.source or "", value.note or ""
            )
        elif hasattr(type(value), "model_fields"):
            yield from _sourced(value, f"{path}.", unit)
        elif isinstance(value, dict):  # a schedule: {from_<year>: Sourced}
            for key, step in value.items():
                yield Assumption(
                    path, name, key, Quantity(step.value, unit), step.source or "", step.note or ""
                )


def _fund_terms(terms: FundFile) -> FundTerms:
    def sourced(field: Any, unit: str) -> Quantity:
        return Quantity(field.value, unit)

    return FundTerms(
        name=_text(terms.fund.name),
        description=_text(terms.fund.description) if terms.fund.description else None,
        investment_period=sourced(terms.fund.investment_period_years, "years"),
        term=sourced(terms.fund.term_years, "years"),
        closes=tuple(
            Close(
                year=c.year,
                size=sourced(c.fund_size_yuan, "yuan"),
                size_source=c.fund_size_yuan.source,
                commitments={cid: sourced(v, "yuan") for cid, v in c.commitments_yuan.items()},
                note=c.note,
            )
            for c in terms.closes
        ),
        classes=tuple(
            InvestorClass(
                id=c.id,
                name=_text(c.name),
                rank=c.rank,
                hurdle=sourced(c.hurdle_rate, "rate"),
                hurdle_source=c.hurdle_rate.source,
                pays_management_fee=c.pays_management_fee,
                pays_carry=c.pays_carry,
                manager=c.manager,
                note=c.note,
            )
            for c in terms.classes
        ),
        fee_rate=sourced(terms.fees.management_fee_rate, "rate"),
        carry_rate=sourced(terms.waterfall.carried_interest_rate, "rate"),
        catch_up_share=sourced(terms.waterfall.catch_up_share, "share"),
        waterfall_style=terms.waterfall.style,
        hurdle_compounding=terms.waterfall.hurdle_compounding,
        investments=tuple(
            FundInvestment(
                project=i.project,
                equity_share=Quantity(_value(i.equity_share), "share"),
                share_source=i.equity_share.source,
                exit=Exit(i.exit.method, i.exit.year, i.exit.source),
            )
            for i in terms.investments
        ),
    )


def _correlations(programme: Programme) -> tuple[Correlation, ...]:
    risk_file = programme.risk
    if risk_file is None:
        return ()

    def name(path: str) -> Text:
        d = risk_file.distributions.get(path)
        return Text(getattr(d, "label_zh", None) or "", getattr(d, "label", None) or "")

    return tuple(
        Correlation(
            between=(c.between[0], c.between[1]),
            names=(name(c.between[0]), name(c.between[1])),
            rho=c.rho,
            source=c.source,
        )
        for c in risk_file.correlations
    )
