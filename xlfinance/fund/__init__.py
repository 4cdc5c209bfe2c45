"""The programme's investment fund: a model of commitments, calls, fees, the waterfall and
returns by investor class, built from `fund.yaml` and the projects' equity cash flows.

    from xlfinance.definitions import load_programme
    from xlfinance.fund import evaluate_fund, fund_results
    programme = load_programme("projects/xiaolan")
    fund = evaluate_fund(programme)          # None when the folder has no fund.yaml
    fund_results(fund)                       # the `fund` section of results.json

Modules: `model` (builds the lines in steps, and the API below), the steps `terms`,
`investments`, `calls`, `distribution` (with `accounts` and `waterfall`, whose
`add_waterfall` is the tiers for the fund, each deal and the liquidation at NAV), `metrics`
(returns as lines, outputs and tables), `results` (the results.json section).
"""

from xlfinance.fund.model import (
    FundEvaluation,
    FundModel,
    ProjectFlows,
    build_fund_model,
    evaluate,
    evaluate_fund,
    project_flows,
)
from xlfinance.fund.results import fund_results

__all__ = [
    "FundEvaluation",
    "FundModel",
    "ProjectFlows",
    "build_fund_model",
    "evaluate",
    "evaluate_fund",
    "fund_results",
    "project_flows",
]
