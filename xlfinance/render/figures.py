"""Figures on the pages: read from results.json by their dotted path, shown with their
unit and tagged with the path (`Figures`), and the names and lookups every page shares.

    fig = Figures(results)
    fig("projects.pv_phase1.irr", "pct")   # <span data-key="projects.pv_phase1.irr">11.6%</span>
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from xlfinance.model import units
from xlfinance.model.units import DASH, MINUS, fmt
from xlfinance.model.units import finite_or_none as _number
from xlfinance.results import ProgrammeResults, ProjectResults, Text, has, resolve

Results = dict[str, Any]
"""results.json as loaded: JSON, whose values the pages read by their paths."""

NEUTRAL_SIGN = ("abatement_cost_yuan_per_t", "capex_minus_budget_wan_yuan")
"""Figures whose negative is not bad news (a negative abatement cost saves money): not red."""


DSCR_COMFORT = 1.2
"""Presentation threshold: a minimum DSCR under this is flagged (a common lender minimum)."""


# --------------------------------------------------------------------------------------
# Looking up and formatting figures
# --------------------------------------------------------------------------------------


def fmt_input(value: float | None, unit: str) -> str:
    """An input as typed, in its unit: a rate or share in percent with up to two decimals,
    any other number as given (to four decimals at most); a dash for none."""
    if value is None:
        return DASH
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

    def __init__(self, results: Results):
        self.results = results

    def value(self, path: str) -> Any:
        return resolve(self.results, path)

    def has(self, path: str) -> bool:
        return has(self.results, path)

    def unit(self, path: str) -> str:
        """The unit of the number at `path`, as results.json's `units` map gives it."""
        unit: str = self.results["units"][path]
        return unit

    def shown(self, path: str) -> Markup:
        """The figure at `path` shown the way its unit says (`units.display`: yuan in 万元,
        a rate or share in percent, a multiple with its sign)."""
        return self(path, units.display(self.unit(path)))

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


def project_names(results: Results, pid: str) -> tuple[str, str]:
    name = results["projects"][pid].get("name") or {}
    return name.get("zh") or pid, name.get("en") or pid


def investable(results: ProgrammeResults) -> list[str]:
    """Projects an investor can buy into: not a public programme, with capex."""
    return results.investable()


def archetype_names(results: ProgrammeResults, archetype: object) -> tuple[str, str]:
    """An archetype's Chinese and English names; an unknown one by its name alone."""
    known = results.archetypes.get(str(archetype))
    if known is None:
        return "", str(archetype or "")
    return known.label.zh, known.label.en


def line_names(results: ProgrammeResults, line_id: str, fallback_en: str = "") -> tuple[str, str]:
    line = results.budget_lines.get(line_id)
    if line is None:
        return "", fallback_en or line_id
    return line.name.zh, line.name.en


def action_names(
    results: ProgrammeResults, action_no: int, line_ids: Iterable[str]
) -> tuple[str, str]:
    for lid in line_ids:
        line = results.budget_lines.get(lid)
        if line is None:
            continue
        named: Text = line.action if line.action is not None else line.name
        return named.zh, named.en
    return "", f"Action {action_no}"


def funding_of(
    project: ProjectResults | None, metrics: Mapping[str, Any]
) -> dict[str, float | None] | None:
    """Debt, grant and equity of a project, as results.json gives them; the debt share as
    defined, or for a loan sized to cover the share of capex it came to."""
    if not {"debt_yuan", "grant_yuan", "equity_invested_yuan"} <= set(metrics):
        return None
    share = None
    loan = None if project is None else project.loan
    if loan is not None and loan.sizing == "cover":
        capex = metrics.get("capex_yuan") or 0.0
        share = metrics["debt_yuan"] / capex if capex > 0 else None
    elif loan is not None and loan.debt_share is not None:
        share = loan.debt_share.value
    return {
        "debt": metrics["debt_yuan"],
        "grant": metrics["grant_yuan"] or 0.0,
        "equity": metrics["equity_invested_yuan"],
        "debt_share": share,
    }


def shorten(text: str, limit: int = 46) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def at_or_below(value: object, target: object) -> bool | None:
    a, b = _number(value), _number(target)
    if a is None or b is None:
        return None
    return a <= b
