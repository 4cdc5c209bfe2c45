"""Loading and validating programme definitions (xlfinance.definitions).

The good programme is the Xiaolan one, `projects/xiaolan`; its budget and benefits are
held row by row against the transcriptions of the plan's tables 5-4 and 5-5 in
`../shared/reference/*.csv` (skipped when that folder is absent). Every bad programme
is a copy of the good `programme.yaml` in `tmp_path` with one or more faults.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from xlfinance.definitions import (
    ARCHETYPE_PARAMS,
    ARCHETYPES,
    DefinitionError,
    Problem,
    ProjectDef,
    Sourced,
    load_programme,
    schema,
)
from xlfinance.definitions.checks import check_budget_splits
from xlfinance.definitions.yamlio import parse_yaml

REPO = Path(__file__).resolve().parents[1]
XIAOLAN = REPO / "projects" / "xiaolan"
GOOD = (XIAOLAN / "programme.yaml").read_text(encoding="utf-8")
REFERENCE = REPO.parent / "shared" / "reference"
LINE_IDS = ["1", "2", "3", "4", "5", "6", "7a", "7b", "7c", "8", "9a", "9b", "10"]

needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference tables not found at {REFERENCE}"
)


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def programme_dir(tmp_path: Path, text: str = GOOD, projects: dict[str, str] | None = None) -> Path:
    """A programme folder in tmp_path: programme.yaml holding `text`, plus project files."""
    root = tmp_path / "prog"
    (root / "projects").mkdir(parents=True, exist_ok=True)
    (root / "programme.yaml").write_text(text, encoding="utf-8")
    for name, body in (projects or {}).items():
        (root / "projects" / name).write_text(body, encoding="utf-8")
    return root


def edited(edit) -> str:
    """The good programme.yaml, loaded, changed by `edit(data)` in place, and dumped."""
    data = yaml.safe_load(GOOD)
    edit(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(DefinitionError) as info:
        load_programme(root)
    assert info.value.problems, "DefinitionError without problems"
    return info.value.problems


def messages(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def project_yaml(
    id: str = "demo_project",
    archetype: str = "programme",
    budget_line: str = "8",
    parameters: str = "{total_cost_yuan: 1000}",
) -> str:
    return (
        f"id: {id}\n"
        "name: {zh: 示范项目, en: Demo project}\n"
        f"archetype: {archetype}\n"
        f'budget_line: "{budget_line}"\n'
        "start_year: 2015\n"
        f"parameters: {parameters}\n"
    )


def line_number(text: str, pattern: str, occurrence: int = 0) -> int:
    """1-based line of the `occurrence`-th line matching `pattern`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if re.search(pattern, line)]
    return hits[occurrence]


def float_cell(cell: str) -> float | None:
    return float(cell) if cell.strip() else None


@pytest.fixture(scope="module")
def xiaolan():
    return load_programme(XIAOLAN)


# ------------------------------------------------------------------------------------------
# the good programme
# ------------------------------------------------------------------------------------------


class TestXiaolan:
    def test_loads_with_thirteen_budget_lines(self, xiaolan):
        assert xiaolan.programme.id == "xiaolan"
        assert xiaolan.programme.name.zh == "中山市小榄镇低碳试点"
        assert xiaolan.programme.currency == "CNY"
        assert xiaolan.programme.display_unit == "wan_yuan"
        assert list(xiaolan.budget.ids) == LINE_IDS
        assert xiaolan.root == XIAOLAN
        assert xiaolan.files[0] == XIAOLAN / "programme.yaml"
        assert [p.id for p in xiaolan.projects] == sorted(p.id for p in xiaolan.projects)

    def test_column_sums_equal_stated_totals(self, xiaolan):
        sums = xiaolan.budget.column_sums()
        stated = xiaolan.budget.stated_totals
        assert sums == {
            "total_wan_yuan": 74290,
            "market_wan_yuan": 71000,
            "policy_grants_wan_yuan": 2010,
            "town_government_wan_yuan": 1280,
        }
        for name, value in sums.items():
            assert getattr(stated, name) == value
        for line in xiaolan.budget.lines:
            assert line.sources_wan_yuan == line.total_wan_yuan

    @needs_reference
    def test_budget_matches_table_5_4_row_by_row(self, xiaolan):
        with open(REFERENCE / "budget_table_5_4.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(xiaolan.budget.lines) == 13
        for row, line in zip(rows, xiaolan.budget.lines, strict=True):
            assert line.id == row["action_no"] + row["sub_item"]
            assert line.action_no == int(row["action_no"])
            assert (line.sub_item or "") == row["sub_item"]
            assert line.name.zh == row["action_zh"]
            assert line.name.en == row["action_en"]
            for name in schema.BUDGET_MONEY_FIELDS:
                assert getattr(line, name) == float(row[name]), (line.id, name)

    @needs_reference
    def test_benefits_match_table_5_5_row_by_row(self, xiaolan):
        with open(REFERENCE / "benefits_table_5_5.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        lines = xiaolan.benefits.lines
        assert len(rows) == len(lines) == 13
        for row, line in zip(rows, lines, strict=True):
            assert line.budget_line == row["action_no"] + row["sub_item"]
            assert line.ghg_reduction_wan_t_per_year == float_cell(
                row["ghg_reduction_wan_t_per_year"]
            )
            assert line.economic_benefit_wan_yuan == float_cell(row["economic_benefit_wan_yuan"])
            assert line.beneficiaries_person_times == int(row["beneficiaries_person_times"])
            assert line.new_jobs == int(row["new_jobs"])
            assert line.ghg_indirect == (row["note"] == "indirect reduction only")

    def test_benefit_totals_are_kept_as_printed(self, xiaolan):
        benefits = xiaolan.benefits
        table, text = benefits.stated_totals, benefits.stated_in_text
        assert table.new_jobs == 9370
        assert sum(line.new_jobs for line in benefits.lines) == 9730  # the plan's own slip
        assert table.economic_benefit_wan_yuan == 72300
        assert sum(line.economic_benefit_wan_yuan or 0 for line in benefits.lines) == 72300
        assert text.economic_benefit_wan_yuan == 38100
        assert text.tax_revenue_wan_yuan == 4700
        assert table.ghg_reduction_wan_t_per_year == 59
        assert sum(line.ghg_reduction_wan_t_per_year or 0 for line in benefits.lines) == 59

    @needs_reference
    def test_targets_match_tables_3_1_and_3_2(self, xiaolan):
        targets = xiaolan.targets
        with open(REFERENCE / "indicators_table_3_1.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        indicators = targets.indicators.rows
        assert len(indicators) == 13  # row (1) is printed blank; the CSV leaves it out
        assert all(v is None for v in indicators[0].targets.values())
        for row, ind in zip(rows, indicators[1:], strict=True):
            scale = 0.01 if row["unit"] == "%" else 1.0
            assert ind.unit == ("share" if scale != 1.0 else ind.unit)
            assert ind.name.en == row["indicator_en"]
            current = float_cell(row["current"])
            assert ind.current == (None if current is None else pytest.approx(current * scale))
            for year in (2015, 2017, 2020):
                expected = float(row[f"target_{year}"]) * scale
                assert ind.targets[year] == pytest.approx(expected), (ind.id, year)

        with open(REFERENCE / "pathways_table_3_2.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        pathways = targets.pathways.rows
        assert len(pathways) == len(rows) == 8
        for row, pathway in zip(rows, pathways, strict=True):
            assert pathway.name.zh == row["pathway_zh"]
            for year in (2015, 2020):
                values = [t.value for t in pathway.targets if t.year == year]
                cell = row[f"target_{year}"]
                first = re.match(r"[\d.]+", cell)
                if first is None:
                    assert values == [None]
                else:
                    scale = 0.01 if row["unit"] == "%" else 1.0
                    assert values[0] == pytest.approx(float(first.group()) * scale)

        assert targets.figure("co2_intensity_2015_section_3").value == 0.96
        assert indicators[1].targets[2015] == 0.97

    def test_every_assumption_has_a_source(self, xiaolan):
        found = []

        def walk(value, path):
            if isinstance(value, Sourced):
                found.append((path, value))
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    walk(getattr(value, name), f"{path}.{name}")

        walk(xiaolan.assumptions, "assumptions")
        assert len(found) >= 15
        missing = [path for path, item in found if not (item.source or "").strip()]
        assert missing == []

    def test_assumption_values(self, xiaolan):
        a = xiaolan.assumptions
        assert a.discount_rate.value == 0.08
        assert a.corporate_tax_rate.value == 0.25
        assert a.lending_rate.value == 0.0615
        assert a.grid_average_emission_factor_t_per_mwh.value == 0.5271
        assert a.tce_per_mwh_electricity.value == 0.1229
        assert a.gj_per_tce.value == 29.307
        assert a.emission_factor_t_co2_per_tce("coal") == pytest.approx(2.77, abs=0.005)
        assert a.emission_factor_t_co2_per_tce("natural_gas") == pytest.approx(1.64, abs=0.005)
        assert a.emission_factor_t_co2_per_tce("diesel") == pytest.approx(2.17, abs=0.005)
        assert a.emission_factor_t_co2_per_tce("fuel_oil") == pytest.approx(2.27, abs=0.005)
        grid = a.grid_emission_factor
        assert 0.85 < grid.operating_margin_t_per_mwh.value < 0.95
        assert 0.3 < grid.build_margin_t_per_mwh.value < 0.5
        weights = grid.operating_margin_weight
        assert weights.pv.value == 0.75  # CDM Tool 07: wind and solar
        assert weights.chp.value == weights.retrofit.value == weights.fleet.value == 0.5

    def test_models_are_frozen(self, xiaolan):
        with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError
            xiaolan.budget.lines[0].total_wan_yuan = 1
        with pytest.raises(AttributeError):
            xiaolan.budget = None

    def test_broken_fund_yaml_is_reported(self, tmp_path):
        root = programme_dir(tmp_path)
        (root / "fund.yaml").write_text("{not: [valid", encoding="utf-8")
        with pytest.raises(DefinitionError) as caught:
            load_programme(root)
        assert "fund.yaml" in str(caught.value)

    def test_no_fund_yaml_means_no_fund(self, tmp_path):
        assert load_programme(programme_dir(tmp_path)).fund is None

    def test_no_projects_folder_means_no_projects(self, tmp_path):
        root = programme_dir(tmp_path)
        (root / "projects").rmdir()
        assert load_programme(str(root)).projects == ()


# ------------------------------------------------------------------------------------------
# files that cannot be read
# ------------------------------------------------------------------------------------------


class TestReading:
    def test_missing_folder(self, tmp_path):
        problems = problems_of(tmp_path / "nowhere")
        assert str(problems[0]) == f"{tmp_path / 'nowhere'}: programme folder not found"

    def test_missing_programme_file(self, tmp_path):
        root = programme_dir(tmp_path)
        (root / "programme.yaml").unlink()
        (problem,) = problems_of(root)
        assert problem.file == str(root / "programme.yaml")
        assert problem.message == "file not found"

    def test_file_name_is_the_path_as_given(self, tmp_path, monkeypatch):
        programme_dir(tmp_path, text=replace_once(GOOD, "\n  discount_rate:", "\n  discount_rat:"))
        monkeypatch.chdir(tmp_path)
        problems = problems_of(Path("prog"))
        assert {p.file for p in problems} == {"prog/programme.yaml"}

    def test_yaml_syntax_error_gives_line_and_column(self, tmp_path):
        text = replace_once(GOOD, "  base_year: 2014\n", "  base_year: [2014\n")
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert "YAML syntax error" in problem.message
        line = line_number(text, r"base_year: \[2014")
        assert re.search(r"line (\d+), column \d+", problem.message)
        reported = int(re.search(r"line (\d+)", problem.message).group(1))
        assert line <= reported <= line + 2

    def test_duplicate_key_names_key_and_both_lines(self, tmp_path):
        text = replace_once(GOOD, "  base_year: 2014\n", "  base_year: 2014\n  base_year: 2015\n")
        (problem,) = problems_of(programme_dir(tmp_path, text))
        first = line_number(text, r"^  base_year:")
        assert problem.field == "programme.base_year"
        assert problem.message == f"duplicate key 'base_year' (lines {first} and {first + 1})"

    def test_non_utf8_file_names_the_byte_offset(self, tmp_path):
        root = programme_dir(tmp_path)
        raw = GOOD.encode("gbk")
        (root / "programme.yaml").write_bytes(raw)
        (problem,) = problems_of(root)
        offset = next(i for i, b in enumerate(raw) if b >= 0x80)
        assert "not valid UTF-8" in problem.message
        assert f"byte offset {offset}" in problem.message

    @pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n# and another\n"])
    def test_empty_file(self, tmp_path, text):
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.message == "file is empty (or holds only comments)"

    def test_top_level_must_be_a_mapping(self, tmp_path):
        (problem,) = problems_of(programme_dir(tmp_path, "- a\n- b\n"))
        assert problem.field == ""
        assert problem.message == "must be a mapping (got a list)"

    def test_programme_file_that_is_a_folder(self, tmp_path):
        root = programme_dir(tmp_path)
        (root / "programme.yaml").unlink()
        (root / "programme.yaml").mkdir()
        (problem,) = problems_of(root)
        assert "folder" in problem.message

    def test_keys_yaml_reads_as_booleans(self):
        with pytest.raises(DefinitionError) as info:
            parse_yaml(b"a:\n  no: 1\n", "f.yaml")
        (problem,) = info.value.problems
        assert problem.field == "a.no"
        assert "true/false" in problem.message
        assert problem.line == 2

    def test_positions_are_recorded(self):
        doc = parse_yaml(b"a:\n  b:\n    - x: 1\n    - x: 2\n      y: 3\n", "f.yaml")
        assert doc.lines["a.b[1].y"] == 5
        assert doc.line_of("a.b[1].z") == 4  # not written: the enclosing item
        assert doc.data == {"a": {"b": [{"x": 1}, {"x": 2, "y": 3}]}}

    def test_byte_order_mark_is_accepted(self):
        assert parse_yaml("\ufeffa: 1\n".encode(), "f.yaml").data == {"a": 1}


# ------------------------------------------------------------------------------------------
# field errors
# ------------------------------------------------------------------------------------------


class TestFields:
    def test_negative_money(self, tmp_path):
        text = replace_once(GOOD, "      market_wan_yuan: 21500\n", "      market_wan_yuan: -5\n")
        root = programme_dir(tmp_path, text)
        (problem,) = problems_of(root)
        expected = (
            f"{root / 'programme.yaml'}: budget.lines[3].market_wan_yuan: must be >= 0 (got -5)"
        )
        assert str(problem).startswith(expected)
        assert problem.field == "budget.lines[3].market_wan_yuan"
        assert problem.message == "must be >= 0 (got -5)"
        assert problem.line == line_number(text, r"market_wan_yuan: -5")
        assert str(problem) == f"{expected} (line {problem.line})"

    def test_unknown_field(self, tmp_path):
        text = replace_once(GOOD, "  base_year: 2014\n", "  base_year: 2014\n  foo: 1\n")
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.field == "programme"
        assert problem.message == "unknown field 'foo'"
        assert problem.line == line_number(text, r"^  foo: 1")

    def test_misspelt_field_suggests_the_missing_one(self, tmp_path):
        text = replace_once(GOOD, "  gj_per_tce:", "  gj_per_tc:")
        problems = problems_of(programme_dir(tmp_path, text))
        text = messages(problems)
        assert "assumptions: unknown field 'gj_per_tc' (did you mean 'gj_per_tce'?)" in text
        assert "assumptions.gj_per_tce: required field missing" in text

    def test_wrong_type(self, tmp_path):
        text = replace_once(
            GOOD,
            "      total_wan_yuan: 3000\n      market_wan_yuan: 2000",
            "      total_wan_yuan: abc\n      market_wan_yuan: 2000",
        )
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.field == "budget.lines[4].total_wan_yuan"
        assert problem.message == "must be a number (got 'abc')"

    def test_quoted_number_is_text(self, tmp_path):
        text = replace_once(GOOD, "      total_wan_yuan: 400\n", '      total_wan_yuan: "400"\n')
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.message.startswith("must be a number (got '400', which YAML reads as text")

    def test_required_field_missing(self, tmp_path):
        def drop(data):
            del data["budget"]["lines"][2]["total_wan_yuan"]

        (problem,) = problems_of(programme_dir(tmp_path, edited(drop)))
        assert str(problem).startswith(
            f"{tmp_path / 'prog' / 'programme.yaml'}: budget.lines[2].total_wan_yuan:"
            " required field missing"
        )

    def test_missing_section(self, tmp_path):
        (problem,) = problems_of(programme_dir(tmp_path, edited(lambda d: d.pop("targets"))))
        assert (problem.field, problem.message) == ("targets", "required field missing")

    def test_rate_outside_minus_one_to_one(self, tmp_path):
        text = replace_once(
            GOOD, "  discount_rate:\n    value: 0.08\n", "  discount_rate:\n    value: 1.5\n"
        )
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.field == "assumptions.discount_rate"
        assert problem.message == "must be between -1 and 1 (got 1.5)"

    def test_bare_rate_outside_minus_one_to_one(self, tmp_path):
        (problem,) = problems_of(
            programme_dir(tmp_path, edited(lambda d: d["assumptions"].update(lending_rate=-1)))
        )
        assert problem.field == "assumptions.lending_rate"
        assert problem.message == "must be between -1 and 1 (got -1)"

    def test_wrong_literal(self, tmp_path):
        text = replace_once(GOOD, "  currency: CNY\n", "  currency: USD\n")
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert (problem.field, problem.message) == (
            "programme.currency",
            "must be 'CNY' (got 'USD')",
        )

    def test_bare_integer_line_ids_are_read_as_text(self, tmp_path):
        text = replace_once(GOOD, '    - id: "5"\n', "    - id: 5\n")
        programme = load_programme(programme_dir(tmp_path, text))
        assert programme.budget.lines[4].id == "5"


class TestSourced:
    def test_bare_number_and_mapping(self):
        assert Sourced.model_validate(0.08) == Sourced(value=0.08)
        item = Sourced.model_validate({"value": 2, "source": "表 5-4", "note": "n"})
        assert (item.value, item.source, item.note) == (2.0, "表 5-4", "n")
        assert float(item) == 2.0

    @pytest.mark.parametrize("bad", ["8%", True, None, [1]])
    def test_rejects_other_values(self, bad):
        _, problems = schema.validate_model(schema.Assumptions, {"discount_rate": bad}, "f.yaml")
        rate = [p for p in problems if p.field == "discount_rate"]
        assert rate and rate[0].message.startswith("must be a number, or a mapping")

    def test_percent_fields_are_converted_to_fractions(self, tmp_path):
        def pct(data):
            data["assumptions"]["discount_rate_pct"] = data["assumptions"].pop("discount_rate")
            data["assumptions"]["discount_rate_pct"]["value"] = 8
            data["assumptions"]["corporate_tax_rate_pct"] = 25
            del data["assumptions"]["corporate_tax_rate"]

        programme = load_programme(programme_dir(tmp_path, edited(pct)))
        assert programme.assumptions.discount_rate.value == pytest.approx(0.08)
        assert programme.assumptions.discount_rate.source.startswith(
            "[ndrc-2006-methods] 建设项目经济评价方法与参数"
        )
        assert programme.assumptions.corporate_tax_rate.value == pytest.approx(0.25)

    def test_percent_and_fraction_together_is_an_error(self, tmp_path):
        text = edited(lambda d: d["assumptions"].update(discount_rate_pct=8))
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.message == "give discount_rate or discount_rate_pct, not both"

    def test_percent_only_for_fractions(self, tmp_path):
        text = edited(lambda d: d["assumptions"].update(gj_per_tce_pct=8))
        assert "unknown field 'gj_per_tce_pct'" in messages(
            problems_of(programme_dir(tmp_path, text))
        )


# ------------------------------------------------------------------------------------------
# cross-field checks
# ------------------------------------------------------------------------------------------


class TestChecks:
    def test_funding_split_that_does_not_add_up(self, tmp_path):
        text = replace_once(GOOD, "      market_wan_yuan: 2500\n", "      market_wan_yuan: 2400\n")
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.field == "budget.lines[1]"
        assert "add up to 2,900" in problem.message
        assert "total_wan_yuan is 3,000" in problem.message
        assert problem.line == line_number(text, r'- id: "2"')

    def test_duplicate_budget_line_ids(self, tmp_path):
        text = replace_once(GOOD, '    - id: "7b"\n', '    - id: "7a"\n')
        problems = problems_of(programme_dir(tmp_path, text))
        assert any(
            p.field == "budget.lines[7].id"
            and p.message.startswith("duplicate budget line id '7a'")
            for p in problems
        )
        # benefits for 7b now name no budget line
        assert any(p.field == "benefits.lines[7].budget_line" for p in problems)

    def test_benefits_for_unknown_budget_line(self, tmp_path):
        text = replace_once(GOOD, '    - budget_line: "10"\n', '    - budget_line: "11"\n')
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.field == "benefits.lines[12].budget_line"
        assert problem.message.startswith("unknown budget line '11' (budget lines: 1, 2, 3")

    def test_benefits_twice_for_one_line(self, tmp_path):
        text = replace_once(GOOD, '    - budget_line: "10"\n', '    - budget_line: "9b"\n')
        (problem,) = problems_of(programme_dir(tmp_path, text))
        assert problem.message.startswith("duplicate benefits for budget line '9b'")

    def test_the_plans_own_inconsistencies_are_not_errors(self, tmp_path):
        def change(data):
            data["budget"]["stated_totals"]["total_wan_yuan"] = 1
            data["benefits"]["stated_totals"]["new_jobs"] = 1

        load_programme(programme_dir(tmp_path, edited(change)))

    def test_checks_run_on_lines_that_validate(self, tmp_path):
        text = replace_once(GOOD, "      market_wan_yuan: 21500\n", "      market_wan_yuan: -5\n")
        text = replace_once(text, "      market_wan_yuan: 2500\n", "      market_wan_yuan: 2400\n")
        problems = problems_of(programme_dir(tmp_path, text))
        assert [p.field for p in problems] == ["budget.lines[1]", "budget.lines[3].market_wan_yuan"]


# ------------------------------------------------------------------------------------------
# project files
# ------------------------------------------------------------------------------------------


class DemoParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    capacity_kw: float = Field(gt=0)
    capex_yuan: schema.SourcedNonNegative


class TestProjects:
    def test_valid_projects_sorted_by_id(self, tmp_path, monkeypatch):
        monkeypatch.delitem(ARCHETYPE_PARAMS, "programme", raising=False)
        root = programme_dir(
            tmp_path,
            projects={
                "b_project.yaml": project_yaml(id="b_project", budget_line="4"),
                "a_project.yaml": project_yaml(id="a_project", parameters="{x: 1}"),
            },
        )
        programme = load_programme(root)
        assert [p.id for p in programme.projects] == ["a_project", "b_project"]
        assert isinstance(programme.projects[0], ProjectDef)
        assert programme.project("a_project").parameters == {"x": 1}
        assert programme.project("b_project").budget_line == "4"
        assert [p.name for p in programme.files] == [
            "programme.yaml",
            "a_project.yaml",
            "b_project.yaml",
        ]

    def test_unknown_archetype(self, tmp_path):
        root = programme_dir(
            tmp_path, projects={"demo_project.yaml": project_yaml(archetype="wind")}
        )
        (problem,) = problems_of(root)
        assert problem.file == str(root / "projects" / "demo_project.yaml")
        assert problem.field == "archetype"
        assert problem.message == (
            "unknown archetype 'wind' (expected one of: pv, chp, retrofit, fleet, industrial,"
            " programme)"
        )
        assert problem.line == 3

    def test_registered_params_model_validates_parameters(self, tmp_path, monkeypatch):
        monkeypatch.setitem(ARCHETYPE_PARAMS, "fleet", DemoParams)
        good = project_yaml(
            id="good",
            archetype="fleet",
            parameters='{capacity_kw: 5, capex_yuan: {value: 10, source: "s"}}',
        )
        bad = project_yaml(id="bad", archetype="fleet", parameters="{capacity_kw: 0, capex: 1}")
        root = programme_dir(tmp_path, projects={"good.yaml": good})
        programme = load_programme(root)
        params = programme.project("good").parameters
        assert isinstance(params, DemoParams)
        assert params.capex_yuan.value == 10

        root = programme_dir(tmp_path, projects={"good.yaml": good, "bad.yaml": bad})
        found = messages(problems_of(root))
        assert "bad.yaml: parameters.capacity_kw: must be > 0 (got 0)" in found
        assert "bad.yaml: parameters: unknown field 'capex' (did you mean 'capex_yuan'?)" in found
        assert "bad.yaml: parameters.capex_yuan: required field missing" in found

    def test_register_archetype(self, monkeypatch):
        monkeypatch.setattr(schema, "ARCHETYPE_PARAMS", {})
        assert schema.register_archetype("chp", DemoParams) is DemoParams
        assert schema.ARCHETYPE_PARAMS == {"chp": DemoParams}
        with pytest.raises(ValueError, match="unknown archetype 'wind'"):
            schema.register_archetype("wind", DemoParams)
        with pytest.raises(TypeError):
            schema.register_archetype("chp", dict)

    def test_archetypes(self):
        assert ARCHETYPES == ("pv", "chp", "retrofit", "fleet", "industrial", "programme")

    def test_id_must_equal_file_stem(self, tmp_path):
        root = programme_dir(tmp_path, projects={"other_name.yaml": project_yaml()})
        (problem,) = problems_of(root)
        assert problem.field == "id"
        assert "'other_name'" in problem.message and "'demo_project'" in problem.message

    def test_id_must_be_snake_case(self, tmp_path):
        root = programme_dir(tmp_path, projects={"Demo.yaml": project_yaml(id="Demo")})
        (problem,) = problems_of(root)
        assert problem.field == "id"
        assert problem.message.startswith("must be snake_case")

    def test_budget_line_must_exist(self, tmp_path):
        root = programme_dir(
            tmp_path, projects={"demo_project.yaml": project_yaml(budget_line="99")}
        )
        (problem,) = problems_of(root)
        assert (problem.field, problem.line) == ("budget_line", 4)
        assert problem.message.startswith("unknown budget line '99'")

    def test_yml_files_are_flagged(self, tmp_path):
        root = programme_dir(tmp_path, projects={"demo_project.yml": project_yaml()})
        (problem,) = problems_of(root)
        assert problem.message.startswith("project files must end in .yaml")


# ------------------------------------------------------------------------------------------
# several errors at once
# ------------------------------------------------------------------------------------------


def test_every_problem_in_every_file_is_reported(tmp_path):
    text = replace_once(GOOD, "      market_wan_yuan: 21500\n", "      market_wan_yuan: -5\n")
    text = replace_once(
        text, "  discount_rate:\n    value: 0.08\n", "  discount_rate:\n    value: 1.5\n"
    )
    text = replace_once(text, "  base_year: 2014\n", "  base_year: 2014\n  foo: 1\n")
    text = replace_once(text, "      market_wan_yuan: 2500\n", "      market_wan_yuan: 2400\n")
    text = replace_once(text, '    - budget_line: "10"\n', '    - budget_line: "11"\n')
    root = programme_dir(
        tmp_path,
        text,
        projects={
            "wind_farm.yaml": project_yaml(id="wind_farm", archetype="wind"),
            "lost.yaml": project_yaml(id="lost", budget_line="99"),
            "broken.yaml": "id: [broken\n",
            "empty.yaml": "# nothing yet\n",
        },
    )
    problems = problems_of(root)
    found = messages(problems)
    expected = [
        "programme: unknown field 'foo'",
        "assumptions.discount_rate: must be between -1 and 1 (got 1.5)",
        "budget.lines[1]: funding sources of line '2' add up to 2,900",
        "budget.lines[3].market_wan_yuan: must be >= 0 (got -5)",
        "benefits.lines[12].budget_line: unknown budget line '11'",
        "wind_farm.yaml: archetype: unknown archetype 'wind'",
        "lost.yaml: budget_line: unknown budget line '99'",
        "broken.yaml: YAML syntax error at line",
        "empty.yaml: file is empty",
    ]
    for part in expected:
        assert part in found, part
    assert len(problems) == len(expected)
    # programme.yaml first, sorted by line within it
    lines = [p.line for p in problems if p.file.endswith("programme.yaml")]
    assert lines == sorted(lines)
    assert problems[0].file.endswith("programme.yaml")


def test_problem_string_forms():
    assert str(Problem("a.yaml", "x.y", "bad")) == "a.yaml: x.y: bad"
    assert str(Problem("a.yaml", "", "bad")) == "a.yaml: bad"
    assert str(Problem("a.yaml", "x", "bad", 12)) == "a.yaml: x: bad (line 12)"


money = st.integers(min_value=0, max_value=10**7)


@given(market=money, grants=money, town=money, error=st.integers(-1000, 1000))
def test_split_check_flags_exactly_the_lines_that_do_not_add_up(market, grants, town, error):
    sources = market + grants + town
    line = schema.BudgetLine(
        id="1",
        action_no=1,
        name={"zh": "行动", "en": "Action"},
        total_wan_yuan=max(sources + error, 0),
        market_wan_yuan=market,
        policy_grants_wan_yuan=grants,
        town_government_wan_yuan=town,
    )
    problems = check_budget_splits([None, line], "f.yaml")  # None: a line that failed fields
    if line.total_wan_yuan == sources:
        assert problems == []
    else:
        (problem,) = problems
        assert problem.field == "budget.lines[1]"
        assert f"add up to {sources:,} 万元" in problem.message
        assert f"total_wan_yuan is {line.total_wan_yuan:,.0f}" in problem.message
