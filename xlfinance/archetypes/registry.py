"""Every archetype in one record: its parameters, its builder, and how it is shown.

Adding an archetype is a params module (`definitions/params/<name>.py`, its pydantic
model), a builder module (`archetypes/<name>.py`, `build(project, programme)`), its name in
`definitions.schema.ARCHETYPES` and a record here; `tests/test_archetype_registry.py` fails
until every part is there. Everything else (the definitions' union of projects discriminated
on `archetype`, which each record's params model joins here, `build_model`, the reports'
labels, the charts' colours, `xlfinance new`, which projects can be financed) reads the
record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from xlfinance.archetypes import chp, fleet, industrial, programme, pv, retrofit
from xlfinance.definitions.params.chp import ChpParams
from xlfinance.definitions.params.fleet import FleetParams
from xlfinance.definitions.params.industrial import IndustrialParams
from xlfinance.definitions.params.programme import ProgrammeParams
from xlfinance.definitions.params.pv import PvParams
from xlfinance.definitions.params.retrofit import RetrofitParams
from xlfinance.definitions.schema import register_archetype
from xlfinance.model.core import Model

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef


@dataclass(frozen=True)
class Archetype:
    """One kind of project."""

    name: str
    """As a definition names it (`archetype: pv`)."""
    label: tuple[str, str]
    """(Chinese, English), as the reports and charts name it."""
    params: type[BaseModel]
    """The pydantic model of a project's `parameters`."""
    build: Callable[[ProjectDef[Any], Programme], Model]
    """`build(project, programme)`: the project's model."""
    example: str
    """The Xiaolan project that `xlfinance new --archetype <name>` starts from."""
    colour: str
    """Its colour in the charts (MACC bars, legends)."""
    investable: bool = True
    """False for public spending (studies, forums, lanes): paid from the budget, with no
    return to finance, so no pitch, fund deal or structuring solve."""
    abatement_modelled: bool = True
    """False where the tonnes are the plan's claim taken as given, with no model of how they
    are avoided (a planning standard, a campaign): such a line is listed apart from the
    MACC, as claimed and not modelled."""


NAVY, GREEN, GREY = "#1F4E79", "#2E7D5B", "#8A8F98"
"""The palette of the charts (`render.drawing`), which the MACC bars take their colours from."""

REGISTRY: dict[str, Archetype] = {
    a.name: a
    for a in (
        Archetype("pv", ("分布式光伏", "Rooftop PV"), PvParams, pv.build, "pv_phase1", "#E0A100"),
        Archetype(
            "chp", ("天然气分布式能源", "Gas CCHP"), ChpParams, chp.build, "des_phase1", NAVY
        ),
        Archetype(
            "retrofit",
            ("建筑节能改造", "Building retrofit"),
            RetrofitParams,
            retrofit.build,
            "public_buildings_phase1",
            GREEN,
        ),
        Archetype(
            "fleet",
            ("车辆油改气", "Vehicle fuel switch"),
            FleetParams,
            fleet.build,
            "taxi_cng",
            "#3A8FB7",
        ),  # fmt: skip
        Archetype(
            "industrial",
            ("工业锅炉改造", "Industrial boilers"),
            IndustrialParams,
            industrial.build,
            "industrial_boilers_phase2",
            "#7A5195",
        ),
        Archetype(
            "programme",
            ("公共项目", "Public programme"),
            ProgrammeParams,
            programme.build,
            "capacity_building",
            GREY,
            investable=False,
            abatement_modelled=False,
        ),
    )
}


for _record in REGISTRY.values():
    register_archetype(_record.name, _record.params)


def archetype(name: str) -> Archetype:
    """The record of archetype `name`; ValueError naming the known ones if there is none."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise ValueError(f"no archetype {name!r} (known: {known})") from None


__all__ = ["REGISTRY", "Archetype", "archetype"]
