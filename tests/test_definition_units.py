"""Every unit a definition writes is a unit of the table (`model.units`), checked on load:
programme.yaml's indicators, pathway targets and stated figures, structuring.yaml's solves.
An unknown one is a problem naming the file, the field and the line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xlfinance.cli import main
from xlfinance.definitions import DefinitionError, load_programme
from xlfinance.model import units

from .test_reconciliation_rules import XIAOLAN, copy


def edit(path: Path, old: str, new: str) -> int:
    """Replace the one `old` in the file at `path` by `new`; the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_every_unit_programme_yaml_writes_is_one_of_the_table():
    data = yaml.safe_load((XIAOLAN / "programme.yaml").read_text(encoding="utf-8"))
    targets = data["targets"]
    written = [row["unit"] for row in targets["indicators"]["rows"]]
    written += [
        t["unit"] for row in targets["pathways"]["rows"] for t in row["targets"] if "unit" in t
    ]
    written += [f["unit"] for f in targets["stated_figures"]]
    assert len(written) > 50  # 13 indicators, 20-odd pathway targets, 30-odd figures
    for unit in written:
        assert units.check(unit) == unit
    # the words the plan's tables use, in the table's parts: 吨二氧化碳/万元 per 万元 of GDP,
    # 辆/万人 vehicles per 10,000 people
    assert units.unit_zh("t CO2/万元") == "吨二氧化碳/万元"
    assert units.unit_zh("vehicles/万人") == "辆/万人"
    assert units.unit_zh("万t CO2e/yr") == "万吨二氧化碳当量/年"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "unit: GWh/yr",
            "unit: gwh_per_year",
            "unknown unit 'gwh_per_year' (part 'gwh_per_year')",
        ),
        ("unit: t CO2/万元", "unit: t_co2_per_wan_yuan", "unknown unit 't_co2_per_wan_yuan'"),
    ],
)
@pytest.mark.programme
def test_an_unknown_unit_in_programme_yaml_is_a_problem_with_its_line(
    tmp_path, capsys, old, new, message
):
    folder = copy(tmp_path)
    path = folder / "programme.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index(old)
    line = text[:first].count("\n") + 1
    path.write_text(text[:first] + new + text[first + len(old) :], encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_programme(folder)
    (problem,) = info.value.problems
    assert problem.file == str(path) and problem.line == line
    assert problem.field.startswith("targets.") and problem.field.endswith(".unit")
    assert problem.message.startswith(message)
    assert "units table (xlfinance/model/units.py)" in problem.message
    assert main(["validate", str(folder)]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.programme
def test_an_unknown_unit_in_structuring_yaml_is_a_problem_suggesting_the_part(tmp_path):
    folder = copy(tmp_path)
    path = folder / "structuring.yaml"
    line = edit(path, "unit: yuan/km", "unit: yuan/kms")
    with pytest.raises(DefinitionError) as info:
        load_programme(folder)
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == (str(path), line)
    assert problem.field.endswith(".unit")
    assert problem.message.startswith("unknown unit 'yuan/kms' (part 'kms') (did you mean 'km'?)")


def test_counts_are_whole_and_yuan_is_shown_in_wan():
    # a count of jobs or people is shown whole, as a vehicle count is
    assert units.fmt_unit(9370, "jobs") == "9,370"
    assert units.fmt_unit(9730.0, "persons") == "9,730"
    # yuan are shown in 万元: 539,552,145.77 yuan / 10,000 = 53,955.2 -> 53,955
    assert units.fmt_unit(539_552_145.7747, "yuan") == "53,955"
    assert units.shown_in("yuan") == units.shown_in("wan_yuan") == "万元"
    assert units.shown_in("t CO2e/yr") == "t CO2e/yr"
