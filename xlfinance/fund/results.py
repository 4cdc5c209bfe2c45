"""The `fund` section of results.json.

    {"gross_irr": 0.21, "gross_moic": 2.4, "years": [2015, ..., 2026],
     "classes": {"<class>": {"net_irr": ..., "tvpi": ..., "dpi": ...,
                             "cash_flows": [one number a year]}, ...}}

`cash_flows` are a class's net cash flows a year of the term, negative paid in and positive
received, the last year including the final liquidation; for the manager's class they
include the carried interest. Anyone can recompute the class's net IRR (IRR of the flows)
and DPI (received over paid in) from them. `tvpi` and `dpi` are at the end of the term,
when every investment has been exited, so they are equal. NaN (no IRR) is None.
"""

from __future__ import annotations

from xlfinance.model.units import finite_or_none as _number


def fund_results(fe, scenario: int = 0) -> dict:
    """The results.json `fund` section of a `FundEvaluation` (None in, None out)."""
    if fe is None:
        return None
    metrics = fe.evaluation.metrics(scenario)
    classes = {}
    for c in fe.fund.classes:
        classes[c] = {
            "net_irr": _number(metrics[f"net_irr_{c}"]),
            "tvpi": _number(metrics[f"tvpi_{c}"]),
            "dpi": _number(metrics[f"dpi_{c}"]),
            "cash_flows": [float(v) for v in fe.line(f"net_cash_flow_{c}", scenario)],
        }
    return {
        "gross_irr": _number(metrics["gross_irr"]),
        "gross_moic": _number(metrics["gross_moic"]),
        "years": fe.years,
        "classes": classes,
    }
