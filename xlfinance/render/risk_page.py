"""The investor page's risk section: scenarios, tornado and Monte Carlo, told as a reader
needs them (`RiskPage.risk_context`), and the risks in words (`RiskPage.key_risks`).

`RiskPage` is a part of `reports.Reports`: its methods read the same results, figures and
charts as the rest of the pages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from xlfinance.model import units
from xlfinance.model.units import DASH, MINUS, fmt
from xlfinance.model.units import finite_or_none as _number
from xlfinance.render import charts
from xlfinance.render.figures import (
    DSCR_COMFORT,
    Figures,
    Results,
    archetype_names,
    fmt_input,
    investable,
    project_names,
    shorten,
    shown_unit,
)
from xlfinance.results import FundTerms, ProgrammeResults, Text

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

MONTE_CARLO_OUTPUTS = "risk.monte_carlo.outputs."
"""Where results.json keeps the Monte Carlo's statistics of each output."""

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

RISK_DETAIL_PAGE = "risk-projects.html"
"""Where the projects' rows of the scenario and Monte Carlo tables go when a programme has
more investable projects than `GRID_MAX_PANELS`: the investor page keeps the fund's rows
and links to this page, which lists every project's (at 1,000 projects those rows were
3 MB of the investor page's 5.4)."""

MATERIAL_CHANCE = 0.10
"""Presentation threshold: the key risks name outcomes at least this likely."""

WHY_INPUTS = 3
"""At most this many inputs given as the reason, those that move the output most."""

CENTRE = (0.35, 0.65)
"""Presentation threshold: a base case outside these percentiles of its trials is far from
their middle, and the page says why."""


class RiskPage:
    """The risk section's context; mixed into `reports.Reports`, which gives it these:"""

    if TYPE_CHECKING:
        results: Results
        typed: ProgrammeResults
        fig: Figures

        def chart(self, name: str, svg: str) -> Markup: ...
        def unit_of(self, path: str) -> str: ...
        def class_names(self) -> dict[str, tuple[str, str]]: ...
        def fund_terms(self) -> FundTerms | None: ...
        def finding_counts(self) -> list[tuple[str, str, str, int]]: ...

    def output_label(self, output: str, metric: bool = True) -> tuple[str, str]:
        """A risk output path as words: 'pv_phase1 NPV' in both languages; with `metric`
        False, only whose it is ('pv_phase1')."""
        parts = output.split(".")
        what = METRICS.get(parts[-1], ("", parts[-1].replace("_", " ")))
        if parts[0] == "projects" and len(parts) >= 3 and parts[1] in self.results["projects"]:
            zh, en = project_names(self.results, parts[1])
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

    def why_off_centre(
        self, output: str, dist: dict[str, Any], risk: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Where the base case of `output` sits far from the middle of its trials (outside
        `CENTRE`), the sampled inputs that move it whose base case is off the middle of their
        own draws: the reason the base is not the P50. Each: the input's label (zh, en) and
        its percentile text. Empty where the base is near the middle."""
        share = _number(dist.get("base_percentile"))
        if share is None or CENTRE[0] <= share <= CENTRE[1]:
            return []
        inputs = (risk.get("monte_carlo") or {}).get("inputs") or {}
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
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
        self, outputs: list[str], bars_of: dict[str, list[tuple[int, dict[str, Any]]]]
    ) -> tuple[charts.TornadoRow, dict[str, int]]:
        """One row of tornado panels: the drivers (parameters) of its outputs, largest swing
        on any of them first, at most `TORNADO_BARS`; and each output's bars left out."""
        swing: dict[tuple[str, str], float] = {}
        labels: dict[tuple[str, str], str] = {}
        for output in outputs:
            for _, bar in bars_of[output]:
                driver = (str(bar.get("parameter", "")), str(bar.get("label") or ""))
                size = _number(bar.get("swing")) or 0.0
                swing[driver] = max(swing.get(driver, 0.0), size)
                if driver not in labels:
                    text = bar.get("label") or str(bar.get("parameter", ""))
                    labels[driver] = f"{shorten(text, 44)}\n{_parameter_range(bar)}".strip()
        drivers = sorted(swing, key=lambda d: -swing[d])[:TORNADO_BARS]
        panels: list[charts.TornadoPanel] = []
        hidden: dict[str, int] = {}
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
        ids = {pid: i for i, pid in enumerate(investable(self.typed))}  # a project's place
        classes = list((self.results.get("fund") or {}).get("classes", {}))

        def rank(output: str) -> tuple[int, int, int] | None:
            parts = output.split(".")
            if parts[0] == "fund":
                cid = parts[2] if len(parts) > 2 else ""
                return (0, classes.index(cid) if cid in classes else 99, 0)
            if parts[0] == "projects" and len(parts) >= 3 and parts[1] in ids:
                metric = parts[-1]
                order = RISK_METRICS.index(metric) if metric in RISK_METRICS else 99
                return (1, ids[parts[1]], order)
            return None

        ranked = {o: r for o in outputs if (r := rank(o)) is not None}
        return sorted(ranked, key=ranked.__getitem__)

    def risk_context(self) -> dict[str, Any] | None:
        """The risk section's pieces: scenarios (a row an output, a column a scenario),
        tornado charts (one an output, largest swing on top) and Monte Carlo statistics
        and histograms. Headline charts (the fund's classes, each project's NPV) are shown;
        the charts of project IRRs sit in a closed `details`."""
        risk = self.results.get("risk")
        if not risk:
            return None
        projects_apart = len(investable(self.typed)) > GRID_MAX_PANELS
        ctx: dict[str, Any] = {
            "trials": risk.get("trials"),
            "seed": risk.get("seed"),
            "scenarios": [],
            "scenario_rows": [],
            "tornadoes": [],
            "more_tornadoes": [],
            "distributions": [],
            "histograms": [],
            # the projects' rows where they have a page of their own (RISK_DETAIL_PAGE)
            "detail": RISK_DETAIL_PAGE if projects_apart else None,
            "detail_scenario_rows": [],
            "detail_distributions": [],
        }

        def listed_in(key: str, output: str) -> list[dict[str, Any]]:
            apart = projects_apart and output.startswith("projects.")
            return ctx[f"detail_{key}" if apart else key]  # type: ignore[no-any-return]

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
            listed_in("scenario_rows", output).append(
                {"zh": zh, "en": en, "cells": cells, "kind": _risk_kind(self.unit_of(output))}
            )
        # Tornado: a figure a group of outputs (the fund's classes, the projects' NPVs,
        # their IRRs), a row of panels sharing their drivers a kind of project.
        bars_of: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for i, bar in enumerate(risk.get("tornado") or []):
            bars_of.setdefault(bar["output"], []).append((i, bar))
        for key, outputs in self.output_groups(self.risk_outputs(bars_of)):
            rows: list[charts.TornadoRow] = []
            listed: list[dict[str, Any]] = []
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
        statistics = ((risk.get("monte_carlo") or {}).get("outputs")) or {}
        histograms: dict[str, list[charts.HistogramPanel]] = {}
        for output in self.risk_outputs(statistics):
            dist = statistics[output]
            kind = _risk_kind(self.unit_of(output))
            path = f"{MONTE_CARLO_OUTPUTS}{output}"
            zh, en = self.output_label(output)
            listed_in("distributions", output).append(
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
        every = ctx["distributions"] + ctx["detail_distributions"]
        ctx["any_below_zero"] = any(d["below_zero"] for d in every)
        ctx["any_below_hurdle"] = any(d["below_hurdle"] for d in every)
        ctx["correlations"] = self.correlations()
        return ctx

    def correlations(self) -> list[dict[str, Any]]:
        """risk.yaml's rank correlations, each pair named by its distributions' labels."""

        def name(path: str, named: Text) -> str:
            if named.zh and named.en and named.zh != named.en:
                return f"{named.zh} · {named.en}"
            return named.zh or named.en or path

        return [
            {
                "a": name(c.between[0], c.names[0]),
                "b": name(c.between[1], c.names[1]),
                "rho": f"{c.rho:.2f}",
                "source": c.source,
            }
            for c in self.typed.correlations
        ]

    def _hurdle_of(self, output: str) -> float | None:
        parts = output.split(".")
        terms = self.fund_terms()
        if terms is None or parts[0] != "fund" or len(parts) < 3:
            return None
        for c in terms.classes:
            if c.id == parts[2]:
                return c.hurdle.value
        return None

    def key_risks(self) -> list[dict[str, Any]]:
        """Risks in words: facts from the results first, then what each kind of project
        present turns on. Each item: head_zh/head_en, zh, en (markup with tagged figures)."""
        r = self.results
        items: list[dict[str, Any]] = []
        ids = investable(self.typed)

        def listed(pids: list[str], key: str, kind: str, zh: bool) -> Markup:
            pattern, sep = (
                (Markup("{}（{}）"), Markup("；")) if zh else (Markup("{} ({})"), Markup("; "))
            )
            return sep.join(
                pattern.format(
                    project_names(r, pid)[0 if zh else 1], self.fig(f"projects.{pid}.{key}", kind)
                )
                for pid in pids
            )

        def item(head: tuple[str, str], zh: str, en: str) -> None:
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
        rate = self.typed.discount_rate
        rate_text = fmt_input(rate.value, rate.unit) if rate is not None else ""
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
                    Markup("；").join(project_names(r, pid)[0] for pid in no_irr)
                ),
                Markup("Cash flows never turn positive, or change sign more than once: {}.").format(
                    Markup("; ").join(project_names(r, pid)[1] for pid in no_irr)
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
                item(archetype_names(self.typed, arche), zh, en)
        return items


def _percentile_text(share: object) -> str:
    """A percentile rank as a reader writes it: 0.2508 -> "P25"."""
    share = _number(share)
    return DASH if share is None else f"P{round(share * 100):d}"


def _risk_kind(unit: str) -> str:
    """How the risk tables show an output in `unit`: 万元, %, else to three decimals."""
    shown = charts.display_unit(unit)
    return "wan_yuan" if shown == "wan" else "pct" if shown == "pct" else "dec3"


def _parameter_range(bar: dict[str, Any]) -> str:
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
