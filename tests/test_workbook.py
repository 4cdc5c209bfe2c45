"""The workbook is the model: LibreOffice recalculates it to the engine's numbers.

Reference: LibreOffice Calc, headless, recalculating every formula on load (xlfinance.recalc).
Every defined name that results.json lists in `workbook_names` is held against results.json
(relative 1e-6), then inputs are changed in the workbook and the recalculated values are held
against the Python engine evaluating the same change.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pytest
from openpyxl.utils import get_column_letter

import xlfinance
from xlfinance.build import build
from xlfinance.errors import DefinitionError
from xlfinance.fund import ProjectFlows
from xlfinance.render.labels import bilingual
from xlfinance.render.sheetnames import (
    BENEFITS,
    BUDGET,
    CHECKS,
    COVER,
    FUND,
    INPUTS,
    MACC,
    SUMMARY,
    TIMELINE,
    project_sheet_titles,
    sheet_titles,
)
from xlfinance.results import resolve

from .conftest import SOURCE_DATE_EPOCH
from .lo import defined_cells, is_error, needs_libreoffice, no_value, with_values, workbooks

ROOT = Path(__file__).resolve().parents[1]
XIAOLAN = ROOT / "projects" / "xiaolan"
TARIFF = "inputs.pv_phase1.building_tariff_yuan_per_kwh"
DISCOUNT = "assumptions.discount_rate"
HURDLE = "inputs.fund.hurdle_rate_senior"
STRUCTURAL = "inputs.pv_phase1.operating_years"
LENDERS_MIN_DSCR = "lenders_min_dscr"


def name_values(cells: dict[str, tuple[str, int, int]], book) -> dict[str, object]:
    """Each defined name's recalculated value."""
    return {name: book[sheet].get((row, col)) for name, (sheet, row, col) in cells.items()}


def same(got, want, where: str) -> None:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        assert no_value(got, scalar=True), f"{where}: want no value, got {got!r}"
    else:
        assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{where}: {got!r}"
        assert got == pytest.approx(want, rel=1e-6, abs=1e-6), where


@pytest.fixture(scope="module")
def built(xiaolan_build):
    """The shared Xiaolan build (conftest.py): its result, folder and workbook."""
    return xiaolan_build.build, xiaolan_build.out, xiaolan_build.workbook


@pytest.fixture(scope="module")
def opened(xiaolan_opened):
    """The shared build's workbook as openpyxl reads it (conftest.py's, loaded once a
    worker): the tests read its cells, styles and print settings and never change it."""
    return xiaolan_opened


@workbooks
def xiaolan_workbooks(folder, fixture):
    """The built workbook, and a copy with the tariff, discount rate and hurdle changed."""
    workbook = fixture("xiaolan_build").workbook
    changed = with_values(
        workbook, folder / "changed.xlsx", {TARIFF: 1.05, DISCOUNT: 0.06, HURDLE: 0.07}
    )
    reshaped = with_values(workbook, folder / "reshaped.xlsx", {STRUCTURAL: 30})
    return [workbook, changed, reshaped], defined_cells(workbook)


@pytest.fixture(scope="module")
def recalculated(recalculated_books):
    cells, (base, after, reshaped) = recalculated_books(xiaolan_workbooks)
    return name_values(cells, base), name_values(cells, after), name_values(cells, reshaped)


@needs_libreoffice
def test_every_named_result_equals_results_json(built, recalculated):
    result, out, _ = built
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    names = results["workbook_names"]
    for pid in result.projects:
        for metric in result.projects[pid].metrics:
            assert f"projects.{pid}.{metric}" in names
    for key in (
        "total_wan_yuan",
        "market_wan_yuan",
        "policy_grants_wan_yuan",
        "town_government_wan_yuan",
    ):
        assert f"budget.{key}" in names
    values, _, _ = recalculated
    for path, defined in names.items():
        same(values[defined], resolve(results, path), path)
    assert values["checks.all_pass"] is True


@needs_libreoffice
def test_every_cell_of_the_programme_sheets_equals_numpy(built, opened, recalculated_books):
    """Budget, Benefits, MACC and Timeline are models (`xlfinance.model.grid`): every
    formula on them is a line of its grid, every cell of each grid, typed or computed,
    recalculated by LibreOffice equals its numpy value, and every defined name a grid gives
    is on the cell it names."""
    from xlfinance.portfolio.timeline import timeline_sheet

    result = built[0]
    cells, (base, _, _) = recalculated_books(xiaolan_workbooks)
    portfolio = result.portfolio
    timeline = timeline_sheet(result.projects, lambda pid, line, period: "X1")
    grids = {
        BUDGET: (portfolio.budget_sheet.grid, portfolio.budget_sheet.values),
        BENEFITS: (portfolio.benefits_sheet.grid, portfolio.benefits_sheet.values),
        MACC: (portfolio.macc_sheet.grid, portfolio.macc_sheet.values),
        TIMELINE: (timeline.grid, timeline.grid.evaluate()),
    }
    for title, (grid, numbers) in grids.items():
        formulas = {
            (cell.row, cell.column)
            for row in opened[title].iter_rows()
            for cell in row
            if cell.data_type == "f"
        }
        lines = {grid.cells[name] for name in grid.model.lines}
        assert formulas == lines and lines, title
        sheet = base[title]
        for name, (row, col) in grid.cells.items():
            got, want = sheet.get((row, col)), numbers[name]
            assert isinstance(got, (int, float)) and not isinstance(got, bool), (title, name, got)
            assert got == pytest.approx(want, rel=1e-12, abs=1e-9), (title, name, row, col)
        for defined, target in grid.names.items():
            assert cells[defined] == (title, *grid.cells[target]), defined


@needs_libreoffice
def test_changed_inputs_recalculate_to_the_engine(built, recalculated):
    result, _, _ = built
    _, values, _ = recalculated
    assert values["checks.all_pass"] is True
    linked = 0
    for pid, project in result.projects.items():
        model = project.model
        overrides = {name: 0.06 for name, item in model.inputs.items() if item.link == DISCOUNT}
        linked += len(overrides)
        if pid == "pv_phase1":
            overrides["building_tariff_yuan_per_kwh"] = 1.05
        want = model.evaluate(overrides).metrics()
        for metric, value in want.items():
            same(values[f"projects.{pid}.{metric}"], value, f"{pid}.{metric} after the change")
    # Every project takes the programme's discount rate (none sets its own), so the change
    # reached them all through the workbook's links.
    assert linked == len(result.projects)
    # The change moved what it should: a dearer tariff raises phase 1's NPV.
    assert values["projects.pv_phase1.npv_yuan"] > result.projects["pv_phase1"].metrics["npv_yuan"]

    # The fund: a higher senior hurdle, and pv_phase1's new equity flows read from its sheet.
    fund = result.fund
    pv = result.projects["pv_phase1"]
    flows = pv.model.evaluate({"building_tariff_yuan_per_kwh": 1.05}).lines["equity_cash_flow"][0]
    calendar = ProjectFlows(pv.definition.start_year, tuple(flows)).on_calendar(
        fund.fund.first_year, fund.model.n_periods
    )
    want = fund.model.evaluate(
        {"hurdle_rate_senior": 0.07, "equity_cash_flow_pv_phase1": calendar}
    ).metrics()
    for c in fund.fund.classes:
        same(values[f"fund.classes.{c}.net_irr"], want[f"net_irr_{c}"], f"fund {c} net IRR")
        same(values[f"fund.classes.{c}.tvpi"], want[f"tvpi_{c}"], f"fund {c} TVPI")
    same(values["fund.gross_irr"], want["gross_irr"], "fund gross IRR")


def test_every_computed_number_is_a_formula(built, opened):
    wb = opened
    for pid, project in built[0].projects.items():
        ws = wb[sheet_titles(built[0].projects)[pid]]
        for row in ws.iter_rows(min_col=5):
            for cell in row:
                if isinstance(cell.value, (int, float)) and cell.row > 6:
                    # Only the timeline (period, year) and series inputs may hold typed numbers.
                    label = ws.cell(row=cell.row, column=1).value
                    allowed = ["Period", "Year"]
                    allowed += [s.label or s.name for s in project.model.series.values()]
                    assert label in {bilingual(a) for a in allowed}, (
                        f"{pid}!{cell.coordinate} holds a typed number ({label})"
                    )


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_model_label_reads_in_chinese_and_english(built):
    """Each line's and output's label on a project sheet and the Fund: Chinese first, then
    " / " and the English the model gives (#16: every line label in zh and en)."""
    _, _, workbook = built
    wb = openpyxl.load_workbook(workbook)
    titles = sheet_titles(built[0].projects)
    models = {titles[pid]: r.model for pid, r in built[0].projects.items()}
    models[FUND] = built[0].fund.model
    for title, model in models.items():
        ws = wb[title]
        shown = {ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)}
        english = [line.label or name for name, line in model.lines.items()]
        english += [o.label or name for name, o in model.outputs.items()]
        for label in english:
            matches = [s for s in shown if isinstance(s, str) and s.endswith(f" / {label}")]
            assert matches and all(CJK.search(s.split(" / ")[0]) for s in matches), (title, label)


def _renamed(tmp_path: Path, en: str, zh: str) -> Path:
    folder = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, folder)
    path = folder / "projects" / "pv_phase1.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "  en: Rooftop distributed PV, phase 1 (5 MW)", f"  en: {json.dumps(en)}", 1
    )
    text = text.replace("  zh: 屋顶分布式光伏一期（5兆瓦）", f"  zh: {json.dumps(zh)}", 1)
    path.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.programme
def test_text_from_definitions_is_never_a_formula(tmp_path):
    evil = '=HYPERLINK("http://x","y")'
    folder = _renamed(tmp_path, evil, "+1")
    build(folder, tmp_path / "out", risk_trials=100, reports=False)
    wb = openpyxl.load_workbook(tmp_path / "out" / "xiaolan.xlsx")
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (
                    "HYPERLINK" in cell.value or cell.value.startswith("+1")
                ):
                    found.append(cell)
    assert found, "the project's name should appear"
    for cell in found:
        assert cell.data_type == "s", (
            f"{cell.parent.title}!{cell.coordinate} is a formula: {cell.value}"
        )
        assert evil in cell.value or cell.value.startswith("+1")


@pytest.mark.programme
def test_failed_build_leaves_previous_outputs_untouched(xiaolan_build, tmp_path):
    folder = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, folder)
    out = tmp_path / "out"
    shutil.copytree(xiaolan_build.out, out)  # the outputs of an earlier build

    def snapshot():
        return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    before = snapshot()
    programme = folder / "programme.yaml"
    programme.write_text(
        programme.read_text(encoding="utf-8").replace("base_year: 2014", "base_year: soon"),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError):
        build(folder, out)
    done = subprocess.run(
        [sys.executable, "-m", "xlfinance", "build", str(folder), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "programme.yaml: programme.base_year" in done.stderr
    assert snapshot() == before
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


def test_same_inputs_same_cells(xiaolan_build, tmp_path):
    """The shared build's evaluation written into a workbook a second time (on the build's
    date) gives the same workbook, every part of it byte for byte (cells, styles, names,
    charts), and results.json is its results serialised again. The evaluation itself repeats
    exactly: tests/test_risk.py (same seed, same results) and tests/test_structuring.py
    (answers solved again equal the cached ones)."""
    from xlfinance.render import results_json
    from xlfinance.render.workbook import write_workbook
    from xlfinance.risk.sheet import risk_sheet
    from xlfinance.structuring.sheet import structuring_sheet

    b = xiaolan_build.build
    again = tmp_path / "xiaolan.xlsx"
    written = write_workbook(
        again,
        b.programme,
        b.projects,
        b.portfolio,
        built=dt.datetime.fromtimestamp(SOURCE_DATE_EPOCH, dt.UTC).date(),
        fund=b.fund,
        extra_sheets=[risk_sheet(b.risk), structuring_sheet(b.structuring)],
    )

    def parts(path):  # the zip's members
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    first, second = parts(xiaolan_build.workbook), parts(again)
    assert len(first) > 30 and first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    # The file too: every entry is dated the build's day at midnight, not the moment it was
    # written (the shared build was written minutes before this copy).
    with zipfile.ZipFile(again) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2024, 11, 25, 0, 0, 0)}
    assert xiaolan_build.workbook.read_bytes() == again.read_bytes()
    assert set(b.results["workbook_names"]) <= set(written.names)
    assert (xiaolan_build.out / "results.json").read_text(encoding="utf-8") == (
        results_json.dumps(b.results)
    )


@pytest.mark.programme
def test_loaded_programme_matches_build(built):
    result = built[0]
    loaded = xlfinance.load(XIAOLAN)
    for pid, project in result.projects.items():
        np.testing.assert_allclose(
            loaded.annual(pid)["equity_cash_flow"], project.annual["equity_cash_flow"]
        )


# Ids that share their first 31 characters and two that read as cells (A1 and R1C1 style;
# the fixed sheets' names are refused as ids): every one keeps its own sheet and every named
# result its value.
CLASHING_IDS = {
    "pv_phase1": "rooftop_solar_programme_of_the_town_a",
    "pv_phase2": "rooftop_solar_programme_of_the_town_b",
    "des_phase1": "pv1",
    "des_phase2": "r1c1",
}


def _with_ids(folder: Path, renames: dict[str, str]) -> Path:
    """A copy of Xiaolan whose projects are renamed everywhere they are named (without
    risk.yaml: its Risk sheet holds values, not references to the project sheets)."""
    shutil.copytree(XIAOLAN, folder, ignore=shutil.ignore_patterns("risk.yaml"))
    for path in folder.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^short_name:.*\n(  .*\n)*", "", text, flags=re.M)  # tabs are the ids
        for old, new in renames.items():
            text = re.sub(rf"(?<![a-z0-9]){old}(?![a-z0-9])", new, text)
        path.write_text(text, encoding="utf-8")
    for old, new in renames.items():
        (folder / "projects" / f"{old}.yaml").rename(folder / "projects" / f"{new}.yaml")
    return folder


@workbooks
def clashing_workbook(folder, fixture):
    """The workbook of the variant whose ids clash (conftest.py's `clashing_build`)."""
    built = fixture("clashing_build")
    return [built.workbook], built.build


@needs_libreoffice
def test_ids_that_clash_as_sheet_names_keep_their_own_sheets(recalculated_books):
    result, (values,) = recalculated_books(clashing_workbook)
    titles = sheet_titles(result.projects)
    assert all(r.definition.short_name is None for r in result.projects.values())  # ids
    assert len({t.casefold() for t in titles.values()}) == len(titles)
    assert all(len(t) <= 31 for t in titles.values())
    assert set(titles.values()) <= set(values)
    workbook = result.out_dir / "xiaolan.xlsx"
    named = name_values(defined_cells(workbook), values)
    for path, defined in result.results["workbook_names"].items():
        same(named[defined], resolve(result.results, path), path)
    assert named["checks.all_pass"] is True
    # Every defined name is one Excel accepts: letters, digits, _ and ., not a cell reference.
    for name in named:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,254}", name), name
        assert not re.fullmatch(r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*", name), name
    # The fund reads the renamed PV phase 2 and the DES phases from their own sheets.
    assert named["fund.gross_irr"] == pytest.approx(result.results["fund"]["gross_irr"])


def test_a_project_tab_is_its_short_name_in_both_languages(built):
    """光伏一期 PV 1, within 31 characters; two projects given the same short name keep a
    sheet each (the second takes a suffix), and the Cover's contents name each project."""
    result, _, workbook = built
    titles = sheet_titles(result.projects)
    assert titles["pv_phase1"] == "光伏一期 PV 1"
    assert titles["industrial_boilers_phase1"] == "锅炉改造一期 Boilers 1"
    assert all(len(t) <= 31 for t in titles.values())
    wb = openpyxl.load_workbook(workbook, read_only=True)
    assert set(titles.values()) <= set(wb.sheetnames)
    contents = {row[0]: row[1] for row in wb[COVER].iter_rows(values_only=True) if row[0]}
    assert (
        contents["光伏一期 PV 1"]
        == "屋顶分布式光伏一期（5兆瓦） / Rooftop distributed PV, phase 1 (5 MW)"
    )
    same_name = project_sheet_titles(["a", "b"], {"a": "光伏 PV", "b": "光伏 pv"})
    assert same_name == {"a": "光伏 PV", "b": "光伏 pv~2"}


def test_sheet_title_examples():
    import doctest

    from xlfinance.render import sheetnames

    result = doctest.testmod(sheetnames)
    assert result.attempted >= 2 and result.failed == 0


@needs_libreoffice
def test_a_structural_input_changed_in_the_workbook_fails_the_checks(built, recalculated):
    """pv_phase1's 20 operating years laid out its 21 periods: 30 typed into the cell cannot
    add periods, so the master check turns FALSE instead of a silently wrong NPV."""
    result, _, workbook = built
    assert result.projects["pv_phase1"].model.inputs["operating_years"].structural
    _, _, reshaped = recalculated
    assert reshaped["checks.all_pass"] is False
    wb = openpyxl.load_workbook(workbook)
    sheet, coordinate = next(iter(wb.defined_names[STRUCTURAL].destinations))
    cell = wb[sheet][coordinate.replace("$", "")]
    assert cell.font.color.rgb != "000000FF", "a structural input must not look editable"


def test_each_project_chart_plots_its_lines_under_their_years(xiaolan_build, opened):
    """Every series of a project sheet's chart reads the same columns as its categories,
    the sheet's year row, and is named by its line's label cell (a series one column early
    put each value under the year before and dropped the last year), in 万元. Read from the
    chart XML, as Excel reads it."""
    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    span = re.compile(
        r"^(?P<sheet>.+)!\$(?P<c0>[A-Z]+)\$(?P<r0>\d+):\$(?P<c1>[A-Z]+)\$(?P<r1>\d+)$"
    )
    titles = set(sheet_titles(xiaolan_build.build.projects).values())
    book = opened
    seen = set()
    with zipfile.ZipFile(xiaolan_build.workbook) as z:
        for name in z.namelist():
            if not re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                continue
            series = ElementTree.fromstring(z.read(name)).iter(f"{c}ser")
            for ser in series:
                years = span.match(ser.find(f"{c}cat//{c}f").text)
                sheet = years["sheet"].strip("'")
                if sheet not in titles:
                    break  # a chart of another sheet
                seen.add(sheet)
                ws = book[sheet]
                assert years["r0"] == years["r1"], name
                first = ws[f"{years['c0']}{years['r0']}"].value
                assert isinstance(first, int) and 2000 < first < 2100, (name, first)
                values = span.match(ser.find(f"{c}val//{c}f").text)
                assert (values["c0"], values["c1"]) == (years["c0"], years["c1"]), name
                assert values["sheet"] == years["sheet"] and values["r0"] == values["r1"]
                label = ser.find(f"{c}tx//{c}f").text.rsplit("!", 1)[1].replace("$", "")
                assert label == f"A{values['r0']}" and ws[label].value, (name, label)
                # In 万元: each plotted cell divides the cell of the model line of the same
                # label, in the same column, by the yuan in a 万元 (a chart's axis cannot).
                row = int(values["r0"])
                (line,) = [
                    r for r in range(1, row) if ws.cell(row=r, column=1).value == ws[label].value
                ]
                assert ws.cell(row=row, column=2).value == "万元 / 10k yuan"
                for col in range(ws[f"{values['c0']}1"].column, ws[f"{values['c1']}1"].column + 1):
                    letter = openpyxl.utils.get_column_letter(col)
                    want = f"={letter}{line}/units.yuan_per_wan_yuan"
                    assert ws.cell(row=row, column=col).value == want, (name, letter)
    assert seen == titles


@needs_libreoffice
def test_the_summary_shows_the_models_figures_and_no_error(built, recalculated_books):
    """The Summary sheet, recalculated by LibreOffice: each project's figures equal
    results.json's (万元 columns divided by 10,000), "无 n/a" where results.json has none,
    totals equal the sums, no error value anywhere, and a changed tariff moves PV phase 1's
    NPV on the Summary as it moves the model's."""
    from xlfinance.render.summary import (
        ABATEMENT,
        CLAIMED,
        CLASS_COLUMNS,
        FUND_ROWS,
        GAP,
        NOT_AVAILABLE,
        PROJECT_COLUMNS,
    )

    result, out, _ = built
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    cells, (base, changed, _) = recalculated_books(xiaolan_workbooks)
    summary = base[SUMMARY]
    assert not [cell for cell, value in summary.items() if is_error(value)]
    by_name = {value: r for (r, c), value in summary.items() if c == 1}
    header = {summary.get((7, c)): c for c in range(2, 3 + len(PROJECT_COLUMNS))}
    totals = {}
    for pid, project in result.projects.items():
        row = by_name[f"{project.definition.name.zh}\n{project.definition.name.en}"]
        for column in PROJECT_COLUMNS:
            col = header[f"{column.zh}\n{column.en}"]
            want = results["projects"][pid].get(column.output)
            got = summary.get((row, col))
            if want is None:
                assert got == NOT_AVAILABLE, (pid, column.output, got)
                continue
            if column.output in ABATEMENT and project.definition.archetype == "programme" and want:
                # a plan's claim, no model behind it: shown as text, in no total
                assert got == f"{CLAIMED}: {want:,.0f}", (pid, column.output, got)
                continue
            if column.unit == "wan_yuan":
                want /= 10_000
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (pid, column.output)
            totals[column.output] = totals.get(column.output, 0.0) + want
    total_row = by_name["项目合计 Total of the projects"]
    for column in PROJECT_COLUMNS:
        if column.total:
            got = summary[(total_row, header[f"{column.zh}\n{column.en}"])]
            assert got == pytest.approx(totals[column.output], rel=1e-9), column.output
    npv = next(c for c in PROJECT_COLUMNS if c.output == "npv_yuan")
    npv_col = header[f"{npv.zh}\n{npv.en}"]
    pv1_name = result.projects["pv_phase1"].definition.name
    pv1 = by_name[f"{pv1_name.zh}\n{pv1_name.en}"]
    sheet, r, c = cells["projects.pv_phase1.npv_yuan"]
    assert changed[sheet][(r, c)] != base[sheet][(r, c)]
    assert changed[SUMMARY][(pv1, npv_col)] == pytest.approx(changed[sheet][(r, c)] / 10_000)
    assert summary[(4, 2)] is True
    # The fund: its deployment and returns, and each class's, as results.json has them.
    for path, zh, en, unit in FUND_ROWS:
        want = resolve(results, path)
        want = want / 10_000 if unit == "wan_yuan" else want
        assert summary[(by_name[f"{zh} {en}"], 2)] == pytest.approx(want, rel=1e-9), path
    heading = max(r for (r, c), v in summary.items() if c == 1 and v == "类别 Class")
    for i, (investor, values) in enumerate(results["fund"]["classes"].items()):  # in order
        for col, (metric, _, _, unit) in enumerate(CLASS_COLUMNS, 2):
            want = values[metric] / 10_000 if unit == "wan_yuan" else values[metric]
            got = summary[(heading + 1 + i, col)]
            assert got == pytest.approx(want, rel=1e-9), (investor, metric)
    # The viability gaps (structuring.yaml's base-case answers less the grants as defined),
    # in 万元: the Structuring sheet's, blank where a project needs none; their total.
    gaps = results["structuring"]["viability_gaps"]
    gap_col = header[f"{GAP.zh}\n{GAP.en}"]
    for pid, project in result.projects.items():
        got = summary.get(
            (by_name[f"{project.definition.name.zh}\n{project.definition.name.en}"], gap_col)
        )
        if pid in gaps["projects"]:
            assert got == pytest.approx(gaps["projects"][pid]["value"] / 10_000, rel=1e-9), pid
        else:
            assert got is None, (pid, got)
    assert summary[(total_row, gap_col)] == pytest.approx(gaps["total"]["value"] / 10_000)
    # The J-curve's table: each class's net cash flows (results.json) summed year by year.
    years_row = next(r for (r, c), v in summary.items() if c == 1 and v == "年 Year")
    fund_years = results["fund"]["years"]
    assert [summary[(years_row, 2 + k)] for k in range(len(fund_years))] == fund_years
    for i, (investor, values) in enumerate(results["fund"]["classes"].items()):
        running = np.cumsum(values["cash_flows"]) / 10_000
        got = [summary[(years_row + 1 + i, 2 + k)] for k in range(len(fund_years))]
        assert got == pytest.approx(running.tolist(), rel=1e-9, abs=1e-6), investor


def test_the_summary_charts_read_its_tables(opened, xiaolan_build):
    """The Summary's native charts: the budget by source, the fund's J-curve (a series a
    class, its name the class's cell, values and years over the same columns of the J-curve
    table) and the MACC (each project's cost per tonne, named by its sheet tab, read from the
    MACC sheet, cheapest first)."""
    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    span = re.compile(
        r"^'?(?P<sheet>[^!]+?)'?!\$(?P<c0>[A-Z]+)\$(?P<r0>\d+)(:\$(?P<c1>[A-Z]+)\$(?P<r1>\d+))?$"
    )
    ws = opened[SUMMARY]
    charts = {}
    with zipfile.ZipFile(xiaolan_build.workbook) as z:
        rels = z.read("xl/worksheets/_rels/" + _sheet_part(z, SUMMARY) + ".rels").decode()
        drawing = re.search(r'Target="(?:\.\./|/xl/)drawings/(drawing\d+\.xml)"', rels)[1]
        drels = z.read(f"xl/drawings/_rels/{drawing}.rels").decode()
        for part in re.findall(r'Target="(?:\.\./|/xl/)charts/(chart\d+\.xml)"', drels):
            root = ElementTree.fromstring(z.read(f"xl/charts/{part}"))
            title = "".join(
                t.text or ""
                for t in root.find(f"{c}chart/{c}title").iter(
                    "{http://schemas.openxmlformats.org/drawingml/2006/main}t"
                )
            )
            charts[title] = list(root.iter(f"{c}ser"))
    assert len(charts) == 3, list(charts)
    (j_curve,) = [series for title, series in charts.items() if "J" in title]
    (macc,) = [series for title, series in charts.items() if "Abatement" in title]
    years_row = next(
        row[0].row for row in ws.iter_rows(min_col=1, max_col=1) if row[0].value == "年 Year"
    )
    classes = [cl.name for cl in xiaolan_build.build.fund.fund.definition.classes]
    assert len(j_curve) == len(classes)
    for i, ser in enumerate(j_curve):
        values = span.match(ser.find(f"{c}val//{c}f").text)
        years = span.match(ser.find(f"{c}cat//{c}f").text)
        name = span.match(ser.find(f"{c}tx//{c}f").text)
        assert values["sheet"] == years["sheet"] == name["sheet"] == SUMMARY
        assert int(values["r0"]) == int(values["r1"]) == years_row + 1 + i
        assert int(years["r0"]) == years_row and (values["c0"], values["c1"]) == (
            years["c0"],
            years["c1"],
        )
        assert ws[f"A{values['r0']}"].value.startswith(classes[i].zh)
    (ser,) = macc
    values = span.match(ser.find(f"{c}val//{c}f").text)
    names = span.match(ser.find(f"{c}cat//{c}f").text)
    assert values["sheet"] == names["sheet"] == MACC
    assert (values["r0"], values["r1"]) == (names["r0"], names["r1"])
    macc_ws = opened[MACC]
    macc_rows = xiaolan_build.results["macc"]
    assert int(values["r1"]) - int(values["r0"]) + 1 == len(macc_rows)
    titles = sheet_titles(xiaolan_build.build.projects)
    for k, entry in enumerate(macc_rows):
        r = int(values["r0"]) + k
        assert macc_ws[f"{names['c0']}{r}"].value == titles[entry["project"]]
        assert (
            macc_ws[f"{values['c0']}{r}"].value
            == f"=projects.{entry['project']}.abatement_cost_yuan_per_t"
        )


def _sheet_part(z: zipfile.ZipFile, title: str) -> str:
    """The worksheet part's file name (sheetN.xml) of the sheet titled `title`."""
    book = z.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="(rId\d+)"', book)[1]
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels
    )
    return target[1].rsplit("/", 1)[-1]


def test_every_number_on_the_inputs_sheet_has_its_unit(opened):
    """Every number of the Inputs sheet has its unit beside it (#16: tce/MWh and GJ/tce had
    none, nor the PV subsidy, the operating-margin weights or the retrofit's savings
    shares); a unit the name does not say is declared on its schema field (`field_unit`)."""
    ws = opened[INPUTS]
    bare = [
        ws.cell(row=r, column=2).value
        for r in range(5, ws.max_row + 1)
        if isinstance(ws.cell(row=r, column=4).value, (int, float))
        and not isinstance(ws.cell(row=r, column=4).value, bool)
        and not ws.cell(row=r, column=5).value
    ]
    assert bare == []
    units = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=5).value for r in range(5, 400)}
    assert units["assumptions.tce_per_mwh_electricity"] == "吨标准煤/MWh / tce/MWh"
    assert units["assumptions.gj_per_tce"] == "GJ/吨标准煤 / GJ/tce"
    assert units["assumptions.pv_subsidy_yuan_per_kwh.from_2013"].endswith("yuan/kWh")
    assert units["assumptions.grid_emission_factor.operating_margin_weight.pv"].endswith("share")


def test_no_typed_input_is_shown_rounded(opened):
    """Each number on the Inputs sheet shows every decimal it has (up to six), under its
    number format: a grid factor of 0.7925 read 0.79, and a tariff of 0.7265 read 0.727
    (#16). The decimals a format shows are the 0s and #s after its point."""
    ws = opened[INPUTS]
    rounded = []
    for row in ws.iter_rows(min_row=5):
        cell = row[3]
        if isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
            continue
        shown = re.search(r"\.([0#]+)", cell.number_format.split(";")[0])
        places = len(shown.group(1)) if shown else 0
        value = cell.value * (100 if "%" in cell.number_format else 1)
        needed = next(d for d in range(7) if round(value, d) == round(value, 6) or d == 6)
        if needed > places:
            rounded.append((row[1].value, cell.value, cell.number_format))
    assert rounded == []


def test_every_sheet_prints_with_its_name_and_page_numbers(opened):
    """A4 landscape, the sheet's name in the header and "page / pages" in the footer, on
    every sheet a person prints; the Checks sheet is one page wide, so its names and their
    TRUE print on the same page (they fell on two)."""
    wb = opened
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, ws.title
        assert ws.oddHeader.center.text == "&A", ws.title
        assert ws.oddFooter.center.text == "&P / &N", ws.title
    checks = wb[CHECKS]
    # One page wide: no column break, and its columns at its scale within the page's body
    # (A4 landscape, 297 mm = 841.89 pt, less Narrow margins of 0.25 in each side = 805.89
    # pt; a character of width is a Calibri 11 digit, 11 * 1038 / 2048 = 5.575 pt), its
    # 11 pt text at 8 pt or more.
    assert not checks.col_breaks.brk
    last = max(c.column for row in checks.iter_rows() for c in row if c.value is not None)
    chars = sum(checks.column_dimensions[get_column_letter(c)].width for c in range(1, last + 1))
    scale = checks.page_setup.scale
    assert chars * 11 * 1038 / 2048 * scale / 100 <= 841.89 - 36
    assert 11 * scale / 100 >= 8


@workbooks
def demanding_lender_workbooks(folder, fixture):
    """A copy of the built workbook whose lenders ask a minimum DSCR of 3 of the loans that
    state no target of their own (the Checks sheet's cell from reconciliation.yaml)."""
    workbook = fixture("xiaolan_build").workbook
    return [with_values(workbook, folder / "demanding.xlsx", {LENDERS_MIN_DSCR: 3.0})], None


@needs_libreoffice
def test_a_loan_below_its_target_is_false_on_the_checks_sheet(built, recalculated_books):
    """public_buildings_phase1 and _phase2 (fixed shares, minimum DSCR 2.56 and below 3)
    fail a target of 3 typed into the Checks sheet; the loans sized to their own 1.30 still
    pass; the master check turns FALSE."""
    result, _, _ = built
    _, (book,) = recalculated_books(demanding_lender_workbooks)
    checks = book[CHECKS]
    rows = {  # "中文 / <project id>: the loan's minimum DSCR meets ..."
        text.split(" / ")[-1].split(":")[0]: checks.get((row, 2))
        for (row, col), text in checks.items()
        if col == 1 and isinstance(text, str) and "minimum DSCR meets" in text
    }
    assert rows["public_buildings_phase1"] is False and rows["public_buildings_phase2"] is False
    assert result.projects["public_buildings_phase1"].metrics["min_dscr"] < 3
    assert rows["pv_phase1"] is True and rows["des_phase1"] is True
    assert checks.get((5, 2)) is False  # All checks pass


def test_every_sheet_prints_its_cells_and_charts_as_its_print_area(built, opened):
    """Each sheet's print area starts at A1 and holds every cell with a value and the
    top-left corner of every chart; in the file the print areas come before every print
    title (what LibreOffice has read bounds the page layouts it does at each title)."""
    from openpyxl.utils.cell import range_boundaries

    for ws in opened.worksheets:
        left, top, right, bottom = range_boundaries(ws.print_area.split("!")[-1].replace("$", ""))
        assert (left, top) == (1, 1), ws.title
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
        assert max(c.row for c in cells) <= bottom, ws.title
        assert max(c.column for c in cells) <= right, ws.title
        for chart in ws._charts:  # the anchor's cell, counted from 0
            assert chart.anchor._from.row + 1 <= bottom, ws.title
            assert chart.anchor._from.col + 1 <= right, ws.title
    _, _, workbook = built
    with zipfile.ZipFile(workbook) as archive:
        xml = archive.read("xl/workbook.xml").decode("utf-8")
    kinds = re.findall(r'<definedName name="_xlnm\.(Print_Area|Print_Titles)"', xml)
    areas = kinds.count("Print_Area")
    assert areas == len(opened.worksheets) and kinds[:areas] == ["Print_Area"] * areas
