"""The fund as a model of lines: commitments, calls, fees, investments, exits, the waterfall.

`build_fund_model(fund, flows)` writes the fund of a `fund.yaml` (`FundFile`) as a
`xlfinance.model.core.Model` over calendar years, period 0 being the year of the first
close. numpy evaluates it over (scenarios, years) and `xlfinance.model.excel` writes every
line as a formula, so the waterfall is formulas in the workbook too.

What enters, and from where:

- Fund terms are scalar inputs with the source given in fund.yaml: close years, each class's
  commitment at each close, fee rate, expenses, hurdles, carried interest, catch-up, exit
  years, exit multiples or discount rates, the equity share of each investment. A class's
  flags (pays the fee, pays carry, shares the residual) are 1/0 inputs, so the formulas are
  the same whatever the flags.
- Each investment's project enters as one series input, the project model's
  `equity_cash_flow` (yuan, outflows negative) laid on the fund's calendar (zero outside
  the project's years). The fund's share is applied inside the model, so no project number
  is typed twice; in the workbook the series row can point at the project's sheet.

The model runs from the first close to the end of the term; when an investment is sold at
a discount rate on its remaining cash flows and the project outlives the term, the calendar
runs on to the project's last year so that those flows are there to discount. Every fund
line is zero after the term.

Lines, in words (names in brackets; <c> a class, <d> an investment):

- Commitments [commitment_new_<c>, committed_<c>, committed_total]: each close adds its new
  commitments in its year; calls are pro rata to the commitments made so far.
- Investments [held_<d>, fund_flow_<d>, investment_<d>, exit_value_<d>, proceeds_<d>]: the
  fund's share of the project's equity cash flow while it holds it; negative flows are
  investments (capital called), positive ones proceeds; in the exit year the exit value is
  added: a multiple of the fund's cost, or the project's later flows discounted to the exit
  year as (1 + r)^t x (ROWSUM(D) - CUMSUM(D)) with D = flow x (1 + r)^-t, in the fund's
  share, never below zero.
- NAV [nav_<d>]: after the first investment and before the exit, the fund's remaining cash
  flows from the investment discounted at the NAV rate, never below zero.
- Fees and expenses [fee_basis, management_fee, fund_expenses]: the fee on the fee-paying
  classes' commitments in the investment period, then on the cost of the investments not yet
  exited at the start of the year, in the fee payers' share; expenses a year plus set-up.
- Calls [capital_called, calls_<c>]: investments plus fees plus expenses; investments and
  expenses called pro rata to commitments so far, fees from the fee-paying classes only.
- Equalisation [equalisation_<c>, equalisation_interest_<c>, capital_contributed_<c>]: at a
  close, a class whose share of commitments rises pays that rise times everything called
  before the close for investments and expenses (its fee-paying share likewise for fees),
  and the classes whose share falls receive it: (share - prev(share)) x prev(called to
  date). So after each close every class has contributed its share of commitments of what
  was called, as if it had been in from the first close; what is paid equals what is
  received. Interest is simple, at fund.yaml's `equalisation.interest_rate`, from each
  earlier call to the close: the same change of share times prev(call-years), the sum of
  each earlier call times the years since it. The capital contributed (calls plus
  equalisation) is what the waterfall returns; the interest passes between investors.
- Waterfall [see `_Builder.waterfall`], European on the fund's proceeds, or American on each
  investment's proceeds against the capital contributed for it (its cost plus its share of
  fees and expenses, pro rata to cost, with its part of the equalisation). In rank order,
  each rank is paid its capital back, then its hurdle (accrued on unreturned capital, and on
  unpaid hurdle if compounding; a capital balance an equalisation refund took below zero
  is owed nothing and earns no hurdle until later contributions fill it), pari
  passu within a rank pro rata to what is due; then the manager's catch-up (the manager
  takes `catch_up_share` of distributions until its carried interest equals
  carry / (1 - carry) times the profits of the carry-paying classes), the rest of the
  catch-up tier going to the residual-sharing classes; then the residual split pro rata to
  commitments, each carry-paying class giving `carried_interest_rate` of its part to the
  manager.
- The same tiers applied at each year end to the NAV, from the balances then owed, give each
  class's share of the NAV (a hypothetical liquidation) for RVPI and TVPI.
- Cash [cash]: calls plus proceeds less investments, fees, expenses and distributions; the
  fund calls what it spends and distributes what it receives, so it stays at zero (a check).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from xlfinance.archetypes.finance.contract import EQUITY_CASH_FLOW
from xlfinance.definitions.fund import FUND_FILE, FundFile, InvestorClass, check_investments
from xlfinance.errors import DefinitionError
from xlfinance.model import expr as ex
from xlfinance.model.core import Evaluation, Model
from xlfinance.model.expr import IF, MAX, MIN, Expr, LineRef, cumsum, eq, prev, rowsum

TIERS = ("return_of_capital", "priority_return", "catch_up", "residual_split")
"""Tiers of the waterfall, in order, as they name the class lines."""
MANAGER_TIERS = ("catch_up_to_manager", "carry_split_to_manager")


@dataclass(frozen=True)
class ProjectFlows:
    """A project's equity cash flows by year: yuan, outflows negative, from `start_year`."""

    start_year: int
    equity_cash_flow_yuan: tuple[float, ...]

    @property
    def end_year(self) -> int:
        return self.start_year + len(self.equity_cash_flow_yuan) - 1

    def on_calendar(self, first_year: int, n_years: int) -> list[float]:
        """The flows laid on a calendar of `n_years` from `first_year`, zero outside."""
        out = [0.0] * n_years
        for k, value in enumerate(self.equity_cash_flow_yuan):
            p = self.start_year + k - first_year
            if 0 <= p < n_years:
                out[p] = float(value)
        return out


def project_flows(results) -> dict[str, ProjectFlows]:
    """The equity cash flows of evaluated projects (`xlfinance.projects.evaluate_projects`)."""
    return {
        pid: ProjectFlows(
            r.definition.start_year,
            tuple(float(v) for v in r.evaluation.lines[EQUITY_CASH_FLOW][0]),
        )
        for pid, r in results.items()
        if EQUITY_CASH_FLOW in r.evaluation.lines
    }


@dataclass(frozen=True)
class FundModel:
    """The fund's model and where its parts are: classes, investments, tier lines."""

    definition: FundFile
    model: Model
    classes: tuple[str, ...]
    """Class ids in payment order (rank, then as declared)."""
    manager: str
    """Id of the manager's own class; its cash flows include the carried interest."""
    deals: tuple[str, ...]
    """Project ids of the investments, as declared."""
    tier_lines: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """tier -> class id (or "manager") -> the lines that add up to it."""

    @property
    def first_year(self) -> int:
        return self.definition.first_year

    @property
    def final_year(self) -> int:
        return self.definition.final_year

    @property
    def term_years(self) -> int:
        return int(self.definition.fund.term_years.value)


@dataclass(frozen=True)
class FundEvaluation:
    """A fund model and its evaluation (base case unless built with more scenarios)."""

    fund: FundModel
    evaluation: Evaluation

    @property
    def model(self) -> Model:
        return self.fund.model

    def line(self, name: str, scenario: int = 0, term_only: bool = True):
        """One line's values, over the term unless `term_only` is False."""
        values = self.evaluation.lines[name][scenario]
        return values[: self.fund.term_years] if term_only else values

    @property
    def years(self) -> list[int]:
        """The fund's years, first close to final liquidation."""
        return list(range(self.fund.first_year, self.fund.final_year + 1))


def _src(sourced) -> str | None:
    return getattr(sourced, "source", None)


class _Builder:
    """Adds the fund's lines to a model, one step a method."""

    def __init__(self, fund: FundFile, flows: dict[str, ProjectFlows], model: Model):
        self.fund = fund
        self.flows = flows
        self.m = model
        order = {c.id: i for i, c in enumerate(fund.classes)}
        self.classes: list[InvestorClass] = sorted(
            fund.classes, key=lambda c: (c.rank, order[c.id])
        )
        self.ids = [c.id for c in self.classes]
        self.manager = fund.manager.id
        self.deals = [inv.project for inv in fund.investments]
        self.tier_lines: dict[str, dict[str, list[str]]] = {
            t: {c: [] for c in self.ids} for t in TIERS
        }
        self.tier_lines.update({t: {"manager": []} for t in MANAGER_TIERS})

    # Inputs ------------------------------------------------------------------------------
    def inputs(self) -> None:
        f, m = self.fund, self.m
        self.ip_years = m.input(
            "investment_period_years",
            f.fund.investment_period_years.value,
            "years",
            _src(f.fund.investment_period_years),
            "Investment period",
            structural=True,
        )
        self.term_years = m.input(
            "term_years",
            f.fund.term_years.value,
            "years",
            _src(f.fund.term_years),
            "Term",
            structural=True,
        )
        self.close_years = []
        for k, close in enumerate(f.closes, start=1):
            self.close_years.append(
                m.input(
                    f"close_{k}_year",
                    close.year,
                    "year",
                    close.note,
                    f"Close {k}: year",
                    structural=True,
                )
            )
        self.commitments: dict[str, list[tuple[int, Expr]]] = {c: [] for c in self.ids}
        for k, close in enumerate(f.closes, start=1):
            for c in self.ids:
                if c in close.commitments_yuan:
                    value = close.commitments_yuan[c]
                    ref = m.input(
                        f"commitment_{c}_close_{k}",
                        value.value,
                        "yuan",
                        _src(value),
                        f"{self._label(c)}: commitment at close {k}",
                    )
                    self.commitments[c].append((k, ref))
        fees = f.fees
        self.fee_rate = m.input(
            "management_fee_rate",
            fees.management_fee_rate.value,
            "rate",
            _src(fees.management_fee_rate),
            "Management fee a year",
        )
        self.setup_expenses = m.input(
            "setup_expenses_yuan",
            fees.setup_expenses_yuan.value,
            "yuan",
            _src(fees.setup_expenses_yuan),
            "Set-up expenses (first year)",
        )
        self.annual_expenses = m.input(
            "annual_expenses_yuan",
            fees.annual_expenses_yuan.value,
            "yuan",
            _src(fees.annual_expenses_yuan),
            "Fund expenses a year",
        )
        self.hurdle, self.pays_fee, self.pays_carry, self.shares_residual = {}, {}, {}, {}
        for cls in self.classes:
            c = cls.id
            self.hurdle[c] = m.input(
                f"hurdle_rate_{c}",
                cls.hurdle_rate.value,
                "rate",
                _src(cls.hurdle_rate),
                f"{self._label(c)}: hurdle (priority return) a year",
            )
            for store, flag, what in (
                (self.pays_fee, "pays_management_fee", "pays the management fee"),
                (self.pays_carry, "pays_carry", "pays carried interest"),
                (self.shares_residual, "shares_residual", "shares the residual"),
            ):
                store[c] = m.input(
                    f"{flag}_{c}",
                    1.0 if getattr(cls, flag) else 0.0,
                    "flag",
                    "fund.yaml classes",
                    f"{self._label(c)}: {what} (1/0)",
                )
        w = f.waterfall
        self.carry = m.input(
            "carried_interest_rate",
            w.carried_interest_rate.value,
            "rate",
            _src(w.carried_interest_rate),
            "Carried interest",
        )
        self.catch_up_share = m.input(
            "catch_up_share",
            w.catch_up_share.value,
            "share",
            _src(w.catch_up_share),
            "Manager's share of the catch-up tier",
        )
        self.compounding = m.input(
            "hurdle_compounding",
            1.0 if w.hurdle_compounding == "compound" else 0.0,
            "flag",
            "fund.yaml waterfall.hurdle_compounding",
            "Hurdle compounds on unpaid hurdle (1/0)",
        )
        self.nav_rate = m.input(
            "nav_discount_rate",
            f.valuation.nav_discount_rate.value,
            "rate",
            _src(f.valuation.nav_discount_rate),
            "Discount rate for NAV",
        )

    def _label(self, c: str) -> str:
        return self.fund.investor_class(c).name.en

    # Timeline and commitments ------------------------------------------------------------
    def timeline(self) -> None:
        m = self.m
        self.in_term = m.line("in_term", m.period < self.term_years, "flag", "Within the term")
        self.in_ip = m.line(
            "in_investment_period",
            m.period < self.ip_years,
            "flag",
            "Within the investment period",
        )
        self.term_end = m.line(
            "term_end", eq(m.period, self.term_years - 1), "flag", "Final year (liquidation)"
        )
        self.committed = {}
        self.commitment_new = {}
        for c in self.ids:
            terms = [eq(m.year, self.close_years[k - 1]) * ref for k, ref in self.commitments[c]]
            self.commitment_new[c] = m.line(
                f"commitment_new_{c}",
                ex.total(*terms) if terms else ex.Const(0.0),
                "yuan",
                f"{self._label(c)}: new commitment",
            )
        for c in self.ids:
            self.committed[c] = m.line(
                f"committed_{c}",
                cumsum(self.commitment_new[c]),
                "yuan",
                f"{self._label(c)}: committed to date",
            )
        self.committed_total = m.line(
            "committed_total", ex.total(*self.committed.values()), "yuan", "Committed to date"
        )
        self.committed_fee_paying = m.line(
            "committed_fee_paying",
            ex.total(*(self.pays_fee[c] * self.committed[c] for c in self.ids)),
            "yuan",
            "Committed to date by fee-paying classes",
        )
        commitment_total = ex.total(
            *(self.shares_residual[c] * rowsum(self.commitment_new[c]) for c in self.ids)
        )
        self.residual_weight = {
            c: m.line(
                f"residual_weight_{c}",
                self.shares_residual[c] * rowsum(self.commitment_new[c]) / commitment_total,
                "share",
                f"{self._label(c)}: share of the residual (pro rata to commitment)",
            )
            for c in self.ids
        }
        self.carry_weight = m.line(
            "carry_payer_weight",
            ex.total(*(self.pays_carry[c] * self.residual_weight[c] for c in self.ids)),
            "share",
            "Share of the residual owed by carry-paying classes",
        )
        self.carry_ratio = m.line(
            "carry_to_profit_ratio",
            self.carry / (1 - self.carry),
            "ratio",
            "Manager's carry per yuan of carry payers' profit (carry / (1 - carry))",
        )

    # Investments -------------------------------------------------------------------------
    def investments(self) -> None:
        m, f = self.m, self.fund
        self.investment, self.proceeds, self.nav, self.unrealised = {}, {}, {}, {}
        for inv in f.investments:
            d = inv.project
            flows = self.flows[d]
            flow = m.series_input(
                f"equity_cash_flow_{d}",
                flows.on_calendar(f.first_year, m.n_periods),
                "yuan",
                f"projects/{d}.yaml: the project model's equity_cash_flow "
                f"({flows.start_year}-{flows.end_year})",
                f"Project {d}: equity cash flow (100%)",
            )
            share = m.input(
                f"equity_share_{d}",
                inv.equity_share.value,
                "share",
                _src(inv.equity_share),
                f"Project {d}: fund's share of equity",
            )
            exit_ = inv.exit
            year = exit_.year if exit_.year is not None else flows.end_year
            exit_year = m.input(
                f"exit_year_{d}",
                year,
                "year",
                exit_.source
                if exit_.year is not None
                else f"held to the end of the project's life: last year of projects/{d}.yaml",
                f"Project {d}: exit year",
                structural=True,
            )
            held = m.line(f"held_{d}", m.year <= exit_year, "flag", f"Project {d}: held")
            fund_flow = m.line(
                f"fund_flow_{d}", share * flow * held, "yuan", f"Project {d}: fund's share of flow"
            )
            investment = m.line(
                f"investment_{d}", MAX(0, -fund_flow), "yuan", f"Project {d}: invested"
            )
            at_exit = eq(m.year, exit_year)
            if exit_.method == "multiple_of_cost":
                multiple = m.input(
                    f"exit_multiple_{d}",
                    exit_.multiple.value,
                    "x",
                    _src(exit_.multiple),
                    f"Project {d}: exit multiple of cost",
                )
                exit_value = m.line(
                    f"exit_value_{d}",
                    at_exit * multiple * cumsum(investment),
                    "yuan",
                    f"Project {d}: sale proceeds (multiple of cost)",
                )
            elif exit_.method == "discount_rate":
                rate = m.input(
                    f"exit_discount_rate_{d}",
                    exit_.discount_rate.value,
                    "rate",
                    _src(exit_.discount_rate),
                    f"Project {d}: buyer's discount rate",
                )
                discounted = m.line(
                    f"discounted_flow_{d}",
                    flow * (1 + rate) ** (-m.period),
                    "yuan",
                    f"Project {d}: equity flow discounted to period 0 at the exit rate",
                )
                exit_value = m.line(
                    f"exit_value_{d}",
                    at_exit
                    * MAX(
                        0,
                        share * (1 + rate) ** m.period * (rowsum(discounted) - cumsum(discounted)),
                    ),
                    "yuan",
                    f"Project {d}: sale proceeds (later flows discounted)",
                )
            else:
                exit_value = None
            positive = MAX(0, fund_flow)
            proceeds = m.line(
                f"proceeds_{d}",
                positive + exit_value if exit_value is not None else positive,
                "yuan",
                f"Project {d}: proceeds",
            )
            net = m.line(
                f"net_flow_{d}", proceeds - investment, "yuan", f"Project {d}: net cash flow"
            )
            nav_discounted = m.line(
                f"nav_discounted_flow_{d}",
                net * (1 + self.nav_rate) ** (-m.period),
                "yuan",
                f"Project {d}: net flow discounted to period 0 at the NAV rate",
            )
            self.nav[d] = m.line(
                f"nav_{d}",
                (cumsum(investment) > 0)
                * (m.year < exit_year)
                * MAX(
                    0,
                    (1 + self.nav_rate) ** m.period
                    * (rowsum(nav_discounted) - cumsum(nav_discounted)),
                ),
                "yuan",
                f"Project {d}: value of the fund's later flows (NAV)",
            )
            self.unrealised[d] = m.line(
                f"unrealised_cost_{d}",
                cumsum(investment) * (m.year < exit_year),
                "yuan",
                f"Project {d}: cost not yet exited",
            )
            self.investment[d] = investment
            self.proceeds[d] = proceeds
        self.investments_total = m.line(
            "investments", ex.total(*self.investment.values()), "yuan", "Invested"
        )
        self.proceeds_total = m.line(
            "proceeds", ex.total(*self.proceeds.values()), "yuan", "Proceeds from investments"
        )
        self.gross = m.line(
            "gross_cash_flow",
            self.proceeds_total - self.investments_total,
            "yuan",
            "Portfolio cash flow, gross (before fees, expenses and carry)",
        )
        self.unrealised_total = m.line(
            "unrealised_cost", ex.total(*self.unrealised.values()), "yuan", "Cost not yet exited"
        )
        self.nav_total = m.line(
            "nav_investments", ex.total(*self.nav.values()), "yuan", "NAV of investments"
        )

    # Fees, expenses, calls ---------------------------------------------------------------
    def calls(self) -> None:
        m = self.m
        basis = m.line(
            "fee_basis",
            IF(
                self.in_ip,
                self.committed_fee_paying,
                prev(self.unrealised_total) * self.committed_fee_paying / self.committed_total,
            ),
            "yuan",
            "Fee basis: fee payers' commitments, then their share of cost not yet exited",
        )
        self.fee = m.line(
            "management_fee", self.in_term * self.fee_rate * basis, "yuan", "Management fee"
        )
        self.expenses = m.line(
            "fund_expenses",
            self.in_term * self.annual_expenses + eq(m.period, 0) * self.setup_expenses,
            "yuan",
            "Fund expenses",
        )
        self.called = m.line(
            "capital_called",
            self.investments_total + self.fee + self.expenses,
            "yuan",
            "Capital called",
        )
        self.commitment_share, self.fee_share, self.class_calls = {}, {}, {}
        for c in self.ids:
            self.commitment_share[c] = m.line(
                f"commitment_share_{c}",
                self.committed[c] / self.committed_total,
                "share",
                f"{self._label(c)}: share of commitments to date",
            )
            self.fee_share[c] = m.line(
                f"fee_share_{c}",
                IF(
                    self.committed_fee_paying > 0,
                    self.pays_fee[c] * self.committed[c] / self.committed_fee_paying,
                    0,
                ),
                "share",
                f"{self._label(c)}: share of the management fee",
            )
            self.class_calls[c] = m.line(
                f"calls_{c}",
                (self.investments_total + self.expenses) * self.commitment_share[c]
                + self.fee * self.fee_share[c],
                "yuan",
                f"{self._label(c)}: capital called",
            )
        self.equalise()

    def pools(self, capital: Expr, fee: Expr, tag: str, label: str):
        """The calls made before each year (`capital` called pro rata to commitments, `fee`
        to fee-paying commitments), and their call-years: sum over earlier calls of the
        call times the years since (the base of simple interest)."""
        m = self.m
        out = []
        for what, pool, words in (
            ("capital", capital, "investments and expenses"),
            ("fee", fee, "management fees"),
        ):
            called = m.line(
                f"{what}_called_to_date{tag}",
                cumsum(m.line(f"{what}_pool{tag}", pool, "yuan", f"{label}Called for {words}")),
                "yuan",
                f"{label}Called for {words} to date",
            )
            years = m.line(
                f"{what}_call_years{tag}",
                cumsum(called),
                "yuan-years",
                f"{label}Called for {words}: each call times the years since (call-years)",
            )
            out.append((called, years))
        return out

    def _equalisation(self, c: str, pools, per: str) -> Expr:
        """Class c's equalisation of the `per` ("capital" or "interest") of earlier calls:
        the change in its share at a close times what was called before it (or its
        call-years); positive paid by a later closer, negative received by the others."""
        (capital, capital_years), (fee, fee_years) = pools
        capital_base, fee_base = (capital, fee) if per == "capital" else (capital_years, fee_years)
        return (self.commitment_share[c] - prev(self.commitment_share[c])) * prev(capital_base) + (
            self.fee_share[c] - prev(self.fee_share[c])
        ) * prev(fee_base)

    def equalise(self) -> None:
        """Equalisation at each close: the new investors pay their share of every earlier
        call (and simple interest on it), paid to the earlier investors, so that after the
        close every class has paid its commitment share of what has been called for
        investments and expenses and its fee-paying share of the fees."""
        m = self.m
        if self.fund.equalisation is not None:
            rate = self.fund.equalisation.interest_rate
            value, source = rate.value, _src(rate)
        else:
            value, source = 0.0, "fund.yaml has one close: nothing to equalise"
        self.equalisation_rate = m.input(
            "equalisation_interest_rate",
            value,
            "rate",
            source,
            "Equalisation interest a year (simple, from each call to the close)",
        )
        pools = self.pools(self.investments_total + self.expenses, self.fee, "", "")
        self.equalisation, self.equalisation_interest, self.contributed = {}, {}, {}
        for c in self.ids:
            label = self._label(c)
            self.equalisation[c] = m.line(
                f"equalisation_{c}",
                self._equalisation(c, pools, "capital"),
                "yuan",
                f"{label}: equalisation of earlier calls (+ paid, - received)",
            )
            self.equalisation_interest[c] = m.line(
                f"equalisation_interest_{c}",
                self.equalisation_rate * self._equalisation(c, pools, "interest"),
                "yuan",
                f"{label}: equalisation interest (+ paid, - received)",
            )
            self.contributed[c] = m.line(
                f"capital_contributed_{c}",
                self.class_calls[c] + self.equalisation[c],
                "yuan",
                f"{label}: capital contributed (calls plus equalisation)",
            )
        self.equalisation_net = m.line(
            "equalisation_net",
            ex.total(*self.equalisation.values()),
            "yuan",
            "Equalisation paid less received (0)",
        )
        self.equalisation_interest_net = m.line(
            "equalisation_interest_net",
            ex.total(*self.equalisation_interest.values()),
            "yuan",
            "Equalisation interest paid less received (0)",
        )

    # Waterfall ---------------------------------------------------------------------------
    def _tiers(
        self,
        name,
        available: Expr,
        capital_due: dict[str, Expr],
        priority_due: dict[str, Expr],
        profit_before: Expr,
        carry_before: Expr,
        label: str,
        record: bool,
    ):
        """The four tiers applied to `available`; returns per-class and manager lines."""
        m = self.m
        paid: dict[str, dict[str, LineRef]] = {t: {} for t in TIERS}
        remaining = available
        ranks: dict[int, list[str]] = {}
        for cls in self.classes:
            ranks.setdefault(cls.rank, []).append(cls.id)
        for rank, members in ranks.items():
            for tier, due, what in (
                ("return_of_capital", capital_due, "return of capital"),
                ("priority_return", priority_due, "priority return (hurdle)"),
            ):
                if len(members) == 1:
                    (c,) = members
                    paid[tier][c] = m.line(
                        name(tier, c),
                        MIN(remaining, MAX(0, due[c])),
                        "yuan",
                        f"{label}{self._label(c)}: {what}",
                    )
                    rank_paid = paid[tier][c]
                else:
                    rank_due = m.line(
                        name(f"{tier}_due_rank_{rank}"),
                        ex.total(*(MAX(0, due[c]) for c in members)),
                        "yuan",
                        f"{label}Rank {rank}: {what} due",
                    )
                    rank_paid = m.line(
                        name(f"{tier}_rank_{rank}"),
                        MIN(remaining, rank_due),
                        "yuan",
                        f"{label}Rank {rank}: {what} paid",
                    )
                    for c in members:
                        paid[tier][c] = m.line(
                            name(tier, c),
                            IF(rank_due > 0, rank_paid * MAX(0, due[c]) / rank_due, 0),
                            "yuan",
                            f"{label}{self._label(c)}: {what} (pro rata in rank {rank})",
                        )
                remaining = m.line(
                    name(f"remaining_after_{tier}_rank_{rank}"),
                    remaining - rank_paid,
                    "yuan",
                    f"{label}Left after rank {rank}'s {what}",
                )
        carry_payer_priority = m.line(
            name("carry_payer_priority_return"),
            ex.total(*(self.pays_carry[c] * paid["priority_return"][c] for c in self.ids)),
            "yuan",
            f"{label}Priority return paid to carry-paying classes",
        )
        shortfall = m.line(
            name("catch_up_shortfall"),
            MAX(0, self.carry_ratio * (profit_before + carry_payer_priority) - carry_before),
            "yuan",
            f"{label}Carry the manager is owed before the catch-up",
        )
        k = self.catch_up_share
        catch_up = m.line(
            name("catch_up"),
            IF(
                k > self.carry,
                MIN(remaining, shortfall / (k - self.carry_ratio * (1 - k) * self.carry_weight)),
                0,
            ),
            "yuan",
            f"{label}Catch-up tier",
        )
        manager_catch_up = m.line(
            name("catch_up_to_manager"), k * catch_up, "yuan", f"{label}Catch-up to the manager"
        )
        for c in self.ids:
            paid["catch_up"][c] = m.line(
                name("catch_up", c),
                (1 - k) * catch_up * self.residual_weight[c],
                "yuan",
                f"{label}{self._label(c)}: investors' part of the catch-up tier",
            )
        rest = m.line(
            name("remaining_after_catch_up"),
            remaining - catch_up,
            "yuan",
            f"{label}Left after the catch-up",
        )
        manager_split = m.line(
            name("carry_split_to_manager"),
            self.carry * self.carry_weight * rest,
            "yuan",
            f"{label}Carried interest from the residual split",
        )
        for c in self.ids:
            paid["residual_split"][c] = m.line(
                name("residual_split", c),
                rest * self.residual_weight[c] * (1 - self.carry * self.pays_carry[c]),
                "yuan",
                f"{label}{self._label(c)}: residual split after carry",
            )
        if record:
            for tier in TIERS:
                for c in self.ids:
                    self.tier_lines[tier][c].append(paid[tier][c].name)
            self.tier_lines["catch_up_to_manager"]["manager"].append(manager_catch_up.name)
            self.tier_lines["carry_split_to_manager"]["manager"].append(manager_split.name)
        return paid, manager_catch_up, manager_split

    def waterfall(self, tag: str, available: Expr, nav: Expr, calls: dict[str, Expr], label: str):
        """Balances, the tiers, and the tiers again on the NAV (hypothetical liquidation).

        `tag` is '' for the whole fund or an investment id (deal by deal).
        """
        m = self.m

        def name(metric: str, owner: str | None = None) -> str:
            parts = [metric] + ([tag] if tag else [])
            text = "_".join(parts)
            return f"{text}__{owner}" if (owner and tag) else (f"{text}_{owner}" if owner else text)

        def liq(metric: str, owner: str | None = None) -> str:
            return "liquidation_" + name(metric, owner)

        capital_due, priority_due = {}, {}
        for c in self.ids:
            capital_open = m.line(
                name("capital_open", c),
                prev(LineRef(name("capital_close", c))),
                "yuan",
                f"{label}{self._label(c)}: unreturned capital, opening",
            )
            priority_open = m.line(
                name("priority_return_open", c),
                prev(LineRef(name("priority_return_close", c))),
                "yuan",
                f"{label}{self._label(c)}: unpaid hurdle, opening",
            )
            accrued = m.line(
                name("priority_return_accrued", c),
                self.hurdle[c] * (MAX(0, capital_open) + self.compounding * priority_open),
                "yuan",
                f"{label}{self._label(c)}: hurdle accrued",
            )
            capital_due[c] = m.line(
                name("capital_due", c),
                capital_open + calls[c],
                "yuan",
                f"{label}{self._label(c)}: capital due back",
            )
            priority_due[c] = m.line(
                name("priority_return_due", c),
                priority_open + accrued,
                "yuan",
                f"{label}{self._label(c)}: hurdle due",
            )
        profit_cum = LineRef(name("carry_payer_profit_cumulative"))
        carry_cum = LineRef(name("carried_interest_cumulative"))
        paid, manager_catch_up, manager_split = self._tiers(
            name,
            available,
            capital_due,
            priority_due,
            prev(profit_cum),
            prev(carry_cum),
            label,
            record=True,
        )
        capital_close, priority_close, distribution = {}, {}, {}
        for c in self.ids:
            capital_close[c] = m.line(
                name("capital_close", c),
                capital_due[c] - paid["return_of_capital"][c],
                "yuan",
                f"{label}{self._label(c)}: unreturned capital, closing",
            )
            priority_close[c] = m.line(
                name("priority_return_close", c),
                priority_due[c] - paid["priority_return"][c],
                "yuan",
                f"{label}{self._label(c)}: unpaid hurdle, closing",
            )
            distribution[c] = m.line(
                name("distribution", c),
                ex.total(*(paid[t][c] for t in TIERS)),
                "yuan",
                f"{label}{self._label(c)}: distributed",
            )
        carried = m.line(
            name("carried_interest"),
            manager_catch_up + manager_split,
            "yuan",
            f"{label}Carried interest to the manager",
        )
        profit = m.line(
            name("carry_payer_profit"),
            ex.total(
                *(
                    self.pays_carry[c]
                    * (paid["priority_return"][c] + paid["catch_up"][c] + paid["residual_split"][c])
                    for c in self.ids
                )
            ),
            "yuan",
            f"{label}Profit distributed to carry-paying classes",
        )
        m.line(profit_cum.name, cumsum(profit), "yuan", f"{label}Carry payers' profit to date")
        m.line(carry_cum.name, cumsum(carried), "yuan", f"{label}Carried interest to date")

        liq_paid, liq_catch_up, liq_split = self._tiers(
            liq,
            nav,
            capital_close,
            priority_close,
            profit_cum,
            carry_cum,
            f"{label}If liquidated at NAV: ",
            record=False,
        )
        liquidation = {
            c: m.line(
                liq("value", c),
                ex.total(*(liq_paid[t][c] for t in TIERS)),
                "yuan",
                f"{label}{self._label(c)}: share of NAV if liquidated",
            )
            for c in self.ids
        }
        liquidation_carry = m.line(
            liq("carried_interest"),
            liq_catch_up + liq_split,
            "yuan",
            f"{label}Manager's carry if liquidated at NAV",
        )
        return distribution, carried, liquidation, liquidation_carry

    def distribute(self) -> None:
        m = self.m
        if self.fund.waterfall.style == "european":
            out = self.waterfall("", self.proceeds_total, self.nav_total, self.contributed, "")
            self.distribution, self.carried, self.liquidation, self.liquidation_carry = out
        else:
            total_cost = rowsum(self.investments_total)
            parts = {c: [] for c in self.ids}
            carried, liq_values, liq_carry = [], {c: [] for c in self.ids}, []
            n = len(self.deals)
            for d in self.deals:
                cost_share = m.line(
                    f"cost_share_{d}",
                    IF(total_cost > 0, rowsum(self.investment[d]) / total_cost, 1 / n),
                    "share",
                    f"Project {d}: share of the fund's total cost (allocates fees and expenses)",
                )
                capital = self.investment[d] + cost_share * self.expenses
                pools = self.pools(capital, cost_share * self.fee, f"_{d}", f"Project {d}: ")
                calls = {
                    c: m.line(
                        f"calls_{d}__{c}",
                        capital * self.commitment_share[c]
                        + cost_share * self.fee * self.fee_share[c]
                        + self._equalisation(c, pools, "capital"),
                        "yuan",
                        f"Project {d}: {self._label(c)}: capital contributed for it "
                        "(calls plus equalisation)",
                    )
                    for c in self.ids
                }
                dist, carry, liq_value, liq_c = self.waterfall(
                    d, self.proceeds[d], self.nav[d], calls, f"Project {d}: "
                )
                for c in self.ids:
                    parts[c].append(dist[c])
                    liq_values[c].append(liq_value[c])
                carried.append(carry)
                liq_carry.append(liq_c)
            self.distribution = {
                c: m.line(
                    f"distribution_{c}",
                    ex.total(*parts[c]),
                    "yuan",
                    f"{self._label(c)}: distributed",
                )
                for c in self.ids
            }
            self.carried = m.line(
                "carried_interest", ex.total(*carried), "yuan", "Carried interest to the manager"
            )
            self.liquidation = {
                c: m.line(
                    f"liquidation_value_{c}",
                    ex.total(*liq_values[c]),
                    "yuan",
                    f"{self._label(c)}: share of NAV if liquidated",
                )
                for c in self.ids
            }
            self.liquidation_carry = m.line(
                "liquidation_carried_interest",
                ex.total(*liq_carry),
                "yuan",
                "Manager's carry if liquidated at NAV",
            )
        for tier in TIERS:
            m.line(
                f"distributed_{tier}",
                ex.total(*(LineRef(x) for c in self.ids for x in self.tier_lines[tier][c])),
                "yuan",
                f"Distributed: {tier.replace('_', ' ')} (all classes)",
            )
        for tier in MANAGER_TIERS:
            m.line(
                f"distributed_{tier}",
                ex.total(*(LineRef(x) for x in self.tier_lines[tier]["manager"])),
                "yuan",
                f"Distributed: {tier.replace('_', ' ')}",
            )
        self.distributions = m.line(
            "distributions",
            ex.total(*self.distribution.values(), self.carried),
            "yuan",
            "Distributed to every class and the manager",
        )
        self.cash = m.line(
            "cash",
            prev(LineRef("cash"))
            + self.called
            + self.proceeds_total
            - self.investments_total
            - self.fee
            - self.expenses
            - self.distributions,
            "yuan",
            "Fund cash, closing (calls and proceeds less uses)",
        )
        self.nav_fund = m.line("nav", self.nav_total + self.cash, "yuan", "Fund NAV")


def build_fund_model(
    fund: FundFile, flows: dict[str, ProjectFlows], file: str | os.PathLike = FUND_FILE
) -> FundModel:
    """The model of `fund`, with each investment's project flows from `flows`.

    Raises `DefinitionError` (naming `file`, the field and the problem) when an investment
    names a project not in `flows`, or its project does not fit the fund's calendar.
    """
    from xlfinance.fund.metrics import add_metrics

    file = os.fspath(file)
    check_flows(fund, flows, file)
    end = fund.final_year
    for inv in fund.investments:
        if inv.exit.method == "discount_rate":
            end = max(end, flows[inv.project].end_year)
    model = Model(f"Fund: {fund.fund.name.en}", fund.first_year, end - fund.first_year + 1)
    b = _Builder(fund, flows, model)
    b.inputs()
    b.timeline()
    b.investments()
    b.calls()
    b.distribute()
    add_metrics(b)
    return FundModel(
        definition=fund,
        model=model,
        classes=tuple(b.ids),
        manager=b.manager,
        deals=tuple(b.deals),
        tier_lines={t: {k: tuple(v) for k, v in d.items()} for t, d in b.tier_lines.items()},
    )


def check_flows(fund: FundFile, flows: dict[str, ProjectFlows], file: str) -> None:
    """Raise `DefinitionError` unless every investment's project is known and fits the fund."""
    problems = check_investments(
        fund,
        {pid: f.start_year for pid, f in flows.items()},
        file,
        ends={pid: f.end_year for pid, f in flows.items()},
    )
    if problems:
        raise DefinitionError(problems)


def evaluate_fund(programme, results=None) -> FundEvaluation | None:
    """Build and evaluate the fund of a loaded programme; None when it has no fund.yaml.

    `results` are the evaluated projects (`xlfinance.projects.evaluate_projects`), evaluated
    here when not given.
    """
    if getattr(programme, "fund", None) is None:
        return None
    if results is None:
        from xlfinance.projects import evaluate_projects

        results = evaluate_projects(programme)
    file = str(Path(programme.root) / FUND_FILE)
    fund = build_fund_model(programme.fund, project_flows(results), file)
    return FundEvaluation(fund, fund.model.evaluate())


def evaluate(fund: FundFile, flows: dict[str, ProjectFlows], **kwargs) -> FundEvaluation:
    """Build and evaluate a fund from its definition and project flows (tests, notebooks)."""
    built = build_fund_model(fund, flows, **kwargs)
    return FundEvaluation(built, built.model.evaluate())
