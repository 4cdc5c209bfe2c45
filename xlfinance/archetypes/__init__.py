"""Archetypes: each turns a project definition into a model of lines.

`build_model(project, programme)` picks the archetype's builder; every builder adds its own
physical and commercial lines and then the shared project finance of `common`.
"""

from __future__ import annotations

from importlib import import_module

from xlfinance.model.core import Model

BUILDERS = ("pv", "chp", "retrofit", "fleet", "industrial", "programme")


def build_model(project, programme) -> Model:
    """The model of one project definition."""
    if project.archetype not in BUILDERS:
        raise ValueError(f"no builder for archetype {project.archetype!r}")
    module = import_module(f"xlfinance.archetypes.{project.archetype}")
    return module.build(project, programme)
