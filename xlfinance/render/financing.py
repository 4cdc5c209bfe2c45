"""The proposal's "How to finance it" section, from results.json's `structuring` section
only: what support each project short of its return needs, the debt each can carry, what
the fund can absorb and what public money brings in."""

from __future__ import annotations

from typing import Any

from xlfinance.model import units
from xlfinance.model.units import fmt
from xlfinance.render.figures import Results

Entry = dict[str, Any]
"""An answer of results.json's `structuring.entries` (`structuring.fund.Entry`): JSON."""

SUPPORT = ("viability_grant", "viability_subsidy", "break_even_carbon_price")


def _entries(results: Results, solve_prefix: str) -> dict[str, Entry]:
    entries = (results.get("structuring") or {}).get("entries", [])
    return {e["project"]: e for e in entries if e["solve"].startswith(solve_prefix)}


def _value(entry: Entry | None, needed: bool = True) -> str:
    """An answer as a reader sees it: 万元, a share, or a price per unit. With `needed`, a
    support a project does not need (already met at 0) says so."""
    if entry is None:
        return ""
    if entry["status"] == "unreachable":
        return "无解 none"
    value, unit = entry["value"], entry["unit"]
    if needed and entry["status"] == "already_met" and value == 0:
        return "不需 none needed"
    shown = units.display(unit)  # the answer's own unit, as results.json gives it
    if shown == "wan_yuan":  # yuan, shown in 万元
        return f"{fmt(value, shown)} {units.written(shown)}"
    if shown == "pct":  # a share or a rate
        return fmt(value, shown)
    digits = "dec3" if value < 10 else "int"
    return f"{fmt(value, digits)} {unit}"


def _name(results: Results, pid: str) -> tuple[str, str]:
    name = (results["projects"].get(pid) or {}).get("name") or {}
    return name.get("zh", pid), name.get("en", pid)


def financing_context(results: Results) -> dict[str, Any] | None:
    """The rows and figures of the section; None without a structuring section."""
    section = results.get("structuring")
    if not section:
        return None
    grants = _entries(results, "viability_grant")
    subsidies = _entries(results, "viability_subsidy")
    carbon = _entries(results, "break_even_carbon_price")
    debt = _entries(results, "debt_capacity")
    rows = []
    for pid, grant in grants.items():
        short = grant["status"] == "unreachable" or (
            grant["status"] == "solved" and grant["value"] > grant["defined"]
        )
        name = (results["projects"].get(pid) or {}).get("name") or {}
        d = debt.get(pid)
        rows.append(
            {
                "pid": pid,
                "zh": name.get("zh", pid),
                "en": name.get("en", pid),
                "short": short,
                "equity_irr": fmt(results["projects"][pid].get("equity_irr"), "pct"),
                "irr_unsubsidised": fmt(results["projects"][pid].get("irr_unsubsidised"), "pct"),
                "grant": _value(grant),
                "subsidy": _value(subsidies.get(pid)),
                "carbon": _value(carbon.get(pid)),
                "debt": _value(d),
                "debt_defined": fmt(d["defined"], "pct") if d else "",
            }
        )
    rows.sort(key=lambda r: (not r["short"], r["pid"]))
    fund = {e["solve"]: e for e in section["entries"] if e["project"] == "fund"}
    gaps = section.get("viability_gaps") or {}
    bankable = section.get("bankable_debt") or {}
    blended = (section.get("blended") or {}).get("programme", {})

    def target(entry: Entry | None, kind: str) -> str:
        value = ((entry or {}).get("target") or {}).get("value")
        return fmt(value, kind) if isinstance(value, (int, float)) else ""

    any_grant = next(iter(grants.values()), None)
    any_debt = next(iter(debt.values()), None)
    return {
        "equity_target": target(any_grant, "pct"),
        "cover_target": target(any_debt, "dec2"),
        "senior_target": target(fund.get("first_loss_share_p50"), "pct"),
        "deployment_target": target(fund.get("fund_capacity"), "pct"),
        "rows": rows,
        "gaps_total": fmt((gaps.get("total") or {}).get("value"), "wan_yuan"),
        "gaps_count": len(gaps.get("projects") or {}),
        "gaps_unreachable_zh": [_name(results, pid)[0] for pid in gaps.get("unreachable") or []],
        "gaps_unreachable_en": [_name(results, pid)[1] for pid in gaps.get("unreachable") or []],
        "bankable": fmt(bankable.get("total_yuan"), "wan_yuan"),
        "bankable_defined": fmt(bankable.get("defined_total_yuan"), "wan_yuan"),
        "mobilisation": fmt((blended.get("mobilisation_ratio") or {}).get("value"), "dec2"),
        "mobilisation_filled": fmt(
            (gaps.get("mobilisation_ratio_with_gaps_filled") or {}).get("value"), "dec2"
        ),
        "public_cost": fmt((blended.get("public_cost_yuan_per_t_co2e") or {}).get("value"), "int"),
        "fund_capacity": _value(fund.get("fund_capacity"), needed=False),
        "first_loss_p50": _value(fund.get("first_loss_share_p50"), needed=False),
        "first_loss_p90": _value(fund.get("first_loss_share_p90"), needed=False),
        "hurdle_p90": _value(fund.get("supported_hurdle_p90"), needed=False),
    }


__all__ = ["financing_context"]
