"""Project finance shared by every archetype, written as model lines.

An archetype adds its physical and commercial lines (energy, revenue, operating costs,
emissions avoided) between `add_timeline` and `add_finance`; `add_finance` adds capex, grants,
replacements, debt, depreciation, tax and cash flows, and the metrics.

Conventions (sources in the tests and in `projects/*/programme.yaml`):
- Period 0 is the first construction year; capex is spread evenly over the construction
  years; operation runs for `operating_years` after construction; the model ends with it.
- Prices and costs are in yuan of the base year, escalated from the first operating year;
  they are net of VAT (an assumption: VAT is passed through to buyers).
- Corporate income tax on taxable profit after interest and depreciation; losses carried
  forward without a time limit (the law allows five years; the projects here rarely carry
  losses that long). An optional holiday: no tax in operating years 1-3 and half the rate
  in years 4-6 (三免三减半, Caishui [2010] 110 for energy performance contracts and the
  Enterprise Income Tax Law art. 27 for qualifying energy-saving and environmental projects).
- Straight-line depreciation of the capex net of grants to its residual value; the book value
  left at the end of operation is recovered as cash in the final year (回收固定资产余值, as in
  建设项目经济评价方法与参数, 3rd ed.).
- Project cash flow after tax uses the "adjusted income tax" of that method: the tax on
  EBIT, ignoring interest (融资前分析). Equity cash flow uses the tax actually paid.
- Debt finances a share of capex, draws with it, capitalises interest during construction,
  then after `grace_years` of interest only is repaid over `tenor_years`, either as an annuity
  or in equal principal instalments, each period re-amortising the balance over the
  remaining term (which gives the constant annuity payment).
- Abatement cost is the economic (societal) cost: pre-tax project cash flows without grants
  and production subsidies, which are transfers; net present cost over discounted tonnes.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import AND, IF, MAX, MOD, NA, Expr, LineRef, cumsum, eq, npv, prev, rowsum

REPAYMENT_STYLES = {"annuity": 1.0, "equal_principal": 0.0}
TAX_HOLIDAY_SOURCE = (
    "Caishui [2010] 110 (EMC) and Enterprise Income Tax Law art. 27: "
    "exempt in years 1-3, half rate in years 4-6"
)

_UNITS = (
    ("_yuan_per_kwh", "yuan/kWh"),
    ("_yuan_per_kw_per_year", "yuan/kW/yr"),
    ("_yuan_per_kw", "yuan/kW"),
    ("_yuan_per_m3", "yuan/m3"),
    ("_yuan_per_gj", "yuan/GJ"),
    ("_yuan_per_t", "yuan/t"),
    ("_yuan_per_tce", "yuan/tce"),
    ("_yuan_per_m2", "yuan/m2"),
    ("_yuan_per_vehicle", "yuan/vehicle"),
    ("_yuan_per_year", "yuan/yr"),
    ("_yuan", "yuan"),
    ("_kwh_per_kw", "kWh/kW"),
    ("_kwh_per_m2", "kWh/m2"),
    ("_t_per_mwh", "t CO2/MWh"),
    ("_t_co2_per_tce", "t CO2/tce"),
    ("_tce_per_mwh", "tce/MWh"),
    ("_hours", "h"),
    ("_years", "years"),
    ("_kw", "kW"),
    ("_mw", "MW"),
    ("_m2", "m2"),
    ("_km", "km"),
    ("_rate", "rate"),
    ("_share", "share"),
)


def unit_of(name: str) -> str:
    """The unit a field name carries in its suffix (`capex_yuan` -> yuan), or ''."""
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def add_input(
    m: Model,
    name: str,
    value,
    label: str | None = None,
    source: str | None = None,
    unit: str | None = None,
    link: str | None = None,
    structural: bool = False,
):
    """Add a model input from a `Sourced` value or a plain number, its unit from its name.

    `link` marks a value taken from the programme's assumptions (`assumptions.<name>`);
    `structural` one that fixes the model's shape (`Input.structural`).
    """
    number = float(getattr(value, "value", value))
    source = source or getattr(value, "source", None)
    unit = unit if unit is not None else unit_of(name)
    return m.input(name, number, unit, source, label, link, structural)


def assumption_input(m: Model, name: str, assumptions, path: str, label: str, unit=None):
    """A model input that takes the programme assumption at `path` (e.g.
    `emission_factors_t_co2_per_tj.coal`), linked to it so the workbook and the risk engine
    change it in one place."""
    value = assumptions
    for part in path.split("."):
        value = getattr(value, part)
    return add_input(m, name, value, label, unit=unit, link=f"assumptions.{path}")


def project_model(project, n_periods: int | None = None) -> Model:
    """An empty model for a project: its id, start year, and construction plus operating
    years as periods (unless `n_periods` says otherwise)."""
    if n_periods is None:
        fin = project.parameters.finance
        n_periods = fin.construction_years + fin.operating_years
    return Model(project.id, project.start_year, n_periods)


def parameter_inputs(m: Model, params):
    """`add(name, label, unit=None, **kw)`: a model input from the parameter of that name."""

    def add(name, label, unit=None, **kw):
        return add_input(m, name, getattr(params, name), label, unit=unit, **kw)

    return add


def finance_inputs(
    m: Model,
    fin,
    assumptions,
    *,
    replacement_cost_yuan: Expr | None = None,
    replacement_interval_years: Expr | None = None,
    tax_rate=None,
    extra_capex_yuan: Expr | None = None,
    capex_label: str = "Capex",
    production_unit: str | None = None,
    carbon_price: bool = True,
) -> FinanceInputs:
    """Model inputs for the finance terms of a project (`FinanceParams`), with the
    programme's assumptions where the project leaves a rate out.

    `extra_capex_yuan` is capex the archetype builds up from its own inputs (vehicles x unit
    cost); the project's `capex_yuan` is then the rest, labelled `capex_label`. A given
    `tax_rate` replaces the programme's (tax-exempt public spending). `production_unit` is the
    unit of the archetype's production line (kWh, km, t): it adds the production subsidy in
    yuan per that unit; `carbon_price` adds the price of the tonnes avoided."""
    a = assumptions

    def add(name, value, label, **kw):
        return add_input(m, name, value, label, **kw)

    def own_or_programme(name, own, assumption, label):
        if own is not None:
            return add(name, own, label)
        return assumption_input(m, name, a, assumption, label)

    construction = add(
        "construction_years",
        fin.construction_years,
        "Construction years",
        unit="years",
        structural=True,
    )
    operating = add(
        "operating_years", fin.operating_years, "Operating years", unit="years", structural=True
    )
    capex = add("capex_yuan", fin.capex_yuan, capex_label)
    return FinanceInputs(
        capex_yuan=capex if extra_capex_yuan is None else capex + extra_capex_yuan,
        construction_years=construction,
        operating_years=operating,
        capital_grant_yuan=add("capital_grant_yuan", fin.capital_grant_yuan, "Capital grant"),
        replacement_cost_yuan=replacement_cost_yuan
        if replacement_cost_yuan is not None
        else add("replacement_cost_yuan", fin.replacement_cost_yuan, "Replacement cost"),
        replacement_interval_years=replacement_interval_years
        if replacement_interval_years is not None
        else add(
            "replacement_interval_years",
            fin.replacement_interval_years,
            "Replacement interval",
            unit="years",
        ),
        depreciation_years=add(
            "depreciation_years",
            fin.depreciation_years or fin.operating_years,
            "Depreciation years",
            unit="years",
            structural=True,
        ),
        residual_value_share=add(
            "residual_value_share", fin.residual_value_share, "Residual value share"
        ),
        debt_share=add("debt_share", fin.debt_share, "Debt share of capex"),
        debt_rate=own_or_programme(
            "debt_rate", fin.debt_rate, "lending_rate", "Debt interest rate"
        ),
        tenor_years=add(
            "tenor_years", fin.tenor_years, "Debt tenor", unit="years", structural=True
        ),
        grace_years=add(
            "grace_years",
            fin.grace_years,
            "Grace years (interest only)",
            unit="years",
            structural=True,
        ),
        repayment_annuity=add(
            "repayment_annuity",
            REPAYMENT_STYLES[fin.repayment],
            "Annuity repayment (1) or equal principal (0)",
            unit="flag",
        ),
        tax_rate=add("tax_rate", tax_rate, "Corporate income tax rate")
        if tax_rate is not None
        else assumption_input(m, "tax_rate", a, "corporate_tax_rate", "Corporate income tax rate"),
        tax_holiday=add(
            "tax_holiday", 1.0 if fin.tax_holiday else 0.0, "Tax holiday applies (1/0)", unit="flag"
        ),
        tax_free_years=add(
            "tax_free_years", 3, "Tax-free years", source=TAX_HOLIDAY_SOURCE, unit="years"
        ),
        tax_half_years=add(
            "tax_half_years", 3, "Half-rate years", source=TAX_HOLIDAY_SOURCE, unit="years"
        ),
        tax_half_share=add(
            "tax_half_share", 0.5, "Share of rate in half-rate years", source=TAX_HOLIDAY_SOURCE
        ),
        discount_rate=own_or_programme(
            "discount_rate", fin.discount_rate, "discount_rate", "Discount rate"
        ),
        finance_rate=assumption_input(
            m, "finance_rate", a, "lending_rate", "MIRR finance rate (lending rate)"
        ),
        escalation_rate=own_or_programme(
            "escalation_rate", fin.escalation_rate, "price_escalation", "Price escalation a year"
        ),
        production_subsidy=None
        if production_unit is None
        else add(
            "production_subsidy",
            fin.production_subsidy,
            "Production subsidy",
            unit=f"yuan/{production_unit}",
        ),
        carbon_price_yuan_per_t=add(
            "carbon_price_yuan_per_t",
            fin.carbon_price_yuan_per_t,
            "Carbon price (credits sold)",
            unit="yuan/t CO2e",
        )
        if carbon_price
        else None,
    )


@dataclass(frozen=True)
class Timeline:
    """Lines every archetype can use."""

    in_construction: LineRef
    in_operation: LineRef
    operating_year: LineRef
    escalation: LineRef


def add_timeline(m: Model, f: FinanceInputs) -> Timeline:
    """Construction and operation flags, the operating year (1, 2, ...) and a price index."""
    construction_years, operating_years = f.construction_years, f.operating_years
    in_construction = m.line(
        "in_construction", m.period < construction_years, "flag", "In construction"
    )
    in_operation = m.line(
        "in_operation",
        AND(m.period >= construction_years, m.period < construction_years + operating_years),
        "flag",
        "In operation",
    )
    operating_year = m.line(
        "operating_year",
        in_operation * (m.period - construction_years + 1),
        "year",
        "Operating year",
    )
    escalation = m.line(
        "price_index",
        (1 + f.escalation_rate) ** (m.period - construction_years),
        "index",
        "Price index (1 in the first operating year)",
    )
    return Timeline(in_construction, in_operation, operating_year, escalation)


@dataclass(frozen=True)
class FinanceInputs:
    """References to the model inputs that `add_finance` reads."""

    capex_yuan: Expr
    construction_years: Expr
    operating_years: Expr
    capital_grant_yuan: Expr
    replacement_cost_yuan: Expr
    replacement_interval_years: Expr
    depreciation_years: Expr
    residual_value_share: Expr
    debt_share: Expr
    debt_rate: Expr
    tenor_years: Expr
    grace_years: Expr
    repayment_annuity: Expr  # 1 annuity, 0 equal principal
    tax_rate: Expr
    tax_holiday: Expr  # 1 applies 三免三减半, 0 not
    tax_free_years: Expr
    tax_half_years: Expr
    tax_half_share: Expr
    discount_rate: Expr
    finance_rate: Expr  # MIRR's finance rate: the lending rate
    escalation_rate: Expr  # prices and operating costs, from the first operating year
    production_subsidy: Expr | None = None  # yuan per unit of the production line
    carbon_price_yuan_per_t: Expr | None = None


def add_finance(
    m: Model,
    t: Timeline,
    f: FinanceInputs,
    *,
    revenues: list[LineRef],
    subsidies: list[LineRef],
    costs: list[LineRef],
    abatement_t: LineRef,
    energy_kwh: LineRef | None = None,
    energy_credits: list[LineRef] = (),
    external_benefits: list[LineRef] = (),
    production: LineRef | None = None,
) -> None:
    """Capex, grants, debt, tax and cash flows, then every project metric as an output.

    `revenues` and `subsidies` are inflows (subsidies are left out of the economic cost);
    `costs` are operating costs, positive. `energy_kwh` makes an LCOE; `energy_credits` are
    by-product revenues (heat, cooling) credited against its cost. `external_benefits` are
    net cash flows the project creates for others (a building owner's share of savings):
    left out of the project's accounts, counted in the economic cash flow. `production` is
    what the production subsidy (`f.production_subsidy`, yuan per its unit) is paid on.

    The production subsidy and carbon revenue are taxable income, like every subsidy here,
    and transfers, left out of the economic cost (a carbon price paid for the tonnes that
    the abatement cost divides by would count them twice).
    """
    line = m.line
    subsidies = list(subsidies)
    if f.production_subsidy is not None:
        if production is None:
            raise ValueError("a production subsidy needs the line it is paid on")
        subsidies.append(
            line(
                "production_subsidy_yuan",
                f.production_subsidy * production,
                "yuan",
                "Production subsidy received",
            )
        )
    if f.carbon_price_yuan_per_t is not None:
        subsidies.append(
            line(
                "carbon_revenue_yuan",
                f.carbon_price_yuan_per_t * abatement_t * t.in_operation,
                "yuan",
                "Carbon credits sold",
            )
        )
    capex = line(
        "capex",
        f.capex_yuan / f.construction_years * t.in_construction,
        "yuan",
        "Capital expenditure",
    )
    grant = line(
        "capital_grant",
        f.capital_grant_yuan / f.construction_years * t.in_construction,
        "yuan",
        "Capital grant received",
    )
    replacement = line(
        "replacement",
        f.replacement_cost_yuan
        * t.in_operation
        * eq(MOD(t.operating_year, f.replacement_interval_years), 0)
        * (t.operating_year < f.operating_years),
        "yuan",
        "Equipment replacement",
    )
    revenue = line(
        "revenue", ex.total(*revenues, *subsidies), "yuan", "Revenue incl. production subsidies"
    )
    opex = line("opex", ex.total(*costs, replacement), "yuan", "Operating costs incl. replacements")
    ebitda = line("ebitda", revenue - opex, "yuan", "EBITDA")

    # Depreciation and the book value recovered at the end.
    base = f.capex_yuan - f.capital_grant_yuan
    depreciation = line(
        "depreciation",
        base
        * (1 - f.residual_value_share)
        / f.depreciation_years
        * t.in_operation
        * (t.operating_year <= f.depreciation_years),
        "yuan",
        "Depreciation (straight line)",
    )
    final_year = line(
        "final_year", eq(t.operating_year, f.operating_years), "flag", "Final operating year"
    )
    residual = line(
        "residual_recovery",
        final_year * (base - cumsum(depreciation)),
        "yuan",
        "Residual book value recovered",
    )

    # Debt.
    draw = line("debt_draw", capex * f.debt_share, "yuan", "Debt drawn")
    opening = m.line("debt_opening", prev(LineRef("debt_closing")), "yuan", "Debt, opening balance")
    interest = line("interest", opening * f.debt_rate, "yuan", "Interest accrued")
    capitalised = line(
        "interest_capitalised",
        interest * t.in_construction,
        "yuan",
        "Interest during construction (capitalised)",
    )
    interest_paid = line("interest_paid", interest - capitalised, "yuan", "Interest paid")
    remaining = line(
        "repayment_periods_left",
        MAX(0, f.grace_years + f.tenor_years - t.operating_year + 1)
        * (t.operating_year > f.grace_years),
        "years",
        "Repayment periods left (incl. this one)",
    )
    annuity_payment = IF(
        eq(f.debt_rate, 0),
        opening / MAX(1, remaining),
        opening * f.debt_rate / (1 - (1 + f.debt_rate) ** (-MAX(1, remaining))),
    )
    principal = line(
        "principal_repaid",
        (remaining > 0)
        * IF(f.repayment_annuity, annuity_payment - interest, opening / MAX(1, remaining)),
        "yuan",
        "Principal repaid",
    )
    closing = m.line(
        "debt_closing", opening + draw + capitalised - principal, "yuan", "Debt, closing balance"
    )
    debt_left = line(
        "debt_left_at_end", final_year * closing, "yuan", "Debt outstanding after the final year"
    )
    debt_service = line("debt_service", interest_paid + principal, "yuan", "Debt service")

    # Tax.
    holiday_factor = line(
        "tax_rate_factor",
        1
        - f.tax_holiday
        * t.in_operation
        * (
            (t.operating_year <= f.tax_free_years)
            + f.tax_half_share
            * (t.operating_year > f.tax_free_years)
            * (t.operating_year <= f.tax_free_years + f.tax_half_years)
        ),
        "share",
        "Share of the tax rate due (holiday)",
    )
    tax_rate = line("effective_tax_rate", f.tax_rate * holiday_factor, "rate", "Effective tax rate")
    taxable = line(
        "taxable_income",
        ebitda - depreciation - interest_paid,
        "yuan",
        "Taxable income before losses",
    )
    losses_open = line(
        "losses_opening", prev(LineRef("losses_closing")), "yuan", "Tax losses brought forward"
    )
    line("losses_closing", MAX(0, losses_open - taxable), "yuan", "Tax losses carried forward")
    tax = line("tax", MAX(0, taxable - losses_open) * tax_rate, "yuan", "Income tax paid")
    adjusted_tax = line(
        "adjusted_tax",
        MAX(0, ebitda - depreciation) * tax_rate,
        "yuan",
        "Adjusted income tax (on EBIT)",
    )

    # Cash flows: inflows positive, outflows negative.
    pre_tax = line(
        "project_cash_flow_pre_tax",
        -capex + grant + ebitda + residual,
        "yuan",
        "Project cash flow, pre-tax",
    )
    project = line(
        "project_cash_flow", pre_tax - adjusted_tax, "yuan", "Project cash flow, after tax"
    )
    equity = line(
        "equity_cash_flow",
        -capex + grant + draw + ebitda - debt_service - tax + residual,
        "yuan",
        "Equity cash flow",
    )
    subsidy_total = ex.total(*subsidies) if subsidies else 0
    external = ex.total(*external_benefits) if external_benefits else 0
    economic = line(
        "economic_cash_flow",
        -capex + ebitda - subsidy_total + external + residual,
        "yuan",
        "Economic cash flow (no grants, subsidies or tax)",
    )
    cfads = line(
        "cfads", (ebitda - tax) * t.in_operation, "yuan", "Cash flow available for debt service"
    )
    # Cover is measured in the operating years of the loan's term, not on the rounding-level
    # balance that floating point may leave after the last instalment.
    in_term = line(
        "in_debt_term",
        (f.debt_share > 0) * t.in_operation * (t.operating_year <= f.grace_years + f.tenor_years),
        "flag",
        "Operating year within the loan's term",
    )
    dscr = line("dscr", IF(in_term, cfads / debt_service, NA()), "x", "Debt service cover ratio")

    # Payback, period by period so that the workbook shows it as formulas.
    discounted = line(
        "discounted_cash_flow",
        project * (1 + f.discount_rate) ** (-m.period),
        "yuan",
        "Discounted project cash flow",
    )
    _payback_lines(m, "", project)
    _payback_lines(m, "discounted_", discounted)

    # Metrics.
    rate = f.discount_rate
    out = m.output
    out("capex_yuan", rowsum(capex), "yuan", "Capex")
    out("npv_yuan", npv(rate, project), "yuan", "Project NPV, after tax")
    out("npv_pre_tax_yuan", npv(rate, pre_tax), "yuan", "Project NPV, pre-tax")
    out("irr", ex.irr(project), "rate", "Project IRR, after tax")
    out("irr_pre_tax", ex.irr(pre_tax), "rate", "Project IRR, pre-tax")
    out("equity_npv_yuan", npv(rate, equity), "yuan", "Equity NPV")
    out("equity_irr", ex.irr(equity), "rate", "Equity IRR")
    out("mirr", ex.mirr(project, f.finance_rate, rate), "rate", "Project MIRR")
    payback_output(m, "", "Payback")
    payback_output(m, "discounted_", "Discounted payback")
    # How the capex is funded: the ask a pitch puts to investors.
    out("debt_yuan", rowsum(draw), "yuan", "Debt drawn")
    out("grant_yuan", rowsum(grant), "yuan", "Capital grants")
    out(
        "equity_invested_yuan",
        rowsum(capex) - rowsum(grant) - rowsum(draw),
        "yuan",
        "Equity invested (capex less grants and debt)",
    )
    out("min_dscr", ex.rowmin(dscr), "x", "Minimum DSCR")
    out("avg_dscr", ex.rowmean(dscr), "x", "Average DSCR")
    out(
        "debt_left_at_end_yuan",
        rowsum(debt_left),
        "yuan",
        "Debt outstanding at the end (must be 0)",
    )
    out("abatement_t_co2e", rowsum(abatement_t), "t CO2e", "CO2e avoided, lifetime")
    out(
        "abatement_t_co2e_per_year",
        rowsum(abatement_t) / f.operating_years,
        "t CO2e/yr",
        "CO2e avoided a year",
    )
    # No cost per tonne where nothing is avoided (or emissions rise): NaN, #N/A in the workbook.
    out(
        "abatement_cost_yuan_per_t",
        IF(npv(rate, abatement_t) > 0, -npv(rate, economic) / npv(rate, abatement_t), NA()),
        "yuan/t CO2e",
        "Abatement cost",
    )
    if energy_kwh is not None:
        credits = ex.total(*energy_credits) if energy_credits else 0
        lcoe_cost = line(
            "lcoe_cost", capex + opex - credits, "yuan", "Cost of energy (by-products credited)"
        )
        out("lcoe_yuan_per_kwh", npv(rate, lcoe_cost) / npv(rate, energy_kwh), "yuan/kWh", "LCOE")


def add_payback(m: Model, stem: str, flow: LineRef, label: str) -> None:
    """The payback lines of `flow` and the output `<stem>payback_years`."""
    _payback_lines(m, stem, flow)
    payback_output(m, stem, label)


def payback_output(m: Model, stem: str, label: str) -> None:
    """`<stem>payback_years` from the lines of `_payback_lines`: the first period in which
    the cumulative flow goes from below zero to zero or more, interpolated; 0 when it is
    never below zero; NA when it never comes back, as `finance.payback` computes it."""
    first = LineRef(f"{stem}payback_first")
    never_negative = ex.rowmin(LineRef(f"{stem}cumulative_cash_flow")) >= 0
    m.output(
        f"{stem}payback_years",
        IF(
            eq(rowsum(first), 0),
            IF(never_negative, 0, NA()),
            rowsum(LineRef(f"{stem}payback_point")),
        ),
        "years",
        label,
    )


def _payback_lines(m: Model, stem: str, flow: LineRef) -> None:
    """Lines giving the first period in which the cumulative flow turns non-negative.

    Payback = (t - 1) + (-cumulative[t-1]) / flow[t] at that period t, as
    `xlfinance.finance.payback` computes it.
    """
    what = "discounted cash flow" if stem else "cash flow"
    cum = m.line(f"{stem}cumulative_cash_flow", cumsum(flow), "yuan", f"Cumulative {what}")
    crossing = m.line(
        f"{stem}payback_crossing",
        AND(prev(cum) < 0, cum >= 0),
        "flag",
        f"Cumulative {what} turns non-negative",
    )
    first = m.line(
        f"{stem}payback_first", crossing * eq(cumsum(crossing), 1), "flag", "First such period"
    )
    m.line(
        f"{stem}payback_point",
        IF(first, m.period - 1 - prev(cum) / flow, 0),
        "years",
        "Payback, interpolated within the period",
    )
