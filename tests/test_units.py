"""Units are data: every number a definition gives declares its unit on its schema field,
and the models carry that unit; nothing reads a unit from a name."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from xlfinance.archetypes.common import add_input, declared_unit
from xlfinance.archetypes.registry import REGISTRY
from xlfinance.definitions import load_programme
from xlfinance.definitions.schema import Assumptions, Sourced, Unit, _declared, _inner_model
from xlfinance.model.core import Model
from xlfinance.projects import evaluate_projects

XIAOLAN = Path(__file__).resolve().parents[1] / "projects" / "xiaolan"


def _holds_number(annotation) -> bool:
    """Whether a field's type holds a number (a `Sourced`, a float or int, a schedule)."""
    for arg in typing.get_args(annotation) or (annotation,):
        if typing.get_origin(arg) is typing.Annotated:
            arg = typing.get_args(arg)[0]
        if arg in (float, int) or typing.get_origin(arg) in (dict, tuple):
            return True
        if isinstance(arg, type) and issubclass(arg, Sourced):
            return True
    return False


def _undeclared(model: type[BaseModel], prefix: str, inherited: str | None = None):
    for name, info in model.model_fields.items():
        unit = _declared(info) or inherited
        inner = _inner_model(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel) and inner is not Sourced:
            yield from _undeclared(inner, f"{prefix}{name}.", unit)
        elif _holds_number(info.annotation) and unit is None:
            yield prefix + name


@pytest.mark.parametrize("name", [*REGISTRY, "assumptions"])
def test_every_number_a_definition_gives_declares_its_unit(name):
    model = Assumptions if name == "assumptions" else REGISTRY[name].params
    assert list(_undeclared(model, f"{name}:")) == []


def test_the_walk_finds_a_number_without_a_unit():
    class Bare(BaseModel):
        capex_yuan: Sourced
        ok: typing.Annotated[Sourced, Unit("yuan")]
        flag: bool = False

    assert list(_undeclared(Bare, "")) == ["capex_yuan"]


def test_a_unit_is_read_from_the_declaration_not_the_name():
    class Misnamed(BaseModel):
        price_yuan_per_kwh: typing.Annotated[Sourced, Unit("yuan/GJ")]
        share_of_nothing: Sourced

    assert declared_unit(Misnamed, "price_yuan_per_kwh") == "yuan/GJ"
    with pytest.raises(ValueError, match="share_of_nothing declares no unit"):
        declared_unit(Misnamed, "share_of_nothing")


def test_an_input_needs_a_unit():
    m = Model("p", 2020, 2)
    with pytest.raises(ValueError, match="input capex_yuan has no unit"):
        add_input(m, "capex_yuan", 1.0, "Capex", unit="")
    assert add_input(m, "capex_yuan", 1.0, "Capex", unit="yuan") is not None
    assert m.inputs["capex_yuan"].unit == "yuan"


@pytest.mark.programme
def test_each_model_input_from_a_parameter_carries_the_declared_unit():
    """A model input named for a parameter field has the unit that field declares, with the
    price's VAT basis where the archetype states one."""
    programme = load_programme(XIAOLAN)
    results = evaluate_projects(programme)
    checked = 0
    for project in programme.projects:
        params = project.parameters
        model = results[project.id].model
        for owner in (params, getattr(params, "finance", None)):
            if owner is None:
                continue
            for field, info in type(owner).model_fields.items():
                item = model.inputs.get(field)
                if item is None or not _holds_number(info.annotation):
                    continue
                if field == "production_subsidy":  # yuan per unit of the archetype's line
                    continue
                unit = declared_unit(owner, field)
                assert item.unit in (unit, f"{unit} incl. VAT", f"{unit} no VAT"), (
                    project.id,
                    field,
                )
                checked += 1
    assert checked > 300
