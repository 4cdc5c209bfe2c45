"""`xlfinance import WORKBOOK DIR`: an edited workbook's typed inputs back in the definitions.

The pieces are checked on small cases written out here (the YAML text before and after,
line by line; the numbers YAML reads back), the whole on the Xiaolan workbook of the shared
build, edited as a user would. The end-to-end check (LibreOffice) edits one project input,
one programme assumption linked into every project and one fund term, recalculates the
edited workbook in LibreOffice, imports it, builds again, and holds the new results.json
to LibreOffice's values (tests/test_roundtrip_libreoffice.py, on the suite's LibreOffice
worker).
"""

from __future__ import annotations

import math
import os
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from xlfinance import cli
from xlfinance.render.sheetnames import INPUTS, RISK, STRUCTURING
from xlfinance.roundtrip import apply as apply_
from xlfinance.roundtrip.cells import same
from xlfinance.roundtrip.fields import Field, field_of
from xlfinance.roundtrip.yamledit import Edit, EditError, number_text, quoted, splice

from .lo import defined_cells, with_values
from .strategies import examples
from .test_outputs import tree_hash

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"
EPOCH = 1732492800  # 2024-11-25, the date an edited value's source gives


# Writing scalars into YAML text ------------------------------------------------------------
def test_a_changed_value_and_its_source_change_only_their_own_lines():
    text = (
        "# a comment kept\n"
        "assumptions:\n"
        "  discount_rate:\n"
        "    value: 0.08  # trailing comment kept\n"
        "    source: 'single quoted, kept'\n"
        '  lending_rate: {value: 0.0615, source: "[pboc] 6.15%"}\n'
        "  plain: 20\n"
        "other:   untouched   # odd spacing kept\n"
    )
    new = splice(
        text,
        [
            Edit(("assumptions", "discount_rate", "value"), 0.07),
            Edit(("assumptions", "discount_rate", "source"), "assumption: edited"),
            Edit(("assumptions", "lending_rate", "value"), 0.055),
            Edit(("assumptions", "plain"), 18.0),
        ],
    )
    assert new.splitlines() == [
        "# a comment kept",
        "assumptions:",
        "  discount_rate:",
        "    value: 0.07  # trailing comment kept",
        '    source: "assumption: edited"',
        '  lending_rate: {value: 0.055, source: "[pboc] 6.15%"}',
        "  plain: 18",  # an integer stays an integer when the new value is whole
        "other:   untouched   # odd spacing kept",
    ]


def test_a_missing_source_is_added_below_its_value_at_its_indentation():
    text = "a:\n  b:\n    value: 3\n    note: kept\nc: 1\n"
    new = splice(text, [Edit(("a", "b", "value"), 4.5), Edit(("a", "b", "source"), "s")])
    assert new == 'a:\n  b:\n    value: 4.5\n    source: "s"\n    note: kept\nc: 1\n'
    crlf = text.replace("\n", "\r\n")
    new = splice(crlf, [Edit(("a", "b", "source"), "s")])
    assert new == 'a:\r\n  b:\r\n    value: 3\r\n    source: "s"\r\n    note: kept\r\nc: 1\r\n'


def test_a_block_scalar_is_replaced_whole_and_the_next_key_kept():
    text = "x:\n  source: >-\n    two folded\n    lines\n  value: 1\n"
    new = splice(text, [Edit(("x", "source"), "one")])
    assert new == 'x:\n  source: "one"\n  value: 1\n'


@pytest.mark.parametrize(
    "hostile",
    [
        "!!python/object/apply:os.system ['echo hi']",
        "{a: 1}",
        "[1, 2]",
        "*alias",
        "&anchor x",
        "first line\nsecond: line",
        '"; rm -rf / #',
        "\\ back\\slash",
        "tab\there",
        "\u2028line separator\u2029",
        "- a list item",
        "key: value",
        "null",
        "0.08",
    ],
)
def test_text_from_the_workbook_is_written_as_one_quoted_scalar(hostile):
    text = "a:\n  source: old\n  value: 1\n"
    new = splice(text, [Edit(("a", "source"), hostile)])
    assert new.splitlines()[0] == "a:" and new.splitlines()[2] == "  value: 1"
    assert len(new.splitlines()) == 3  # never a second line
    assert yaml.safe_load(new) == {"a": {"source": hostile, "value": 1}}


@settings(max_examples=examples(200), deadline=None)
@given(st.text())
def test_any_text_reads_back_as_itself(text):
    assert yaml.safe_load(f"k: {quoted(text)}") == {"k": text}
    assert "\n" not in quoted(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.booleans())
def test_any_number_reads_back_as_exactly_itself(value, integer):
    # PyYAML (YAML 1.1) reads 1e-05 as text: the point makes it a float (1.0e-05).
    written = number_text(value, integer)
    assert yaml.safe_load(f"k: {written}")["k"] == value


def test_numbers_as_a_user_would_write_them():
    assert number_text(1e-5, False) == "1.0e-05"
    assert number_text(0.07, False) == "0.07"
    assert number_text(36_000_000.0, True) == "36000000"
    assert number_text(36_000_000.0, False) == "36000000.0"
    assert number_text(2.5, True) == "2.5"  # not whole: a float, whatever the old type
    with pytest.raises(EditError):
        number_text(math.inf, False)


def test_an_anchored_value_is_not_edited_in_place():
    text = "a: &rate 0.08\nb: *rate\n"
    with pytest.raises(EditError, match="anchor or alias"):
        splice(text, [Edit(("a",), 0.07)])


def test_a_value_written_in_percent_goes_back_in_percent():
    # discount_rate_pct: 8 loads as 0.08 (definitions.schema); 0.07 goes back as 7, not
    # 0.07 * 100 = 7.000000000000001.
    field = Field(Path("p.yaml"), ("discount_rate_pct", "value"), None, percent=True)
    assert 0.07 * 100 != 7
    assert field.written(0.07) == 7.0
    assert field.written(0.0615) == 6.15
    assert field.written(0.999) == 99.9 and 99.9 / 100 != 0.999


@settings(max_examples=examples(300), deadline=None)
@given(st.floats(min_value=-0.99, max_value=0.99, allow_nan=False))
def test_percent_written_reads_back_as_the_fraction(value):
    # 99.9 / 100 is 0.9990000000000001: no decimal's hundredth is 0.999, so the nearest
    # short one is written, and reads back as unchanged (1e-12, cells.REL_TOLERANCE).
    field = Field(Path("p.yaml"), ("r_pct",), None, percent=True)
    written = field.written(value)
    assert written / 100 == pytest.approx(value, rel=1e-15, abs=0)
    assert same(written / 100, value)
    assert len(repr(written)) <= len(repr(value * 100))


# Where an input is written -----------------------------------------------------------------
def _documents(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_inputs_are_found_where_their_files_write_them():
    find = lambda name, value: field_of(name, value, XIAOLAN, _documents)  # noqa: E731
    capex = find("inputs.pv_phase1.capex_yuan", 35_000_000.0)
    assert capex.file == XIAOLAN / "projects" / "pv_phase1.yaml"
    assert capex.value_path == ("parameters", "finance", "capex_yuan", "value")
    assert capex.source_path == ("parameters", "finance", "capex_yuan", "source")
    years = find("inputs.pv_phase1.subsidy_years", 20.0)  # a bare integer: no source
    assert (years.value_path, years.source_path) == (("parameters", "subsidy_years"), None)
    # closes[1] is the 2018 close (fund.yaml), classes[0] the senior class
    government = find("inputs.fund.commitment_government_close_2", 120_000_000.0)
    assert government.value_path == ("closes", 1, "commitments_yuan", "government", "value")
    hurdle = find("inputs.fund.hurdle_rate_senior", 0.06)
    assert hurdle.value_path == ("classes", 0, "hurdle_rate", "value")
    exit_rate = find("inputs.fund.exit_discount_rate_des_phase1", 0.08)
    assert exit_rate.value_path == ("investments", 2, "exit", "discount_rate", "value")
    vat = find("assumptions.vat_rates.goods.from_2019", 0.13)
    assert vat.value_path == ("assumptions", "vat_rates", "goods", "from_2019", "value")


def test_an_input_the_file_does_not_write_has_no_field():
    find = lambda name, value: field_of(name, value, XIAOLAN, _documents)  # noqa: E731
    # vat_refund_share is PvParams' default (0.5), not written in pv_phase1.yaml
    assert find("inputs.pv_phase1.vat_refund_share", 0.5) is None
    # tax_free_years is a constant of the model (3), tax_holiday a flag made from `true`
    assert find("inputs.pv_phase1.tax_free_years", 3.0) is None
    assert find("inputs.pv_phase1.tax_holiday", 1.0) is None
    # a field of that name holding another number is not this input's
    assert find("inputs.pv_phase1.capex_yuan", 1.0) is None


def test_a_percent_field_is_found_with_its_scale(tmp_path):
    project = tmp_path / "projects" / "p.yaml"
    project.parent.mkdir()
    project.write_text("parameters:\n  finance:\n    debt_rate_pct: 6.15\n", encoding="utf-8")
    # the loader stores 6.15 / 100 (0.061500000000000006), the number the model holds
    found = field_of("inputs.p.debt_rate", 6.15 / 100, tmp_path, _documents)
    assert found == Field(project, ("parameters", "finance", "debt_rate_pct"), None, True)


# All files or none -------------------------------------------------------------------------
def test_when_a_rename_fails_every_file_keeps_its_bytes(tmp_path, monkeypatch):
    files = {tmp_path / f"{n}.yaml": (f"old {n}\n".encode(), f"new {n}\n".encode()) for n in "abc"}
    for path, (old, _) in files.items():
        path.write_bytes(old)
    real = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(apply_.os, "replace", second_fails)
    with pytest.raises(apply_.ReplaceFailed, match="b.yaml: cannot be replaced"):
        apply_.replace_all(files)
    monkeypatch.setattr(apply_.os, "replace", real)
    assert {p: p.read_bytes() for p in files} == {p: old for p, (old, _) in files.items()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml", "c.yaml"]


def test_a_file_changed_meanwhile_stops_every_replacement(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_bytes(b"a\n")
    b.write_bytes(b"changed by someone\n")
    with pytest.raises(apply_.ReplaceFailed, match="changed while importing"):
        apply_.replace_all({a: (b"a\n", b"A\n"), b: (b"b\n", b"B\n")})
    assert a.read_bytes() == b"a\n" and b.read_bytes() == b"changed by someone\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]


def test_a_number_saved_to_fifteen_digits_is_unchanged():
    assert same(0.0615, 0.061500000000000006)  # 1e-16 relative: a save's rounding
    assert same(35_000_000, 35_000_000.0)
    assert not same(0.0615, 0.06150001)  # 1.6e-7 relative: an edit
    assert not same(0.0, 1e-300)
    assert same("=A1+B1", "=A1 + B1") and not same("=A1+B1", "=A1+B2")
    assert not same(1, "1")


def test_a_formula_respelt_by_a_spreadsheet_is_the_same_formula():
    # As LibreOffice 7 saves Xiaolan's formulas: 1E-09 as 0.000000001, TRUE as TRUE().
    assert same(
        "=IF(COUNT(projects.bus_cng.min_dscr)=0,TRUE,projects.bus_cng.min_dscr>="
        "inputs.bus_cng.target_dscr*(1-1E-09))",
        "=IF(COUNT(projects.bus_cng.min_dscr)=0,TRUE(),projects.bus_cng.min_dscr>="
        "inputs.bus_cng.target_dscr*(1-0.000000001))",
    )
    assert same("=_xlfn.IFERROR(A1,0)", "=IFERROR(A1, 0)")  # Excel's prefix, a space
    assert same("=if(A1,1,0)", "=IF(A1,1,0)")
    # a different number, reference, function or logical value is another formula
    assert not same("=A1*(1-1E-09)", "=A1*(1-1E-08)")
    assert not same("=IF(A1,TRUE,1)", "=IF(A1,FALSE(),1)")
    assert not same("=SUM(A1:A3)", "=SUM(A1:A4)")
    assert not same("=MAX(A1,0)", "=MIN(A1,0)")
    assert not same('="a b"', '="ab"')  # spaces inside a text are the text's


# The command, on the Xiaolan workbook ------------------------------------------------------
@pytest.fixture()
def programme(tmp_path) -> Path:
    folder = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, folder)
    return folder


def _run(capsys, args: list[str]) -> tuple[int, str, str]:
    status = cli.main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _edit(source: Path, target: Path, cells: dict[str, object]) -> Path:
    """A copy of the workbook with cells ("Inputs!D9" or a defined name's value "name", or
    "name@source" for its source cell) set through openpyxl, as a spreadsheet saves them."""
    named = defined_cells(source)
    book = load_workbook(source)
    for key, value in cells.items():
        name, _, part = key.partition("@")
        if name in named:
            sheet, row, column = named[name]
            book[sheet].cell(row=row, column=6 if part == "source" else column, value=value)
        else:
            sheet, coordinate = key.split("!")
            book[sheet][coordinate] = value
    book.save(target)
    return target


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    a, b = before.splitlines(), after.splitlines()
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


@pytest.mark.programme
def test_import_writes_the_changed_inputs_and_nothing_else(
    xiaolan_build, programme, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    hostile = "assumption: {a: 1} !!python/object:os.system\n\x1b[31mred"
    edited = _edit(
        xiaolan_build.workbook,
        tmp_path / "edited.xlsx",
        {
            "inputs.pv_phase1.capex_yuan": 36_000_000,
            "assumptions.corporate_tax_rate": 0.2,
            "inputs.fund.management_fee_rate": 0.015,
            "inputs.fund.management_fee_rate@source": hostile.replace("\x1b", ""),
            "inputs.pv_phase1.subsidy_years": 18,
            # unchanged to 1e-12 relative: a spreadsheet's 15 digits
            "assumptions.lending_rate": 0.0615 * (1 + 1e-14),
        },
    )
    files = {
        name: (programme / name).read_text(encoding="utf-8")
        for name in ("programme.yaml", "projects/pv_phase1.yaml", "fund.yaml")
    }
    before = tree_hash(programme)

    status, out, err = _run(capsys, ["import", str(edited), str(programme), "--dry-run"])
    assert (status, err) == (0, "")
    assert tree_hash(programme) == before  # a dry run writes nothing
    assert "dry run: 4 field(s) would change in 3 file(s); nothing written" in out

    status, out, err = _run(capsys, ["import", str(edited), str(programme)])
    assert (status, err) == (0, "")
    stamp = "edited in the workbook edited.xlsx on 2024-11-25"
    pv = f"{programme}/projects/pv_phase1.yaml"
    assert f"{pv}: parameters.finance.capex_yuan.value: 35000000 -> 36000000" in out
    assert f"{pv}: parameters.subsidy_years: 20 -> 18" in out
    assert f"{programme}/programme.yaml: assumptions.corporate_tax_rate.value: 0.25 -> 0.2" in out
    assert f"{programme}/fund.yaml: fees.management_fee_rate.value: 0.02 -> 0.015" in out
    assert "\\n" in out and "\n[31m" not in out  # the source's newline escaped when printed
    assert "wrote 4 field(s) into 3 file(s)" in out

    after = {name: (programme / name).read_text(encoding="utf-8") for name in files}
    assert _changed_lines(files["projects/pv_phase1.yaml"], after["projects/pv_phase1.yaml"]) == [
        ("      value: 35000000", "      value: 36000000"),
        (
            '      source: "assumption: 5,000 kW x 7.0 yuan/W, grid-connected system price 2015 '
            '(MIIT figures as quoted in a solar-energy textbook)"',
            f'      source: "assumption: {stamp} (was 35000000; assumption: 5,000 kW x 7.0 '
            "yuan/W, grid-connected system price 2015 (MIIT figures as quoted in a solar-energy "
            'textbook))"',
        ),
        ("  subsidy_years: 20", "  subsidy_years: 18"),
    ]
    assert _changed_lines(files["programme.yaml"], after["programme.yaml"]) == [
        ("    value: 0.25", "    value: 0.2"),
        (
            '    source: "[npc-2007-eit-law] Enterprise Income Tax Law of the PRC (2007), '
            'standard rate 25%"',
            f'    source: "assumption: {stamp} (was 0.25; [npc-2007-eit-law] Enterprise Income '
            'Tax Law of the PRC (2007), standard rate 25%)"',
        ),
    ]
    # The workbook's own source cell was edited: it is the source, as one quoted line.
    assert _changed_lines(files["fund.yaml"], after["fund.yaml"]) == [
        ("    value: 0.02", "    value: 0.015"),
        (
            '    source: "assumption: Guidance-fund terms 2% / 8% / 20% (fund-terms surveys; '
            'secondary source)"',
            '    source: "assumption: {a: 1} !!python/object:os.system\\n[31mred"',
        ),
    ]
    fund = yaml.safe_load(after["fund.yaml"])["fees"]["management_fee_rate"]
    assert fund == {"value": 0.015, "source": hostile.replace("\x1b", "")}
    # Every other file byte for byte as it was, and nothing left beside them.
    changed = {k for k, v in tree_hash(programme).items() if before.get(k) != v}
    assert changed == set(files)

    # Imported, the workbook now agrees with the definitions: nothing more to import.
    status, out, _ = _run(capsys, ["import", str(edited), str(programme)])
    assert status == 0 and "no input changed; nothing written" in out


@pytest.mark.programme
def test_every_change_but_a_typed_input_is_refused_and_nothing_written(
    xiaolan_build, programme, tmp_path, capsys
):
    cells = defined_cells(xiaolan_build.workbook)
    sheet, row, column = cells["projects.pv_phase1.npv_yuan"]
    npv_cell = f"{sheet}!{get_column_letter(column)}{row}"
    edited = _edit(
        xiaolan_build.workbook,
        tmp_path / "edited.xlsx",
        {
            "inputs.pv_phase1.capex_yuan": "=36000000*1",  # a formula typed over an input
            "inputs.pv_phase1.om_yuan_per_kw_per_year": "seventy",  # text in a number input
            "inputs.pv_phase1.discount_rate": 0.07,  # linked to assumptions.discount_rate
            "inputs.pv_phase1.operating_years": 30,  # structural
            "units.yuan_per_wan_yuan": 1000,
            "inputs.pv_phase1.tax_free_years": 5,  # a constant of the model
            "inputs.pv_phase1.vat_refund_share": 0.4,  # a default the file leaves out
            npv_cell: 123,  # a formula cell (the NPV)
            "inputs.pv_phase1.insurance_share": 0.004,  # fine alone, but not with the others
        },
    )
    before = tree_hash(programme)
    status, _, err = _run(capsys, ["import", str(edited), str(programme)])
    assert status == 2
    assert tree_hash(programme) == before
    lines = err.splitlines()
    assert lines[-1] == f"{len(lines) - 1} problem(s) found"

    def said(name: str, why: str) -> None:
        r = cells[name][1]
        want = f"{edited}: {INPUTS}!D{r} ({name}): {why}"
        assert any(line.startswith(want) for line in lines), (want, lines)

    said("inputs.pv_phase1.capex_yuan", "a formula typed over an input ('=36000000*1')")
    said("inputs.pv_phase1.om_yuan_per_kw_per_year", "text in a number input ('seventy')")
    said("inputs.pv_phase1.discount_rate", "takes the programme assumption assumptions.discount")
    said("inputs.pv_phase1.operating_years", "is fixed: it shapes the model")
    said("units.yuan_per_wan_yuan", "is a unit conversion")
    said("inputs.pv_phase1.tax_free_years", "is not written in a definition file")
    said("inputs.pv_phase1.vat_refund_share", "is not written in a definition file")
    npv = f"{edited}: {npv_cell}: a formula cell changed"
    assert any(line.startswith(npv) for line in lines), lines
    assert not any("insurance_share" in line for line in lines)


@pytest.mark.programme
def test_a_defined_name_pointed_elsewhere_is_refused(xiaolan_build, programme, tmp_path, capsys):
    # The capex's name moved to the discount rate's cell: reading by position would write the
    # wrong field, reading by name the wrong cell. Refused.
    book = load_workbook(xiaolan_build.workbook)
    target = book.defined_names["assumptions.discount_rate"].attr_text
    book.defined_names["inputs.pv_phase1.capex_yuan"].attr_text = target
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    before = tree_hash(programme)
    status, _, err = _run(capsys, ["import", str(edited), str(programme)])
    assert status == 2 and tree_hash(programme) == before
    assert err.startswith(
        f"{edited}: inputs.pv_phase1.capex_yuan: the defined name was removed or points at "
        "another cell"
    )


@pytest.mark.programme
def test_a_source_that_cites_nothing_is_refused_by_the_loader(
    xiaolan_build, programme, tmp_path, capsys
):
    edited = _edit(
        xiaolan_build.workbook,
        tmp_path / "edited.xlsx",
        {"assumptions.discount_rate@source": "my guess"},
    )
    before = tree_hash(programme)
    status, _, err = _run(capsys, ["import", str(edited), str(programme)])
    assert status == 2 and tree_hash(programme) == before
    assert f"{programme}/programme.yaml: assumptions.discount_rate.source: after the import:" in err
    assert "cites no reference" in err


@pytest.mark.parametrize(
    "make, why",
    [
        (lambda p: p.write_text("not a zip", encoding="utf-8"), "cannot be read as an Excel"),
        (lambda p: Workbook().save(p), "is not an xlfinance workbook"),
        (lambda p: p.mkdir(), "is not a file"),
    ],
)
def test_a_file_that_is_no_xlfinance_workbook_is_refused(make, why, programme, tmp_path, capsys):
    path = tmp_path / "book.xlsx"
    make(path)
    before = tree_hash(programme)
    status, _, err = _run(capsys, ["import", str(path), str(programme)])
    assert status == 2 and tree_hash(programme) == before
    assert err.startswith(f"{path}: {why}") and "Traceback" not in err


def test_a_workbook_with_a_broken_part_is_refused(xiaolan_build, programme, tmp_path, capsys):
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(xiaolan_build.workbook) as source, zipfile.ZipFile(path, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            out.writestr(name, data[: len(data) // 2] if name.endswith("sheet2.xml") else data)
    status, _, err = _run(capsys, ["import", str(path), str(programme)])
    assert status == 2 and "Traceback" not in err
    assert err.startswith(f"{path}: cannot be read as an Excel workbook (.xlsx): a part is broken")


def test_a_missing_workbook_is_refused(programme, tmp_path, capsys):
    status, _, err = _run(capsys, ["import", str(tmp_path / "none.xlsx"), str(programme)])
    assert status == 2 and err.startswith(f"{tmp_path / 'none.xlsx'}: cannot be read")


@pytest.mark.programme
def test_a_workbook_of_another_programme_is_refused(xiaolan_build, programme, tmp_path, capsys):
    edited = with_values(xiaolan_build.workbook, tmp_path / "edited.xlsx", {})
    text = (programme / "programme.yaml").read_text(encoding="utf-8")
    (programme / "programme.yaml").write_text(
        text.replace("zh: 中山市小榄镇低碳试点", "zh: 另一个试点", 1), encoding="utf-8"
    )
    before = tree_hash(programme)
    status, _, err = _run(capsys, ["import", str(edited), str(programme)])
    assert status == 2 and tree_hash(programme) == before
    assert f"{edited}: Cover!A1: is a workbook of another programme (中山市小榄镇低碳试点" in err


def test_the_checks_count_over_the_analysis_sheets_is_not_an_edit():
    """The Checks sheet counts error values sheet by sheet over each one's used range; the
    reference workbook leaves Risk and Structuring empty, so their counts' ranges differ,
    and no more than those sheets are they an input."""
    from xlfinance.roundtrip.cells import _reads_only_analysis

    at_risk, structuring, inputs = (f"'{t}'!" for t in (RISK, STRUCTURING, INPUTS))
    risk = f"=SUMPRODUCT(--ISERROR({at_risk}A1:A1))"
    built = f"=SUMPRODUCT(--ISERROR({at_risk}A1:M87))+SUMPRODUCT(--ISERROR({at_risk}A89:M120))"
    assert _reads_only_analysis(risk, built)
    assert _reads_only_analysis(f"=SUMPRODUCT(--ISERROR({structuring}A1:A1))", f"={structuring}B2")
    assert not _reads_only_analysis(risk, f"=SUMPRODUCT(--ISERROR({inputs}A1:F90))")
    assert not _reads_only_analysis(risk, f"={at_risk}A1+{inputs}D5")  # reads an input too
    assert not _reads_only_analysis(risk, 0.5)  # a number typed over the formula
    assert not _reads_only_analysis("=1+1", "=1+2")  # reads no sheet at all
