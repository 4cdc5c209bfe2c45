"""Parameter schemas of the archetypes: one pydantic model a module (`pv.PvParams`, ...).

Each archetype's record in `archetypes.registry` names its model and registers it with the
definitions (`schema.register_archetype`), so a project's `parameters` are validated by it.
"""

from __future__ import annotations

from xlfinance.definitions.params.finance import FinanceParams

__all__ = ["FinanceParams"]
