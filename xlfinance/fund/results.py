"""The `fund` section of results.json.

    {"gross_irr": 0.21, "gross_moic": 2.4, "years": [2015, ..., 2026],
     "classes": {"<class>": {"net_irr", "tvpi", "dpi", "rvpi", "paid_in_yuan",
                             "distributed_yuan", "committed_yuan", "equalisation_yuan",
                             "equalisation_interest_yuan",
                             "cash_flows", "contributions_yuan", "distributions_yuan",
                             "nav_yuan", "tvpi_by_year", "dpi_by_year", "rvpi_by_year"}},
     "manager": {"class", "carried_interest_yuan", "carried_interest_by_year",
                 "accrued_carried_interest_by_year", "net_irr_with_carry"},
     "deployment": {"committed_yuan", "called_yuan", "invested_yuan", ...}}

Per class, a number a year of the term: `contributions_yuan` (capital contributed, calls plus
equalisation, negative in a close year where the refund of an earlier closer's excess is
larger than its call, plus equalisation interest paid), `distributions_yuan` (the waterfall's
distributions plus equalisation interest received), `nav_yuan` (its share of the fund's NAV
if liquidated at the year end) and `cash_flows` = distributions - contributions. ILPA's
ratios follow from them: DPI = sum(distributions) / sum(contributions), RVPI = NAV /
sum(contributions), TVPI = DPI + RVPI, each to date (`*_by_year`, null before anything is
paid in) and at the end of the term. The manager's class is its own commitment only; its
carried interest is under `manager`. NaN (no IRR) is None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from xlfinance.definitions.schema import declared_unit
from xlfinance.model.core import Line, Output
from xlfinance.model.units import finite_or_none as _number

if TYPE_CHECKING:
    from xlfinance.fund.model import FundEvaluation

CLASS_TOTALS = (
    ("paid_in_yuan", "paid_in_yuan"),
    ("distributed_yuan", "received_yuan"),
    ("committed_yuan", "committed_yuan"),
    ("equalisation_yuan", "equalisation_yuan"),
    ("equalisation_interest_yuan", "equalisation_interest_yuan"),
)
CLASS_SERIES = (
    ("cash_flows", "net_cash_flow"),
    ("contributions_yuan", "contributions"),
    ("distributions_yuan", "received"),
    ("nav_yuan", "residual_value"),
    ("tvpi_by_year", "tvpi"),
    ("dpi_by_year", "dpi"),
    ("rvpi_by_year", "rvpi"),
)
DEPLOYMENT = (
    "committed_yuan",
    "called_yuan",
    "invested_yuan",
    "uncalled_yuan",
    "uninvested_yuan",
    "management_fees_yuan",
    "fund_expenses_yuan",
    "called_ratio",
    "deployment_ratio",
    "fees_share_of_invested",
    "fees_and_expenses_share_of_invested",
)


def fund_results(fe: FundEvaluation | None, scenario: int = 0) -> dict[str, object] | None:
    """The results.json `fund` section of a `FundEvaluation` (None in, None out): each
    number read from the fund model's row `fund_rows` names for its path, beside the years,
    the manager's class and the definition's deployment minimum."""
    if fe is None:
        return None
    metrics = fe.evaluation.metrics(scenario)

    def value(kind: str, name: str) -> object:
        if kind == OUTPUT:
            return _number(metrics[name])
        line = fe.line(name, scenario)
        if kind == TOTAL:
            return _number(float(line.sum()))
        return [_number(float(v)) for v in line]

    minimum = fe.fund.definition.deployment
    section: dict[str, Any] = {  # in the order results.json lists them
        "gross_irr": None,
        "gross_moic": None,
        "years": fe.years,
        "classes": {},
        "manager": {"class": fe.fund.manager},
        "investments": {},
        "deployment": {
            **dict.fromkeys(DEPLOYMENT),
            "minimum_ratio": None if minimum is None else minimum.minimum_ratio.value,
        },
    }
    for path, (kind, name) in fund_rows(fe).items():
        *parents, key = path.split(".")[1:]
        node = section
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = value(kind, name)
    return section


OUTPUT, LINE, TOTAL = "output", "line", "total"


Rows = dict[str, tuple[str, str]]
"""results.json path -> (OUTPUT, LINE or TOTAL, the fund model's name)."""


def fund_rows(fe: FundEvaluation) -> Rows:
    """The fund model's row behind each number of the `fund` section, by its results.json
    path: (OUTPUT, name) for a metric, (LINE, name) for a number a year, (TOTAL, name) for
    the sum of a line. The one map from the model's names (`net_irr_senior`) to the results'
    (`fund.classes.senior.net_irr`), in the order of the section (`fund_results`)."""

    def outputs(pairs: Iterable[tuple[str, str]]) -> Rows:
        return {path: (OUTPUT, name) for path, name in pairs}

    def lines(pairs: Iterable[tuple[str, str]]) -> Rows:
        return {path: (LINE, name) for path, name in pairs}

    rows = outputs((("fund.gross_irr", "gross_irr"), ("fund.gross_moic", "gross_moic")))
    for c in fe.fund.classes:
        at = f"fund.classes.{c}"
        rows |= outputs((f"{at}.{key}", f"{key}_{c}") for key in ("net_irr", "tvpi", "dpi", "rvpi"))
        rows |= outputs((f"{at}.{key}", f"{name}_{c}") for key, name in CLASS_TOTALS)
        rows |= lines((f"{at}.{key}", f"{line}_{c}") for key, line in CLASS_SERIES)
    manager = "fund.manager"
    rows |= outputs(((f"{manager}.carried_interest_yuan", "carried_interest_yuan"),))
    rows |= lines(
        (
            (f"{manager}.carried_interest_by_year", "carried_interest"),
            (f"{manager}.accrued_carried_interest_by_year", "accrued_carried_interest"),
        )
    )
    rows |= outputs(((f"{manager}.net_irr_with_carry", "net_irr_manager_with_carry"),))
    for d in fe.fund.deals:
        rows[f"fund.investments.{d}.invested_yuan"] = (TOTAL, f"investment_{d}")
        rows |= lines(((f"fund.investments.{d}.invested_by_year", f"investment_{d}"),))
    rows |= outputs((f"fund.deployment.{key}", key) for key in DEPLOYMENT)
    rows |= lines(
        (
            ("fund.deployment.management_fee_by_year", "management_fee"),
            ("fund.deployment.fee_basis_by_year", "fee_basis"),
        )
    )
    return rows


def fund_units(fe: FundEvaluation | None) -> dict[str, str]:
    """The unit of each number of the `fund` section, by its results.json path, as the fund
    model's row behind it carries it (`fund_rows`); empty for no fund."""
    if fe is None:
        return {}
    model = fe.model
    kinds: dict[str, Mapping[str, Line | Output]] = {
        OUTPUT: model.outputs,
        LINE: model.lines,
        TOTAL: model.lines,
    }
    found = {path: kinds[kind][name].unit for path, (kind, name) in fund_rows(fe).items()}
    deployment = fe.fund.definition.deployment
    if deployment is not None:  # the minimum is the definition's own number
        found["fund.deployment.minimum_ratio"] = declared_unit(deployment, "minimum_ratio")
    return found
