"""Archetypes: each turns a project definition into a model of lines.

`build_model(project, programme)` calls the builder of the project's archetype, from its
record in `registry.REGISTRY`; every builder adds its own physical and commercial lines and
then the shared project finance of `common`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlfinance.model.core import Model

if TYPE_CHECKING:
    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef


def build_model(project: ProjectDef[Any], programme: Programme) -> Model:
    """The model of one project definition."""
    from xlfinance.archetypes.registry import archetype  # its builders import this package

    return archetype(project.archetype).build(project, programme)
