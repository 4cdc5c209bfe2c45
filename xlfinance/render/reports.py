"""The HTML reports: `index.html`, `proposal.html`, `investor.html` and one printable A4 pitch
a project, `pitches/<project>.html`, with all of them in `pitch-book.html` (a contents page,
then a page a project), plus every chart as `charts/<name>.svg`.

    from xlfinance.render.reports import write_reports
    write_reports(stage, results, projects, programme)   # -> the files written

Each page is one self-contained HTML file (CSS and SVG charts inline, no script, no network:
a Content-Security-Policy forbids both) rendered from `templates/*.html` by jinja2 with
autoescaping on, so text from definitions (a project's name) always shows as text.

Renderers take results and never redo maths. Every figure on a page is read from the
results.json document by its dotted path (`fig("projects.pv_phase1.irr", "pct")`), shown
with its unit (万元 where the plan uses 万元, percentages with one decimal) and tagged
`data-key="<path>"`, so a test can hold what a reader sees against results.json.

The `fund` section is shown when results.json has one; the `risk` section (tornado, Monte
Carlo, scenarios) when it has one; otherwise a sentence says it is not there yet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from xlfinance.archetypes.finance.contract import CUMULATIVE_CASH_FLOW, PROJECT_CASH_FLOW
from xlfinance.archetypes.registry import REGISTRY
from xlfinance.definitions.schema import field_unit
from xlfinance.model import units
from xlfinance.model.units import DASH, MINUS, fmt
from xlfinance.model.units import finite_or_none as _number
from xlfinance.render import charts, pitch
from xlfinance.render.labels import SOURCE_KEYS, SOURCES_EN, SOURCES_ZH
from xlfinance.render.labels_zh import ASSUMPTIONS
from xlfinance.render.labels_zh import SEVERITIES as SEVERITY
from xlfinance.render.results_json import clean

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MONTE_CARLO_OUTPUTS = "risk.monte_carlo.outputs."


ARCHETYPES = {name: a.label for name, a in REGISTRY.items()}

METRICS = {
    "npv_yuan": ("净现值", "NPV"),
    "irr": ("项目内部收益率", "project IRR"),
    "equity_irr": ("资本金内部收益率", "equity IRR"),
    "net_irr": ("净内部收益率", "net IRR"),
    "payback_years": ("投资回收期", "payback"),
    "abatement_cost_yuan_per_t": ("减排成本", "abatement cost"),
}

ARCHETYPE_RISKS = {
    "pv": (
        "光伏收益依赖国家度电补贴按时发放，以及屋顶业主按工商业电价长期购电；补贴拖欠、业主迁出或电价下调都会直接降低收益。",
        "PV revenue rests on the national per-kWh subsidy being paid on time and on roof hosts "
        "buying the power at the commercial tariff for decades: late subsidy, a host moving out "
        "or a tariff cut go straight to returns.",
    ),
    "chp": (
        "分布式能源站的利润取决于天然气价格与电、热、冷价格之间的价差，以及周边用户稳定的用热用冷需求。",
        "The energy station's margin is the spread between the gas price and the prices of "
        "power, heat and cooling, and depends on steady heat and cooling demand nearby.",
    ),
    "retrofit": (
        "合同能源管理项目的收益来自经核证的节能量，业主信用和节能量的测量核证是主要风险。",
        "Energy performance contracts earn from verified savings: the building owner's credit "
        "and the measurement of savings are the main risks.",
    ),
    "fleet": (
        "油改气的收益取决于柴油、汽油与天然气的价差以及车辆行驶里程，加气站能力须跟上车队规模。",
        "Fuel-switch savings depend on the price gap between diesel or gasoline and CNG and on "
        "mileage; filling-station capacity must keep up with the fleet.",
    ),
    "industrial": (
        "锅炉改造的经济性取决于天然气与煤炭的比价以及淘汰燃煤锅炉政策的执行力度，燃料成本上升由企业承担。",
        "Boiler conversion turns on the price of gas against coal and on enforcement of the "
        "coal-boiler phase-out; the firms bear the higher fuel bill.",
    ),
}

NEUTRAL_SIGN = ("abatement_cost_yuan_per_t", "capex_minus_budget_wan_yuan")
"""Figures whose negative is not bad news (a negative abatement cost saves money): not red."""

EXITS = {
    "hold": ("持有至项目期末", "held to the end"),
    "multiple_of_cost": ("按成本倍数出售", "sold at a multiple of cost"),
    "discount_rate": ("按剩余现金流折现值出售", "sold at the discounted value of what is left"),
}

FUNDING_ROWS = (
    ("capex_wan_yuan", "建设投资", "Capex", "use"),
    ("public_running_cost_wan_yuan", "公共项目运行费用", "Public programmes' running cost", "use"),
    ("uses_wan_yuan", "资金运用合计", "Uses, total", "total"),
    ("capital_grants_wan_yuan", "资本金补助", "Capital grants", "source"),
    ("debt_wan_yuan", "银行借款提款", "Bank debt drawn", "source"),
    ("vat_credited_wan_yuan", "建设期抵扣进项税", "VAT credited in construction", "source"),
    ("equity_wan_yuan", "项目资本金", "Equity", "source"),
    ("public_budget_wan_yuan", "财政预算", "Public budget", "source"),
    ("sources_wan_yuan", "资金来源合计", "Sources, total", "total"),
    ("fund_wan_yuan", "其中：基金投资", "Of the equity: the fund", "memo"),
    ("other_equity_wan_yuan", "其中：其他出资人", "Of the equity: sponsors and others", "memo"),
)
"""The rows of the yearly funding schedule (`portfolio.funding`): key, Chinese, English and
kind (use, source, total, memo)."""

PITCH_EXTRAS = (
    ("lcoe_yuan_per_kwh", "平准化度电成本", "LCOE", "yuan_kwh", "yuan/kWh"),
    ("min_dscr", "最低偿债覆盖率", "Min DSCR", "x", ""),
    ("mirr", "修正内部收益率", "MIRR", "pct", ""),
    ("discounted_payback_years", "动态回收期", "Discounted payback", "years", "years"),
    ("abatement_t_co2e", "全生命期减排", "Lifetime abatement", "t", "t CO2e"),
)
"""Secondary figures of a pitch, shown when the project has them."""

RISK_METRICS = ("npv_yuan", "irr", "equity_irr")
TORNADO_BARS = 10
"""At most this many parameters a row of tornado panels, the largest swings."""

GROUPS = {
    "fund": ("基金各级投资人净内部收益率", "The fund's classes: net IRR"),
    "npv_yuan": ("各项目净现值", "The projects' NPV"),
    "irr": ("各项目内部收益率", "The projects' IRR"),
    "equity_irr": ("各项目资本金内部收益率", "The projects' equity IRR"),
}
"""Titles of the risk section's figures, a group of outputs each."""

HEADLINE_GROUPS = ("fund", "npv_yuan")
"""Groups whose tornado is shown open and whose Monte Carlo histograms are drawn."""

GRID_MAX_PANELS = 40
"""Most panels (outputs) a small-multiples figure of the investor page draws: ten rows of
`charts.MAX_COLUMNS`. A group with more (a programme of more than 40 investable projects)
is shown by its tables alone, each project's figures linked from its row to its pitch: a
figure of hundreds of panels is megabytes no one reads and minutes to draw."""

MATERIAL_CHANCE = 0.10
"""Presentation threshold: the key risks name outcomes at least this likely."""

WHY_INPUTS = 3
"""At most this many inputs given as the reason, those that move the output most."""

CENTRE = (0.35, 0.65)
"""Presentation threshold: a base case outside these percentiles of its trials is far from
their middle, and the page says why."""

DSCR_COMFORT = 1.2
"""Presentation threshold: a minimum DSCR under this is flagged (a common lender minimum)."""


# --------------------------------------------------------------------------------------
# Looking up and formatting figures
# --------------------------------------------------------------------------------------


def resolve(document: Any, path: str) -> Any:
    """The value at a dotted path; list items by index; a key may itself hold dots
    (`risk.monte_carlo.outputs.projects.pv_phase1.npv_yuan.p50`): the longest key wins."""
    parts = path.split(".")
    node, i = document, 0
    while i < len(parts):
        if isinstance(node, list):
            node, i = node[int(parts[i])], i + 1
            continue
        if not isinstance(node, dict):
            raise KeyError(path)
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if key in node:
                node, i = node[key], j
                break
        else:
            raise KeyError(path)
    return node


def fmt_input(value: float, unit: str) -> str:
    """An input as typed, in its unit: a rate or share in percent with up to two decimals,
    any other number as given (to four decimals at most)."""
    if unit and units.display(unit) == "pct":
        text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
        return (MINUS + text.lstrip("-") if value < 0 else text) + "%"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def shown_unit(unit: str) -> str:
    """A unit as a table's unit column writes it: without a price's VAT basis (the source
    says which), and none for a percentage, whose sign says it."""
    if not unit or units.display(unit) == "pct":
        return ""
    return units.written(unit)


class Figures:
    """`fig(path, kind)`: the value at `path` of the results, formatted and tagged."""

    def __init__(self, results: dict):
        self.results = results

    def value(self, path: str) -> Any:
        return resolve(self.results, path)

    def has(self, path: str) -> bool:
        try:
            resolve(self.results, path)
        except (KeyError, IndexError, ValueError):
            return False
        return True

    def __call__(self, path: str, kind: str = "int", unit: str = "") -> Markup:
        value = self.value(path)
        text = fmt(value, kind)
        number = _number(value)
        classes = ["fig"]
        if number is None:
            classes.append("na")
        elif number < 0 and not path.endswith(NEUTRAL_SIGN):
            classes.append("neg")
        title = ' title="not defined"' if number is None else ""
        unit_html = (
            Markup(f' <span class="unit">{escape(unit)}</span>')
            if unit and number is not None
            else ""
        )
        return Markup(
            f'<span class="{" ".join(classes)}" data-key="{escape(path)}" '
            f'data-kind="{kind}"{title}>{escape(text)}</span>{unit_html}'
        )


# --------------------------------------------------------------------------------------
# The pages' data
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    name: str
    svg: str


def _names(results: dict, pid: str) -> tuple[str, str]:
    name = results["projects"][pid].get("name") or {}
    return name.get("zh") or pid, name.get("en") or pid


def investable(results: dict) -> list[str]:
    """Projects an investor can buy into: not a public programme, with capex."""
    out = []
    for pid, p in results["projects"].items():
        capex = _number(p.get("capex_yuan")) or 0.0
        kind = REGISTRY.get(p.get("archetype"))
        if kind is not None and kind.investable and capex > 0:
            out.append(pid)
    return sorted(out, key=lambda pid: _project_order(results, pid))


def _project_order(results: dict, pid: str):
    p = results["projects"][pid]
    line = str(p.get("budget_line", ""))
    digits = "".join(ch for ch in line if ch.isdigit())
    return (int(digits) if digits else 999, line, p.get("start_year") or 0, pid)


def _budget_definitions(programme) -> dict[str, Any]:
    budget = getattr(programme, "budget", None)
    return {line.id: line for line in getattr(budget, "lines", ())}


def _line_names(programme, line_id: str, fallback_en: str = "") -> tuple[str, str]:
    line = _budget_definitions(programme).get(line_id)
    if line is None:
        return "", fallback_en or line_id
    return line.name.zh, line.name.en


def _action_names(programme, action_no: int, line_ids: Iterable[str]) -> tuple[str, str]:
    defs = _budget_definitions(programme)
    for lid in line_ids:
        line = defs.get(lid)
        if line is None:
            continue
        named = line.action if line.action is not None else line.name
        return named.zh, named.en
    return "", f"Action {action_no}"


def _funding(result, metrics: dict) -> dict[str, float] | None:
    """Debt, grant and equity of a project, as results.json gives them; the debt share as
    defined, or for a loan sized to cover the share of capex it came to."""
    if not {"debt_yuan", "grant_yuan", "equity_invested_yuan"} <= set(metrics):
        return None
    share = None
    fin = getattr(getattr(getattr(result, "definition", None), "parameters", None), "finance", None)
    if getattr(fin, "debt_sizing", "share") == "cover":
        capex = metrics.get("capex_yuan") or 0.0
        share = metrics["debt_yuan"] / capex if capex > 0 else None
    elif fin is not None and getattr(fin, "debt_share", None) is not None:
        share = float(getattr(fin.debt_share, "value", fin.debt_share))
    return {
        "debt": metrics["debt_yuan"],
        "grant": metrics["grant_yuan"] or 0.0,
        "equity": metrics["equity_invested_yuan"],
        "debt_share": share,
    }


def _short(text: str, limit: int = 46) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


class Reports:
    """Builds the pages of one programme's results."""

    def __init__(self, results: dict, projects: dict, programme, on_chart=None):
        self.results = clean(results)
        self.projects = projects or {}
        self.programme = programme
        self.fig = Figures(self.results)
        self.charts: list[Chart] = []
        self.info = getattr(programme, "programme", None)
        self.on_chart = on_chart
        """Called with the number of charts made so far, after each (a progress line)."""

    # -- charts -----------------------------------------------------------------------

    def chart(self, name: str, svg: str) -> Markup:
        self.charts.append(Chart(name, svg))
        if self.on_chart is not None:
            self.on_chart(len(self.charts))
        return Markup(svg)

    # -- shared -----------------------------------------------------------------------

    def unit_of(self, path: str) -> str:
        """The unit of the number at `path`, as results.json's `units` map gives it."""
        return self.results["units"][path]

    def common(self) -> dict:
        r = self.results
        name = r["programme"]["name"]
        location = getattr(self.info, "location", None)
        return {
            "fig": self.fig,
            "fmt": fmt,
            "programme": {
                "id": r["programme"]["id"],
                "zh": name["zh"],
                "en": name["en"],
                "base_year": r["programme"].get("base_year"),
                "location_zh": location.zh if location else "",
                "location_en": location.en if location else "",
                "source": getattr(self.info, "source", ""),
            },
            "workbook": f"{r['programme']['id']}.xlsx",
            "pitch_ids": investable(r),
            "names": {pid: _names(r, pid) for pid in r["projects"]},
            "has_fund": bool(r.get("fund")),
            "has_risk": bool(r.get("risk")),
            "bibliography": r.get("sources") or [],
        }

    # -- proposal ---------------------------------------------------------------------

    def budget_rows(self) -> list[dict]:
        rows = []
        for i, line in enumerate(self.results["budget"]["lines"]):
            zh, en = _line_names(self.programme, line["line"], line.get("name_en", ""))
            rows.append(
                {
                    "path": f"budget.lines.{i}",
                    "line": line["line"],
                    "zh": zh,
                    "en": en or line.get("name_en", ""),
                    "has_capex": "modelled_capex_wan_yuan" in line,
                    "projects": line.get("projects", []),
                }
            )
        return rows

    def funding_schedule(self) -> dict | None:
        """The yearly sources and uses (results.json `budget.funding_by_year`): its years,
        and a row a use, a source and the fund's part of the equity, each bilingual."""
        schedule = self.results["budget"].get("funding_by_year")
        if not schedule or not schedule.get("years"):
            return None
        total = schedule["total"]
        rows = [
            {"key": key, "zh": zh, "en": en, "kind": kind}
            for key, zh, en, kind in FUNDING_ROWS
            # a source or use that is nil every year (no VAT credited, no grants) is left out
            if kind == "total" or abs(total.get(key) or 0.0) > 1e-9
        ]
        return {"years": list(schedule["years"]), "rows": rows}

    def budget_chart(self) -> Markup:
        budget = self.results["budget"]
        rows = []
        for action in budget["actions"]:
            zh, en = _action_names(self.programme, action["action_no"], action.get("lines", []))
            text = charts.label(zh, _short(en, 52), "\n") if zh else _short(en, 52)
            rows.append(
                (f"{action['action_no']}. {text}", {k: action.get(k, 0.0) for k in SOURCE_KEYS})
            )
        sources = [(k, self.source_label(k, "\n")) for k in SOURCE_KEYS if k in budget["by_source"]]
        return self.chart("budget", charts.budget_stacked_bars(rows, sources))

    def source_label(self, key: str, sep: str = " ") -> str:
        en = SOURCES_EN.get(key) or self.results["budget"]["by_source"][key]["label"]
        return charts.label(SOURCES_ZH.get(key), en, sep)

    def sources(self) -> list[dict]:
        out = []
        for key, entry in self.results["budget"]["by_source"].items():
            out.append(
                {
                    "key": key,
                    "zh": SOURCES_ZH.get(key, ""),
                    "en": SOURCES_EN.get(key, entry["label"]),
                    "long_en": entry["label"],
                    "path": f"budget.by_source.{key}",
                }
            )
        return out

    def funding_chart(self) -> Markup:
        budget = self.results["budget"]
        parts = [
            (key, self.source_label(key, "\n"), entry["wan_yuan"], entry["share"])
            for key, entry in budget["by_source"].items()
        ]
        return self.chart("funding", charts.funding_donut(parts, budget["total_wan_yuan"]))

    def benefit_rows(self) -> list[dict]:
        rows = []
        for i, b in enumerate(self.results.get("benefits", [])):
            zh, en = _line_names(self.programme, b["line"], b.get("name_en", ""))
            rows.append(
                {
                    "path": f"benefits.{i}",
                    "line": b["line"],
                    "zh": zh,
                    "en": b.get("name_en") or en,
                    "indirect": b.get("indirect_reduction_claimed"),
                }
            )
        return rows

    def at_a_glance(self) -> dict:
        """The top of each memo: the ask (the fund's commitments), the answer (what it
        deploys and what each class nets), how many projects stand alone or need support,
        and the warnings: every reconciliation error, by title. Figures as paths."""
        r = self.results
        fund = r.get("fund") or {}
        ids = investable(r)
        gaps = (r.get("structuring") or {}).get("viability_gaps") or {}
        mc = ((r.get("risk") or {}).get("monte_carlo") or {}).get("outputs") or {}
        names = self.class_names()
        classes = [
            {
                "zh": names[cid][0],
                "en": names[cid][1],
                "path": f"fund.classes.{cid}.net_irr",
                "below": f"risk.monte_carlo.outputs.fund.classes.{cid}.net_irr.prob_below_hurdle"
                if mc.get(f"fund.classes.{cid}.net_irr", {}).get("prob_below_hurdle") is not None
                else None,
            }
            for cid in fund.get("classes", {})
        ]
        deployment = fund.get("deployment") or {}
        return {
            "committed": "fund.deployment.committed_yuan" if deployment else None,
            "deployment": "fund.deployment.deployment_ratio" if deployment else None,
            "classes": classes,
            "n_investable": len(ids),
            "n_support": len(gaps.get("projects") or {}),
            "n_not_viable": len(gaps.get("unreachable") or []),
            "gap_total": "structuring.viability_gaps.total.value" if gaps.get("total") else None,
            "warnings": [
                f.get("title", "")
                for f in r.get("reconciliation", [])
                if f.get("severity") == "error"
            ],
        }

    def findings(self) -> list[dict]:
        """Reconciliation findings, worst first; a run of per-line findings of one kind
        ("Line 4: modelled capex differs ...") becomes one table with a row a line."""
        order = {"error": 0, "warning": 1, "info": 2}
        blocks: list[dict] = []
        groups: dict[tuple, dict] = {}
        for i, f in enumerate(self.results.get("reconciliation", [])):
            severity = f.get("severity", "info")
            zh, en = SEVERITY.get(severity, ("", severity))
            numbers = []
            for key, value in (f.get("numbers") or {}).items():
                kind = _finding_kind(key, value)
                numbers.append(
                    {
                        "key": key,
                        "label": finding_label(key),
                        "path": f"reconciliation.{i}.numbers.{key}",
                        "kind": kind,
                        "text": value if kind is None else None,
                        "source": (f.get("sources") or {}).get(key, ""),
                    }
                )
            base = {
                "severity": severity,
                "severity_zh": zh,
                "severity_en": en,
                "order": order.get(severity, 3),
                "index": i,
            }
            per_line = re.match(r"^(.+)-line-([0-9A-Za-z._]+)$", str(f.get("id", "")))
            title = str(f.get("title", ""))
            if per_line and re.match(r"^Line [^:]+: ", title):
                key = (per_line.group(1), severity, tuple(n["key"] for n in numbers))
                group = groups.get(key)
                if group is None:
                    head = title.split(": ", 1)[1]
                    group = {
                        **base,
                        "table": True,
                        "title": head[:1].upper() + head[1:],
                        "columns": [
                            {
                                "label": n["label"],
                                "source": n["source"],
                                "numeric": n["kind"] is not None,
                            }
                            for n in numbers
                        ],
                        "rows": [],
                    }
                    groups[key] = group
                    blocks.append(group)
                group["rows"].append({"line": per_line.group(2), "cells": numbers})
            else:
                blocks.append(
                    {
                        **base,
                        "table": False,
                        "title": title,
                        "detail": f.get("detail", ""),
                        "numbers": numbers,
                    }
                )
        return sorted(blocks, key=lambda b: (b["order"], b["index"]))

    def finding_counts(self) -> list[tuple[str, str, str, int]]:
        counts = {}
        for f in self.results.get("reconciliation", []):
            counts[f.get("severity")] = counts.get(f.get("severity"), 0) + 1
        return [(s, *SEVERITY[s], counts[s]) for s in SEVERITY if s in counts]

    def assumptions(self) -> list[dict]:
        rows = []
        a = getattr(self.programme, "assumptions", None)
        if a is not None:
            rows += list(_sourced_rows(a, ""))
        outlook = getattr(getattr(self.programme, "targets", None), "outlook", None)
        if outlook is not None:
            rows += list(_sourced_rows(outlook, ""))
        return rows

    def target_rows(self) -> list[dict]:
        rows = []
        for i, row in enumerate((self.results.get("targets") or {}).get("co2_intensity") or []):
            if row.get("target_t_per_wan_yuan") is not None:
                rows.append(
                    {
                        "path": f"targets.co2_intensity.{i}",
                        "year": row["year"],
                        "met": _at_or_below(
                            row.get("intensity_with_t_per_wan_yuan"),
                            row.get("target_t_per_wan_yuan"),
                        ),
                    }
                )
        return rows

    def pv_rows(self) -> list[dict]:
        rows = []
        for i, row in enumerate((self.results.get("targets") or {}).get("pv_share") or []):
            if row.get("goal_share") is not None:
                rows.append({"path": f"targets.pv_share.{i}", "year": row["year"]})
        return rows

    def headline_avoided(self) -> str | None:
        rows = (self.results.get("targets") or {}).get("co2_intensity") or []
        for i in range(len(rows) - 1, -1, -1):
            if rows[i].get("avoided_t_co2e"):
                return f"targets.co2_intensity.{i}"
        return None

    # -- fund -------------------------------------------------------------------------

    def fund_terms(self):
        return getattr(self.programme, "fund", None)

    def class_names(self) -> dict[str, tuple[str, str]]:
        terms = self.fund_terms()
        names = {}
        if terms is not None:
            for c in terms.classes:
                names[c.id] = (c.name.zh, c.name.en)
        for cid in (self.results.get("fund") or {}).get("classes", {}):
            names.setdefault(cid, ("", cid.replace("_", " ").capitalize()))
        return names

    def fund_context(self) -> dict | None:
        fund = self.results.get("fund")
        terms = self.fund_terms()
        if not fund and terms is None:
            return None
        names = self.class_names()
        ctx: dict[str, Any] = {"classes": [], "terms": None}
        if fund:
            for cid in fund.get("classes", {}):
                zh, en = names[cid]
                hurdle = None
                if terms is not None:
                    for c in terms.classes:
                        if c.id == cid:
                            hurdle = c.hurdle_rate
                ctx["classes"].append(
                    {
                        "id": cid,
                        "zh": zh,
                        "en": en,
                        "path": f"fund.classes.{cid}",
                        "hurdle": fmt_input(hurdle.value, "rate") if hurdle else DASH,
                    }
                )
            ctx["years"] = fund.get("years", [])
            deployment = fund.get("deployment") or {}
            ratio, minimum = deployment.get("deployment_ratio"), deployment.get("minimum_ratio")
            ctx["below_minimum"] = None not in (ratio, minimum) and ratio < minimum
            ctx["minimum_ratio"] = DASH if minimum is None else fmt(minimum, "pct")
        if terms is not None:
            class_ids = [c.id for c in terms.classes]
            ctx["terms"] = {
                "name": terms.fund.name,
                "description": terms.fund.description,
                "investment_period": terms.fund.investment_period_years,
                "term": terms.fund.term_years,
                "closes": [
                    {
                        "year": c.year,
                        "size": fmt(c.fund_size_yuan.value, "wan_yuan"),
                        "size_source": c.fund_size_yuan.source,
                        "commitments": [
                            fmt(c.commitments_yuan[cid].value, "wan_yuan")
                            if cid in c.commitments_yuan
                            else DASH
                            for cid in class_ids
                        ],
                        "note": c.note,
                    }
                    for c in terms.closes
                ],
                "class_ids": class_ids,
                "classes": [
                    {
                        "id": c.id,
                        "zh": c.name.zh,
                        "en": c.name.en,
                        "rank": c.rank,
                        "hurdle": fmt_input(c.hurdle_rate.value, "rate"),
                        "hurdle_source": c.hurdle_rate.source,
                        "fee": c.pays_management_fee,
                        "carry": c.pays_carry,
                        "manager": c.manager,
                        "note": c.note,
                    }
                    for c in terms.classes
                ],
                "fees": terms.fees,
                "waterfall": terms.waterfall,
                "fee_rate": fmt_input(terms.fees.management_fee_rate.value, "rate"),
                "carry_rate": fmt_input(terms.waterfall.carried_interest_rate.value, "rate"),
                "catch_up": fmt_input(terms.waterfall.catch_up_share.value, "share"),
                "investments": [
                    {
                        "project": i.project,
                        "zh": _names(self.results, i.project)[0]
                        if i.project in self.results["projects"]
                        else i.project,
                        "en": _names(self.results, i.project)[1]
                        if i.project in self.results["projects"]
                        else i.project,
                        "share": fmt_input(i.equity_share.value, "share"),
                        "share_source": i.equity_share.source,
                        "exit": i.exit,
                        "exit_zh": EXITS.get(i.exit.method, ("", i.exit.method))[0],
                        "exit_en": EXITS.get(i.exit.method, ("", i.exit.method))[1],
                    }
                    for i in terms.investments
                ],
            }
        return ctx

    def j_curve_chart(self) -> Markup | None:
        fund = self.results.get("fund")
        if not fund or not fund.get("classes") or not fund.get("years"):
            return None
        names = self.class_names()
        series = [
            (charts.label(names[cid][0], names[cid][1]), c.get("cash_flows") or [])
            for cid, c in fund["classes"].items()
        ]
        return self.chart("jcurve", charts.j_curve(fund["years"], series))

    # -- investor ---------------------------------------------------------------------

    def project_rows(self, ids: Iterable[str]) -> list[dict]:
        rows = []
        for pid in ids:
            p = self.results["projects"][pid]
            zh, en = _names(self.results, pid)
            arche = ARCHETYPES.get(p.get("archetype"), ("", p.get("archetype", "")))
            rows.append(
                {
                    "id": pid,
                    "zh": zh,
                    "en": en,
                    "path": f"projects.{pid}",
                    "archetype_zh": arche[0],
                    "archetype_en": arche[1],
                    "line": p.get("budget_line"),
                    "start": p.get("start_year"),
                    "has_lcoe": "lcoe_yuan_per_kwh" in p,
                    "has_spending": "total_spending_yuan" in p,
                    "has_present_cost": "present_cost_yuan" in p,
                }
            )
        return rows

    def macc_chart(self) -> Markup | None:
        rows = self.results.get("macc") or []
        if not rows:
            return None
        labels = {k: charts.label(*v) for k, v in ARCHETYPES.items()}
        return self.chart("macc", charts.macc(rows, labels))

    def macc_rows(self) -> list[dict]:
        rows = []
        for i, r in enumerate(self.results.get("macc") or []):
            arche = ARCHETYPES.get(r.get("archetype"), ("", r.get("archetype", "")))
            pid = r.get("project")
            zh, en = (
                _names(self.results, pid)
                if pid in self.results["projects"]
                else (r.get("name_zh", ""), r.get("name_en", ""))
            )
            rows.append(
                {
                    "n": i + 1,
                    "path": f"macc.{i}",
                    "zh": zh,
                    "en": en,
                    "archetype_zh": arche[0],
                    "archetype_en": arche[1],
                }
            )
        return rows

    def macc_claimed_rows(self) -> list[dict]:
        """The lines whose tonnes are claimed, not modelled: names and paths to their figures."""
        rows = []
        for i, r in enumerate(self.results.get("macc_claimed") or []):
            pid = r.get("project")
            zh, en = (
                _names(self.results, pid)
                if pid in self.results["projects"]
                else (r.get("name_zh", ""), r.get("name_en", ""))
            )
            rows.append({"path": f"macc_claimed.{i}", "zh": zh, "en": en})
        return rows

    def output_label(self, output: str, metric: bool = True) -> tuple[str, str]:
        """A risk output path as words: 'pv_phase1 NPV' in both languages; with `metric`
        False, only whose it is ('pv_phase1')."""
        parts = output.split(".")
        what = METRICS.get(parts[-1], ("", parts[-1].replace("_", " ")))
        if parts[0] == "projects" and len(parts) >= 3 and parts[1] in self.results["projects"]:
            zh, en = _names(self.results, parts[1])
            return (f"{zh} {what[0]}", f"{en}: {what[1]}") if metric else (zh, en)
        if parts[0] == "fund" and len(parts) >= 4:
            zh, en = self.class_names().get(parts[2], ("", parts[2]))
            whose = zh if zh.startswith("基金") else f"基金{zh}"  # not 基金基金管理人出资
            return (f"{whose} {what[0]}", f"Fund, {en}: {what[1]}") if metric else (zh, en)
        return (what[0], output) if metric else ("", output)

    @staticmethod
    def output_group(output: str) -> str:
        """Which figure a risk output is drawn in: 'fund' (the fund's classes) or the
        projects' metric ('npv_yuan', 'irr', ...)."""
        return "fund" if output.startswith("fund.") else output.rsplit(".", 1)[-1]

    def output_groups(self, outputs: Iterable[str]) -> list[tuple[str, list[str]]]:
        """`outputs` (in page order) grouped by `output_group`, groups in order of first
        appearance."""
        groups: dict[str, list[str]] = {}
        for output in outputs:
            groups.setdefault(self.output_group(output), []).append(output)
        return list(groups.items())

    def output_rows(self, outputs: list[str]) -> list[list[str]]:
        """A group's outputs in rows of panels that share their drivers: the fund's classes
        together, projects by archetype (in order of first appearance), at most
        `charts.MAX_COLUMNS` a row."""
        kinds: dict[str, list[str]] = {}
        for output in outputs:
            parts = output.split(".")
            kind = "fund"
            if parts[0] == "projects" and parts[1] in self.results["projects"]:
                kind = self.results["projects"][parts[1]].get("archetype") or parts[1]
            kinds.setdefault(kind, []).append(output)
        width = charts.MAX_COLUMNS
        return [c[i : i + width] for c in kinds.values() for i in range(0, len(c), width)]

    def why_off_centre(self, output: str, dist: dict, risk: dict) -> list[dict]:
        """Where the base case of `output` sits far from the middle of its trials (outside
        `CENTRE`), the sampled inputs that move it whose base case is off the middle of their
        own draws: the reason the base is not the P50. Each: the input's label (zh, en) and
        its percentile text. Empty where the base is near the middle."""
        share = _number(dist.get("base_percentile"))
        if share is None or CENTRE[0] <= share <= CENTRE[1]:
            return []
        inputs = (risk.get("monte_carlo") or {}).get("inputs") or {}
        out, seen = [], set()
        for bar in risk.get("tornado") or []:  # each output's bars: largest swing first
            if len(out) == WHY_INPUTS:
                break
            path = bar.get("parameter")
            if bar.get("output") != output or path in seen or path not in inputs:
                continue
            seen.add(path)
            at = _number(inputs[path].get("base_percentile"))
            if at is None or CENTRE[0] <= at <= CENTRE[1]:
                continue
            out.append(
                {
                    "zh": bar.get("label_zh") or bar.get("label") or path,
                    "en": bar.get("label") or path,
                    "percentile": _percentile_text(at),
                    "path": f"risk.monte_carlo.inputs.{path}.base_percentile",
                }
            )
        return out

    def tornado_row(
        self, outputs: list[str], bars_of: dict[str, list[tuple[int, dict]]]
    ) -> tuple[dict, dict[str, int]]:
        """One row of tornado panels: the drivers (parameters) of its outputs, largest swing
        on any of them first, at most `TORNADO_BARS`; and each output's bars left out."""
        swing: dict[tuple, float] = {}
        labels: dict[tuple, str] = {}
        for output in outputs:
            for _, bar in bars_of[output]:
                driver = (str(bar.get("parameter", "")), str(bar.get("label") or ""))
                size = _number(bar.get("swing")) or 0.0
                swing[driver] = max(swing.get(driver, 0.0), size)
                if driver not in labels:
                    text = bar.get("label") or str(bar.get("parameter", ""))
                    labels[driver] = f"{_short(text, 44)}\n{_parameter_range(bar)}".strip()
        drivers = sorted(swing, key=lambda d: -swing[d])[:TORNADO_BARS]
        panels, hidden = [], {}
        for output in outputs:
            by_driver = {
                (str(b.get("parameter", "")), str(b.get("label") or "")): b
                for _, b in bars_of[output]
            }
            base = _number(bars_of[output][0][1].get("base"))
            panels.append(
                {
                    "output": output,
                    "title": charts.label(*self.output_label(output, metric=False), "\n"),
                    "base": base if base is not None else 0.0,
                    "bars": [
                        {
                            "at_low": by_driver[d].get("at_low"),
                            "at_high": by_driver[d].get("at_high"),
                        }
                        if d in by_driver
                        else None
                        for d in drivers
                    ],
                }
            )
            hidden[output] = sum(1 for d in by_driver if d not in drivers)
        return {"drivers": [labels[d] for d in drivers], "panels": panels}, hidden

    def risk_outputs(self, outputs: Iterable[str]) -> list[str]:
        """The risk outputs an investor is shown, in page order: the fund's classes first,
        then each investable project's NPV, IRR and equity IRR (public programmes, which
        have no investor, are left out)."""
        outputs = list(outputs)
        ids = {pid: i for i, pid in enumerate(investable(self.results))}  # a project's place
        classes = list((self.results.get("fund") or {}).get("classes", {}))

        def rank(output: str):
            parts = output.split(".")
            if parts[0] == "fund":
                cid = parts[2] if len(parts) > 2 else ""
                return (0, classes.index(cid) if cid in classes else 99, 0)
            if parts[0] == "projects" and len(parts) >= 3 and parts[1] in ids:
                metric = parts[-1]
                order = RISK_METRICS.index(metric) if metric in RISK_METRICS else 99
                return (1, ids[parts[1]], order)
            return None

        kept = [o for o in outputs if rank(o) is not None]
        return sorted(kept, key=rank)

    def risk_context(self) -> dict | None:
        """The risk section's pieces: scenarios (a row an output, a column a scenario),
        tornado charts (one an output, largest swing on top) and Monte Carlo statistics
        and histograms. Headline charts (the fund's classes, each project's NPV) are shown;
        the charts of project IRRs sit in a closed `details`."""
        risk = self.results.get("risk")
        if not risk:
            return None
        ctx: dict[str, Any] = {
            "trials": risk.get("trials"),
            "seed": risk.get("seed"),
            "scenarios": [],
            "scenario_rows": [],
            "tornadoes": [],
            "more_tornadoes": [],
            "distributions": [],
            "histograms": [],
        }
        # Scenarios: one column each; rows are the fund's classes and the projects' NPVs.
        scenarios = risk.get("scenarios") or {}
        for name, sc in scenarios.items():
            pretty = sc.get("label") or name.replace("_", " ")
            ctx["scenarios"].append(
                {
                    "key": name,
                    "name": pretty[:1].upper() + pretty[1:],
                    "name_zh": sc.get("label_zh") or "",
                    "description": sc.get("description", ""),
                }
            )
        candidates: list[str] = []
        for sc in scenarios.values():
            for cid, metrics in ((sc.get("fund") or {}).get("classes") or {}).items():
                candidates += [f"fund.classes.{cid}.{m}" for m in metrics]
            for pid, metrics in (sc.get("projects") or {}).items():
                candidates += [f"projects.{pid}.{m}" for m in metrics if m == "npv_yuan"]
        for output in self.risk_outputs(dict.fromkeys(candidates)):
            cells = []
            for name in scenarios:
                path = f"risk.scenarios.{name}.{output}"
                cells.append(path if self.fig.has(path) else None)
            zh, en = self.output_label(output)
            ctx["scenario_rows"].append(
                {"zh": zh, "en": en, "cells": cells, "kind": _risk_kind(self.unit_of(output))}
            )
        # Tornado: a figure a group of outputs (the fund's classes, the projects' NPVs,
        # their IRRs), a row of panels sharing their drivers a kind of project.
        bars_of: dict[str, list[tuple[int, dict]]] = {}
        for i, bar in enumerate(risk.get("tornado") or []):
            bars_of.setdefault(bar["output"], []).append((i, bar))
        for key, outputs in self.output_groups(self.risk_outputs(bars_of)):
            rows, listed = [], []
            for cluster in self.output_rows(outputs):
                row, hidden = self.tornado_row(cluster, bars_of)
                rows.append(row)
                for output in cluster:
                    zh, en = self.output_label(output, metric=False)
                    listed.append(
                        {
                            "zh": zh,
                            "en": en,
                            "base_path": f"risk.tornado.{bars_of[output][0][0]}.base",
                            "kind": _risk_kind(self.unit_of(output)),
                            "hidden": hidden[output],
                        }
                    )
            name = f"tornado-{key}"
            chart = None
            if len(outputs) <= GRID_MAX_PANELS:
                svg = charts.tornado_grid(
                    rows,
                    name,
                    charts.display_unit(self.unit_of(outputs[0])),
                    low_legend=charts.label("参数取低值", "parameter at its low value", " / "),
                    high_legend=charts.label("参数取高值", "parameter at its high value", " / "),
                    base_legend=charts.label("基准值", "base case", " / "),
                )
                chart = self.chart(name, svg)
            zh, en = GROUPS.get(key, ("", key))
            entry = {"zh": zh, "en": en, "chart": chart, "outputs": listed}
            ctx["tornadoes" if key in HEADLINE_GROUPS else "more_tornadoes"].append(entry)
        # Monte Carlo: statistics of every output shown; histograms of the headline ones,
        # a figure a group.
        outputs = ((risk.get("monte_carlo") or {}).get("outputs")) or {}
        histograms: dict[str, list[dict]] = {}
        for output in self.risk_outputs(outputs):
            dist = outputs[output]
            kind = _risk_kind(self.unit_of(output))
            path = f"{MONTE_CARLO_OUTPUTS}{output}"
            zh, en = self.output_label(output)
            ctx["distributions"].append(
                {
                    "output": output,
                    "zh": zh,
                    "en": en,
                    "path": path,
                    "kind": kind,
                    "below_zero": "prob_below_zero" in dist,
                    "below_hurdle": "prob_below_hurdle" in dist,
                    "has_base": "base" in dist,
                    "base_percentile": _percentile_text(dist.get("base_percentile")),
                    "why": self.why_off_centre(output, dist, risk),
                }
            )
            hist = dist.get("histogram") or {}
            key = self.output_group(output)
            if key not in HEADLINE_GROUPS or not (hist.get("edges") and hist.get("counts")):
                continue
            markers = [
                (p.upper(), dist[p])
                for p in ("p10", "p50", "p90")
                if _number(dist.get(p)) is not None
            ]
            threshold = None
            hurdle = self._hurdle_of(output)
            if hurdle is not None:
                threshold = (charts.label("门槛收益率", "hurdle", " / "), hurdle)
            elif "prob_below_zero" in dist:
                threshold = (charts.label("零", "zero", " / "), 0.0)
            histograms.setdefault(key, []).append(
                {
                    "output": path,
                    "title": charts.label(*self.output_label(output, metric=False), "\n"),
                    "edges": hist["edges"],
                    "counts": hist["counts"],
                    "markers": markers,
                    "threshold": threshold,
                }
            )
        for key, panels in histograms.items():
            if len(panels) > GRID_MAX_PANELS:
                continue  # the group's P10-P90 are in the table above
            name = f"mc-{key}"
            first = panels[0]["output"].removeprefix(MONTE_CARLO_OUTPUTS)
            unit = charts.display_unit(self.unit_of(first))
            svg = charts.histogram_grid(panels, name, unit)
            zh, en = GROUPS.get(key, ("", key))
            ctx["histograms"].append({"zh": zh, "en": en, "chart": self.chart(name, svg)})
        ctx["any_below_zero"] = any(d["below_zero"] for d in ctx["distributions"])
        ctx["any_below_hurdle"] = any(d["below_hurdle"] for d in ctx["distributions"])
        ctx["correlations"] = self.correlations()
        return ctx

    def correlations(self) -> list[dict]:
        """risk.yaml's rank correlations, each pair named by its distributions' labels."""
        risk_file = getattr(self.programme, "risk", None)
        if risk_file is None:
            return []

        def name(path: str) -> str:
            d = risk_file.distributions.get(path)
            zh, en = getattr(d, "label_zh", None), getattr(d, "label", None)
            if zh and en and zh != en:
                return f"{zh} · {en}"
            return zh or en or path

        return [
            {
                "a": name(c.between[0]),
                "b": name(c.between[1]),
                "rho": f"{c.rho:.2f}",
                "source": c.source,
            }
            for c in risk_file.correlations
        ]

    def _hurdle_of(self, output: str) -> float | None:
        parts = output.split(".")
        terms = self.fund_terms()
        if terms is None or parts[0] != "fund" or len(parts) < 3:
            return None
        for c in terms.classes:
            if c.id == parts[2]:
                return c.hurdle_rate.value
        return None

    def key_risks(self) -> list[dict]:
        """Risks in words: facts from the results first, then what each kind of project
        present turns on. Each item: head_zh/head_en, zh, en (markup with tagged figures)."""
        r = self.results
        items: list[dict] = []
        ids = investable(r)

        def listed(pids: list[str], key: str, kind: str, zh: bool) -> Markup:
            pattern, sep = (
                (Markup("{}（{}）"), Markup("；")) if zh else (Markup("{} ({})"), Markup("; "))
            )
            return sep.join(
                pattern.format(
                    _names(r, pid)[0 if zh else 1], self.fig(f"projects.{pid}.{key}", kind)
                )
                for pid in pids
            )

        def item(head: tuple[str, str], zh, en) -> None:
            items.append({"head_zh": head[0], "head_en": head[1], "zh": zh, "en": en})

        weak = [
            pid
            for pid in ids
            if (_number(r["projects"][pid].get("min_dscr")) or math.inf) < DSCR_COMFORT
        ]
        if weak:
            item(
                ("偿债覆盖率偏低", "Thin debt cover"),
                Markup(
                    "最低偿债覆盖率：{}。低于1.0表示最差年份的经营现金流不足以还本付息，"
                    "需延长贷款期限或提高资本金比例。"
                ).format(listed(weak, "min_dscr", "x", True)),
                Markup(
                    "Minimum DSCR: {}. Under 1.0, operating cash does not cover debt service "
                    "in the worst year; under 1.2, a common lender minimum, the loan needs a "
                    "longer tenor or more equity."
                ).format(listed(weak, "min_dscr", "x", False)),
            )
        rate = getattr(getattr(self.programme, "assumptions", None), "discount_rate", None)
        rate_text = fmt_input(rate.value, "rate") if rate is not None else ""
        losing = [pid for pid in ids if (_number(r["projects"][pid].get("npv_yuan")) or 0) < 0]
        if losing:
            item(
                ("净现值为负", "Negative NPV"),
                Markup("按{}折现率净现值为负（万元），需补贴或让利才能吸引社会资本：{}。").format(
                    rate_text, listed(losing, "npv_yuan", "wan_yuan", True)
                ),
                Markup(
                    "At the {} discount rate these lose value (万元), so market money needs a "
                    "subsidy or better terms: {}."
                ).format(rate_text, listed(losing, "npv_yuan", "wan_yuan", False)),
            )
        no_irr = [pid for pid in ids if _number(r["projects"][pid].get("irr")) is None]
        if no_irr:
            item(
                ("无内部收益率", "No IRR"),
                Markup("现金流从未转正或多次变号，无法计算内部收益率：{}。").format(
                    Markup("；").join(_names(r, pid)[0] for pid in no_irr)
                ),
                Markup("Cash flows never turn positive, or change sign more than once: {}.").format(
                    Markup("; ").join(_names(r, pid)[1] for pid in no_irr)
                ),
            )
        risk = r.get("risk") or {}
        outputs = (risk.get("monte_carlo") or {}).get("outputs") or {}
        bad = []  # (chance, zh, en) of a negative NPV or a class missing its hurdle
        for output in self.risk_outputs(outputs):
            dist = outputs[output]
            if output.startswith("fund."):
                key, zh_word, en_word = "prob_below_hurdle", "低于门槛", "below its hurdle"
            elif output.endswith(".npv_yuan"):
                key, zh_word, en_word = "prob_below_zero", "为负", "negative"
            else:
                continue
            chance = _number(dist.get(key))
            if chance is None or chance < MATERIAL_CHANCE:
                continue
            zh, en = self.output_label(output)
            figure = self.fig(f"risk.monte_carlo.outputs.{output}.{key}", "pct")
            bad.append(
                (
                    chance,
                    Markup("{}{} {}").format(zh, zh_word, figure),
                    Markup("{} {} {}").format(en, en_word, figure),
                )
            )
        if outputs:
            bad.sort(key=lambda b: -b[0])
            limit = fmt(MATERIAL_CHANCE, "pct")
            trials = risk.get("trials", "")
            if bad:
                zh_text = Markup("{}次模拟中，不利结果概率不低于{}的有：{}；其余均低于{}。").format(
                    trials, limit, Markup("；").join(b[1] for b in bad), limit
                )
                en_text = Markup(
                    "Over {} trials, the chances of a bad outcome of {} or more: "
                    "{}; every other is below {}."
                ).format(trials, limit, Markup("; ").join(b[2] for b in bad), limit)
            else:
                zh_text = Markup(
                    "{}次模拟中，各项目净现值为负、各级投资人低于门槛收益率的概率均低于{}。"
                ).format(trials, limit)
                en_text = Markup(
                    "Over {} trials, every chance of a negative NPV or of a class "
                    "missing its hurdle is below {}."
                ).format(trials, limit)
            item(("蒙特卡洛模拟", "Monte Carlo"), zh_text, en_text)
        if r.get("fund"):
            item(
                ("基金退出估值", "Fund exit values"),
                "基金收益假设各项目在退出年份按剩余资本金现金流的折现值出售；买方要求更高回报将降低各级投资人的收益率。",
                "Fund returns assume each investment is sold in its exit year at the discounted "
                "value of its remaining equity cash flows; a buyer asking a higher return lowers "
                "every class's IRR.",
            )
        counts = {s: n for s, _, _, n in self.finding_counts()}
        if counts.get("error") or counts.get("warning"):
            item(
                ("方案数据", "The plan's figures"),
                Markup(
                    "方案自身数据存在{}处矛盾、{}处差异（见基金方案页“数据核对”），"
                    "投资决策应以模型数据为准。"
                ).format(counts.get("error", 0), counts.get("warning", 0)),
                Markup(
                    "The plan's own figures hold {} contradictions and {} gaps (see the "
                    "proposal's reconciliation): decide on the modelled figures, not the "
                    "plan's claims."
                ).format(counts.get("error", 0), counts.get("warning", 0)),
            )
        present = {r["projects"][pid].get("archetype") for pid in ids}
        for arche, (zh, en) in ARCHETYPE_RISKS.items():
            if arche in present:
                item(ARCHETYPES[arche], zh, en)
        return items

    # -- pitches ----------------------------------------------------------------------

    def pitch_context(self, pid: str) -> dict:
        p = self.results["projects"][pid]
        zh, en = _names(self.results, pid)
        result = self.projects.get(pid)
        definition = getattr(result, "definition", None)
        description = getattr(definition, "description", None)
        funding = _funding(result, p)
        chart = None
        svg = cash_flow_chart(pid, result) if result is not None else None
        if svg is not None:
            chart = self.chart(f"cashflow-{pid}", svg)
        line_zh, line_en = _line_names(self.programme, str(p.get("budget_line", "")))
        arche = ARCHETYPES.get(p.get("archetype"), ("", p.get("archetype", "")))
        fin = getattr(getattr(definition, "parameters", None), "finance", None)
        return {
            "pid": pid,
            "zh": zh,
            "en": en,
            "path": f"projects.{pid}",
            "description_zh": getattr(description, "zh", "") if description else "",
            "description_en": getattr(description, "en", "") if description else "",
            "archetype_zh": arche[0],
            "archetype_en": arche[1],
            "line": p.get("budget_line"),
            "line_zh": line_zh,
            "line_en": line_en,
            "start": p.get("start_year"),
            "operating_years": getattr(fin, "operating_years", None),
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
                (zh_label, en_label, key, kind, unit)
                for key, zh_label, en_label, kind, unit in PITCH_EXTRAS
                if _number(p.get(key)) is not None
            ],
            "chart": chart,
            "support": pitch_support(self.results, pid),
            "standing": pitch.standing(self.results, pid, self.fig),
            "cover_warning": pitch.cover_warning(self.results, pid, _cover_target(fin), self.fig),
            "asks": []
            if definition is None
            else pitch.asks(
                self.results,
                pid,
                definition,
                getattr(result, "model", None),
                self.fund_terms(),
                self.fig,
            ),
            "sponsor": pitch.sponsor(definition),
            "risks": pitch.key_risks(self.results, pid, self.fig),
            "discount_rate": fmt_input(self.programme.assumptions.discount_rate.value, "rate")
            if getattr(self.programme, "assumptions", None) is not None
            else "",
        }


def cash_flow_chart(pid: str, result) -> str | None:
    """A pitch's chart of its project's yearly and cumulative cash flows, None where the
    project has no such lines."""
    annual = result.annual
    if not {PROJECT_CASH_FLOW, CUMULATIVE_CASH_FLOW} <= set(annual.columns):
        return None
    return charts.project_cash_flows(
        [int(y) for y in annual.index],
        [float(v) for v in annual[PROJECT_CASH_FLOW]],
        [float(v) for v in annual[CUMULATIVE_CASH_FLOW]],
        f"cashflow-{pid}",
        width=4.0,
        height=2.5,
    )


def draw_ahead(results: dict, projects: dict) -> int:
    """Draw into the chart cache the charts that need neither the risk run nor the solves
    (each pitch's cash flows), so that a build waiting for those draws them meanwhile and
    its pages find them drawn. Returns how many."""
    drawn = 0
    for pid in investable(results):
        if pid in projects and cash_flow_chart(pid, projects[pid]) is not None:
            drawn += 1
    return drawn


def _cover_target(fin) -> float | None:
    """The lender's minimum DSCR a pitch holds a loan to: the project's `target_dscr`, else
    `DSCR_COMFORT`."""
    if fin is None:
        return None
    target = getattr(fin, "target_dscr", None)
    return float(getattr(target, "value", target)) if target is not None else DSCR_COMFORT


SUPPORT_SOLVES = ("viability_grant", "viability_subsidy", "break_even_carbon_price")
"""The solves whose answer is support a loss-making project needs (structuring.yaml): a
grant, a production subsidy per unit (any solve named viability_subsidy*), a carbon price."""


def _support_text(entry: dict) -> tuple[str, str]:
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


def pitch_support(results: dict, pid: str) -> dict | None:
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


def _percentile_text(share) -> str:
    """A percentile rank as a reader writes it: 0.2508 -> "P25"."""
    share = _number(share)
    return DASH if share is None else f"P{round(share * 100):d}"


def _risk_kind(unit: str) -> str:
    """How the risk tables show an output in `unit`: 万元, %, else to three decimals."""
    shown = charts.display_unit(unit)
    return "wan_yuan" if shown == "wan" else "pct" if shown == "pct" else "dec3"


def _parameter_range(bar: dict) -> str:
    """A tornado parameter's low and high values as a reader needs them, in the bar's own
    `apply` terms and the unit of the input it reaches: factors of the base for `multiply`,
    amounts added for `add`, else values (rates in percent, money in 万元)."""
    low, high = _number(bar.get("low")), _number(bar.get("high"))
    if low is None or high is None:
        return ""
    apply, unit = bar["apply"], bar["unit"]
    if apply == "multiply":
        return f"\u00d7{low:.2f} \u2013 \u00d7{high:.2f}"
    sign = "+" if apply == "add" else ""
    rate = bool(unit) and units.display(unit) == "pct"
    wan = unit == "yuan" and max(abs(low), abs(high)) >= 1e4
    wan_unit = "万元" if charts.cjk_font() else "10,000 yuan"  # (a chart label: its font)
    shown = wan_unit if wan else shown_unit(unit)
    text = " \u2013 ".join(
        (sign if v >= 0 else "") + _parameter_value(v, rate, wan) for v in (low, high)
    )
    return f"{text} {shown}".strip()


def _parameter_value(number: float, rate: bool, wan: bool) -> str:
    if rate and abs(number) < 1:
        return fmt_input(number, "rate")
    if wan:
        return fmt(number, "wan_yuan")
    if abs(number) >= 1000:
        return fmt(number, "int")
    return f"{number:.3g}".replace("-", MINUS)


def _at_or_below(value, target) -> bool | None:
    a, b = _number(value), _number(target)
    if a is None or b is None:
        return None
    return a <= b


def finding_label(key: str) -> str:
    """`modelled_capex_wan_yuan` -> `Modelled capex, 万元`; `table_5_4` -> `Table 5-4`."""
    unit = ""
    for suffix, name in (
        ("_wan_yuan", "万元"),
        ("_t_co2e_per_year", "t CO2e/yr"),
        ("_yuan_per_w", "yuan/W"),
        ("_yuan", "yuan"),
    ):
        if key.endswith(suffix):
            key, unit = key[: -len(suffix)], name
            break
    text = key.replace("_", " ")
    text = re.sub(r"\b(table|figure) (\d+) (\d+)\b", r"\1 \2-\3", text)
    for word, fixed in (
        ("mw", "MW"),
        ("gdp", "GDP"),
        ("pv", "PV"),
        ("co2", "CO2"),
        ("pct", "%"),
        ("ghg", "GHG"),
    ):
        text = re.sub(rf"\b{word}\b", fixed, text)
    text = text[:1].upper() + text[1:]
    return f"{text}, {unit}" if unit else text


def _finding_kind(key: str, value: Any) -> str | None:
    if isinstance(value, str) or _number(value) is None:
        return None
    if "t_co2e" in key or key.endswith("_t"):
        return "t"
    if key.endswith("_wan_yuan"):
        return "wan"
    if key.endswith("_yuan"):
        return "wan_yuan"
    if "share" in key or "growth" in key:
        return "pct"
    if key == "ratio" or "ratio" in key:
        return "dec2"
    if key.endswith("yuan_per_w") or key.endswith("_per_wan_yuan"):
        return "dec2"
    if isinstance(value, float) and not float(value).is_integer():
        return "dec2"
    return "int"


def _sourced_rows(model, prefix: str, inherited: str | None = None):
    """A row for each sourced number of a definition's `model`, in the unit its field
    declares (or the one declared above it: a schedule's, a weight table's)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if value is None:
            continue
        unit = field_unit(type(model), [name]) or inherited
        if hasattr(value, "value") and hasattr(value, "source"):
            zh, en = ASSUMPTIONS.get(path, ("", name.replace("_", " ").capitalize()))
            yield {
                "zh": zh,
                "en": en,
                "value": fmt_input(value.value, unit),
                "unit": shown_unit(unit),
                "source": value.source or "",
                "note": value.note or "",
            }
        elif hasattr(type(value), "model_fields"):
            yield from _sourced_rows(value, f"{path}.", unit)
        elif isinstance(value, dict):  # a schedule: {from_<year>: Sourced}
            for key, step in value.items():
                zh, en = ASSUMPTIONS.get(path, ("", name.replace("_", " ").capitalize()))
                yield {
                    "zh": zh and f"{zh}（{key.removeprefix('from_')}年起）",
                    "en": f"{en}, from {key.removeprefix('from_')}",
                    "value": fmt_input(step.value, unit),
                    "unit": shown_unit(unit),
                    "source": step.source or "",
                    "note": step.note or "",
                }


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def environment() -> Environment:
    """The pages' jinja environment. Compiled templates are kept in `<cache>/templates`
    (`charts.cache_dir`): jinja keys each by its name and a checksum of its source, so an
    edited template is compiled again and an unchanged one is read (compiling the six took
    about a fifth of a warm build's HTML phase)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = fmt
    env.filters["cite"] = cite
    return env


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """jinja's cache of compiled templates, or None (compile every time) where the folder
    cannot be made: a cache that cannot be written is only a slower build."""
    from xlfinance.render.charts import cache_dir

    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


def cite(text, page: str = "", refs_only: bool = False) -> Markup:
    """A source with its leading [id, id] linked to the bibliography (`#src-<id>` on
    `page`, this page by default); anything else escaped as it is. `refs_only`: the linked
    ids alone, where a page has room for no more (a text without ids is shown whole)."""
    from xlfinance.definitions.sources import parse_source

    text = "" if text is None else str(text)
    try:
        citation = parse_source(text)
    except ValueError:
        return Markup.escape(text)
    if not citation.refs:
        return Markup.escape(text)
    links = Markup(", ").join(
        Markup('<a class="ref" href="{}#src-{}">{}</a>').format(page, ref, ref)
        for ref in citation.refs
    )
    if refs_only:
        return Markup("[{}]").format(links)
    return Markup("[{}] {}").format(links, citation.text)


def _financing(results: dict):
    from xlfinance.render.financing import financing_context  # it imports fmt from here

    return financing_context(results)


def write_reports(
    stage: Path, results: dict, projects: dict, programme, on_chart=None
) -> list[Path]:
    """Write index.html, proposal.html, investor.html, pitches/<id>.html and charts/*.svg
    into `stage`; return the files written. `on_chart(n)` is told of each chart made."""
    pages, drawn = _render_pages(results, projects, programme, on_chart)
    stage = Path(stage)
    written: list[Path] = []
    for target, html in pages:
        path = stage / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        written.append(path)
    charts_dir = stage / "charts"
    charts_dir.mkdir(parents=True, exist_ok=True)
    for chart in drawn:
        path = charts_dir / f"{chart.name}.svg"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + chart.svg,
            encoding="utf-8",
        )
        written.append(path)
    return written


def _render_pages(results: dict, projects: dict, programme, on_chart=None):
    """Every page's HTML and the charts drawn."""
    reports = Reports(results, projects, programme, on_chart)
    env = environment()
    common = reports.common()
    pages: list[tuple[str, str]] = []

    def page(template: str, target: str, root: str, **context) -> None:
        pages.append((target, env.get_template(template).render(**common, root=root, **context)))

    fund = reports.fund_context()
    glance = reports.at_a_glance()
    financing = _financing(reports.results)
    funding_schedule = reports.funding_schedule()
    proposal = {
        "glance": glance,
        "budget_rows": reports.budget_rows(),
        "budget_chart": reports.budget_chart(),
        "funding_chart": reports.funding_chart(),
        "sources": reports.sources(),
        "benefit_rows": reports.benefit_rows(),
        "findings": reports.findings(),
        "finding_counts": reports.finding_counts(),
        "assumptions": reports.assumptions(),
        "target_rows": reports.target_rows(),
        "pv_rows": reports.pv_rows(),
        "avoided_path": reports.headline_avoided(),
        "fund": fund,
        "n_projects": len(reports.results["projects"]),
        "financing": financing,
        "funding_schedule": funding_schedule,
    }
    page("proposal.html", "proposal.html", "", page_id="proposal", **proposal)

    ids = investable(reports.results)
    others = [
        pid
        for pid in sorted(
            reports.results["projects"], key=lambda p: _project_order(reports.results, p)
        )
        if pid not in ids
    ]
    investor = {
        "project_rows": reports.project_rows(ids),
        "other_rows": reports.project_rows(others),
        "fund": fund,
        "j_curve": reports.j_curve_chart(),
        "macc_chart": reports.macc_chart(),
        "macc_rows": reports.macc_rows(),
        "macc_claimed_rows": reports.macc_claimed_rows(),
        "risk": reports.risk_context(),
        "key_risks": reports.key_risks(),
        "glance": glance,
        "funding_schedule": funding_schedule,
        "financing": financing,
    }
    page("investor.html", "investor.html", "", page_id="investor", **investor)

    pitches = []
    for pid in ids:
        ctx = reports.pitch_context(pid)
        page("pitch.html", f"pitches/{pid}.html", "../", page_id="pitch", p=ctx)
        pitches.append(ctx)
    if pitches:  # every pitch in one document, to print the set at once
        page("book.html", "pitch-book.html", "", page_id="pitch", pitches=pitches)

    page(
        "index.html",
        "index.html",
        "",
        page_id="index",
        pitch_rows=reports.project_rows(ids),
        fund=fund,
    )

    return pages, reports.charts
