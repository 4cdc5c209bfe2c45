"""Every archetype has every part: a params model, a builder, an example, a label, a colour
and the reports' risk note, all reached through its record in `archetypes.registry`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import xlfinance.definitions.params  # noqa: F401  (registers the params models)
from xlfinance.archetypes import build_model
from xlfinance.archetypes.registry import REGISTRY, archetype
from xlfinance.assemble import archetypes
from xlfinance.cli import main
from xlfinance.definitions import load_programme
from xlfinance.definitions.schema import ARCHETYPE_PARAMS, ARCHETYPES
from xlfinance.render.risk_page import ARCHETYPE_RISKS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "projects" / "xiaolan" / "projects"


def test_the_registry_names_every_archetype_the_definitions_know():
    assert list(REGISTRY) == list(ARCHETYPES)
    assert set(ARCHETYPE_PARAMS) == set(REGISTRY)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_archetype_has_every_part(name):
    a = REGISTRY[name]
    assert a.name == name
    assert a.params is ARCHETYPE_PARAMS[name]  # the model definitions are validated with
    zh, en = a.label
    assert zh.strip() and en.strip() and re.search(r"[\u4e00-\u9fff]", zh)
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", a.colour)
    shown = archetypes()[name]  # what the pages and charts read (results.Archetype)
    assert (shown.label.zh, shown.label.en) == a.label and shown.colour == a.colour
    assert shown.investable == a.investable
    if a.investable:
        assert name in ARCHETYPE_RISKS  # the investor memo's risk note
    example = EXAMPLES / f"{a.example}.yaml"
    assert yaml.safe_load(example.read_text(encoding="utf-8"))["archetype"] == name


def test_each_builder_builds_its_example():
    programme = load_programme(ROOT / "projects" / "xiaolan")
    for name, a in REGISTRY.items():
        project = programme.project(a.example)
        model = build_model(project, programme)
        assert model.name == a.example
        assert "npv_yuan" in model.outputs, name


def test_an_unknown_archetype_names_the_known_ones():
    with pytest.raises(ValueError, match="no archetype 'wind' \\(known: pv, chp"):
        archetype("wind")


def test_new_refuses_an_unknown_archetype_with_the_known_ones(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["new", str(tmp_path), "--archetype", "wind"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'wind'" in err and "'pv'" in err
