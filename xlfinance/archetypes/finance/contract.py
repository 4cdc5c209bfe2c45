"""The lines, inputs and outputs every archetype's model has (through `add_finance`), by
name: what the fund, the risk engine, the structuring solver, the roll-up and the workbook
read from a project's model. Import these rather than spelling the names."""

from __future__ import annotations

# Lines
CAPEX = "capex"
IN_CONSTRUCTION = "in_construction"
IN_OPERATION = "in_operation"
INTEREST_CAPITALISED = "interest_capitalised"
REPLACEMENT = "replacement"
PROJECT_CASH_FLOW = "project_cash_flow"
EQUITY_CASH_FLOW = "equity_cash_flow"
CUMULATIVE_CASH_FLOW = "cumulative_cash_flow"
ADJUSTED_TAX = "adjusted_tax"
"""The tax on EBIT, as if the project had no debt: what a loan sized to cover is sized on."""
EFFECTIVE_TAX_RATE = "effective_tax_rate"
"""The tax rate due each period, the holiday applied (tax.add_tax)."""
CARBON_REVENUE = "carbon_revenue_yuan"
"""Carbon credits sold: among the subsidies, but market income (operations.add_support)."""

# Inputs
DISCOUNT_RATE = "discount_rate"
CAPITAL_GRANT = "capital_grant_yuan"
DEBT_SHARE = "debt_share"

# Outputs
IRR = "irr"
EQUITY_IRR = "equity_irr"
NPV = "npv_yuan"
MIN_DSCR = "min_dscr"

__all__ = [
    "ADJUSTED_TAX",
    "CAPEX",
    "CAPITAL_GRANT",
    "CARBON_REVENUE",
    "CUMULATIVE_CASH_FLOW",
    "DEBT_SHARE",
    "DISCOUNT_RATE",
    "EFFECTIVE_TAX_RATE",
    "EQUITY_CASH_FLOW",
    "EQUITY_IRR",
    "IN_CONSTRUCTION",
    "IN_OPERATION",
    "INTEREST_CAPITALISED",
    "IRR",
    "MIN_DSCR",
    "NPV",
    "PROJECT_CASH_FLOW",
    "REPLACEMENT",
]
