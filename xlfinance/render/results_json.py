"""results.json: every headline number of a build, machine-readable.

NaN (no IRR, no payback, no debt to cover) is written as null: JSON has no NaN.
"""

from __future__ import annotations

import json
import math
from typing import Any


def clean(value: Any) -> Any:
    """Plain JSON types: NaN and infinities become None, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(results: dict[str, Any]) -> str:
    return json.dumps(clean(results), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
