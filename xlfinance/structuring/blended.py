"""Blended-finance metrics: how much private money each yuan of public money brings in, what
the public pays per tonne of CO2e avoided, and who pays for each project.

    from xlfinance.definitions import load_programme
    from xlfinance.fund import evaluate_fund
    from xlfinance.projects import evaluate_projects
    from xlfinance.structuring.blended import blended_metrics

    programme = load_programme("projects/xiaolan")
    projects = evaluate_projects(programme)
    blended_metrics(programme, projects, evaluate_fund(programme, projects))

Every number is `{"value": ..., "unit": ...}` (`value` is None where the number does not
exist: a ratio with no public money, a cost per tonne with no tonnes), so the dict can be
written as JSON as it is. The metrics are computed on the projects as defined (their
`capital_grant_yuan`, `production_subsidy`, `debt_share`); to see them with the grants and
subsidies `run_structuring` finds, write its answers into the project files and evaluate
again.

Who is private and who is public
--------------------------------
Private (market) money:
  - a project's commercial debt (`debt_yuan`, the debt drawn);
  - its market equity (`equity_invested_yuan` = capex - grants - debt), less the part of it
    paid by a public class of the fund (below);
  - the fund's private classes (`senior`, the market investors, and the manager's own
    commitment).
Chinese commercial banks are mostly state-owned; like the plan's 市场资金 (market money)
column of table 5-4, which budgets the banks' and developers' money as market money, they
count as private here because they lend on commercial terms.

Public money:
  - capital grants (`capital_grant` line, nominal);
  - production subsidies, at present value: the archetypes' national tariff subsidies
    (`subsidy_yuan`: NDRC Price [2013] 1638 for distributed PV; paid by the central
    Renewable Energy Development Fund, so higher-level policy money) and the programme's
    viability-gap subsidies (`production_subsidy_yuan`, the instrument `structuring.yaml`
    solves for);
  - the public classes of the fund (`government`, the guidance fund): their commitments
    for the fund's own ratio, their share of the equity the fund invests in a project for
    the project's and the programme's ratios;
  - public programmes (archetype `programme`): their whole spending, which table 5-4 funds
    from its policy_grants_wan_yuan (higher-level policy money) and town_government_wan_yuan
    columns.
Carbon credit sales (`carbon_revenue_yuan`) are paid by buyers in a carbon market: neither
public money nor a public cost.

Budget columns of table 5-4: market_wan_yuan is private (enterprises, developers, banks,
the fund's senior class: line 8 budgets 20,000 万元 of market money for the fund);
policy_grants_wan_yuan is public, higher-level (city, province, central government and
international policy money); town_government_wan_yuan is public, the town's.

Citations
---------
MOBILISATION: Convergence, "Blended Finance and Leveraging Concessionality" (data brief,
2023; updating its 2018 study of 72 blended funds): a leverage ratio is the commercial
capital mobilised per dollar of concessional capital in a transaction, reported with the
part of it from private investors ($4.1 commercial, $1.8 of it private, per concessional
dollar in 340 transactions). We follow that usage, in its private-investor variant:
private money per yuan of public money. Convergence's numerator also counts public money
at market rates (DFIs, MDBs); ours does not, and our denominator is all public money (here
it is all concessional: grants, subsidies, a junior first-loss class, budget spending).
From the OECD DAC methodology for "Amounts mobilised from the private sector by official
development finance interventions" (OECD DAC/CRS reporting, since 2017) we take what is
counted, not a ratio: private amounts at face value at commitment, the whole private
amount of a project-finance deal beside its public support, and for shares in a collective
investment vehicle (the fund) the private investors' commitments. We do not apply DAC's
causality test or its pro-rata attribution between several official providers: all public
money here is pooled as one provider, and all private money in a project counts.
PRESENT VALUE: the project model's NPV convention (`finance.npv`, period 0 undiscounted),
each project's flows discounted from its own start year and then to one base year.
PUBLIC COST: the grant-equivalent idea of the OECD DAC's ODA rules (2014 High Level
Meeting: only the "gift portion" of a concessional instrument, valued at a discount rate,
counts): a grant or a subsidy is all gift; an equity class's gift is the return it gives
up against its hurdle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

from xlfinance.model.units import finite_or_none as _number

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import BudgetLine
    from xlfinance.fund.model import FundEvaluation
    from xlfinance.projects import ProjectResult


class Quantity(TypedDict):
    """A number with its unit, as results.json writes one; None where it does not exist."""

    value: float | None
    unit: str


class PayerPart(TypedDict):
    yuan: Quantity
    share: Quantity


class WhoPays(TypedDict):
    """A project's funding by payer (`who_pays`)."""

    total_yuan: Quantity
    market: PayerPart
    policy: PayerPart
    town: PayerPart
    public_split_from: str | None
    budget_line: str | None


class FundShares(TypedDict):
    held: dict[str, float]
    """Project id -> the share of its equity the fund holds."""
    public_call_share: float


class CededReturn(TypedDict):
    hurdle_rate: float
    npv_at_hurdle_yuan: float
    ceded_yuan: float
    ceded_pv_base_yuan: float


Blended: TypeAlias = dict[str, Any]
"""The JSON-ready metrics `blended_metrics` gives (results.json's `structuring.blended`):
its conventions, a section a project (every amount of `project_amounts` a `Quantity`), the
fund's and the programme's, as the module's docstring lists them."""

PUBLIC_CLASSES = ("government",)
"""Fund classes whose money is public (the guidance fund)."""
GUIDANCE_FUND_PAYER = "policy"
"""Who funds the guidance fund: a Chinese 政府引导基金 is set up by a city, province or the
centre, not by a town, so higher-level policy money by default (fund.yaml names no level)."""

RATIO_UNIT = "yuan private per yuan public"
PAYERS = ("market", "policy", "town")
PAYER_COLUMNS = {
    "market": "market_wan_yuan",
    "policy": "policy_grants_wan_yuan",
    "town": "town_government_wan_yuan",
}

# Lines of the project models.
GRANT_LINE = "capital_grant"
TARIFF_SUBSIDY_LINE = "subsidy_yuan"  # national tariff subsidy (pv, chp)
PRODUCTION_SUBSIDY_LINE = "production_subsidy_yuan"  # the programme's viability-gap subsidy
SPENDING_LINE = "spending"  # archetype programme
ABATEMENT_LINE = "abatement_t_co2e"

DEFINITIONS = {
    "mobilisation_ratio": (
        "private finance / public finance, both counted at commitment: private = commercial "
        "debt + market equity (+ the fund's private classes); public = capital grants + "
        "present value of production subsidies (at the project's start year) + the fund's "
        "public classes + public programme spending. Convergence's leverage ratio, in its "
        "private-investor variant; amounts counted as in the OECD DAC methodology for amounts "
        "mobilised from the private sector."
    ),
    "public_cost_yuan_per_t_co2e": (
        "present value at the base year of grants, production subsidies, public programme "
        "spending and the guidance fund's ceded return, over the tonnes of CO2e avoided "
        "discounted the same way"
    ),
    "ceded_return_yuan": (
        "a public fund class's shortfall against its hurdle: minus the NPV at its hurdle rate "
        "of its net cash flows (period 0 the fund's first close), floored at 0; then "
        "discounted to the base year at the programme's discount rate"
    ),
    "who_pays": (
        "a project's funding (capex plus the present value of its production subsidies) by "
        "payer: market = commercial debt + market equity; grants, viability-gap subsidies and "
        "public programme spending split between policy and town as the project's budget line "
        "splits its public money; national tariff subsidies and the guidance fund are policy"
    ),
}


def _q(value: float | None, unit: str) -> Quantity:
    """A number with its unit, None where it does not exist."""
    return {"value": _number(value), "unit": unit}


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def _row(result: ProjectResult | FundEvaluation, name: str) -> NDArray[np.float64]:
    """A line of a project's (or fund's) base case, zeros where the model has no such line;
    #N/A (NaN) tonnes of a line that claims none count as zero."""
    lines = result.evaluation.lines
    if name not in lines:
        return np.zeros(1)
    row = np.asarray(lines[name], dtype=float)
    row = row[0] if row.ndim > 1 else row
    filled: NDArray[np.float64] = np.nan_to_num(row, nan=0.0)
    return filled


def present_value(flows: ArrayLike, rate: float, first_year: int, base_year: int) -> float:
    """PV at `base_year` of `flows`, the first of them in `first_year`: the project model's
    NPV convention (period 0 undiscounted in its own year), then (1 + rate)^-(first_year -
    base_year) to the base year. A year before the base year is compounded forward."""
    values = np.asarray(flows, dtype=float)
    periods = np.arange(values.size) + (first_year - base_year)
    return float(np.sum(values * (1.0 + rate) ** (-periods)))


def _budget_lines(programme: Programme) -> dict[str, BudgetLine]:
    return {line.id: line for line in programme.budget.lines}


def _public_split(line: BudgetLine | None, programme: Programme) -> tuple[float, str]:
    """The policy share of a budget line's public money, and whether the line or (for a line
    without public money) the whole programme gave it."""
    if line is not None:
        public = line.policy_grants_wan_yuan + line.town_government_wan_yuan
        if public > 0:
            return line.policy_grants_wan_yuan / public, "budget_line"
    policy = sum(b.policy_grants_wan_yuan for b in programme.budget.lines)
    town = sum(b.town_government_wan_yuan for b in programme.budget.lines)
    return _ratio(policy, policy + town) if policy + town > 0 else 1.0, "programme"


def _fund_shares(fund: FundEvaluation | None, public_classes: tuple[str, ...]) -> FundShares:
    """From the fund's evaluation: each project's share held, and the public classes' share
    of the capital contributed to the fund (calls after equalisation at later closes, fees
    included: the fund's money is fungible)."""
    if fund is None:
        return {"held": {}, "public_call_share": 0.0}
    metrics = fund.evaluation.metrics()
    calls = {c: metrics[f"contributed_yuan_{c}"] for c in fund.fund.classes}
    total = sum(calls.values())
    public = sum(v for c, v in calls.items() if c in public_classes)
    held = {
        inv.project: float(getattr(inv.equity_share, "value", inv.equity_share))
        for inv in fund.fund.definition.investments
    }
    return {"held": held, "public_call_share": _ratio(public, total) if total > 0 else 0.0}


AMOUNT_UNITS = {"abatement_pv_base_t_co2e": "t CO2e"}
"""The unit of each of `project_amounts` that is not in yuan."""


def project_amounts(
    result: ProjectResult, programme: Programme, fund_shares: FundShares, rate: float
) -> dict[str, float]:
    """A project's money by kind, in yuan: nominal amounts committed at its start, production
    subsidies at PV at its start year; and the base-year PVs of its public cost and tonnes."""
    d = result.definition
    m = result.metrics
    base_year = programme.programme.base_year
    start = d.start_year
    grants = float(np.sum(_row(result, GRANT_LINE)))
    tariff = _row(result, TARIFF_SUBSIDY_LINE)
    production = _row(result, PRODUCTION_SUBSIDY_LINE)
    public_programme = d.archetype == "programme"
    spending = _row(result, SPENDING_LINE) if public_programme else np.zeros(1)
    if public_programme:
        debt = equity = 0.0  # its "equity" is the budget's money: public spending
    else:
        debt, equity = float(m["debt_yuan"]), float(m["equity_invested_yuan"])
    held = fund_shares["held"].get(d.id, 0.0)
    fund_public_equity = equity * held * fund_shares["public_call_share"]
    out = {
        "capex_yuan": float(m["capex_yuan"]),
        "debt_yuan": debt,
        "market_equity_yuan": equity - fund_public_equity,
        "fund_public_equity_yuan": fund_public_equity,
        "grant_yuan": grants,
        "tariff_subsidy_pv_yuan": present_value(tariff, rate, start, start),
        "production_subsidy_pv_yuan": present_value(production, rate, start, start),
        "public_programme_spending_yuan": float(np.sum(spending)),
        # Base-year PVs: the public cost per tonne.
        "grant_pv_base_yuan": present_value(_row(result, GRANT_LINE), rate, start, base_year),
        "tariff_subsidy_pv_base_yuan": present_value(tariff, rate, start, base_year),
        "production_subsidy_pv_base_yuan": present_value(production, rate, start, base_year),
        "public_programme_spending_pv_base_yuan": present_value(spending, rate, start, base_year),
        "abatement_pv_base_t_co2e": present_value(
            _row(result, ABATEMENT_LINE), rate, start, base_year
        ),
    }
    out["private_yuan"] = out["debt_yuan"] + out["market_equity_yuan"]
    out["public_yuan"] = (
        out["grant_yuan"]
        + out["tariff_subsidy_pv_yuan"]
        + out["production_subsidy_pv_yuan"]
        + out["fund_public_equity_yuan"]
        + out["public_programme_spending_yuan"]
    )
    out["public_cost_pv_base_yuan"] = (
        out["grant_pv_base_yuan"]
        + out["tariff_subsidy_pv_base_yuan"]
        + out["production_subsidy_pv_base_yuan"]
        + out["public_programme_spending_pv_base_yuan"]
    )
    return out


def who_pays(
    amounts: Mapping[str, float], line: BudgetLine | None, programme: Programme
) -> WhoPays:
    """Market, higher-level policy money and the town: yuan and shares of the project's
    funding (private + public as `project_amounts` counts them). Grants, viability-gap
    subsidies and public programme spending are split as the budget line splits its public
    money (the programme's split where the line has none); the national tariff subsidy and
    the guidance fund's money are higher-level policy money."""
    policy_share, split_from = _public_split(line, programme)
    local = (
        amounts["grant_yuan"]
        + amounts["production_subsidy_pv_yuan"]
        + amounts["public_programme_spending_yuan"]
    )
    guidance = amounts["fund_public_equity_yuan"]
    yuan = {
        "market": amounts["private_yuan"],
        "policy": amounts["tariff_subsidy_pv_yuan"] + local * policy_share,
        "town": local * (1.0 - policy_share),
    }
    yuan["policy" if GUIDANCE_FUND_PAYER == "policy" else "town"] += guidance
    total = sum(yuan.values())

    def part(payer: str) -> PayerPart:
        return {"yuan": _q(yuan[payer], "yuan"), "share": _q(_ratio(yuan[payer], total), "share")}

    return {
        "total_yuan": _q(total, "yuan"),
        "market": part("market"),
        "policy": part("policy"),
        "town": part("town"),
        # Where the policy/town split came from; None when nothing needed splitting.
        "public_split_from": split_from if local > 0 else None,
        "budget_line": getattr(line, "id", None),
    }


def ceded_return(fund: FundEvaluation, class_id: str, rate: float, base_year: int) -> CededReturn:
    """A fund class's return given up against its hurdle, in yuan.

    npv_at_hurdle = NPV at the class's hurdle rate of its net cash flows (received - paid
    in, period 0 the fund's first close): 0 when it earns exactly its hurdle (IRR = hurdle),
    negative when it gets less. The ceded return, at the first close, is max(0, -npv): the
    sum that, paid to it at the first close, would have brought it to its hurdle. It is
    "what it would have received at its hurdle less what it received", both valued at the
    hurdle at the first close: flows that earn exactly the hurdle are worth what was paid in,
    so the difference is PV(paid in) - PV(received) = -npv. Its PV at the base year is that
    sum times (1 + rate)^-(first close - base year). A class that beats its hurdle cedes
    nothing (0, not a negative cost: the public cost counts gifts, not public profits)."""
    hurdle = float(fund.fund.definition.investor_class(class_id).hurdle_rate.value)
    net = _row(fund, f"net_cash_flow_{class_id}")
    npv_hurdle = present_value(net, hurdle, 0, 0)
    ceded = max(0.0, -npv_hurdle)
    first = fund.fund.first_year
    return {
        "hurdle_rate": hurdle,
        "npv_at_hurdle_yuan": npv_hurdle,
        "ceded_yuan": ceded,
        "ceded_pv_base_yuan": ceded * (1.0 + rate) ** (-(first - base_year)),
    }


def fund_mobilisation(
    fund: FundEvaluation, public_classes: tuple[str, ...] = PUBLIC_CLASSES
) -> dict[str, tuple[float, float, float]]:
    """The fund's ratio: private classes' commitments per yuan of the public classes'
    (OECD DAC counts shares in a collective investment vehicle at commitment); beside it
    the same on capital contributed (calls after equalisation)."""
    metrics = fund.evaluation.metrics()
    out: dict[str, tuple[float, float, float]] = {}
    for basis in ("committed", "contributed"):
        by_class = {c: float(metrics[f"{basis}_yuan_{c}"]) for c in fund.fund.classes}
        private = sum(v for c, v in by_class.items() if c not in public_classes)
        public = sum(v for c, v in by_class.items() if c in public_classes)
        out[basis] = (private, public, _ratio(private, public))
    return out


def blended_metrics(
    programme: Programme,
    projects: dict[str, ProjectResult],
    fund: FundEvaluation | None = None,
    *,
    public_classes: tuple[str, ...] = PUBLIC_CLASSES,
) -> Blended:
    """Mobilisation ratios, public cost per tonne and who pays, for every project, the fund
    (None: no fund, and no fund equity is public) and the programme; JSON-ready."""
    rate = float(programme.assumptions.discount_rate.value)
    base_year = programme.programme.base_year
    lines = _budget_lines(programme)
    shares = _fund_shares(fund, public_classes)

    per_project: dict[str, dict[str, Any]] = {}
    amounts: dict[str, dict[str, float]] = {}
    for pid, result in projects.items():
        a = project_amounts(result, programme, shares, rate)
        amounts[pid] = a
        line = lines.get(result.definition.budget_line)
        per_project[pid] = {
            "archetype": result.definition.archetype,
            "budget_line": result.definition.budget_line,
            "start_year": result.definition.start_year,
            **{k: _q(v, AMOUNT_UNITS.get(k, "yuan")) for k, v in a.items()},
            "mobilisation_ratio": _q(_ratio(a["private_yuan"], a["public_yuan"]), RATIO_UNIT),
            "public_cost_yuan_per_t_co2e": _q(
                _ratio(a["public_cost_pv_base_yuan"], a["abatement_pv_base_t_co2e"]),
                "yuan/t CO2e",
            ),
            "who_pays": who_pays(a, line, programme),
        }

    def total(key: str, only: Callable[[str], bool] | None = None) -> float:
        return sum(a[key] for pid, a in amounts.items() if only is None or only(pid))

    private, public = total("private_yuan"), total("public_yuan")
    tariff = total("tariff_subsidy_pv_yuan")
    cost_parts = {
        "grants": total("grant_pv_base_yuan"),
        "tariff_subsidies": total("tariff_subsidy_pv_base_yuan"),
        "production_subsidies": total("production_subsidy_pv_base_yuan"),
        "public_programme_spending": total("public_programme_spending_pv_base_yuan"),
        "fund_ceded_return": 0.0,
    }
    fund_out: dict[str, Any] | None = None
    if fund is not None:
        mob = fund_mobilisation(fund, public_classes)
        ceded = {c: ceded_return(fund, c, rate, base_year) for c in public_classes}
        cost_parts["fund_ceded_return"] = sum(c["ceded_pv_base_yuan"] for c in ceded.values())
        fund_out = {
            "public_classes": list(public_classes),
            "private_committed_yuan": _q(mob["committed"][0], "yuan"),
            "public_committed_yuan": _q(mob["committed"][1], "yuan"),
            "mobilisation_ratio": _q(mob["committed"][2], RATIO_UNIT),
            "private_called_yuan": _q(mob["contributed"][0], "yuan"),
            "public_called_yuan": _q(mob["contributed"][1], "yuan"),
            "mobilisation_ratio_called": _q(mob["contributed"][2], RATIO_UNIT),
            "public_share_of_calls": _q(shares["public_call_share"], "share"),
            "ceded_return": {
                c: {
                    "hurdle_rate": _q(v["hurdle_rate"], "rate"),
                    "npv_at_hurdle_yuan": _q(v["npv_at_hurdle_yuan"], "yuan"),
                    "ceded_yuan": _q(v["ceded_yuan"], "yuan"),
                    "ceded_pv_base_yuan": _q(v["ceded_pv_base_yuan"], "yuan"),
                }
                for c, v in ceded.items()
            },
        }
    tonnes = total("abatement_pv_base_t_co2e")
    cost = sum(cost_parts.values())

    def investable(pid: str) -> bool:
        return projects[pid].definition.archetype != "programme"

    investable_cost = (
        total("grant_pv_base_yuan", investable)
        + total("tariff_subsidy_pv_base_yuan", investable)
        + total("production_subsidy_pv_base_yuan", investable)
        + cost_parts["fund_ceded_return"]
    )
    plan = {
        k: sum(getattr(b, col) for b in programme.budget.lines) for k, col in PAYER_COLUMNS.items()
    }
    who = {
        k: sum(per_project[p]["who_pays"][k]["yuan"]["value"] for p in per_project) for k in PAYERS
    }
    who_total = sum(who.values())
    programme_out = {
        "private_yuan": _q(private, "yuan"),
        "public_yuan": _q(public, "yuan"),
        "mobilisation_ratio": _q(_ratio(private, public), RATIO_UNIT),
        "mobilisation_ratio_without_tariff_subsidies": _q(
            _ratio(private, public - tariff), RATIO_UNIT
        ),
        "plan_mobilisation_ratio": _q(
            _ratio(plan["market"], plan["policy"] + plan["town"]), RATIO_UNIT
        ),
        "plan_wan_yuan": {k: _q(v, "wan_yuan") for k, v in plan.items()},
        "public_cost_pv_base_yuan": {k: _q(v, "yuan") for k, v in cost_parts.items()},
        "public_cost_total_pv_base_yuan": _q(cost, "yuan"),
        "abatement_pv_base_t_co2e": _q(tonnes, "t CO2e"),
        "public_cost_yuan_per_t_co2e": _q(_ratio(cost, tonnes), "yuan/t CO2e"),
        "public_cost_yuan_per_t_co2e_without_tariff_subsidies": _q(
            _ratio(cost - cost_parts["tariff_subsidies"], tonnes), "yuan/t CO2e"
        ),
        "public_cost_yuan_per_t_co2e_investable": _q(
            _ratio(investable_cost, total("abatement_pv_base_t_co2e", investable)),
            "yuan/t CO2e",
        ),
        "who_pays": {
            "total_yuan": _q(who_total, "yuan"),
            **{
                k: {"yuan": _q(v, "yuan"), "share": _q(_ratio(v, who_total), "share")}
                for k, v in who.items()
            },
        },
    }
    return {
        "conventions": {
            "base_year": base_year,
            "discount_rate": _q(rate, "rate"),
            "definitions": dict(DEFINITIONS),
        },
        "projects": per_project,
        "fund": fund_out,
        "programme": programme_out,
    }
