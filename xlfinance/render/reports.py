"""The HTML reports: `index.html`, `proposal.html`, `investor.html` and one printable A4 pitch
a project, `pitches/<project>.html`, with all of them in `pitch-book.html` (a contents page,
then a page a project), plus every chart as `charts/<name>.svg`.

    from xlfinance.render.reports import write_reports
    write_reports(stage, results)   # typed results (xlfinance.results) -> the files written

Each page is one self-contained HTML file (CSS and SVG charts inline, no script, no network:
a Content-Security-Policy forbids both) rendered from `templates/*.html` by jinja2 with
autoescaping on, so text from definitions (a project's name) always shows as text.

Renderers take results and never redo maths: the typed results of `xlfinance.results`,
and nothing of the definitions, the archetypes or the models (tests/test_results.py holds
them to it). Every figure on a page is read from their results.json document by its dotted
path (`fig("projects.pv_phase1.irr", "pct")`), shown with its unit (万元 where the plan uses
万元, percentages with one decimal) and tagged `data-key="<path>"`, so a test can hold what a
reader sees against results.json.

The `fund` section is shown when results.json has one; the `risk` section (tornado, Monte
Carlo, scenarios) when it has one; otherwise a sentence says it is not there yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from xlfinance.model import units
from xlfinance.model.units import DASH, fmt
from xlfinance.model.units import finite_or_none as _number
from xlfinance.render import charts
from xlfinance.render.figures import (
    Chart,
    Figures,
    Results,
    action_names,
    archetype_names,
    at_or_below,
    fmt_input,
    investable,
    line_names,
    project_names,
    shorten,
    shown_unit,
)
from xlfinance.render.labels import SOURCE_KEYS, SOURCES_EN, SOURCES_ZH
from xlfinance.render.labels_zh import ASSUMPTIONS
from xlfinance.render.labels_zh import SEVERITIES as SEVERITY
from xlfinance.render.pitch_page import PitchPage
from xlfinance.render.results_json import clean
from xlfinance.render.risk_page import RiskPage
from xlfinance.results import Assumption, FundTerms, ProgrammeResults, Quantity

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

OnChart = Callable[[int], None]
"""Told the number of charts made so far, after each (a progress line)."""


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


class Reports(RiskPage, PitchPage):
    """Builds the pages of one programme's results."""

    def __init__(self, results: ProgrammeResults, on_chart: OnChart | None = None):
        self.typed = results
        """The typed results (`xlfinance.results`), for what results.json does not hold."""
        self.results = clean(results.to_json())
        """results.json, whose figures the pages show and tag by their paths."""
        self.fig = Figures(self.results)
        self.charts: list[Chart] = []
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
        unit: str = self.results["units"][path]
        return unit

    def common(self) -> dict[str, Any]:
        r = self.results
        name = r["programme"]["name"]
        location = self.typed.location
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
                "source": self.typed.source,
            },
            "workbook": f"{r['programme']['id']}.xlsx",
            "pitch_ids": investable(self.typed),
            "names": {pid: project_names(r, pid) for pid in r["projects"]},
            "has_fund": bool(r.get("fund")),
            "has_risk": bool(r.get("risk")),
            "bibliography": r.get("sources") or [],
        }

    # -- proposal ---------------------------------------------------------------------

    def budget_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i, line in enumerate(self.typed.portfolio.budget.lines.rows):
            zh, en = line_names(self.typed, line["line"], line.get("name_en", ""))
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

    def funding_schedule(self) -> dict[str, Any] | None:
        """The yearly sources and uses (results.json `budget.funding_by_year`): its years,
        and a row a use, a source and the fund's part of the equity, each bilingual."""
        budget = self.typed.portfolio.budget
        years = budget.funding_by_year.keys
        if not years:
            return None
        total = budget.funding_total
        rows = [
            {"key": key, "zh": zh, "en": en, "kind": kind}
            for key, zh, en, kind in FUNDING_ROWS
            # a source or use that is nil every year (no VAT credited, no grants) is left out
            if kind == "total" or key in total and abs(_number(total[key].value) or 0.0) > 1e-9
        ]
        return {"years": list(years), "rows": rows}

    def budget_chart(self) -> Markup:
        budget = self.typed.portfolio.budget
        rows = []
        for action in budget.actions.rows:
            zh, en = action_names(self.typed, action["action_no"], action.get("lines", []))
            text = charts.label(zh, shorten(en, 52), "\n") if zh else shorten(en, 52)
            rows.append(
                (f"{action['action_no']}. {text}", {k: action.get(k, 0.0) for k in SOURCE_KEYS})
            )
        sources = [(k, self.source_label(k, "\n")) for k in SOURCE_KEYS if k in budget.by_source]
        return self.chart("budget", charts.budget_stacked_bars(rows, sources))

    def source_label(self, key: str, sep: str = " ") -> str:
        en = SOURCES_EN.get(key) or self.typed.portfolio.budget.by_source[key].label
        return charts.label(SOURCES_ZH.get(key), en, sep)

    def sources(self) -> list[dict[str, Any]]:
        out = []
        for key, entry in self.typed.portfolio.budget.by_source.items():
            out.append(
                {
                    "key": key,
                    "zh": SOURCES_ZH.get(key, ""),
                    "en": SOURCES_EN.get(key, entry.label),
                    "long_en": entry.label,
                    "path": f"budget.by_source.{key}",
                }
            )
        return out

    def funding_chart(self) -> Markup:
        budget = self.typed.portfolio.budget
        parts = [
            (key, self.source_label(key, "\n"), _defined(entry.amount), _defined(entry.share))
            for key, entry in budget.by_source.items()
        ]
        total = _defined(budget.totals["total_wan_yuan"])
        return self.chart("funding", charts.funding_donut(parts, total))

    def benefit_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i, b in enumerate(self.typed.portfolio.benefits.rows):
            zh, en = line_names(self.typed, b["line"], b.get("name_en", ""))
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

    def at_a_glance(self) -> dict[str, Any]:
        """The top of each memo: the ask (the fund's commitments), the answer (what it
        deploys and what each class nets), how many projects stand alone or need support,
        and the warnings: every reconciliation error, by title. Figures as paths."""
        r = self.results
        fund = r.get("fund") or {}
        ids = investable(self.typed)
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
                f.title for f in self.typed.portfolio.reconciliation if f.severity == "error"
            ],
        }

    def findings(self) -> list[dict[str, Any]]:
        """Reconciliation findings, worst first; a run of per-line findings of one kind
        ("Line 4: modelled capex differs ...") becomes one table with a row a line."""
        order = {"error": 0, "warning": 1, "info": 2}
        blocks: list[dict[str, Any]] = []
        groups: dict[tuple[object, ...], dict[str, Any]] = {}
        for i, f in enumerate(self.typed.portfolio.reconciliation):
            severity = f.severity
            zh, en = SEVERITY.get(severity, ("", severity))
            numbers = []
            for key, value in f.numbers.items():
                unit = f.units.get(key)  # the finding's own unit for the number, none for a text
                kind = _finding_kind(value, unit)
                numbers.append(
                    {
                        "key": key,
                        "label": finding_label(f.labels[key], unit),
                        "path": f"reconciliation.{i}.numbers.{key}",
                        "kind": kind,
                        "text": value if kind is None and isinstance(value, str) else None,
                        "source": f.sources.get(key, ""),
                    }
                )
            base = {
                "severity": severity,
                "severity_zh": zh,
                "severity_en": en,
                "order": order.get(severity, 3),
                "index": i,
            }
            per_line = re.match(r"^(.+)-line-([0-9A-Za-z._]+)$", f.id)
            title = f.title
            if per_line and re.match(r"^Line [^:]+: ", title):
                kind_of = (per_line.group(1), severity, tuple(n["key"] for n in numbers))
                group = groups.get(kind_of)
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
                    groups[kind_of] = group
                    blocks.append(group)
                group["rows"].append({"line": per_line.group(2), "cells": numbers})
            else:
                blocks.append(
                    {
                        **base,
                        "table": False,
                        "title": title,
                        "detail": f.detail,
                        "numbers": numbers,
                    }
                )
        return sorted(blocks, key=lambda b: (b["order"], b["index"]))

    def finding_counts(self) -> list[tuple[str, str, str, int]]:
        counts: dict[str, int] = {}
        for f in self.typed.portfolio.reconciliation:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return [(s, *SEVERITY[s], counts[s]) for s in SEVERITY if s in counts]

    def assumptions(self) -> list[dict[str, Any]]:
        """A row for each sourced number of the assumptions and the outlook, as typed."""
        return [_assumption_row(a) for a in self.typed.assumptions]

    def target_rows(self) -> list[dict[str, Any]]:
        rows = []
        intensity = self.typed.portfolio.targets.get("co2_intensity")
        for i, row in enumerate(intensity.rows if intensity is not None else ()):
            if _number(row.get("target_t_per_wan_yuan")) is not None:
                rows.append(
                    {
                        "path": f"targets.co2_intensity.{i}",
                        "year": row["year"],
                        "met": at_or_below(
                            row.get("intensity_with_t_per_wan_yuan"),
                            row.get("target_t_per_wan_yuan"),
                        ),
                    }
                )
        return rows

    def pv_rows(self) -> list[dict[str, Any]]:
        rows = []
        share = self.typed.portfolio.targets.get("pv_share")
        for i, row in enumerate(share.rows if share is not None else ()):
            if _number(row.get("goal_share")) is not None:
                rows.append({"path": f"targets.pv_share.{i}", "year": row["year"]})
        return rows

    def headline_avoided(self) -> str | None:
        intensity = self.typed.portfolio.targets.get("co2_intensity")
        rows = intensity.rows if intensity is not None else ()
        for i in range(len(rows) - 1, -1, -1):
            if _number(rows[i].get("avoided_t_co2e")):
                return f"targets.co2_intensity.{i}"
        return None

    # -- fund -------------------------------------------------------------------------

    def fund_terms(self) -> FundTerms | None:
        return self.typed.fund_terms

    def class_names(self) -> dict[str, tuple[str, str]]:
        terms = self.fund_terms()
        names = {}
        if terms is not None:
            for c in terms.classes:
                names[c.id] = (c.name.zh, c.name.en)
        for cid in (self.results.get("fund") or {}).get("classes", {}):
            names.setdefault(cid, ("", cid.replace("_", " ").capitalize()))
        return names

    def fund_context(self) -> dict[str, Any] | None:
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
                            hurdle = c.hurdle
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
            ctx["below_minimum"] = ratio is not None and minimum is not None and ratio < minimum
            ctx["minimum_ratio"] = DASH if minimum is None else fmt(minimum, "pct")
        if terms is not None:
            class_ids = [c.id for c in terms.classes]
            ctx["terms"] = {
                "name": terms.name,
                "description": terms.description,
                "investment_period": terms.investment_period,
                "term": terms.term,
                "closes": [
                    {
                        "year": c.year,
                        "size": fmt(c.size.value, "wan_yuan"),
                        "size_source": c.size_source,
                        "commitments": [
                            fmt(c.commitments[cid].value, "wan_yuan")
                            if cid in c.commitments
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
                        "hurdle": fmt_input(c.hurdle.value, c.hurdle.unit),
                        "hurdle_source": c.hurdle_source,
                        "fee": c.pays_management_fee,
                        "carry": c.pays_carry,
                        "manager": c.manager,
                        "note": c.note,
                    }
                    for c in terms.classes
                ],
                "waterfall": {
                    "style": terms.waterfall_style,
                    "hurdle_compounding": terms.hurdle_compounding,
                },
                "fee_rate": fmt_input(terms.fee_rate.value, terms.fee_rate.unit),
                "carry_rate": fmt_input(terms.carry_rate.value, terms.carry_rate.unit),
                "catch_up": fmt_input(terms.catch_up_share.value, terms.catch_up_share.unit),
                "investments": [
                    {
                        "project": i.project,
                        "zh": project_names(self.results, i.project)[0]
                        if i.project in self.results["projects"]
                        else i.project,
                        "en": project_names(self.results, i.project)[1]
                        if i.project in self.results["projects"]
                        else i.project,
                        "share": fmt_input(i.equity_share.value, i.equity_share.unit),
                        "share_source": i.share_source,
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

    def project_rows(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        rows = []
        for pid in ids:
            p = self.results["projects"][pid]
            zh, en = project_names(self.results, pid)
            arche = archetype_names(self.typed, p.get("archetype", ""))
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
        kinds = self.typed.archetypes
        labels = {k: charts.label(a.label.zh, a.label.en) for k, a in kinds.items()}
        colours = {k: a.colour for k, a in kinds.items()}
        return self.chart("macc", charts.macc(rows, labels, colours))

    def macc_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i, r in enumerate(self.typed.portfolio.macc.rows):
            arche = archetype_names(self.typed, r.get("archetype", ""))
            pid = str(r.get("project") or "")
            zh, en = (
                project_names(self.results, pid)
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

    def macc_claimed_rows(self) -> list[dict[str, Any]]:
        """The lines whose tonnes are claimed, not modelled: names and paths to their figures."""
        rows = []
        for i, r in enumerate(self.typed.portfolio.macc_claimed.rows):
            pid = str(r.get("project") or "")
            zh, en = (
                project_names(self.results, pid)
                if pid in self.results["projects"]
                else (r.get("name_zh", ""), r.get("name_en", ""))
            )
            rows.append({"path": f"macc_claimed.{i}", "zh": zh, "en": en})
        return rows


def finding_label(label: str, unit: str | None) -> str:
    """A finding's number as its row names it: its label, and the unit it is shown in where
    the number alone would not say it (money, tonnes, and a unit per unit: `Budget, 万元`,
    `Claimed, t CO2e/yr`, `Modelled, yuan/W`); not a percentage or a multiple, whose sign
    says it, nor a count or length its label names (`Target MW 2020`, `New jobs`)."""
    if not unit or units.display(unit) in ("pct", "x"):
        return label
    if "/" in units.split(unit)[0] or units.display(unit) in ("wan", "wan_yuan", "t"):
        return f"{label}, {units.shown_in(unit)}"
    return label


def _finding_kind(value: Any, unit: str | None) -> str | None:
    """How a finding's number is shown: its unit's way (`units.display`); None for a text or
    no number; a number whose source states no unit as a pure number."""
    if isinstance(value, str) or _number(value) is None:
        return None
    if unit:
        return units.display(unit)
    return "dec2" if isinstance(value, float) and not float(value).is_integer() else "int"


def _defined(q: Quantity) -> float:
    """A number a chart draws, which its model always computes."""
    if q.value is None:
        raise ValueError(f"a number in {q.unit or 'no unit'} the chart draws is not defined")
    return q.value


def _assumption_row(a: Assumption) -> dict[str, Any]:
    """An assumption as the proposal's table shows it: its names, as typed in its unit."""
    zh, en = ASSUMPTIONS.get(a.path, ("", a.name.replace("_", " ").capitalize()))
    if a.step is not None:  # a schedule's step: {from_<year>: Sourced}
        year = a.step.removeprefix("from_")
        zh, en = zh and f"{zh}（{year}年起）", f"{en}, from {year}"
    return {
        "zh": zh,
        "en": en,
        "value": fmt_input(a.value.value, a.value.unit),
        "unit": shown_unit(a.value.unit),
        "source": a.source,
        "note": a.note,
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


def cite(text: object, page: str = "", refs_only: bool = False) -> Markup:
    """A source with its leading [id, id] linked to the bibliography (`#src-<id>` on
    `page`, this page by default); anything else escaped as it is. `refs_only`: the linked
    ids alone, where a page has room for no more (a text without ids is shown whole)."""
    from xlfinance.citations import parse_source

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


def _financing(results: Results) -> dict[str, Any] | None:
    from xlfinance.render.financing import financing_context  # it imports fmt from here

    return financing_context(results)


def write_reports(
    stage: Path, results: ProgrammeResults, on_chart: OnChart | None = None
) -> list[Path]:
    """Write index.html, proposal.html, investor.html, pitches/<id>.html and charts/*.svg
    into `stage`; return the files written. `on_chart(n)` is told of each chart made."""
    pages, drawn = _render_pages(results, on_chart)
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


def _render_pages(
    results: ProgrammeResults, on_chart: OnChart | None = None
) -> tuple[list[tuple[str, str]], list[Chart]]:
    """Every page's HTML and the charts drawn."""
    reports = Reports(results, on_chart)
    env = environment()
    common = reports.common()
    pages: list[tuple[str, str]] = []

    def page(template: str, target: str, root: str, **context: Any) -> None:
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

    ids = investable(results)
    others = [pid for pid in sorted(results.projects, key=results.order) if pid not in ids]
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
    risk: dict[str, Any] | None = investor["risk"]  # type: ignore[assignment]
    if risk and risk["detail"]:  # the projects' risk rows, linked from the investor page
        page(
            "risk-projects.html",
            risk["detail"],
            "",
            page_id="investor",
            risk=risk,
            n_projects=len(ids),
        )

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
