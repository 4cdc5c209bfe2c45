"""`check_programme`: everything a build checks before it writes, for `validate` too.

`validate` used to stop at the schemas and the project models, so it passed what `build`
then refused: a misspelt path in risk.yaml, a fund investment outside its project's life, an
archetype's own guard (a ValueError that ended `validate` in a traceback). Both commands now
run this one function: it builds and evaluates every project model, turning an archetype's
guard into a problem naming the project's file, the field and its line; builds the fund,
whose check of each investment's window against its project's life runs there; and
resolves every risk.yaml path (distributions, tornado, scenario overrides) against the
models' inputs; and checks structuring.yaml's inputs and outputs against the models.
Every problem it finds is raised at once as a `DefinitionError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xlfinance import collector
from xlfinance.archetypes import build_model
from xlfinance.definitions import Programme
from xlfinance.definitions.yamlio import read_yaml
from xlfinance.errors import DefinitionError, ParameterError, Problem
from xlfinance.fund import evaluate_fund
from xlfinance.model.core import ModelError
from xlfinance.projects import ProjectResult

if TYPE_CHECKING:
    from xlfinance.fund.model import FundEvaluation


@dataclass(frozen=True)
class CheckedProgramme:
    """A programme that passed every check, with what the checks computed."""

    programme: Programme
    projects: dict[str, ProjectResult]
    fund: FundEvaluation | None
    """The evaluated fund, None without fund.yaml."""


@collector.held
def check_programme(programme: Programme) -> CheckedProgramme:
    """Build every model the programme defines and resolve every path it names; raise one
    `DefinitionError` with every problem found. What was made before a project's model is
    held out of the collector's full passes while it is built (`xlfinance.collector`)."""
    problems: list[Problem] = []
    projects: dict[str, ProjectResult] = {}
    for definition in programme.projects:
        collector.hold()
        try:
            model = build_model(definition, programme)
            projects[definition.id] = ProjectResult(definition, model, model.evaluate())
        except (ValueError, ModelError) as exc:
            problems.append(_guard_problem(programme, definition.id, exc))
    if problems:
        raise DefinitionError(problems)
    fund = evaluate_fund(programme, projects)
    if programme.risk is not None:
        from xlfinance.risk.engine import resolve_paths

        resolve_paths(programme, projects, fund)
    if programme.structuring is not None:
        from xlfinance.structuring.check import check_models, structuring_file

        problems = check_models(programme.structuring, projects, structuring_file(programme))
        if programme.structuring.fund is not None:  # the fund section, against fund.yaml
            from xlfinance.structuring.fund import check_fund_section

            fund_model = fund.fund if fund is not None else None
            problems += check_fund_section(
                programme.structuring, fund_model, projects, structuring_file(programme)
            )
        if problems:
            raise DefinitionError(problems)
    return CheckedProgramme(programme, projects, fund)


def project_file(programme: Programme, project_id: str) -> Path:
    """The file a project was defined in, as the user's paths name it."""
    for path in programme.files:
        if path.parent.name == "projects" and path.stem == project_id:
            return path
    return Path(programme.root) / "projects" / f"{project_id}.yaml"


def _guard_problem(programme: Programme, project_id: str, exc: Exception) -> Problem:
    file = project_file(programme, project_id)
    field = exc.field if isinstance(exc, ParameterError) else "parameters"
    line = None
    try:
        line = read_yaml(file, str(file)).line_of(field)
    except DefinitionError:
        pass
    message = str(exc)
    prefix = f"{project_id}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    return Problem(str(file), field, message, line)
