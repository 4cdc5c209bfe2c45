"""Units are data: every number a definition gives declares its unit on its schema field,
and the models carry that unit; nothing reads a unit from a name."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from xlfinance.archetypes.common import add_input, assumption_input, schedule_line
from xlfinance.archetypes.registry import REGISTRY
from xlfinance.definitions import load_programme
from xlfinance.definitions.fund import FundFile
from xlfinance.definitions.schema import (
    Assumptions,
    Outlook,
    Sourced,
    Unit,
    _declared,
    _inner_model,
    declared_unit,
)
from xlfinance.model import units
from xlfinance.model.core import Model, ModelError
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


@pytest.mark.parametrize("name", [*REGISTRY, "assumptions", "outlook", "fund"])
def test_every_number_a_definition_gives_declares_its_unit(name):
    files = {"assumptions": Assumptions, "outlook": Outlook, "fund": FundFile}
    model = files.get(name) or REGISTRY[name].params
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
def test_an_assumption_path_ends_at_a_number_or_a_schedule():
    """`assumption_input` links one number and `schedule_line` one schedule: a path that
    ends elsewhere (a group of assumptions, a number where a schedule is wanted) is refused
    naming it, not read as the other (float() of a model, .items() of a number)."""
    a = load_programme(XIAOLAN).assumptions
    m = Model("p", 2020, 2)
    with pytest.raises(TypeError, match=r"assumptions\.vat_rates is not a number"):
        assumption_input(m, "vat", a, "vat_rates", "VAT rates")
    with pytest.raises(TypeError, match=r"assumptions\.lending_rate is not a schedule"):
        schedule_line(m, "lending", a, "lending_rate", "Lending rate")
    assert assumption_input(m, "lending_rate", a, "lending_rate", "Lending rate") is not None


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


def test_the_table_gives_each_renderer_what_it_needs():
    # Excel formats: money in whole yuan whatever its VAT basis, rates as percentages,
    # tariffs to three or four decimals, any other price or factor to two to four.
    assert units.excel_format("yuan") == units.excel_format("yuan incl. VAT") == units.MONEY
    assert units.excel_format("rate") == "0.00%"
    assert units.excel_format("yuan/kWh no VAT") == "0.000#"
    assert units.excel_format("t CO2/MWh") == units.DECIMALS
    assert units.excel_format("h/yr") == units.WHOLE  # full-load hours, 5,000 not 5,000.00
    # Chinese: part by part, the VAT basis at the end; SI symbols as Chinese texts keep them.
    assert units.unit_zh("yuan/kWh incl. VAT") == "元/kWh（含增值税）"
    assert units.unit_zh("yuan/vehicle/yr no VAT") == "元/辆/年（不含增值税）"
    assert units.unit_zh("") == ""
    # Shown: 12,345,678 yuan is 1,235 万元 (12,345,678 / 10,000 = 1,234.57, to whole 万元);
    # a rate of 0.0834 is 8.3% (8.34 to one decimal); 1.3144 cover is 1.31x.
    assert units.fmt_unit(12_345_678, "yuan") == "1,235"
    assert units.fmt_unit(0.0834, "rate") == "8.3%"
    assert units.fmt_unit(1.3144, "x") == "1.31\u00d7"
    assert units.fmt_unit(-2_500, "t CO2e") == "\u22122,500"
    assert units.fmt_unit(None, "yuan") == units.DASH


def test_an_unknown_unit_is_a_model_error():
    m = Model("p", 2020, 2)
    with pytest.raises(ModelError, match="capex.*unknown unit 'yaun' \\(part 'yaun'\\)"):
        m.input("capex", 1.0, "yaun")
    with pytest.raises(ModelError, match="unknown unit 'yuan/kWh incl VAT'"):
        m.line("sales", 1.0, "yuan/kWh incl VAT")
    assert m.input("capex", 1.0, "yuan/kW/yr no VAT") is not None


def test_a_tornado_range_is_shown_in_the_unit_of_its_input_not_its_name():
    """The bar's `unit` and `apply` decide, whatever the parameter is called: the hours
    were shown without a unit, and a name with "rate" in it read as a percentage."""
    from xlfinance.render.risk_page import _parameter_range

    hours = {"parameter": "projects.x.full_load_hours", "apply": "value", "unit": "h/yr"}
    assert _parameter_range(hours | {"low": 3548.0, "high": 4684.0}) == "3,548 \u2013 4,684 h/yr"
    misnamed = {"parameter": "projects.x.rate_of_output_kwh", "apply": "add", "unit": "kWh"}
    assert _parameter_range(misnamed | {"low": -50.0, "high": 50.0}) == "\u221250 \u2013 +50 kWh"
    rate = {"parameter": "assumptions.lending_rate", "apply": "value", "unit": "rate"}
    assert _parameter_range(rate | {"low": 0.049, "high": 0.0655}) == "4.9% \u2013 6.55%"
    factor = {"parameter": "projects.*.capex_yuan", "apply": "multiply", "unit": "yuan"}
    assert _parameter_range(factor | {"low": 0.9, "high": 1.25}) == "\u00d70.90 \u2013 \u00d71.25"


def test_a_price_schedule_is_listed_in_its_unit():
    """The proposal listed the PV subsidy schedule (0.42 yuan/kWh from 2013) as 42%, because
    every schedule step was formatted as a rate; the schedule's field declares yuan/kWh."""
    from xlfinance.assemble import assumptions_of
    from xlfinance.render.reports import _assumption_row

    rows = [_assumption_row(a) for a in assumptions_of(load_programme(XIAOLAN))]
    subsidy = next(r for r in rows if r["en"].endswith("per kWh, from 2013"))
    assert (subsidy["value"], subsidy["unit"]) == ("0.42", "yuan/kWh")
    weight = next(r for r in rows if r["en"] == "OM weight, PV")
    assert (weight["value"], weight["unit"]) == ("75%", "")  # a share, its sign its unit


@pytest.mark.programme
def test_results_json_gives_the_unit_of_every_project_and_fund_number(xiaolan_build):
    """Each number of `projects` and `fund` (a list a year counts as one) has its unit in
    `units`, the unit of the model row it comes from, a project's start and the fund's
    years "year"; nothing else of theirs is mapped (the other sections' numbers are
    tests/test_results.py's)."""
    results = xiaolan_build.results
    mapped = {p: u for p, u in results["units"].items() if p.startswith(("projects.", "fund."))}
    described = {"name", "archetype", "budget_line"}  # what a project is
    numbers = {
        f"projects.{pid}.{key}"
        for pid, project in results["projects"].items()
        for key in project
        if key not in described
    }

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        elif isinstance(node, (int, float, list)) and not isinstance(node, bool):
            yield path

    fund = results["fund"]
    numbers |= set(walk(fund, "fund"))
    assert numbers - set(mapped) == set()
    assert set(mapped) - numbers == set()
    assert mapped["fund.years"] == mapped["projects.pv_phase1.start_year"] == "year"
    assert mapped["projects.pv_phase1.lcoe_yuan_per_kwh"] == "yuan/kWh"
    assert mapped["fund.classes.senior.net_irr"] == "rate"
    assert mapped["fund.classes.senior.tvpi_by_year"] == "x"
    assert mapped["fund.deployment.minimum_ratio"] == "share"


@pytest.mark.programme
def test_the_structuring_sheets_blended_rows_are_formatted_in_their_units(xiaolan_opened):
    # a mobilisation ratio is yuan private per yuan public, a multiple (0.00); a public cost
    # per tonne is money (#,##0): the unit declared with the row, not read from its key
    from xlfinance.structuring.sheet import BLENDED_ROWS, SHEET

    ws = xiaolan_opened[SHEET]
    formats = {
        row[0].value: row[1].number_format
        for row in ws.iter_rows(min_col=1, max_col=2)
        if row[1].data_type == "n" and row[1].value is not None
    }
    shown = {label: formats[label] for _, label, _ in BLENDED_ROWS if label in formats}
    # the three mobilisation ratios, then the two public costs per tonne
    assert [shown[label] for _, label, _ in BLENDED_ROWS] == ["0.00"] * 3 + [
        "#,##0;[Red]-#,##0"
    ] * 2
