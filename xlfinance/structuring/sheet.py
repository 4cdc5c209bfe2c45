"""The workbook's Structuring sheet: the answers of structuring.yaml, and a live check.

The answers are the solver's, as values (like Excel's Goal Seek, whose result is a typed
number): each row names the file and field to write its value into, so that the model
sheets stay the model of the definitions as they are. Two columns are live formulas on
the project sheets: the target's output with the inputs as defined, and whether it meets
the target now (TRUE where the project needs no more than it has).
"""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlfinance.model.excel import NOT_AVAILABLE
from xlfinance.model.sheet import Book, ExtraSheet, NamingBook, write_text
from xlfinance.render import styles
from xlfinance.render.labels import bilingual, bilingual_unit, names, word
from xlfinance.render.sheetnames import STRUCTURING
from xlfinance.structuring.blended import Blended
from xlfinance.structuring.fund import Entry
from xlfinance.structuring.run import StructuringResult, ViabilityGaps

SHEET = STRUCTURING
HEADERS = tuple(
    map(
        bilingual,
        (
            "Solve",
            "Project",
            "Field (projects/<id>.yaml)",
            "Unit",
            "As defined",
            "Answer, base case",
            "Status",
            "Target",
            "Output at the answer",
            "Output as defined (live)",
            "Meets as defined (live)",
        ),
    )
)


def structuring_sheet(result: StructuringResult) -> ExtraSheet:
    """An `extra_sheets` entry writing `result` on a Structuring sheet."""

    def add(book: Book, sheet_maps: Mapping[str, object]) -> None:
        add_structuring_sheet(book, sheet_maps, result)

    return add


def _number(ws: Worksheet, row: int, col: int, value: float | None, unit: str) -> None:
    if value is None:
        write_text(ws, row, col, NOT_AVAILABLE)
        return
    cell = ws.cell(row=row, column=col, value=float(value))
    cell.number_format = styles.number_format(unit)


def add_structuring_sheet(
    book: Book | Workbook, sheet_maps: Mapping[str, object], result: StructuringResult
) -> None:
    wb = book if isinstance(book, Workbook) else book.wb
    ws = wb.create_sheet(SHEET)
    write_text(ws, 1, 1, bilingual("Structuring")).font = styles.TITLE_FONT
    write_text(
        ws,
        2,
        1,
        bilingual(
            "Answers of structuring.yaml from the solver (values, as Goal Seek leaves them): "
            "write an answer into its field and rebuild, and its target is met. The last two "
            "columns are live: the output with the inputs as defined, and whether it meets the "
            "target."
        ),
    )
    every = result.entries()
    entries = [e for e in every if e["project"] != "fund"]
    fund_entries = [e for e in every if e["project"] == "fund"]
    scenarios = [n for n in result.scenarios if n != "base" and result.scenarios[n] != 0]
    has_trials = any(e.get("trials") for e in entries)
    headers = [*HEADERS, *(bilingual(f"Scenario: {n}") for n in scenarios)]
    if has_trials:
        trials = ("Trials: P50 needed", "Trials: P90 needed", "Trials: unreachable share")
        headers += map(bilingual, trials)
    row = 4
    styles.header_row(ws, row, headers)
    rows: dict[tuple[str, str], int] = {}
    for e in entries:
        row += 1
        rows[e["solve"], e["project"]] = row
        pid, unit = e["project"], e["unit"]
        solve: str = e["solve"]
        label = result.labels.get(solve, {})
        write_text(ws, row, 1, names(label.get("zh"), label.get("en", solve)))
        write_text(ws, row, 2, pid)
        write_text(ws, row, 3, e["field"])
        write_text(ws, row, 4, bilingual_unit(unit))
        _number(ws, row, 5, e["defined"], unit)
        _number(ws, row, 6, e["value"], unit)
        write_text(ws, row, 7, word(e["status"]))
        t = e["target"]
        output = t["output"].rsplit(".", 1)[-1]
        write_text(ws, row, 8, f"{output} {t['comparison']} {t['value']:g}")
        out_unit = "rate" if output.endswith("irr") else "x"
        _number(ws, row, 9, e["achieved"], out_unit)
        ref = getattr(sheet_maps.get(pid), "output_cells", {}).get(output)
        if ref is not None:
            # The output as the model shows it: "无 n/a" where it has none, an error left
            # visible. A text compares above every number, so it is tested, not compared:
            # no value meets no target.
            live = ws.cell(row=row, column=10, value=f"={ref}")
            live.number_format = styles.number_format(out_unit)
            op = ">=" if t["comparison"] == ">=" else "<="
            meets = f"=IF(ISTEXT({ref}),FALSE,{ref}{op}{t['value']!r})"
            ws.cell(row=row, column=11, value=meets)
        for j, name in enumerate(scenarios):
            s = e["scenarios"].get(name)
            _number(ws, row, 12 + j, s["value"] if s else None, unit)
        if has_trials:
            col = 12 + len(scenarios)
            stats = e.get("trials") or {}
            if stats:
                _number(ws, row, col, stats["p50"], unit)
                _number(ws, row, col + 1, stats["p90"], unit)
                _number(ws, row, col + 2, stats["unreachable_share"], "share")
    gaps = result.viability_gaps()
    if gaps and gaps["projects"] and isinstance(book, NamingBook):
        row = _gaps_block(book, ws, row + 2, gaps, rows)
    if fund_entries:
        row = _fund_block(ws, row + 2, fund_entries, result.labels)
    if result.blended is not None:
        row = _blended_block(ws, row + 2, result.blended)
    widths = {1: 34, 2: 26, 3: 38, 4: 12, 8: 22}
    for col in range(1, len(headers) + 1):
        letter = ws.cell(row=4, column=col).column_letter
        ws.column_dimensions[letter].width = widths.get(col, 15)
    ws.freeze_panes = "C5"
    styles.landscape(ws, 1)


GAPS = "structuring.viability_gaps"


def _gaps_block(
    book: NamingBook,
    ws: Worksheet,
    row: int,
    gaps: ViabilityGaps,
    rows: dict[tuple[str, str], int],
) -> int:
    """The viability gaps (`StructuringResult.viability_gaps`): for each project its grant
    short, the answer less the grant as defined (columns F and E of its row above), and
    their total; each named by its results.json path, which the Summary sheet reads."""
    heading = bilingual("Viability gaps: the grant each project is short, yuan")
    write_text(ws, row, 1, heading).font = styles.SECTION_FONT
    first = row + 1
    for pid in gaps["projects"]:
        answer = rows[gaps["solve"], pid]
        row += 1
        write_text(ws, row, 1, pid)
        cell = ws.cell(row=row, column=2, value=f"=F{answer}-E{answer}")
        cell.number_format = styles.number_format("yuan")
        book.name(f"{GAPS}.projects.{pid}.value", ws, row, 2)
    row += 1
    write_text(ws, row, 1, bilingual("Total"))
    total = ws.cell(row=row, column=2, value=f"=SUM(B{first}:B{row - 1})")
    total.number_format = styles.number_format("yuan")
    total.font = styles.BOLD
    book.name(f"{GAPS}.total.value", ws, row, 2)
    return row


FUND_HEADERS = tuple(
    map(
        bilingual,
        ("Solve", "Answer", "Unit", "Status", "Target", "Achieved", "Write into fund.yaml"),
    )
)


def _fund_block(
    ws: Worksheet, row: int, entries: list[Entry], labels: dict[str, dict[str, str]]
) -> int:
    """The fund's answers: first-loss share, the size the pipeline absorbs, the hurdle it
    supports; each with the edits to fund.yaml that give it."""
    write_text(ws, row, 1, bilingual("Fund")).font = styles.SECTION_FONT
    row += 1
    styles.header_row(ws, row, FUND_HEADERS)
    for e in entries:
        row += 1
        label = labels.get(e["solve"]) or {}
        name = names(label["zh"], label["en"]) if label else e["solve"]
        write_text(ws, row, 1, name)
        _number(ws, row, 2, e.get("value"), e["unit"])
        write_text(ws, row, 3, bilingual_unit(e["unit"]))
        write_text(ws, row, 4, word(e["status"]))
        t = e.get("target") or {}
        text = f"{t.get('output', '')} {t.get('comparison', '')} {t.get('value', '')}".strip()
        if t.get("statistic"):
            text += f" at {t['statistic'].upper()}"
        write_text(ws, row, 5, text)
        achieved = e.get("achieved")
        _number(ws, row, 6, achieved if isinstance(achieved, (int, float)) else None, "rate")
        edits = e.get("edits") or []
        write_text(ws, row, 7, "; ".join(f"{x['field']} = {x['value']:,}" for x in edits))
        returns = e.get("class_returns")
        if returns:
            added = ", ".join(x["project"] for x in e.get("projects", []))
            irrs = ", ".join(
                f"{c} {'n/a' if v is None else f'{v:.1%}'}" for c, v in returns["net_irr"].items()
            )
            write_text(ws, row, 7, f"with {added}: net IRR {irrs}; {e.get('exit_terms', '')}")
    return row


BLENDED_ROWS = (
    ("mobilisation_ratio", "动员比率 / Mobilisation ratio (private per public yuan)", "x"),
    (
        "mobilisation_ratio_without_tariff_subsidies",
        "动员比率（不含国家电价补贴）/ Mobilisation ratio, without national tariff subsidies",
        "x",
    ),
    ("plan_mobilisation_ratio", "规划表5-4的比率 / The plan's ratio (table 5-4)", "x"),
    (
        "public_cost_yuan_per_t_co2e",
        "每吨公共成本 / Public cost per t CO2e (present values)",
        "yuan/t CO2e",
    ),
    (
        "public_cost_yuan_per_t_co2e_without_tariff_subsidies",
        "每吨公共成本（不含国家电价补贴）/ Public cost per t CO2e, without tariff subsidies",
        "yuan/t CO2e",
    ),
)
"""The programme's blended-finance rows: key, label and the unit of its cells (a mobilisation
ratio is yuan private per yuan public, a multiple)."""
PAYERS = (
    ("market", ("市场", "Market")),
    ("policy", ("上级政策资金", "Higher-level policy money")),
    ("town", ("镇政府", "Town")),
)


def _blended_block(ws: Worksheet, row: int, blended: Blended) -> int:
    """The programme's blended-finance figures and who pays, each project a row."""
    title = bilingual("Blended finance (as defined)")
    write_text(ws, row, 1, title).font = styles.SECTION_FONT
    prog = blended.get("programme", {})
    for key, label, unit in BLENDED_ROWS:
        node = prog.get(key)
        if node is None:
            continue
        row += 1
        write_text(ws, row, 1, label)
        _number(ws, row, 2, node.get("value"), unit)
    fund = blended.get("fund") or {}
    if fund.get("mobilisation_ratio"):
        row += 1
        write_text(ws, row, 1, "基金动员比率 / Fund mobilisation ratio (at commitment)")
        _number(ws, row, 2, fund["mobilisation_ratio"].get("value"), "x")
    row += 2
    headers = [
        bilingual("Project"),
        *(f"{zh}（元）/ {en}, yuan" for _, (zh, en) in PAYERS),
        *(f"{zh}（比例）/ {en}, share" for _, (zh, en) in PAYERS),
        bilingual("Mobilisation ratio"),
        bilingual("Public cost per t CO2e"),
    ]
    styles.header_row(ws, row, headers)
    for pid, p in sorted((blended.get("projects") or {}).items()):
        who = p.get("who_pays") or {}
        row += 1
        write_text(ws, row, 1, pid)
        for j, (name, _) in enumerate(PAYERS):
            payer = who.get(name) or {}
            _number(ws, row, 2 + j, (payer.get("yuan") or {}).get("value"), "yuan")
            _number(ws, row, 5 + j, (payer.get("share") or {}).get("value"), "share")
        _number(ws, row, 8, (p.get("mobilisation_ratio") or {}).get("value"), "x")
        _number(
            ws, row, 9, (p.get("public_cost_yuan_per_t_co2e") or {}).get("value"), "yuan/t CO2e"
        )
    return row


__all__ = ["SHEET", "add_structuring_sheet", "structuring_sheet"]
