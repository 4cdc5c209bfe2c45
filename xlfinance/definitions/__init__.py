"""Definitions of a programme: YAML files read strictly and validated by pydantic models.

    from xlfinance.definitions import load_programme
    programme = load_programme("projects/xiaolan")   # raises DefinitionError listing every problem

Modules: `yamlio` (strict YAML reading with line positions), `schema` (the models,
the archetype registry and plain-English field errors), `checks` (cross-field
`check_*` functions), `load` (`load_programme`, `Programme`).
"""

from xlfinance.definitions.load import Programme, load_programme
from xlfinance.definitions.schema import (
    ARCHETYPE_PARAMS,
    ARCHETYPES,
    Assumptions,
    BenefitLine,
    Benefits,
    Bilingual,
    Budget,
    BudgetLine,
    ProgrammeFile,
    ProgrammeInfo,
    ProjectDef,
    Sourced,
    Targets,
    register_archetype,
)
from xlfinance.errors import DefinitionError, Problem

__all__ = [
    "ARCHETYPES",
    "ARCHETYPE_PARAMS",
    "Assumptions",
    "BenefitLine",
    "Benefits",
    "Bilingual",
    "Budget",
    "BudgetLine",
    "DefinitionError",
    "Problem",
    "Programme",
    "ProgrammeFile",
    "ProgrammeInfo",
    "ProjectDef",
    "Sourced",
    "Targets",
    "load_programme",
    "register_archetype",
]
