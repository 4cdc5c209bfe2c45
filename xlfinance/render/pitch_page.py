"""A project's one-page pitch (`PitchPage.pitch_context`), its cash-flow chart and the
support it needs; `render.pitch` holds the pitch's parts (standing, asks, sponsor, risks).

`PitchPage` is a part of `reports.Reports`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from xlfinance.model import units
from xlfinance.model.units import finite_or_none as _number
from xlfinance.render import charts, pitch
from xlfinance.render.figures import (
    DSCR_COMFORT,
    Figures,
    Results,
    archetype_names,
    fmt_input,
    funding_of,
    line_names,
    project_names,
    shown_unit,
)
from xlfinance.results import Loan, ProgrammeResults, ProjectResults

PITCH_EXTRAS = (
    ("lcoe_yuan_per_kwh", "平准化度电成本", "LCOE"),
    ("min_dscr", "最低偿债覆盖率", "Min DSCR"),
    ("mirr", "修正内部收益率", "MIRR"),
    ("discounted_payback_years", "动态回收期", "Discounted payback"),
    ("abatement_t_co2e", "全生命期减排", "Lifetime abatement"),
)
"""Secondary figures of a pitch, shown when the project has them, each the way its unit
(results.json's `units` map) says."""


class PitchPage:
    """A pitch's context; mixed into `reports.Reports`, which gives it these:"""

    if TYPE_CHECKING:
        results: Results
        typed: ProgrammeResults
        fig: Figures

        def chart(self, name: str, svg: str) -> Markup: ...

    def pitch_context(self, pid: str) -> dict[str, Any]:
        p = self.results["projects"][pid]
        zh, en = project_names(self.results, pid)
        project = self.typed.projects.get(pid)
        description = None if project is None else project.description
        loan = None if project is None else project.loan
        funding = funding_of(project, p)
        chart = None
        svg = cash_flow_chart(project) if project is not None else None
        if svg is not None:
            chart = self.chart(f"cashflow-{pid}", svg)
        line_zh, line_en = line_names(self.typed, str(p.get("budget_line", "")))
        arche = archetype_names(self.typed, p.get("archetype"))
        rate = self.typed.discount_rate
        return {
            "pid": pid,
            "zh": zh,
            "en": en,
            "path": f"projects.{pid}",
            "description_zh": description.zh if description else "",
            "description_en": description.en if description else "",
            "archetype_zh": arche[0],
            "archetype_en": arche[1],
            "line": p.get("budget_line"),
            "line_zh": line_zh,
            "line_en": line_en,
            "start": p.get("start_year"),
            "operating_years": None if project is None else project.operating_years,
            "funding": None
            if funding is None
            else {
                "debt": self.fig(f"projects.{pid}.debt_yuan", "wan_yuan"),
                "equity": self.fig(f"projects.{pid}.equity_invested_yuan", "wan_yuan"),
                "grant": self.fig(f"projects.{pid}.grant_yuan", "wan_yuan")
                if funding["grant"]
                else None,
                "debt_share": None
                if funding["debt_share"] is None
                else fmt_input(funding["debt_share"], "share"),
                "amounts": funding,
            },
            "extras": [
                (zh_label, en_label, key, *_shown(self.fig.unit(f"projects.{pid}.{key}")))
                for key, zh_label, en_label in PITCH_EXTRAS
                if _number(p.get(key)) is not None
            ],
            "chart": chart,
            "support": pitch_support(self.results, pid),
            "standing": pitch.standing(self.results, pid, self.fig),
            "cover_warning": pitch.cover_warning(self.results, pid, _cover_target(loan), self.fig),
            "asks": []
            if project is None
            else pitch.asks(self.results, project, self.typed.fund_terms, self.fig),
            "sponsor": pitch.sponsor(project),
            "risks": pitch.key_risks(self.results, pid, self.fig),
            "discount_rate": ""
            if rate is None or rate.value is None
            else fmt_input(rate.value, rate.unit),
        }


def cash_flow_chart(project: ProjectResults) -> str | None:
    """A pitch's chart of its project's yearly and cumulative cash flows, None where the
    project has no such lines."""
    flows, cumulative = project.cash_flow, project.cumulative_cash_flow
    if flows is None or cumulative is None:
        return None
    return charts.project_cash_flows(
        list(flows.years),
        list(flows.values),
        list(cumulative.values),
        f"cashflow-{project.id}",
        width=4.0,
        height=2.5,
    )


def draw_ahead(projects: Mapping[str, ProjectResults]) -> int:
    """Draw into the chart cache the charts that need neither the risk run nor the solves
    (each pitch's cash flows), so that a build waiting for those draws them meanwhile and
    its pages find them drawn. Returns how many."""
    drawn = 0
    for project in projects.values():
        if project.investable and cash_flow_chart(project) is not None:
            drawn += 1
    return drawn


def _cover_target(loan: Loan | None) -> float | None:
    """The lender's minimum DSCR a pitch holds a loan to: the project's `target_dscr`, else
    `DSCR_COMFORT`."""
    if loan is None:
        return None
    return loan.target_dscr.value if loan.target_dscr is not None else DSCR_COMFORT


SUPPORT_SOLVES = ("viability_grant", "viability_subsidy", "break_even_carbon_price")
"""The solves whose answer is support a loss-making project needs (structuring.yaml): a
grant, a production subsidy per unit (any solve named viability_subsidy*), a carbon price."""


def _shown(unit: str) -> tuple[str, str]:
    """How a figure in `unit` is shown (`units.display`) and the unit written beside it:
    none for a percentage or a multiple, whose sign says it."""
    kind = units.display(unit)
    return kind, "" if kind in ("pct", "x") else shown_unit(unit)


def _support_text(entry: dict[str, Any]) -> tuple[str, str]:
    value, unit = entry["value"], entry["unit"]
    if unit == "yuan":
        amount = f"{value / 1e4:,.0f} 万元"
        return f"资本金补助 {amount}", f"a capital grant of {amount}"
    if entry["solve"] == "break_even_carbon_price":
        return f"碳价 {value:,.0f} 元/吨", f"a carbon price of {value:,.0f} yuan/t CO2e"
    per = unit.split("/", 1)[-1]
    label = entry.get("label") or {}
    zh = f"（{label['zh']}）" if label.get("zh") else ""
    en = f" ({label['en'].lower()})" if label.get("en") else ""
    return f"补贴 {value:,.3f} 元/{per}{zh}", f"a subsidy of {value:,.3f} yuan/{per}{en}"


def pitch_support(results: Results, pid: str) -> dict[str, Any] | None:
    """What a project short of its target return needs, from results.json's structuring
    section: None when it meets the target as defined (or there is no structuring.yaml)."""
    entries = [
        e
        for e in (results.get("structuring") or {}).get("entries", [])
        if e["project"] == pid and e["solve"].startswith(SUPPORT_SOLVES)
    ]
    short = [e for e in entries if e["status"] == "solved" and e["value"] > e["defined"]]
    if not short:
        return None
    target = short[0]["target"]
    rate = f"{target['value'] * 100:.0f}%"
    options = [_support_text(e) for e in short]
    unreachable = [e for e in entries if e["status"] == "unreachable"]
    return {
        "rate": rate,
        "zh": "或".join(zh for zh, _ in options),
        "en": ", or ".join(en for _, en in options),
        "grant_unreachable": any(e["solve"] == "viability_grant" for e in unreachable),
    }
