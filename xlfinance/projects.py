"""Evaluate every project of a programme: its model, annual table and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlfinance.archetypes import build_model
from xlfinance.model.core import Evaluation, Model

if TYPE_CHECKING:  # pandas is imported where a table is made, not by every command
    import pandas as pd

    from xlfinance.definitions.load import Programme
    from xlfinance.definitions.schema import ProjectDef


@dataclass(frozen=True)
class ProjectResult:
    """One project: its definition, model, evaluation (base case) and metrics."""

    definition: ProjectDef[Any]
    model: Model
    evaluation: Evaluation

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def metrics(self) -> dict[str, float]:
        return self.evaluation.metrics()

    @property
    def annual(self) -> pd.DataFrame:
        return self.evaluation.frame()


def evaluate_projects(programme: Programme) -> dict[str, ProjectResult]:
    """Build and evaluate every project of a loaded programme, keyed by project id."""
    results: dict[str, ProjectResult] = {}
    for definition in programme.projects:
        model = build_model(definition, programme)
        results[definition.id] = ProjectResult(definition, model, model.evaluate())
    return results


def metrics_table(results: dict[str, ProjectResult]) -> pd.DataFrame:
    """A row a project, a column a metric (units in the names), plus its archetype and line."""
    import pandas as pd

    rows = {
        pid: {
            "name_en": r.definition.name.en,
            "archetype": r.definition.archetype,
            "budget_line": r.definition.budget_line,
            **r.metrics,
        }
        for pid, r in results.items()
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "project"
    return frame
