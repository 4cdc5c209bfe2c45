"""Parameter schemas of the archetypes, registered with the definitions loader on import.

Each module here declares `ARCHETYPE` (its name in `schema.ARCHETYPES`) and `PARAMS` (the
pydantic model of a project's `parameters`); importing this package registers them all.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from xlfinance.definitions.params.finance import FinanceParams
from xlfinance.definitions.schema import register_archetype


def _register_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        module = import_module(f"{__name__}.{info.name}")
        if hasattr(module, "ARCHETYPE"):
            register_archetype(module.ARCHETYPE, module.PARAMS)


_register_all()

__all__ = ["FinanceParams"]
