"""Every sheet of the Xiaolan workbook reads in Chinese and English (#16, "bilingual
throughout"): the share of its label and heading cells that carry Chinese, held above a floor
sheet by sheet, and no text cell that a spreadsheet would read as a formula.

A label or heading cell is a text cell that is none of the texts that rightly stay Latin
(`kept_latin`, `label_cells`):
- an identifier: a text of keys only, each a project id, an Inputs group or a model's
  input by its name as the definitions give it, or a key with `_`, `-`, `.`, `*`, `[` or a
  digit (a dotted path, a finding's id, a budget line, a year, a number), joined by spaces,
  commas, semicolons or operators (`des_phase1, des_phase2`, `equity_irr >= 0.08`);
- a citation, a document's name as cited: a text that begins with its `[id]`,
  `assumption:` or `derived:`, or is a field of a sources.yaml entry;
- any text in a column below the heading Source, Sources, Numbers or Parameters (in either
  language): sources as written, a finding's numbers and a distribution's parameters keyed
  as results.json and risk.yaml key them;
- a unit Chinese writes as it is (kWh, m3), a sheet's tab, a text with no word;
- the English of a two-column pair: a Latin cell right of a cell holding only Chinese (the
  Budget's line names; the issue allows "two columns or 中文 / English").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import openpyxl
import pytest

from xlfinance.render.labels import FORMULA_STARTS, unit_zh
from xlfinance.render.sheetnames import COVER, INPUTS, RISK, STRUCTURING, SUMMARY

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
_KEY = re.compile(r"[A-Za-z0-9]*[0-9_.*\[-][A-Za-z0-9_.*\[\]-]*:?|[=<>/+-]+|[0-9][0-9,.%]*")
_CITED = re.compile(r"^\[[a-z0-9][a-z0-9, -]*\]")
KEPT_COLUMNS = ("Source", "Sources", "Numbers", "Parameters")
"""Headings of columns whose texts are kept as written (the module's docstring)."""


@dataclass(frozen=True)
class Kept:
    """What a workbook's texts may be without being labels: its tabs, the bibliography's
    fields, and the ids the definitions give (projects, the Inputs groups)."""

    tabs: frozenset[str]
    citations: frozenset[str]
    ids: frozenset[str]


def kept_latin(text: str, kept: Kept) -> str | None:
    """Why `text` rightly stays Latin, or None when it is a label or heading."""
    if not LATIN.search(text) and not HAN.search(text):
        return "no word"
    if HAN.search(text):
        return None
    if _CITED.match(text) or text.startswith(("assumption:", "derived:")):
        return "citation"
    if text in kept.citations:
        return "citation"
    tokens = [t for t in re.split(r"[\s,;]+", text) if t]
    if all(t in kept.ids or _KEY.fullmatch(t) for t in tokens):
        return "identifier"
    if unit_zh(text) == text:
        return "unit"
    if text in kept.tabs:
        return "sheet tab"
    return None


def _heads_kept_column(text: str) -> bool:
    return any(text == h or text.endswith(f" / {h}") for h in KEPT_COLUMNS)


def label_cells(ws, kept: Kept) -> list[str]:
    """The label and heading texts of a sheet (the module's docstring)."""
    out = []
    kept_below: dict[int, int] = {}  # column -> the row of its first kept column heading
    for (row, col), cell in sorted(ws._cells.items()):
        text = cell.value
        if cell.data_type != "s" or not isinstance(text, str) or not text.strip():
            continue
        if _heads_kept_column(text):
            kept_below.setdefault(col, row)
        elif col in kept_below and row > kept_below[col]:
            continue  # a source, a finding's numbers, a distribution's parameters
        if kept_latin(text, kept):
            continue
        left = ws._cells.get((row, col - 1))
        left_text = left.value if left is not None else None
        if (
            not HAN.search(text)
            and isinstance(left_text, str)
            and HAN.search(left_text)
            and not LATIN.search(left_text)
        ):
            continue  # the English of a two-column pair
        out.append(text)
    return out


def chinese_share(texts: list[str]) -> float:
    return sum(bool(HAN.search(t)) for t in texts) / len(texts) if texts else 1.0


def kept_of(build, wb) -> Kept:
    """The tabs of `wb`; the bibliography's fields of the build's programme, and the ids it
    gives: its projects', the Inputs groups', each model's inputs' names."""
    programme = build.programme
    cited = set()
    for ref in programme.sources.references:
        cited |= {ref.title, ref.publisher, ref.found, ref.id}
        if ref.title_en:
            cited.add(f"{ref.title} ({ref.title_en})")
        if ref.number:
            cited.add(f"{ref.number}; {ref.found}")
    ids = {p.id for p in programme.projects} | {"programme", "units", "fund"}
    models = [r.model for r in build.projects.values()] + [build.fund.model]
    ids |= {name for model in models for name in model.inputs}
    return Kept(frozenset(wb.sheetnames), frozenset(t for t in cited if t), frozenset(ids))


FLOORS = {
    # The programme's English name, under its Chinese one (1 of 43 and 1 of 64 cells).
    COVER: 0.95,
    SUMMARY: 0.95,
    # The scenarios' descriptions, prose risk.yaml gives in English only (7 of 699).
    RISK: 0.98,
    # The fund's targets and edits as formulas of outputs and fields ("... >= 0.06 at P90",
    # "with <project ids>: net IRR ..."), 4 of 262.
    STRUCTURING: 0.98,
}
"""The least share of a sheet's label and heading cells that carry Chinese where it is not
all of them: every other sheet's every label is from the catalogue or a definition's names
in both languages (1.0)."""


@pytest.fixture(scope="module")
def opened(xiaolan_opened):
    """The shared build's workbook, loaded once a worker (conftest.py); read only."""
    return xiaolan_opened


@pytest.fixture(scope="module")
def shares(xiaolan_build, opened):
    kept = kept_of(xiaolan_build.build, opened)
    return {
        ws.title: (chinese_share(texts := label_cells(ws, kept)), texts) for ws in opened.worksheets
    }


def test_each_sheet_reads_in_chinese_above_its_floor(shares):
    low = {}
    for title, (share, texts) in shares.items():
        floor = FLOORS.get(title, 1.0)
        if share < floor:
            low[title] = (share, [t for t in texts if not HAN.search(t)][:5])
    assert not low, low


def test_no_text_cell_reads_as_a_formula(opened):
    # Every text cell, the catalogue's and the definitions', is stored as text and none
    # begins as a formula does (=, +, -, @): a copy pasted elsewhere stays text.
    found = [
        f"{ws.title}!{cell.coordinate}: {cell.value!r}"
        for ws in opened.worksheets
        for cell in ws._cells.values()
        if cell.data_type == "s" and str(cell.value).startswith(FORMULA_STARTS)
    ]
    assert found == []


def test_what_stays_latin_and_what_counts():
    kept = Kept(frozenset({"Inputs"}), frozenset({"NREL"}), frozenset({"forum", "programme"}))
    # Identifiers, citations, SI units, tabs and numbers stay Latin ...
    for text, why in (
        ("pv_phase1", "identifier"),
        ("forum", "identifier"),
        ("budget-total-text", "identifier"),
        ("des_phase1, des_phase2", "identifier"),
        ("assumptions.vat_rates.goods.from_2018", "identifier"),
        ("7a", "identifier"),
        ("equity_irr >= 0.08", "identifier"),
        ("closes[1].commitments_yuan.senior = 400,000,000", "identifier"),
        ("2015", "no word"),
        ("[ndrc-2013-1638] 0.42 yuan/kWh on all distributed PV output", "citation"),
        ("assumption: constant 2014 prices", "citation"),
        ("NREL", "citation"),
        ("kWh", "unit"),
        ("Inputs", "sheet tab"),
        ("•", "no word"),
    ):
        assert kept_latin(text, kept) == why, text
    # ... and labels count, in either language, English words in lower case too.
    for text in (
        "Source",
        "rate",
        "solved",
        "fund: senior",
        "low 0.8, mode 1, high 1.3",
        "fund.classes.senior.net_irr >= 0.06 at P50",
        "Every check is a formula that must be TRUE",
        "校验 / Checks",
    ):
        assert kept_latin(text, kept) is None, text
    # A share: 2 of the 3 labels carry Chinese (2 / 3).
    assert chinese_share(["来源 / Source", "Source", "结果 / Result"]) == pytest.approx(2 / 3)


def test_a_column_of_sources_numbers_or_parameters_is_kept_as_written():
    wb = openpyxl.Workbook()
    ws = wb.active
    for row, texts in enumerate(
        (
            ("名称 / Name", "来源 / Source", "Numbers"),
            ("光伏 / PV", "IPCC 2006 Guidelines, table 2.2", "ratio: 0.68"),
            ("Capex", "Zhang et al. (2014)", "budget: 25,060"),
        ),
        start=1,
    ):
        for col, text in enumerate(texts, start=1):
            ws.cell(row=row, column=col, value=text)
    kept = Kept(frozenset(), frozenset(), frozenset())
    # The headings and column A's texts are labels, the texts below Source and Numbers are
    # not: 5 labels, of which "Numbers" and "Capex" have no Chinese.
    assert label_cells(ws, kept) == [
        "名称 / Name",
        "来源 / Source",
        "Numbers",
        "光伏 / PV",
        "Capex",
    ]


def test_the_inputs_sheet_names_each_assumption_as_the_proposal_does(xiaolan_build, opened):
    # One catalogue entry for both: the Chinese of each programme assumption's row on the
    # Inputs sheet (group "programme") is the text the proposal's table of assumptions shows.
    html = (xiaolan_build.out / "proposal.html").read_text(encoding="utf-8")
    ws = opened[INPUTS]
    rows = [r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "programme"]
    assert len(rows) == 39  # programme.yaml's sourced assumptions, schedules' steps each
    for r in rows:
        zh = ws.cell(r, 3).value.split(" / ")[0]
        assert HAN.search(zh) and f">{zh}<" in html, (ws.cell(r, 2).value, zh)
