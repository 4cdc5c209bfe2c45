"""The workbook's Risk sheet: scenarios, tornado and Monte Carlo quantiles, as values.

These are simulation results, not formulas: ten thousand trials do not fit a live
spreadsheet, so the sheet says so in its heading ("values from the risk engine, N trials,
seed S") and the model sheets stay the live model. `write_workbook(..., extra_sheets=[...])`
calls each extra sheet as `fn(book, sheet_maps)`:

    write_workbook(path, programme, projects, portfolio, built=date,
                   extra_sheets=[risk_sheet(risk_result)])
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xlfinance.model.excel import NOT_AVAILABLE
from xlfinance.model.sheet import Book, ExtraSheet, write_text
from xlfinance.render import styles
from xlfinance.render.labels import bilingual, names, word
from xlfinance.render.sheetnames import RISK
from xlfinance.risk.results import RiskResult

SHEET = RISK
_METRIC_LABELS = {"npv_yuan": "NPV", "irr": "IRR", "equity_irr": "Equity IRR", "net_irr": "Net IRR"}


def risk_sheet(result: RiskResult) -> ExtraSheet:
    """An `extra_sheets` entry writing `result` on a Risk sheet."""

    def add(book: Book, sheet_maps: object) -> None:
        add_risk_sheet(book, sheet_maps, result)

    return add


def _describe(output: str, units: dict[str, str]) -> tuple[str | None, str | None, str]:
    """`projects.pv_phase1.npv_yuan` -> ('pv_phase1', 'NPV', 'yuan'): its owner, its label
    and the unit its model output carries (`units`)."""
    parts = output.split(".")
    owner = parts[1] if parts[0] == "projects" else f"fund: {parts[2]}"
    label = _METRIC_LABELS.get(parts[-1], parts[-1])
    return bilingual(owner), bilingual(label), units.get(output, "")


def _headers(*english: str) -> tuple[str | None, ...]:
    return tuple(map(bilingual, english))


def _value(ws: Worksheet, row: int, col: int, value: float | None, unit: str = "") -> None:
    if value is None:
        write_text(ws, row, col, NOT_AVAILABLE)
        return
    cell = ws.cell(row=row, column=col, value=float(value))
    cell.number_format = styles.number_format(unit) if unit else "General"


def add_risk_sheet(book: Book | Workbook, sheet_maps: object, risk_result: RiskResult) -> None:
    """Write the Risk sheet into `book` (the workbook writer's `_Book`, or an openpyxl
    Workbook); `sheet_maps` is not needed: nothing here is a formula."""
    wb = book if isinstance(book, Workbook) else book.wb
    ws = wb.create_sheet(SHEET)
    r = risk_result
    write_text(ws, 1, 1, bilingual("Risk")).font = styles.TITLE_FONT
    trials = f"{r.trials:,} trials, seed {r.seed}" if r.trials else "no Monte Carlo"
    write_text(
        ws,
        2,
        1,
        bilingual(
            f"Values from the risk engine, {trials}: simulation results, not formulas. "
            "Change risk.yaml or an input definition and rebuild to update them."
        ),
    )
    row = 4

    # Scenarios side by side.
    write_text(ws, row, 1, bilingual("Scenarios")).font = styles.SECTION_FONT
    row += 1
    scenarios = r.scenario_results()
    titled = [names(s.get("label_zh"), s["label"]) for s in scenarios.values()]
    styles.header_row(ws, row, (*_headers("Project / class", "Metric"), *titled))
    row += 1
    write_text(ws, row, 2, bilingual("Description")).font = styles.BOLD
    for j, name in enumerate(scenarios):
        write_text(ws, row, 3 + j, scenarios[name]["description"]).alignment = styles.WRAP
    row += 1
    for output in r.monte_carlo_outputs():
        owner, label, unit = _describe(output, r.units)
        write_text(ws, row, 1, owner)
        write_text(ws, row, 2, label)
        for j, (_, (scenario_row, _)) in enumerate(r.scenarios.items()):
            value = r.values(output)[scenario_row]  # a total loss at -100%
            _value(ws, row, 3 + j, value if value == value else None, unit)
        row += 1
    row += 1

    # Tornado.
    write_text(ws, row, 1, bilingual("Tornado")).font = styles.SECTION_FONT
    write_text(
        ws,
        row,
        3,
        bilingual(
            "each parameter at its low and high value, the rest at base; largest swing first"
        ),
    )
    row += 1
    headers = _headers(
        "Output",
        "Metric",
        "Parameter",
        "Label",
        "Low",
        "High",
        "Base",
        "At low",
        "At high",
        "Swing",
    )
    styles.header_row(ws, row, headers)
    row += 1
    for bar in r.tornado_results():
        owner, label, unit = _describe(bar["output"], r.units)
        write_text(ws, row, 1, owner)
        write_text(ws, row, 2, label)
        write_text(ws, row, 3, bar["parameter"])
        write_text(ws, row, 4, names(bar.get("label_zh"), bar["label"]))
        _value(ws, row, 5, bar["low"])
        _value(ws, row, 6, bar["high"])
        ends = (bar["base"], bar["at_low"], bar["at_high"], bar["swing"])
        for col, end in enumerate(ends, 7):
            _value(ws, row, col, end, unit)
        row += 1
    row += 1

    # Monte Carlo.
    write_text(ws, row, 1, bilingual("Monte Carlo")).font = styles.SECTION_FONT
    mc = r.monte_carlo_results()
    if mc is None:
        write_text(ws, row, 3, bilingual("risk.yaml defines no distributions"))
    else:
        write_text(ws, row, 3, bilingual(f"{r.trials:,} trials, seed {r.seed}"))
        row += 1
        styles.header_row(
            ws,
            row,
            _headers(
                "Project / class",
                "Metric",
                "P10",
                "P50",
                "P90",
                "Mean",
                "P(below 0)",
                "P(below hurdle)",
                "Share undefined",
            ),
        )
        row += 1
        for output, stats in mc["outputs"].items():
            owner, label, unit = _describe(output, r.units)
            write_text(ws, row, 1, owner)
            write_text(ws, row, 2, label)
            middle = (stats["p10"], stats["p50"], stats["p90"], stats["mean"])
            for col, value in enumerate(middle, 3):
                _value(ws, row, col, value, unit)
            _value(ws, row, 7, stats["prob_below_zero"], "share")
            if "prob_below_hurdle" in stats:
                _value(ws, row, 8, stats["prob_below_hurdle"], "share")
            _value(ws, row, 9, stats["share_undefined"], "share")
            row += 1
        row += 1
        write_text(ws, row, 1, bilingual("Distributions")).font = styles.SECTION_FONT
        row += 1
        styles.header_row(
            ws, row, _headers("Parameter", "Kind", "Applied as", "Parameters", "Source")
        )
        row += 1
        for path, d in r.distributions.items():
            params = ", ".join(
                f"{k} {getattr(d, k):g}"
                for k in ("low", "mode", "high", "mean", "sd")
                if getattr(d, k) is not None
            )
            write_text(ws, row, 1, path)
            write_text(ws, row, 2, word(d.kind))
            write_text(ws, row, 3, word(d.apply))
            write_text(ws, row, 4, params)
            write_text(ws, row, 5, d.source).alignment = styles.WRAP
            row += 1

    widths = {1: 34, 2: 14, 3: 30, 4: 34}
    for col in range(1, max(len(scenarios) + 3, 11) + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 16)
    ws.freeze_panes = "C4"
    styles.landscape(ws, 1)


__all__ = ["SHEET", "add_risk_sheet", "risk_sheet"]
