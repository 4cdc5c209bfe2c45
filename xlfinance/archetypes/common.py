"""Project finance shared by every archetype, written as model lines.

An archetype adds its physical and commercial lines (energy, revenue, operating costs,
emissions avoided) between `add_timeline` and `finance.add_finance`, which adds capex, grants,
replacements, debt, depreciation, tax and cash flows, and the metrics.

Conventions (sources in the tests and in `projects/*/programme.yaml`):
- Period 0 is the first construction year; capex is spread evenly over the construction
  years; operation runs for `operating_years` after construction; the model ends with it.
- Prices and costs are in yuan of the base year, escalated from the first operating year;
  they are written as paid, VAT included, and their units say so (`with_vat`); the model
  keeps the VAT account (`finance.vat`) at the rates of each year (`schedule_line`).
- Corporate income tax on taxable profit after interest and depreciation; each year's loss
  carried forward five years at most and used oldest first (企业所得税法 art. 18,
  `finance.tax`). An optional holiday: no tax in operating years 1-3 and half the rate
  in years 4-6 (三免三减半, Caishui [2010] 110 for energy performance contracts and the
  Enterprise Income Tax Law art. 27 for qualifying energy-saving and environmental projects).
- Straight-line depreciation of the capex net of grants to its residual value; the book value
  left at the end of operation is recovered as cash in the final year (回收固定资产余值, as in
  建设项目经济评价方法与参数, 3rd ed.).
- Project cash flow after tax uses the "adjusted income tax" of that method: the tax on
  EBIT, ignoring interest (融资前分析). Equity cash flow uses the tax actually paid.
- Debt finances a share of capex (`debt_sizing: share`) or the largest loan a target DSCR
  covers, at most a gearing (`debt_sizing: cover`); it draws with capex and capitalises
  interest during construction. `tenor_years` is quoted as a Chinese bank quotes 贷款期限,
  from the first drawdown, construction and grace included: after COD the loan pays interest
  only for `grace_years`, then is repaid over tenor - construction - grace years as an
  annuity, in equal principal instalments or sculpted to the cash flow, each period
  re-amortising the balance over the periods left (which gives the constant annuity
  payment). Optional reserves: a DSRA of `dsra_months` of debt service, an MRA for
  replacements (`archetypes.finance.debt` and `reserves`; the README's "Debt").
- Abatement cost is the economic cost at resource cost (`finance.economic`): no taxes,
  subsidies, grants or financing; net present cost over discounted tonnes, both at the
  social discount rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from xlfinance.definitions.schema import Assumptions, Sourced, declared_unit, schedule_steps
from xlfinance.model.core import Model
from xlfinance.model.expr import AND, IF, Expr, InputRef, LineRef
from xlfinance.model.expr import total as ex_total
from xlfinance.model.units import INCL_VAT, NO_VAT

if TYPE_CHECKING:
    from xlfinance.definitions.params.finance import FinanceParams
    from xlfinance.definitions.schema import ProjectDef

REPAYMENT_STYLES = {"annuity": 1.0, "equal_principal": 0.0}
TAX_HOLIDAY_SOURCE = (
    "Caishui [2010] 110 (EMC) and Enterprise Income Tax Law art. 27: "
    "exempt in years 1-3, half rate in years 4-6"
)


def add_input(
    m: Model,
    name: str,
    value: Sourced | float,
    label: str | None = None,
    source: str | None = None,
    *,
    unit: str,
    link: str | None = None,
    structural: bool = False,
) -> InputRef:
    """Add a model input from a `Sourced` value or a plain number, in `unit`.

    `link` marks a value taken from the programme's assumptions (`assumptions.<name>`);
    `structural` one that fixes the model's shape (`Input.structural`).
    """
    if not unit:
        raise ValueError(f"{m.name}: input {name} has no unit")
    number = float(getattr(value, "value", value))
    source = source or getattr(value, "source", None)
    return m.input(name, number, unit, source, label, link, structural)


def assumption_at(assumptions: Assumptions, path: str) -> object:
    """The programme assumption at the dotted `path`, whatever its kind (a `Sourced`, a
    `RateSchedule`, a group of them)."""
    value: object = assumptions
    for part in path.split("."):
        value = getattr(value, part)
    return value


def assumption_input(
    m: Model,
    name: str,
    assumptions: Assumptions,
    path: str,
    label: str,
    unit: str | None = None,
) -> InputRef:
    """A model input that takes the programme assumption at `path` (e.g.
    `emission_factors_t_co2_per_tj.coal`), linked to it so the workbook and the risk engine
    change it in one place."""
    value = assumption_at(assumptions, path)
    if not isinstance(value, (Sourced, int, float)):
        raise TypeError(f"assumptions.{path} is not a number")
    unit = unit or declared_unit(assumptions, path)
    return add_input(m, name, value, label, unit=unit, link=f"assumptions.{path}")


def grid_emission_factor(m: Model, assumptions: Assumptions, archetype: str) -> LineRef:
    """The grid's combined margin for a project of `archetype`, as CDM Tool 07 builds it:
    EF_CM = w_OM x EF_OM + (1 - w_OM) x EF_BM, the weight w_OM the archetype's in
    `assumptions.grid_emission_factor.operating_margin_weight` (0.75 for solar, 0.5 for
    other projects), each input linked to the programme's assumption."""
    base = "grid_emission_factor"
    om = assumption_input(
        m,
        "grid_om_t_per_mwh",
        assumptions,
        f"{base}.operating_margin_t_per_mwh",
        "Grid operating margin (OM)",
    )
    bm = assumption_input(
        m,
        "grid_bm_t_per_mwh",
        assumptions,
        f"{base}.build_margin_t_per_mwh",
        "Grid build margin (BM)",
    )
    weight = assumption_input(
        m,
        "grid_om_weight_share",
        assumptions,
        f"{base}.operating_margin_weight.{archetype}",
        f"Operating margin's weight in the combined margin ({archetype})",
    )
    return m.line(
        "grid_emission_factor_t_per_mwh",
        weight * om + (1 - weight) * bm,
        "t CO2/MWh",
        "Grid emission factor (combined margin, CDM Tool 07)",
    )


def schedule_line(m: Model, name: str, assumptions: Assumptions, path: str, label: str) -> LineRef:
    """A rate that steps by calendar year (a `RateSchedule` of the programme's assumptions at
    `path`, e.g. `vat_rates.electricity`): an input a step, linked to it, and the line of the
    rate in force each period, IF(year >= the last step's year, its rate, IF(...)). The
    programme's check has made sure the first step is not after the base year."""
    schedule = assumption_at(assumptions, path)
    if not isinstance(schedule, dict):
        raise TypeError(f"assumptions.{path} is not a schedule")
    rate: Expr | None = None
    for year, step in schedule_steps(schedule):
        here = add_input(
            m,
            f"{name}_from_{year}",
            step,
            f"{label}, from {year}",
            unit="rate",
            link=f"assumptions.{path}.from_{year}",
        )
        rate = here if rate is None else IF(m.year >= year, here, rate)
    if rate is None:  # definitions.schema's RateSchedule refuses a schedule without a step
        raise ValueError(f"assumptions.{path}: a schedule needs at least one step")
    return m.line(name, rate, "rate", f"{label}, in force in the year")


VAT_RATE_LINES = {
    "electricity": ("vat_rate_electricity", "VAT on electricity"),
    "goods": ("vat_rate_goods", "VAT on goods (standard rate)"),
    "low_rate": ("vat_rate_low", "VAT at the low rate (gas, heat, cooling)"),
    "services": ("vat_rate_services", "VAT on services"),
}
"""The line of each kind of `vat_rates` in a model, and its label."""


def vat_rate(m: Model, assumptions: Assumptions, kind: str) -> LineRef:
    """The VAT rate of `kind` (`vat_rates.<kind>`) in force each year, as a line."""
    name, label = VAT_RATE_LINES[kind]
    return schedule_line(m, name, assumptions, f"vat_rates.{kind}", label)


def with_vat(unit: str, included: bool = True) -> str:
    """A price's unit saying whether it includes VAT: `yuan/kWh incl. VAT`, or `no VAT` for
    a price that carries none (wages, rent from a landlord outside VAT, fees)."""
    return f"{unit} {INCL_VAT if included else NO_VAT}"


@dataclass(frozen=True)
class PriceInputs:
    """`add(name, label, vat=True)`: a model input from the parameter of that name whose unit,
    from the name, says whether the price includes VAT (`with_vat`)."""

    m: Model
    params: BaseModel

    def __call__(
        self, name: str, label: str, vat: bool = True, unit: str | None = None
    ) -> InputRef:
        unit = with_vat(unit or declared_unit(self.params, name), vat)
        return add_input(self.m, name, getattr(self.params, name), label, unit=unit)


def price_inputs(m: Model, params: BaseModel) -> PriceInputs:
    """`add(name, label, vat=True)` for the prices among `params` (`PriceInputs`)."""
    return PriceInputs(m, params)


def project_model(project: ProjectDef[Any], n_periods: int | None = None) -> Model:
    """An empty model for a project: its id, start year, and construction plus operating
    years as periods (unless `n_periods` says otherwise)."""
    if n_periods is None:
        fin = project.parameters.finance
        n_periods = fin.construction_years + fin.operating_years
    return Model(project.id, project.start_year, n_periods)


@dataclass(frozen=True)
class ParameterInputs:
    """`add(name, label, unit=None, **kw)`: a model input from the parameter of that name."""

    m: Model
    params: BaseModel

    def __call__(
        self,
        name: str,
        label: str,
        unit: str | None = None,
        *,
        source: str | None = None,
        link: str | None = None,
        structural: bool = False,
    ) -> InputRef:
        unit = unit or declared_unit(self.params, name)
        value = getattr(self.params, name)
        return add_input(
            self.m, name, value, label, source, unit=unit, link=link, structural=structural
        )


def parameter_inputs(m: Model, params: BaseModel) -> ParameterInputs:
    """`add(name, label, unit=None, **kw)` for the parameters `params` (`ParameterInputs`)."""
    return ParameterInputs(m, params)


def finance_inputs(
    m: Model,
    fin: FinanceParams,
    assumptions: Assumptions,
    *,
    replacement_cost_yuan: Expr | None = None,
    replacement_interval_years: Expr | None = None,
    tax_rate: Sourced | float | None = None,
    extra_capex_yuan: Expr | None = None,
    capex_label: str = "Capex",
    production_unit: str | None = None,
    carbon_price: bool = True,
    capex_vat_share: Sourced | None = None,
    vat_creditable: str | None = None,
) -> FinanceInputs:
    """Model inputs for the finance terms of a project (`FinanceParams`), with the
    programme's assumptions where the project leaves a rate out.

    `extra_capex_yuan` is capex the archetype builds up from its own inputs (vehicles x unit
    cost); the project's `capex_yuan` is then the rest, labelled `capex_label`. A given
    `tax_rate` replaces the programme's (tax-exempt public spending). `production_unit` is the
    unit of the archetype's production line (kWh, km, t): it adds the production subsidy in
    yuan per that unit; `carbon_price` adds the price of the tonnes avoided.

    VAT on the capex: `capex_vat_share` (a `Sourced` share, the archetype's; a project's
    `finance.capex_vat_share` replaces it) is the share of the capex (VAT included) bought
    as goods at the standard rate (`vat_rates.goods`, in force in the year); its VAT is
    creditable where `vat_creditable` gives the reason it is (the project makes taxable
    sales), and never a resource cost. Without a share, none (0)."""
    a = assumptions

    def add(
        name: str,
        value: Sourced | float,
        label: str,
        unit: str | None = None,
        *,
        source: str | None = None,
        structural: bool = False,
    ) -> InputRef:
        unit = unit or declared_unit(fin, name)
        return add_input(m, name, value, label, source, unit=unit, structural=structural)

    def own_or_programme(name: str, own: Sourced | None, assumption: str, label: str) -> InputRef:
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
    capex = add("capex_yuan", fin.capex_yuan, capex_label, unit=with_vat("yuan"))
    share = fin.capex_vat_share or capex_vat_share
    vat = VatInputs(
        capex_vat_share=add(
            "capex_vat_share",
            share if share is not None else 0.0,
            "Share of capex bought as goods with VAT (standard rate)",
            source=None if share is not None else "assumption: no VAT content stated",
        ),
        vat_creditable=add(
            "vat_creditable",
            1.0 if vat_creditable else 0.0,
            "Input VAT creditable (1/0)",
            source=vat_creditable
            or "not creditable: the project makes no taxable sales of its own",
            unit="flag",
        ),
        goods_rate=vat_rate(m, a, "goods"),
        surtax_rate=ex_total(
            assumption_input(
                m,
                "urban_construction_tax_rate",
                a,
                "urban_construction_tax_rate",
                "Urban maintenance and construction tax, share of VAT paid",
            ),
            assumption_input(
                m,
                "education_surcharge_rate",
                a,
                "education_surcharge_rate",
                "Education surcharge, share of VAT paid",
            ),
            assumption_input(
                m,
                "local_education_surcharge_rate",
                a,
                "local_education_surcharge_rate",
                "Local education surcharge, share of VAT paid",
            ),
        ),
        social_discount_rate=assumption_input(
            m, "social_discount_rate", a, "social_discount_rate", "Social discount rate"
        ),
    )
    sized = fin.debt_sizing == "cover"
    return FinanceInputs(
        vat=vat,
        capex_yuan=capex if extra_capex_yuan is None else capex + extra_capex_yuan,
        construction_years=construction,
        operating_years=operating,
        capital_grant_yuan=add("capital_grant_yuan", fin.capital_grant_yuan, "Capital grant"),
        replacement_cost_yuan=replacement_cost_yuan
        if replacement_cost_yuan is not None
        else add(
            "replacement_cost_yuan",
            fin.replacement_cost_yuan,
            "Replacement cost",
            unit=with_vat("yuan"),
        ),
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
        debt_share=None if sized else add("debt_share", fin.debt_share, "Debt share of capex"),
        debt_sizing=fin.debt_sizing,
        target_dscr=None
        if fin.target_dscr is None
        else add("target_dscr", fin.target_dscr, "Lenders' minimum DSCR", unit="x"),
        max_gearing=None  # given with debt_sizing: cover, and only then (FinanceParams)
        if fin.max_gearing is None
        else add("max_gearing", fin.max_gearing, "Largest debt share of capex", unit="share"),
        debt_rate=own_or_programme(
            "debt_rate", fin.debt_rate, "lending_rate", "Debt interest rate"
        ),
        tenor_years=add(
            "tenor_years",
            fin.tenor_years,
            "Debt tenor (from the first drawdown, construction and grace included)",
            unit="years",
            structural=True,
        ),
        grace_years=add(
            "grace_years",
            fin.grace_years,
            "Grace years (interest only, after COD)",
            unit="years",
            structural=True,
        ),
        repayment=fin.repayment,
        repayment_annuity=None
        if fin.repayment == "sculpted"
        else add(
            "repayment_annuity",
            REPAYMENT_STYLES[fin.repayment],
            "Annuity repayment (1) or equal principal (0)",
            unit="flag",
        ),
        dsra_months=add(
            "dsra_months",
            fin.dsra_months,
            "Debt-service reserve (months of debt service)",
            unit="months",
        )
        if fin.dsra_months
        else None,
        mra=fin.mra,
        tax_rate=add("tax_rate", tax_rate, "Corporate income tax rate", unit="rate")
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
            "tax_half_share",
            0.5,
            "Share of rate in half-rate years",
            source=TAX_HOLIDAY_SOURCE,
            unit="share",
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
            "Production subsidy (a fiscal subsidy, outside VAT)",
            unit=f"yuan/{production_unit}",
        ),
        carbon_price_yuan_per_t=add(
            "carbon_price_yuan_per_t",
            fin.carbon_price_yuan_per_t,
            "Carbon price (credits sold), what the seller keeps after VAT",
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
class VatInputs:
    """What the VAT account, the surtaxes and the economic cash flow read."""

    capex_vat_share: Expr  # share of capex (VAT incl.) bought as goods at the standard rate
    vat_creditable: Expr  # 1 the project credits its input VAT, 0 not
    goods_rate: Expr  # the standard rate in force each year (a line)
    surtax_rate: Expr  # 城建税 + 教育费附加 + 地方教育附加, on the VAT paid
    social_discount_rate: Expr


@dataclass(frozen=True)
class FinanceInputs:
    """References to the model inputs that `add_finance` reads."""

    vat: VatInputs

    capex_yuan: Expr
    construction_years: Expr
    operating_years: Expr
    capital_grant_yuan: Expr
    replacement_cost_yuan: Expr
    replacement_interval_years: Expr
    depreciation_years: Expr
    residual_value_share: Expr
    debt_share: Expr | None  # None when the loan is sized to cover
    debt_rate: Expr
    tenor_years: Expr  # from the first drawdown: construction, grace and repayment
    grace_years: Expr  # interest-only operating years after COD
    repayment_annuity: Expr | None  # 1 annuity, 0 equal principal; None when sculpted
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
    debt_sizing: str = "share"  # "share" (debt_share of capex) or "cover" (sized)
    target_dscr: Expr | None = None  # the sizing target, or the cover a fixed loan is held to
    max_gearing: Expr | None = None  # with "cover": the largest debt share of capex
    repayment: str = "annuity"  # "annuity", "equal_principal" or "sculpted"
    dsra_months: Expr | None = None  # None: no debt-service reserve
    mra: bool = False  # a maintenance reserve for the replacements
