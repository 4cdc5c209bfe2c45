"""Value-added tax as it is paid (增值税暂行条例): output VAT on sales, input VAT on the
capex and operating purchases credited against it, the credit carried forward until used,
refunds where a policy gives them, and the surtaxes on the VAT paid.

Prices are written as paid, VAT included (their units say so); an archetype splits each
VAT-bearing flow into its amount net of VAT (what revenue, costs and profit are made of)
and its VAT (`split_vat`), and hands the VAT lines of its sales and of its creditable
purchases to the account. The capex and replacements carry VAT on the share bought as goods
(`capex_vat_share`, at the standard rate of the year); it is credited where the project
makes taxable sales (`vat_creditable`).

    input VAT   = VAT of the creditable purchases + creditable VAT of capex and replacements
    VAT paid    = MAX(0, output VAT - input VAT - credit brought forward)
    credit c/f  = MAX(0, input VAT + credit brought forward - output VAT)
    (or, offset against a business's other sales: VAT paid = output - input, no credit)
    refund      = refund share x VAT paid (PV's 即征即退 50%)
    surtaxes    = VAT paid x (城市维护建设税 + 教育费附加 + 地方教育附加)
    VAT cash    = output VAT - VAT paid to suppliers on operating purchases - VAT paid

The capex line is the cash paid for it, VAT included, so the VAT cash leaves its VAT out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlfinance.model import expr as ex
from xlfinance.model.core import Model
from xlfinance.model.expr import MAX, LineRef, prev

if TYPE_CHECKING:
    from xlfinance.archetypes.common import FinanceInputs
    from xlfinance.model.expr import Expr


@dataclass(frozen=True)
class Vat:
    cash: LineRef
    """Output VAT collected less the VAT paid to suppliers (capex aside) and to the tax office."""
    paid: LineRef
    surtaxes: LineRef
    refund: LineRef | None
    capex_vat: LineRef
    """VAT in the capex, creditable or not: never a resource cost."""
    capex_credit: LineRef
    replacement_vat: LineRef
    replacement_credit: LineRef


def split_vat(m: Model, name: str, gross: Expr, rate: Expr, label: str) -> tuple[LineRef, LineRef]:
    """A VAT-inclusive flow as three lines: `<name>_incl_vat` (the price paid), `<name>_vat`
    (gross x rate / (1 + rate)) and `<name>` (net of VAT). Returns (net, VAT)."""
    gross = m.line(f"{name}_incl_vat", gross, "yuan", f"{label}, VAT included")
    vat = m.line(f"{name}_vat", gross * rate / (1 + rate), "yuan", f"VAT in: {label}")
    net = m.line(name, gross - vat, "yuan", f"{label}, net of VAT")
    return net, vat


def vat_content(m: Model, name: str, gross: Expr, rate: Expr, label: str) -> LineRef:
    """The VAT inside a VAT-inclusive flow the project does not credit (an exempt or
    simplified taxpayer's purchases): gross x rate / (1 + rate). For the economic cash flow."""
    return m.line(name, gross * rate / (1 + rate), "yuan", f"VAT in: {label}")


def add_vat(
    m: Model,
    f: FinanceInputs,
    capex: LineRef,
    replacement: LineRef,
    output: list[LineRef],
    input_: list[LineRef],
    refund_share: Expr | None = None,
    offset_elsewhere: bool = False,
) -> Vat:
    """The VAT account of the project. `output` are the VAT lines of its sales, `input_`
    those of its creditable operating purchases; `refund_share` (a row or scalar) the share
    of the VAT paid refunded at once. `offset_elsewhere`: the project is part of a business
    whose other sales absorb its net input VAT at once (a factory's boiler switch): the VAT
    paid is then output less input, negative where the business pays less, and nothing is
    carried forward."""
    line = m.line
    v = f.vat
    goods_share = line(
        "capex_vat_factor",
        v.capex_vat_share * v.goods_rate / (1 + v.goods_rate),
        "share",
        "VAT in a yuan of capex (goods share x rate / (1 + rate))",
    )
    capex_vat = line("capex_vat", capex * goods_share, "yuan", "VAT in the capex")
    capex_credit = line(
        "capex_input_vat", capex_vat * v.vat_creditable, "yuan", "Input VAT on capex, creditable"
    )
    replacement_vat = line(
        "replacement_vat", replacement * goods_share, "yuan", "VAT in the replacements"
    )
    replacement_credit = line(
        "replacement_input_vat",
        replacement_vat * v.vat_creditable,
        "yuan",
        "Input VAT on replacements, creditable",
    )
    output_vat = line(
        "output_vat", ex.total(*output) if output else 0 * capex, "yuan", "Output VAT"
    )
    operating_input = line(
        "operating_input_vat",
        ex.total(*input_, replacement_credit),
        "yuan",
        "Input VAT on operating purchases and replacements",
    )
    input_vat = line(
        "input_vat", operating_input + capex_credit, "yuan", "Input VAT credited this year"
    )
    brought = line(
        "vat_credit_opening",
        prev(LineRef("vat_credit_closing")),
        "yuan",
        "VAT credit brought forward",
    )
    due = output_vat - input_vat - brought
    paid = line("vat_paid", due if offset_elsewhere else MAX(0, due), "yuan", "VAT paid")
    line(
        "vat_credit_closing",
        0 * due if offset_elsewhere else MAX(0, -due),
        "yuan",
        "VAT credit carried forward",
    )
    refund = None
    if refund_share is not None:
        refund = line("vat_refund", paid * refund_share, "yuan", "VAT refunded (即征即退)")
    surtaxes = line(
        "vat_surtaxes",
        paid * v.surtax_rate,
        "yuan",
        "Surtaxes on the VAT paid (城建税, 教育费附加, 地方教育附加)",
    )
    cash = line(
        "vat_cash_flow",
        output_vat - operating_input - paid,
        "yuan",
        "VAT collected less VAT paid to suppliers (capex aside) and to the tax office",
    )
    return Vat(
        cash, paid, surtaxes, refund, capex_vat, capex_credit, replacement_vat, replacement_credit
    )


__all__ = ["Vat", "add_vat", "split_vat", "vat_content"]
