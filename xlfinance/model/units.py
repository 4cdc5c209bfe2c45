"""Scales and missing numbers shared by the engine, the roll-up and the renderers.

- 万 (wan) is 10,000: budgets are in 万元 (10,000 yuan) and claimed reductions in 万 t.
- A number that does not exist (no IRR, no debt to cover) is NaN in the arrays and None in
  results.json and the reports: `finite_or_none` is the one conversion.
"""

from __future__ import annotations

import math
from typing import Any

YUAN_PER_WAN = 10_000.0
"""Yuan in one 万元."""
T_PER_WAN_T = 10_000.0
"""Tonnes in one 万 t."""


def finite_or_none(value: Any) -> float | None:
    """`value` as a float, or None when it is None, a boolean, not a number, NaN or
    infinite."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


__all__ = ["T_PER_WAN_T", "YUAN_PER_WAN", "finite_or_none"]
