"""Load a programme folder into a validated `Programme`, collecting every problem.

A programme folder holds `programme.yaml`, `projects/*.yaml` (zero or more; each one
investable project) and optionally `fund.yaml` (the fund's terms, `definitions.fund`) and
`risk.yaml` (scenarios, tornado and distributions, `definitions.risk`).

`load_programme(path)` reads every file, validates each against its schema, runs the
cross-field checks of `checks.py` on whatever validated, and raises one
`DefinitionError` holding every problem found in every file. File names in problems
are the folder as the user gave it joined with the file (`projects/xiaolan/programme.yaml`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from xlfinance.definitions import checks
from xlfinance.definitions.fund import FUND_FILE, FundFile, check_fund, check_fund_projects
from xlfinance.definitions.reconciliation import (
    RECONCILIATION_FILE,
    ReconciliationFile,
    read_reconciliation,
)
from xlfinance.definitions.risk import RISK_FILE, RiskFile, read_risk
from xlfinance.definitions.schema import (
    Assumptions,
    BenefitLine,
    Benefits,
    Budget,
    BudgetLine,
    ProgrammeFile,
    ProgrammeInfo,
    ProjectDef,
    Targets,
    import_registry,
    validate_model,
)
from xlfinance.definitions.sources import (
    SOURCES_FILE,
    SourcesFile,
    check_citations,
    read_sources,
)
from xlfinance.definitions.structuring import (
    STRUCTURING_FILE,
    StructuringFile,
    read_structuring,
)
from xlfinance.definitions.yamlio import YamlDocument, path_problem, read_yaml
from xlfinance.errors import DefinitionError, Problem

_F = TypeVar("_F")

PROGRAMME_FILE = "programme.yaml"
PROJECTS_DIR = "projects"
PROJECT_SUFFIX = ".yaml"


@dataclass(frozen=True)
class Programme:
    """A validated programme: its definitions and the files they came from."""

    root: Path
    """The programme folder, as given to `load_programme`."""
    programme: ProgrammeInfo
    assumptions: Assumptions
    budget: Budget
    benefits: Benefits
    targets: Targets
    projects: tuple[ProjectDef[Any], ...]
    """One per `projects/*.yaml`, sorted by id."""
    files: tuple[Path, ...]
    """Every file read: `programme.yaml` first, then the project files, then `fund.yaml`,
    then `risk.yaml`, then `structuring.yaml`, then `reconciliation.yaml`, then
    `sources.yaml`."""
    fund: FundFile | None = None
    """The fund's terms from `fund.yaml`; None when the folder has none."""
    risk: RiskFile | None = None
    """Scenarios, tornado and distributions from `risk.yaml` (`definitions.risk`); None when
    the folder has none."""
    structuring: StructuringFile | None = None
    """Targets and what may move to meet them, from `structuring.yaml`
    (`definitions.structuring`); None when the folder has none."""
    reconciliation: ReconciliationFile | None = None
    """The plan's own checks, from `reconciliation.yaml` (`definitions.reconciliation`);
    None when the folder has none (the checks every plan gets still run)."""
    sources: SourcesFile | None = None
    """The bibliography every `source:` cites, from `sources.yaml` (`definitions.sources`);
    None when the folder has none (its sources are then free text)."""
    warnings: tuple[Problem, ...] = ()
    """What is not wrong but should be looked at (an entry of sources.yaml nothing cites);
    `validate` and `build` print each on stderr."""

    def project(self, project_id: str) -> ProjectDef[Any]:
        for item in self.projects:
            if item.id == project_id:
                return item
        raise KeyError(f"no project {project_id!r}")


def load_programme(path: str | os.PathLike[str], *, require_projects: bool = False) -> Programme:
    """Read and validate the programme folder at `path`.

    Raises `DefinitionError` with every problem found (missing files, YAML errors, field
    errors, failed cross-field checks), in file order, sorted by line within a file.
    With `require_projects` a programme without project files is one of them (`validate`
    and `build` need a project; `xlfinance new`, which starts one, does not).
    """
    import_registry()
    root = Path(path)
    given = os.fspath(path)
    problem = path_problem(root, given, "folder")
    if problem == "folder not found":
        raise DefinitionError([Problem(given, "", "programme folder not found")])
    if problem is not None:
        if problem.endswith("expected a folder"):
            problem = "is not a folder (expected a programme folder)"
        raise DefinitionError([Problem(given, "", problem)])

    collector = _Collector()
    programme_path = root / PROGRAMME_FILE
    programme_file = _display(given, PROGRAMME_FILE)
    doc = collector.read(programme_path, programme_file)
    cited = _Cited()
    cited.add(programme_file, doc)
    parsed, budget_ids = _programme(doc, programme_file, collector)

    projects: list[tuple[str, ProjectDef[Any]]] = []
    project_paths = _project_paths(root, given, collector)
    listed = project_paths is not None  # None: projects/ could not be listed
    project_paths = project_paths or []
    if require_projects and listed and not project_paths:
        collector.problems.append(_no_projects(given))
        listed = False  # that says it: no "unknown project" line for each reference
    base_year = parsed.programme.base_year if parsed is not None else None
    for project_path in project_paths:
        display = _display(given, PROJECTS_DIR, project_path.name)
        project_doc = collector.read(project_path, display)
        cited.add(display, project_doc)
        if project_doc is None:
            continue
        project = collector.validate(ProjectDef, project_doc, display)
        if project is None:
            continue
        collector.add(project_doc, checks.check_project_file_name(project, display))
        if budget_ids is not None:
            collector.add(
                project_doc, checks.check_project_budget_line(project, budget_ids, display)
            )
        if base_year is not None:
            collector.add(project_doc, checks.check_project_start_year(project, base_year, display))
        projects.append((display, project))
    collector.add(None, checks.check_unique_project_ids(projects))

    fund_path = root / FUND_FILE
    fund = None
    if os.path.lexists(fund_path):  # a broken link or a link loop is reported, not skipped
        fund_file = _display(given, FUND_FILE)
        fund_doc = collector.read(fund_path, fund_file)
        cited.add(fund_file, fund_doc)
        fund = None if fund_doc is None else collector.validate(FundFile, fund_doc, fund_file)
        if fund is not None:
            collector.add(fund_doc, check_fund(fund, fund_file))
            if listed and len(projects) == len(project_paths):  # every project id is known
                known = [p for _, p in projects]
                collector.add(fund_doc, check_fund_projects(fund, known, fund_file))

    project_ids = [p.stem for p in project_paths] if listed else None
    extra: list[Path] = []  # the optional files read, in order

    def optional(
        name: str, read: Callable[..., tuple[_F | None, list[Problem]]], **kw: Any
    ) -> _F | None:
        """An optional file of the folder read with `read`; None when it is absent (a
        broken link or a link loop is reported, not skipped) or has problems."""
        path = root / name
        if not os.path.lexists(path):
            return None
        kept: list[YamlDocument] = []
        parsed_file, problems = read(path, _display(given, name), keep=kept, **kw)
        collector.problems.extend(problems)
        cited.add(_display(given, name), kept[0] if kept else None)
        if parsed_file is not None:
            extra.append(path)
        return parsed_file

    risk = optional(
        RISK_FILE,
        read_risk,
        project_ids=project_ids,
        assumptions=parsed.assumptions if parsed is not None else None,
    )
    structuring = optional(STRUCTURING_FILE, read_structuring, project_ids=project_ids)
    reconciliation = optional(
        RECONCILIATION_FILE,
        read_reconciliation,
        programme_file=parsed,
        fund=fund,
        fund_present=os.path.lexists(fund_path),
    )
    sources = _sources(root, given, cited, collector)
    if sources is not None:
        extra.append(root / SOURCES_FILE)

    collector.raise_if_any()
    assert parsed is not None  # no problems means programme.yaml validated
    return Programme(
        root=root,
        programme=parsed.programme,
        assumptions=parsed.assumptions,
        budget=parsed.budget,
        benefits=parsed.benefits,
        targets=parsed.targets,
        projects=tuple(sorted((p for _, p in projects), key=lambda p: p.id)),
        files=(
            programme_path,
            *project_paths,
            *([fund_path] if fund is not None else []),
            *extra,
        ),
        fund=fund,
        risk=risk,
        structuring=structuring,
        reconciliation=reconciliation,
        sources=sources,
        warnings=tuple(collector.warnings),
    )


class _Cited:
    """The documents whose `source:` fields cite the bibliography; whether all were read."""

    def __init__(self) -> None:
        self.docs: list[tuple[str, YamlDocument]] = []
        self.complete = True

    def add(self, display: str, doc: YamlDocument | None) -> None:
        if doc is None:
            self.complete = False  # its problems are reported where it was read
        else:
            self.docs.append((display, doc))


def _sources(root: Path, given: str, cited: _Cited, collector: _Collector) -> SourcesFile | None:
    """`sources.yaml` read and every `source:` read so far checked against it; None when
    the folder has none or it has problems (each one collected)."""
    path = root / SOURCES_FILE
    if not os.path.lexists(path):
        return None
    display = _display(given, SOURCES_FILE)
    sources, doc, problems = read_sources(path, display)
    collector.problems.extend(problems)
    if sources is None or doc is None:  # read_sources gives a file with its document
        return None
    problems, unused = check_citations(cited.docs, sources, doc, display)
    collector.problems.extend(problems)
    if cited.complete:  # a file that could not be read cites nothing we could count
        collector.warnings.extend(unused)
    return sources


def _display(given: str, *parts: str) -> str:
    return str(Path(given, *parts))


def _programme(
    doc: YamlDocument | None, file: str, collector: _Collector
) -> tuple[ProgrammeFile | None, list[str] | None]:
    """Validate programme.yaml and run its checks; returns it and the budget line ids.

    When the file has field errors, the budget and benefit lines that do validate are
    still checked, so that one pass reports as much as it can.
    """
    if doc is None:
        return None, None
    parsed = collector.validate(ProgrammeFile, doc, file)
    data = doc.data if isinstance(doc.data, dict) else {}
    if parsed is not None:
        budget_lines: list[BudgetLine | None] = list(parsed.budget.lines)
        benefit_lines: list[BenefitLine | None] = list(parsed.benefits.lines)
    else:
        budget_lines = _items(BudgetLine, data.get("budget"))
        benefit_lines = _items(BenefitLine, data.get("benefits"))

    collector.add(doc, checks.check_unique_line_ids(budget_lines, file))
    collector.add(doc, checks.check_budget_splits(budget_lines, file))

    budget_ids = _budget_ids(parsed, data)
    if budget_ids is not None:
        collector.add(doc, checks.check_benefit_lines(benefit_lines, budget_ids, file))
    return parsed, budget_ids


def _items(model: type[Any], section: Any) -> list[Any]:
    """The `lines` of a section that failed validation: each line's model, or None."""
    lines = section.get("lines") if isinstance(section, dict) else None
    if not isinstance(lines, list):
        return []
    return [validate_model(model, item, "")[0] for item in lines]


def _budget_ids(parsed: ProgrammeFile | None, data: dict[str, Any]) -> list[str] | None:
    """Budget line ids, read leniently when the budget failed validation (None: unknown)."""
    if parsed is not None:
        return list(parsed.budget.ids)
    budget = data.get("budget")
    lines = budget.get("lines") if isinstance(budget, dict) else None
    if not isinstance(lines, list):
        return None
    return [str(line["id"]) for line in lines if isinstance(line, dict) and "id" in line]


def _no_projects(given: str) -> Problem:
    message = (
        "no project files: a programme needs at least one (start one with:"
        f" xlfinance new {given} --archetype pv)"
    )
    return Problem(_display(given, PROJECTS_DIR), "", message)


def _project_paths(root: Path, given: str, collector: _Collector) -> list[Path] | None:
    """The project files of `root/projects`, sorted; [] when there is no such folder, None
    (with a problem) when it cannot be listed."""
    folder = root / PROJECTS_DIR
    display = _display(given, PROJECTS_DIR)
    if not os.path.lexists(folder):
        return []
    problem = path_problem(folder, display, "folder")
    if problem is not None:
        if problem.endswith("expected a folder"):
            problem = "must be a folder of project files"
        collector.problems.append(Problem(display, "", problem))
        return None
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        reason = exc.strerror or str(exc)
        collector.problems.append(Problem(display, "", f"cannot list folder: {reason}"))
        return None
    paths = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.suffix == PROJECT_SUFFIX:
            paths.append(entry)
        elif entry.suffix == ".yml":
            collector.problems.append(
                Problem(
                    _display(given, PROJECTS_DIR, entry.name),
                    "",
                    "project files must end in .yaml (rename the file)",
                )
            )
    return paths


class _Collector:
    """Gathers problems across files; remembers each file's line positions."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def read(self, path: Path, display: str) -> YamlDocument | None:
        try:
            return read_yaml(path, display)
        except DefinitionError as exc:
            self.problems.extend(exc.problems)
            return None

    def validate(self, model: type[Any], doc: YamlDocument, display: str) -> Any:
        obj, problems = validate_model(model, doc.data, display, line_of=doc.line_of)
        self.problems.extend(problems)
        return obj

    def add(self, doc: YamlDocument | None, problems: list[Problem]) -> None:
        for problem in problems:
            line = problem.line
            if line is None and doc is not None and problem.field:
                line = doc.line_of(problem.field)
            self.problems.append(replace(problem, line=line))

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        order: dict[str, int] = {}
        for problem in self.problems:
            order.setdefault(problem.file, len(order))
        ranked = sorted(
            self.problems, key=lambda p: (order[p.file], p.line if p.line is not None else 0)
        )
        raise DefinitionError(ranked)


__all__ = ["Programme", "load_programme"]
