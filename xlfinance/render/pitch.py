"""What a project's pitch says besides its figures: where the project stands, what it asks of
whom (the fund, the banks, an ESCO) on which terms, whether its cover falls short of the
lender's target, who sponsors it, and the three risks that move its NPV most.

Every number shown is a figure of results.json, formatted and tagged with its path by `fig`
(`figures.Figures`), so the pages' test holds it against results.json; the terms of a loan
are the definition's inputs, shown as typed. Nothing here computes a result.
"""

from __future__ import annotations

from markupsafe import Markup

from xlfinance.render.figures import Figures, Results
from xlfinance.results import FundTerms, Loan, ProjectResults

KEY_RISKS = 3
"""Risks a pitch names: the tornado's largest swings of the project's NPV."""

REPAYMENT = {
    "annuity": ("等额本息", "equal instalments"),
    "equal_principal": ("等额本金", "equal principal"),
    "sculpted": ("按现金流定制还款", "sculpted to the cash flow"),
}

ESCO_ARCHETYPES = {"retrofit"}
"""Archetypes done by energy performance contracting (合同能源管理, EMC): an energy service
company invests and is paid from the savings, so the ask is addressed to ESCOs."""


def standing(results: Results, pid: str, fig: Figures) -> dict[str, str | Markup]:
    """The pitch's heading: investable, needs support (of N 万元, the viability-gap grant of
    structuring.yaml where solved), or not viable with a grant alone."""
    gaps = (results.get("structuring") or {}).get("viability_gaps") or {}
    if pid in (gaps.get("projects") or {}):
        amount = fig.shown(f"structuring.viability_gaps.projects.{pid}.value")
        return {
            "kind": "support",
            "zh": Markup("需扶持 {} 万元方可投资").format(amount),
            "en": Markup("Needs support of {} 万元 to be investable").format(amount),
        }
    if pid in (gaps.get("unreachable") or []):
        return {
            "kind": "not_viable",
            "zh": "补助亦难使其可投资",
            "en": "Not investable even with a grant",
        }
    return {"kind": "investable", "zh": "可投资", "en": "Investable"}


def cover_warning(
    results: Results, pid: str, target: float | None, fig: Figures
) -> dict[str, Markup] | None:
    """A warning where the loan's minimum DSCR is under the lender's target (the project's
    `target_dscr`, else `default_target`)."""
    p = results["projects"][pid]
    cover = p.get("min_dscr")
    if cover is None or target is None or not p.get("debt_yuan") or cover >= target:
        return None
    shown = fig.shown(f"projects.{pid}.min_dscr")
    return {
        "zh": Markup(
            "最低偿债覆盖率 {} 低于贷款人要求的 {:.2f}：需延长贷款期限、减少贷款或增加资本金。"
        ).format(shown, target),
        "en": Markup(
            "Minimum DSCR {} is below the lender's {:.2f}: the loan needs a longer tenor, a "
            "smaller amount or more equity."
        ).format(shown, target),
    }


def asks(
    results: Results, project: ProjectResults, fund_terms: FundTerms | None, fig: Figures
) -> list[dict[str, str | Markup]]:
    """What the project asks of whom: the fund's equity, the banks' loan with its terms,
    the loan lenders would size at their target where larger, an ESCO's investment."""
    pid = project.id
    p = results["projects"][pid]
    out: list[dict[str, str | Markup]] = []
    investment = ((results.get("fund") or {}).get("investments") or {}).get(pid)
    if investment and fund_terms is not None:
        name = fund_terms.name
        share = fund_terms.equity_share(pid)
        amount = fig.shown(f"fund.investments.{pid}.invested_yuan")
        held_zh = f"（持有资本金的{share:.0%}）" if share is not None else ""
        held_en = f" ({share:.0%} of the equity)" if share is not None else ""
        out.append(
            {
                "to_zh": name.zh,
                "to_en": name.en,
                "zh": Markup("资本金 {} 万元{}").format(amount, held_zh),
                "en": Markup("equity of {} 万元{}").format(amount, held_en),
            }
        )
    if p.get("debt_yuan") and project.loan is not None:
        zh, en = _loan_terms(project.loan)
        amount = fig.shown(f"projects.{pid}.debt_yuan")
        out.append(
            {
                "to_zh": "银行",
                "to_en": "Banks",
                "zh": Markup("贷款 {} 万元：{}").format(amount, zh),
                "en": Markup("a loan of {} 万元: {}").format(amount, en),
            }
        )
    bankable = ((results.get("structuring") or {}).get("bankable_debt") or {}).get("projects", {})
    loan = (bankable.get(pid) or {}).get("loan_yuan")
    if loan is not None and loan > (p.get("debt_yuan") or 0.0) * (1 + 1e-6) + 1.0:
        amount = fig.shown(f"structuring.bankable_debt.projects.{pid}.loan_yuan")
        out.append(
            {
                "to_zh": "银行",
                "to_en": "Banks",
                "zh": Markup("按贷款人覆盖率要求，可承担贷款至 {} 万元").format(amount),
                "en": Markup(
                    "at the lenders' cover target the project carries a loan of up to {} 万元"
                ).format(amount),
            }
        )
    if project.archetype in ESCO_ARCHETYPES:
        out.append(
            {
                "to_zh": "节能服务公司",
                "to_en": "Energy service companies",
                "zh": "合同能源管理：节能服务公司投资改造，从节能收益中回收",
                "en": "energy performance contracting: an ESCO invests, repaid from the savings",
            }
        )
    return out


def sponsor(project: ProjectResults | None) -> dict[str, str] | None:
    """The lead agency, its operating model and whom to contact (the definition's
    `sponsor`); without a contact, through the lead agency."""
    s = None if project is None else project.sponsor
    if s is None:
        return None
    contact = s.contact
    return {
        "name_zh": s.name.zh,
        "name_en": s.name.en,
        "arrangement_zh": s.arrangement.zh if s.arrangement else "",
        "arrangement_en": s.arrangement.en if s.arrangement else "",
        "contact_zh": contact.zh if contact else "",
        "contact_en": contact.en if contact else "",
        "source": s.source,
    }


def key_risks(
    results: Results, pid: str, fig: Figures, n: int = KEY_RISKS
) -> list[dict[str, str | Markup]]:
    """The tornado's `n` largest swings of the project's NPV: the parameter and the NPV at
    its low and its high value."""
    output = f"projects.{pid}.npv_yuan"
    bars = [
        (i, bar)
        for i, bar in enumerate((results.get("risk") or {}).get("tornado") or [])
        if bar.get("output") == output and bar.get("swing")
    ]
    bars.sort(key=lambda ib: -ib[1]["swing"])
    out = []
    for i, bar in bars[:n]:
        at_low = fig.shown(f"risk.tornado.{i}.at_low")
        at_high = fig.shown(f"risk.tornado.{i}.at_high")
        out.append(
            {
                "zh": bar.get("label_zh") or bar.get("label") or bar.get("parameter"),
                "en": bar.get("label") or bar.get("parameter"),
                "npv": Markup("{} ~ {}").format(at_low, at_high),
            }
        )
    return out


def _loan_terms(loan: Loan) -> tuple[str, str]:
    """The loan as a bank quotes it: rate, tenor (construction and grace in it), repayment,
    and how it is sized."""
    parts_zh, parts_en = [], []
    rate = None if loan.rate is None else loan.rate.value
    if rate is not None:
        parts_zh.append(f"年利率 {rate * 100:.2f}%")
        parts_en.append(f"{rate * 100:.2f}% a year")
    parts_zh.append(
        f"期限 {loan.tenor_years} 年（含建设期 {loan.construction_years} 年"
        + (f"、宽限期 {loan.grace_years} 年" if loan.grace_years else "")
        + "）"
    )
    parts_en.append(
        f"{loan.tenor_years} years from first drawdown ({loan.construction_years} of "
        "construction" + (f", {loan.grace_years} of grace" if loan.grace_years else "") + ")"
    )
    zh, en = REPAYMENT.get(loan.repayment, (loan.repayment, loan.repayment))
    parts_zh.append(zh)
    parts_en.append(en)
    gearing = loan.max_gearing.value if loan.max_gearing else None
    if loan.sizing == "cover" and loan.target_dscr is not None:
        cap = f"，不超过投资的{gearing:.0%}" if gearing else ""
        cap_en = f", at most {gearing:.0%} of capex" if gearing else ""
        parts_zh.append(f"按偿债覆盖率 {loan.target_dscr.value:.2f} 测算{cap}")
        parts_en.append(f"sized to a DSCR of {loan.target_dscr.value:.2f}{cap_en}")
    else:
        share = None if loan.debt_share is None else loan.debt_share.value
        parts_zh.append(f"为投资的{share:.0%}")
        parts_en.append(f"{share:.0%} of capex")
    return "，".join(parts_zh), ", ".join(parts_en)


__all__ = ["asks", "cover_warning", "key_risks", "sponsor", "standing"]
