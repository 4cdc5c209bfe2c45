"""A project's definition is a pydantic union discriminated on its `archetype`
(`definitions.schema.project_union`), one member a record of the archetype registry: its
`parameters` are typed, and a file's errors still name the file, the field, the line and
what is wrong."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from xlfinance.archetypes.registry import REGISTRY
from xlfinance.cli import main
from xlfinance.definitions import ProjectDef, load_programme
from xlfinance.definitions.params.chp import ChpParams
from xlfinance.definitions.params.pv import PvParams
from xlfinance.definitions.schema import project_union

from .test_definitions import programme_dir, replace_once

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"
CHP = (XIAOLAN / "projects" / "des_phase1.yaml").read_text(encoding="utf-8")
PV = (XIAOLAN / "projects" / "pv_phase1.yaml").read_text(encoding="utf-8")


def line_of(text: str, start: str) -> int:
    """The 1-based line of `text` that starts with `start` (the one there is)."""
    (number,) = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start)]
    return number


def test_each_member_is_an_archetype_of_the_registry_with_its_params_model():
    programme = load_programme(XIAOLAN)
    for name, record in REGISTRY.items():
        project = programme.project(record.example)
        assert isinstance(project, ProjectDef) and project.archetype == name
        assert type(project) is ProjectDef[record.params]
        assert type(project.parameters) is record.params


def test_a_pv_project_has_pv_parameters_and_pickles():
    programme = load_programme(XIAOLAN)
    project = programme.project("pv_phase1")
    assert isinstance(project.parameters, PvParams)
    assert project.parameters.capacity_kw.value == 5000  # 5 MW, pv_phase1.yaml
    again = pickle.loads(pickle.dumps(project))  # a forked build sends projects back so
    assert again == project and type(again) is ProjectDef[PvParams]
    # and a process that has loaded no programme (a test worker reading the shared build)
    # finds the member's class by its name
    read = subprocess.run(
        [sys.executable, "-c", UNPICKLE],
        input=pickle.dumps(project),
        capture_output=True,
        check=True,
    )
    assert read.stdout.decode().split() == ["ProjectDef[PvParams]", "5000.0"]


UNPICKLE = (
    "import pickle, sys; p = pickle.loads(sys.stdin.buffer.read()); "
    "print(type(p).__name__, p.parameters.capacity_kw.value)"
)


def test_a_pv_project_given_chp_fields_is_told_which_archetype_they_fit(tmp_path, capsys):
    text = replace_once(CHP, "\narchetype: chp\n", "\narchetype: pv\n")
    root = programme_dir(tmp_path, projects={"des_phase1.yaml": text})
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    file = root / "projects" / "des_phase1.yaml"
    lines = err.splitlines()
    assert (
        f"{file}: archetype: is 'pv', but the parameters are those of a 'chp' project: give "
        f"the archetype they are written for (line {line_of(text, 'archetype:')})"
    ) in lines
    # the pv fields it lacks, at the parameters mapping's line ...
    parameters = line_of(text, "parameters:")
    assert "parameters.capacity_kw:" not in err  # chp has a capacity_kw too
    assert (
        f"{file}: parameters.specific_yield_kwh_per_kw: required field missing (line {parameters})"
    ) in lines
    # ... and the chp fields pv does not know, each at its own line
    assert (
        f"{file}: parameters: unknown field 'full_load_hours' "
        f"(line {line_of(text, '  full_load_hours:')})"
    ) in lines


def test_a_chp_project_given_pv_fields_is_told_so_too():
    data = {**yaml.safe_load(PV), "archetype": "chp"}
    assert ProjectDef.model_validate({**data, "archetype": "pv"}).parameters.capacity_kw
    with pytest.raises(ValidationError) as raised:
        ProjectDef.model_validate(data)
    errors = raised.value.errors()
    (mismatch,) = [e for e in errors if e["loc"] == ("archetype",)]
    assert mismatch["msg"].startswith("is 'chp', but the parameters are those of a 'pv'")
    # every other error is located as in the file, under parameters, with no union tag
    assert {e["loc"][0] for e in errors} == {"archetype", "parameters"}
    assert ("parameters", "full_load_hours") in {e["loc"] for e in errors}


def test_a_wrong_value_is_located_at_its_field_and_line(tmp_path):
    text = replace_once(PV, "  capacity_kw:\n    value: 5000\n", "  capacity_kw:\n    value: -5\n")
    root = programme_dir(tmp_path, projects={"pv_phase1.yaml": text})
    from xlfinance.errors import DefinitionError

    with pytest.raises(DefinitionError) as info:
        load_programme(root)
    (problem,) = info.value.problems
    assert (problem.field, problem.message) == ("parameters.capacity_kw", "must be > 0 (got -5)")
    assert problem.line == line_of(text, "  capacity_kw:")  # a Sourced number's field


def test_data_that_is_not_a_mapping_is_refused_as_one():
    with pytest.raises(ValidationError) as raised:
        ProjectDef.model_validate(["pv"])
    (error,) = raised.value.errors()
    assert error["loc"] == () and error["type"] == "model_type"


def test_the_union_is_discriminated_on_the_archetype_not_tried_member_by_member():
    # chp's parameters given to a chp project validate as ChpParams; the same data named pv
    # is not tried as chp, it fails as pv (the union picks its member by the tag)
    data = yaml.safe_load(CHP)
    assert type(project_union().validate_python(data).parameters) is ChpParams
    with pytest.raises(ValidationError):
        project_union().validate_python({**data, "archetype": "pv"})
