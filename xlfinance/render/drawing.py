"""The matplotlib half of `xlfinance.render.charts`: each function builds a figure from
numbers already computed and returns it as SVG text. Import it only to draw (it loads
matplotlib); `charts` does, for a chart that is not in its cache.

No pyplot: each chart is a `matplotlib.figure.Figure` drawn under `rc_context`, so no global
state leaks; the SVG is deterministic (`svg.hashsalt` fixed, no metadata) and its ids carry
a per-chart prefix so several charts can sit in one HTML page. No layout engine either:
margins are computed from the sizes of the labels (see "Layout" below).

On import it checks matplotlib's font list knows the CJK font the system has (the list is
cached once per user, and a font installed after it was made is missing from it).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import matplotlib

matplotlib.use("Agg")  # before anything draws; the charts never open a window

from matplotlib import font_manager  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from xlfinance.render.charts import (  # noqa: E402
    CJK_FAMILY,
    MAX_COLUMNS,
    label,
    rc,
    system_cjk_fonts,
    to_display,
    unit_caption,
    wan,
)

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.typing import RcKeyType

    from xlfinance.render.charts import (
        FontLists,
        FontModule,
        HistogramPanel,
        MaccBar,
        TornadoPanel,
        TornadoRow,
    )

    _T = TypeVar("_T")

NAVY = "#1F4E79"
BLUE = "#4A7FB0"
SKY = "#9DC3E6"
GREEN = "#2E7D5B"
AMBER = "#C98A1B"
RED = "#B23A3A"
GREY = "#8A8F98"
INK = "#1D232B"

SOURCE_COLOURS = {
    "market_wan_yuan": NAVY,
    "policy_grants_wan_yuan": GREEN,
    "town_government_wan_yuan": AMBER,
}
CLASS_COLOURS = (NAVY, GREEN, AMBER, "#7A5195", "#3A8FB7", RED)

WIDE = 9.0  # inches; the page scales the SVG to its column
# --------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------


def check_fonts(manager: FontModule = font_manager) -> bool:  # type: ignore[assignment]  # matplotlib's stubs leave out font_manager._load_fontmanager and FontManager._findfont_cached
    """Make sure matplotlib's font list (`manager.fontManager`) has the CJK font installed on
    the system: a list cached before the font was installed lacks it, and the charts would
    measure Chinese text with a font that has no Chinese. Rebuilds the list once when so.
    True when matplotlib has the font (afterwards)."""
    fonts = system_cjk_fonts()
    if not fonts or _knows(manager.fontManager):
        return bool(fonts)
    rebuilt = manager._load_fontmanager(try_read_cache=False)  # and rewrites the cache file
    # In place, not a new object: matplotlib's modules hold this one (`text.fontManager`).
    vars(manager.fontManager).update(vars(rebuilt))
    manager.fontManager._findfont_cached.cache_clear()
    return _knows(manager.fontManager)


def _knows(manager: FontLists) -> bool:
    names = {Path(f).name for f, _ in system_cjk_fonts()}
    return any(f.name == CJK_FAMILY or Path(f.fname).name in names for f in manager.ttflist)


check_fonts()


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    with matplotlib.rc_context(rc()):
        fig = Figure(figsize=(width, height), dpi=72)
        yield fig


def _svg(fig: Figure, prefix: str) -> str:
    return _draw(fig, prefix, rc())


_ID_RE = re.compile(r'(\bid="|\bhref="#|\burl\(#)([^")]+)')
_NO_METADATA = {key: None for key in ("Date", "Creator", "Format", "Type")}
"""No metadata block: no date (the output is reproducible) and no creator."""


def _draw(fig: Figure, prefix: str, rc: dict[RcKeyType, object]) -> str:
    """The figure as SVG text: no XML prolog, ids prefixed, sized by its viewBox."""
    buffer = io.StringIO()
    with matplotlib.rc_context(rc):
        fig.savefig(buffer, format="svg", metadata=_NO_METADATA, transparent=True)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # One font stack a chart, in its style sheet, rather than on every text element.
    families = set(re.findall(r"font-family: ([^;\"]*);? ?", text))
    if len(families) == 1:
        (family,) = families
        text = re.sub(r"font-family: [^;\"]*;? ?", "", text)
        text = text.replace(
            '<style type="text/css">', f'<style type="text/css">text{{font-family: {family}}}\n', 1
        )
    # A panel tagged by `_tagged` names the results.json path it shows.
    text = re.sub(r'id="xlf-output:([^"]*)"', r'data-output="\1"', text)
    # Every id, and every reference to one, carries the chart's prefix.
    text = _ID_RE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    text = text.replace(' transform="rotate(-0 ', ' transform="rotate(0 ')  # (no "-0")
    text = re.sub(r' transform="rotate\(0 [^"]*\)"', "", text)  # unrotated text: no transform
    # Let the page size it: keep the viewBox, drop the fixed size.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    return text.replace("<svg ", f'<svg class="chart" data-chart="{prefix}" ', 1).strip() + "\n"


def _safe_prefix(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _thousands(value: float, _pos: int | None = None, decimals: int = 0) -> str:
    text = f"{abs(value):,.{decimals}f}"
    return ("\u2212" + text) if value < 0 and float(text.replace(",", "")) != 0 else text


def _percent(value: float, _pos: int | None = None) -> str:
    return _thousands(value, decimals=0) + "%"


def _zero_line(ax: Axes, horizontal: bool = True) -> None:
    if horizontal:
        ax.axhline(0, color=INK, linewidth=0.8, zorder=1)
    else:
        ax.axvline(0, color=INK, linewidth=0.8, zorder=1)


def _year_axis(ax: Axes, years: Sequence[int]) -> None:
    """Whole years on the x axis: every year for a short span, else every 2 or 5."""
    years = [int(y) for y in years]
    if not years:
        return
    first, last = min(years), max(years)
    span = last - first
    step = 1 if span <= 12 else 2 if span <= 20 else 5
    start = first if step == 1 else first + (-first) % step
    ax.set_xticks(list(range(start, last + 1, step)))
    ax.set_xlim(first - 0.7, last + 0.7)


# --------------------------------------------------------------------------------------
# Layout: margins from the sizes of the labels, no layout engine
# --------------------------------------------------------------------------------------
#
# A layout engine (constrained layout) costs a full extra draw of every chart and several
# passes over its text. The charts are simple enough to place by hand: each margin is the
# measured size of what sits in it (tick labels, axis label, legend) plus fixed paddings,
# all in points, as matplotlib itself lays them out.

PT = 1 / 72.0  # inches
PAD = 5.0  # between the outermost text and the figure's edge
TICK = 3.5  # tick length and the gap between tick and label (rc defaults)
LABEL_PAD = 4.0  # between tick labels and the axis label (rc axes.labelpad)
LEGEND_GAP = 8.0  # between a legend above the plot and the plot
HANDLE = 2.0  # legend handle length, handletextpad, columnspacing, labelspacing: in em
HANDLE_PAD = 0.8
COLUMN_GAP = 2.0
LABEL_SPACING = 0.5

_MEASURE: list[Any] = []  # a figure and a renderer to measure text with, made when first needed
# (Any: a Figure then a RendererSVG, unpacked where used; backend_svg has no annotations)


LINES = 1.25
"""Line spacing of text of several lines, in ems (matplotlib's 'normal' gives 1.0 em with
the CJK font, too tight for a Chinese line over an English one)."""


def text_size(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    """Width and height in points of `text` (lines split at newlines, `LINES` apart) in
    the current rc font, as matplotlib lays it out."""
    if isinstance(size, str):  # 'medium' and such
        size = font_manager.FontProperties(size=size).get_size_in_points()
    return _text_size(text, size, weight, tuple(matplotlib.rcParams["font.sans-serif"]))


@lru_cache(maxsize=8192)
def _text_size(text: str, size: float, weight: str, _fonts: tuple[str, ...]) -> tuple[float, float]:
    if not _MEASURE:
        from matplotlib.backends.backend_svg import RendererSVG

        _MEASURE.extend([Figure(dpi=72), RendererSVG(100, 100, io.StringIO())])  # type: ignore[no-untyped-call]  # backend_svg has no annotations
    figure, renderer = _MEASURE
    box = Text(0, 0, text, fontsize=size, fontweight=weight, linespacing=LINES, figure=figure)
    extent = box.get_window_extent(renderer)
    return extent.width, extent.height


def _widest(texts: Iterable[str], size: float) -> float:
    return max((text_size(t, size)[0] for t in texts), default=0.0)


def _tallest(texts: Iterable[str], size: float) -> float:
    return max((text_size(t, size)[1] for t in texts), default=0.0)


def _tick_texts(axis: Axis) -> list[str]:
    """The tick labels an axis will show, from its locator and formatter."""
    lo, hi = sorted(axis.get_view_interval())
    slack = (hi - lo) * 1e-9
    locs = [v for v in axis.get_majorticklocs() if lo - slack <= v <= hi + slack]
    return [t for t in axis.get_major_formatter().format_ticks(locs) if t]


def _tick_positions(axis: Axis) -> list[float]:
    """Where the ticks are, as fractions of the axis (0 at its start, 1 at its end)."""
    lo, hi = axis.get_view_interval()
    span = (hi - lo) or 1.0
    out = [(v - lo) / span for v in axis.get_majorticklocs()]
    return [f for f in out if -1e-9 <= f <= 1 + 1e-9]


def _axis_label(axis: Axis) -> str:
    return axis.get_label().get_text()


def _margins(ax: Axes, ytick: float = TICK, xtick: float = TICK) -> tuple[float, float]:
    """Left and bottom margins in points that `ax`'s tick labels and axis labels need;
    `ytick`/`xtick` the tick lengths (0 where ticks are hidden)."""
    rc = matplotlib.rcParams
    left = ytick + TICK + _widest(_tick_texts(ax.yaxis), rc["ytick.labelsize"])
    if _axis_label(ax.yaxis):
        left += LABEL_PAD + text_size(_axis_label(ax.yaxis), rc["axes.labelsize"])[1]
    bottom = xtick + TICK + _tallest(_tick_texts(ax.xaxis), rc["xtick.labelsize"])
    if _axis_label(ax.xaxis):
        bottom += LABEL_PAD + text_size(_axis_label(ax.xaxis), rc["axes.labelsize"])[1]
    return left, bottom


def _overhang(ax: Axes, width: float) -> float:
    """Points by which the last x tick label passes the right end of a `width`-point axis."""
    rc = matplotlib.rcParams
    texts, where = _tick_texts(ax.xaxis), _tick_positions(ax.xaxis)
    if not texts or len(texts) != len(where):
        return 0.0
    half = text_size(texts[-1], rc["xtick.labelsize"])[0] / 2
    return max(0.0, where[-1] * width + half - width)


def _place(fig: Figure, ax: Axes, left: float, bottom: float, right: float, top: float) -> None:
    """Put `ax` with these margins (points from the figure's edges)."""
    width, height = (v / PT for v in fig.get_size_inches())
    # matplotlib documents a list [left, bottom, width, height]; its stub takes only a tuple.
    ax.set_position(
        [  # type: ignore[arg-type]
            left / width,
            bottom / height,
            (width - left - right) / width,
            (height - bottom - top) / height,
        ]
    )


def _fit(
    fig: Figure, ax: Axes, legend: float | None = None, ytick: float = TICK, xtick: float = TICK
) -> None:
    """Place a one-plot chart: margins from its labels, `legend` (from `_legend`) above."""
    width = fig.get_figwidth() / PT
    left, bottom = _margins(ax, ytick, xtick)
    left, bottom = left + PAD, bottom + PAD
    rc = matplotlib.rcParams
    top = PAD + text_size("0", rc["ytick.labelsize"])[1] / 2  # the top tick label's upper half
    if legend is not None:
        top = PAD + legend + LEGEND_GAP
    right = PAD
    right += _overhang(ax, width - left - right)
    _place(fig, ax, left, bottom, right, top)


def _legend(
    fig: Figure,
    handles: Sequence[Artist],
    labels: Sequence[str] | None = None,
    loc: Literal["left", "right"] = "left",
    draw: bool = True,
) -> float:
    """A legend in rows above the plot, where it hides no data, as many columns as fit;
    returns its height in points (only that, with `draw` False)."""
    if labels is None:
        labels = [h.get_label() for h in handles]  # type: ignore[misc]  # Artist.set_label keeps str(label); its stub's get_label says object
    if not handles:
        return 0.0
    size: float = matplotlib.rcParams["legend.fontsize"]
    width, height = (v / PT for v in fig.get_size_inches())
    entry = [(HANDLE + HANDLE_PAD) * size + text_size(t, size)[0] for t in labels]
    heights = [text_size(t, size)[1] for t in labels]
    ncols = 1
    for n in range(len(handles), 0, -1):
        columns = _columns(entry, n)
        used = sum(max(c) for c in columns) + COLUMN_GAP * size * (len(columns) - 1)
        if used <= width - 2 * PAD:
            ncols = n
            break
    height_pt = max(sum(c) + LABEL_SPACING * size * (len(c) - 1) for c in _columns(heights, ncols))
    if not draw:
        return height_pt
    x = PAD / width if loc == "left" else 1 - PAD / width
    # loc is "upper left" or "upper right", a LegendLocType; mypy reads no Literal through
    # the f-string.
    legend = fig.legend(  # type: ignore[call-overload]
        handles,
        labels,
        loc=f"upper {loc}",
        bbox_to_anchor=(x, 1 - PAD / height),
        ncols=ncols,
        borderpad=0.0,
        borderaxespad=0.0,
        handlelength=HANDLE,
        handletextpad=HANDLE_PAD,
        columnspacing=COLUMN_GAP,
        labelspacing=LABEL_SPACING,
    )
    for text in legend.get_texts():
        text.set_linespacing(LINES)
    return height_pt


def _columns(values: list[_T], ncols: int) -> list[list[_T]]:
    """`values` split into the columns of a legend of `ncols` columns, as matplotlib
    fills them: down each column, the first `len % ncols` columns one entry longer."""
    n, out, start = len(values), [], 0
    for i in range(min(ncols, n)):
        size = n // ncols + (1 if i < n % ncols else 0)
        out.append(values[start : start + size])
        start += size
    return out


# --------------------------------------------------------------------------------------
# The charts
# --------------------------------------------------------------------------------------


def budget_stacked_bars(
    rows: Sequence[tuple[str, dict[str, float]]],
    sources: Sequence[tuple[str, str]],
    name: str = "budget",
) -> str:
    """Horizontal bars, one an action, stacked by funding source, in 万元.

    `rows`: (label, {source key: 万元}) from the top down; `sources`: (key, legend label).
    """
    height = 1.1 + 0.42 * len(rows)
    with _figure(WIDE, height) as fig:
        ax = fig.subplots()
        y = list(range(len(rows)))[::-1]
        left = [0.0] * len(rows)
        for key, legend in sources:
            values = [r[1].get(key, 0.0) or 0.0 for r in rows]
            ax.barh(
                y,
                values,
                left=left,
                height=0.62,
                color=SOURCE_COLOURS.get(key, GREY),
                label=legend,
                edgecolor="white",
                linewidth=0.6,
            )
            left = [a + b for a, b in zip(left, values, strict=True)]
        top = max(left) if left else 1.0
        for yy, total in zip(y, left, strict=True):
            ax.text(total + top * 0.008, yy, _thousands(total), va="center", fontsize=8, color=INK)
        ax.set_yticks(y, [r[0] for r in rows], linespacing=LINES)
        ax.set_xlim(0, top * 1.1)
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.set_xlabel(label("万元", "10,000 yuan", " / "))
        ax.grid(axis="x")
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        _fit(fig, ax, _legend(fig, *ax.get_legend_handles_labels()), ytick=0)
        return _svg(fig, _safe_prefix(name))


def funding_donut(
    parts: Sequence[tuple[str, str, float, float]], total_wan: float, name: str = "funding"
) -> str:
    """A donut of the funding sources: (key, label, 万元, share); the total in the hole."""
    with _figure(5.4, 2.7) as fig:
        ax = fig.add_axes((0, 0, 1, 1))
        values = [p[2] for p in parts]
        colours = [SOURCE_COLOURS.get(p[0], GREY) for p in parts]
        wedges, _ = ax.pie(
            values,
            colors=colours,
            startangle=90,
            counterclock=False,
            wedgeprops={"width": 0.36, "edgecolor": "white", "linewidth": 1.2},
        )
        ax.set_aspect("equal")
        ax.text(
            0,
            0.1,
            _thousands(total_wan),
            ha="center",
            va="center",
            fontsize=13,
            fontweight="bold",
            color=INK,
        )
        ax.text(
            0,
            -0.16,
            label("万元", "10,000 yuan", " / "),
            ha="center",
            va="center",
            fontsize=8,
            color=GREY,
        )
        legend = [f"{p[1]}\n{_thousands(p[2])} ({p[3] * 100:.1f}%)" for p in parts]
        box = ax.legend(
            wedges,
            legend,
            loc="center left",
            bbox_to_anchor=(1.02, 0.5),
            labelspacing=1.0,
            handlelength=1.0,
            borderaxespad=0.0,
            borderpad=0.0,
        )
        for text in box.get_texts():
            text.set_linespacing(LINES)
        # The donut, then its legend, centred as one block in the figure.
        width, height = (v / PT for v in fig.get_size_inches())
        side = height - 2 * PAD
        size = matplotlib.rcParams["legend.fontsize"]
        keys = (1.0 + HANDLE_PAD) * size + _widest(legend, size)
        left = max(PAD, (width - side * 1.02 - keys) / 2)
        _place(fig, ax, left, PAD, width - left - side, PAD)
        return _svg(fig, _safe_prefix(name))


def macc(
    rows: Sequence[MaccBar],
    archetype_labels: dict[str, str],
    archetype_colours: dict[str, str],
    name: str = "macc",
) -> str:
    """Marginal abatement cost curve: bars as wide as t CO2e a year, as tall as yuan/t,
    coloured by archetype (`archetype_colours`, the registry's; grey for one not in it).

    `rows`: results.json `macc` entries in order (x_start/x_end, cost, archetype); each bar
    is numbered from 1 as the table under the chart is. A bar too narrow to see whose cost
    lies far beyond the others is cut at the plot's edge and labelled with its value, so
    it does not squash the rest of the curve.
    """
    total = max((r["x_end_t_co2e_per_year"] for r in rows), default=1.0) / 1000.0
    costs = [r["abatement_cost_yuan_per_t"] for r in rows]
    wide = [
        c
        for r, c in zip(rows, costs, strict=True)
        if r["abatement_t_co2e_per_year"] / 1000.0 >= total * 0.01
    ]
    lo_wide, hi_wide = min(wide + [0.0]), max(wide + [0.0])
    pad = (hi_wide - lo_wide) * 0.12 or 100.0
    lo, hi = lo_wide - pad, hi_wide + pad
    if costs and min(costs) >= lo_wide - 4 * pad:  # near enough: show it whole
        lo = min(lo, min(costs) - pad / 2)
    if costs and max(costs) <= hi_wide + 4 * pad:
        hi = max(hi, max(costs) + pad / 2)
    with _figure(WIDE, 4.2) as fig:
        ax = fig.subplots()
        seen = []
        # runs of neighbouring bars cut at the same edge: [edge, (number, cost, right end), ...]
        clipped: list[list[Any]] = []
        for i, r in enumerate(rows, start=1):
            x0 = r["x_start_t_co2e_per_year"] / 1000.0
            w = r["abatement_t_co2e_per_year"] / 1000.0
            cost = r["abatement_cost_yuan_per_t"]
            shown = min(max(cost, lo), hi)
            colour = archetype_colours.get(r.get("archetype"), GREY)
            ax.bar(
                x0,
                shown,
                width=max(w, total * 0.002),
                align="edge",
                color=colour,
                edgecolor="white",
                linewidth=0.4,
            )
            if r.get("archetype") not in seen:
                seen.append(r.get("archetype"))
            if shown != cost:
                if clipped and clipped[-1][0] == shown and clipped[-1][-1][0] == i - 1:
                    clipped[-1].append((i, cost, x0 + w))
                else:
                    clipped.append([shown, (i, cost, x0 + w)])
            elif w >= total * 0.02:
                ax.text(
                    x0 + w / 2,
                    cost,
                    f"{i}",
                    ha="center",
                    va="bottom" if cost >= 0 else "top",
                    fontsize=8,
                    color=INK,
                )
        notes = []
        for edge, *bars in clipped:
            numbers = ", ".join(str(i) for i, _, _ in bars)
            values = sorted({_thousands(c) for _, c, _ in bars})
            notes.append(
                f"{numbers}: {' / '.join(values)}" + (" \u2193" if edge < 0 else " \u2191")
            )
        if notes:
            ax.text(
                0.99,
                0.03,
                label("超出坐标范围", "off the scale", " / ") + ": " + "; ".join(notes),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=7.5,
                color=INK,
            )
        _zero_line(ax)
        ax.set_ylim(lo, hi)
        ax.set_xlim(0, total * 1.01)
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.set_xlabel(label("年减排量（千吨CO2e）", "abatement, thousand t CO2e a year", " / "))
        ax.set_ylabel(label("减排成本（元/吨）", "yuan per t CO2e", "\n"), linespacing=LINES)
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        handles = [
            Patch(color=archetype_colours.get(a, GREY), label=archetype_labels.get(a, a))
            for a in archetype_colours
            if a in seen
        ]
        _fit(fig, ax, _legend(fig, handles))
        return _svg(fig, _safe_prefix(name))


def project_cash_flows(
    years: Sequence[int],
    cash_flow_yuan: Sequence[float],
    cumulative_yuan: Sequence[float],
    name: str,
    width: float = WIDE,
    height: float = 3.2,
) -> str:
    """Bars of a project's yearly cash flow with its cumulative cash flow as a line, in 万元.

    Every pitch has one, so the figure is made once for each size and number of years
    (`_cash_flow_template`: axes, bars, line, zero line, labels, grid and legend) and each
    chart only moves its bars and line, its years and its margins before it is written."""
    flows = [wan(v) for v in cash_flow_yuan]
    cumulative = [wan(v) for v in cumulative_yuan]
    settings = rc()
    with matplotlib.rc_context(settings):
        template = _cash_flow_template(width, height, len(years), repr(settings))
        fig, ax = template.fig, template.ax
        for bar, year, value in zip(template.bars, years, flows, strict=True):
            bar.set_x(year - BAR_WIDTH / 2)  # as `bar` places it, centred on its year
            bar.set_height(value)
            bar.set_facecolor(GREEN if value >= 0 else RED)
        template.line.set_data(years, cumulative)
        ax.relim()
        ax.autoscale_view(scalex=False)
        _year_axis(ax, years)
        _fit(fig, ax, template.legend)
        return _svg(fig, _safe_prefix(name))


BAR_WIDTH = 0.7


@dataclass
class _CashFlows:
    """A cash-flow chart's figure with its artists, to be given each project's numbers."""

    fig: Figure
    ax: Axes
    bars: list[Rectangle]
    line: Line2D
    legend: float
    """The legend's height in points."""


@lru_cache(maxsize=64)
def _cash_flow_template(width: float, height: float, n: int, _settings: str) -> _CashFlows:
    """The figure of a cash-flow chart of n years, as `project_cash_flows` drew it anew
    for each project, its bars and line at zero: made in the rc settings in force (part
    of the key, as the labels' language is)."""
    fig = Figure(figsize=(width, height), dpi=72)
    ax = fig.subplots()
    zeros = [0.0] * n
    bars = list(ax.bar(range(n), zeros, width=BAR_WIDTH, color=GREEN))
    (line,) = ax.plot(
        range(n),
        zeros,
        color=NAVY,
        linewidth=1.8,
        marker="o",
        markersize=2.8,
        label=label("累计", "cumulative", " / "),
    )
    _zero_line(ax)
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_ylabel(label("万元", "10,000 yuan", " / "))
    ax.grid(axis="y")
    ax.set_axisbelow(True)
    handles = [
        line,
        Patch(color=GREEN, label=label("年净流入", "net in", " / ")),
        Patch(color=RED, label=label("年净流出", "net out", " / ")),
    ]
    return _CashFlows(fig, ax, bars, line, _legend(fig, handles))


def j_curve(
    years: Sequence[int],
    classes: Sequence[tuple[str, Sequence[float]]],
    name: str = "jcurve",
) -> str:
    """Cumulative net cash flows of each investor class by year (the J-curve), in 万元.

    `classes`: (legend label, net cash flows a year in yuan, as results.json gives them).
    """
    with _figure(WIDE, 3.6) as fig:
        ax = fig.subplots()
        for i, (legend, flows) in enumerate(classes):
            running, total = [], 0.0
            for value in flows:
                total += value or 0.0
                running.append(wan(total))
            ax.plot(
                list(years),
                running,
                color=CLASS_COLOURS[i % len(CLASS_COLOURS)],
                linewidth=2.0,
                marker="o",
                markersize=3,
                label=legend,
            )
        _zero_line(ax)
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        _year_axis(ax, years)
        ax.set_ylabel(
            label("累计净现金流（万元）", "cumulative net cash flow, 10,000 yuan", "\n"),
            linespacing=LINES,
        )
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        _fit(fig, ax, _legend(fig, *ax.get_legend_handles_labels()))
        return _svg(fig, _safe_prefix(name))


# --------------------------------------------------------------------------------------
# Small multiples: the risk section's tornadoes and histograms, a figure a group of outputs
# --------------------------------------------------------------------------------------

GAP = 22.0  # points between neighbouring panels
ROW_GAP = 20.0  # points between rows of panels
BAR_ROW = 25.0  # points a tornado bar takes (two lines of label)
TITLE = 8.0  # panel titles
SMALL = 7.5  # values and markers in the panels
BASE_ROOM = SMALL * 2.0  # between a tornado panel's title and its plot: the base value
EDGE = 14.0  # points kept free beside the outer panels, for tick labels at their ends


def _tick(value: float, unit: str) -> str:
    if unit == "pct":
        return f"{value:.1f}%".replace("-", "\u2212")
    if unit == "wan":
        return _thousands(value)
    return f"{value:,.3g}".replace("-", "\u2212")


def _advance(text: str, size: float, weight: str = "normal") -> float:
    """A quick width in points of one line (glyph by glyph, no kerning), for wrapping."""
    fonts = tuple(matplotlib.rcParams["font.sans-serif"])
    return sum(_glyph_width(ch, size, weight, fonts) for ch in text)


@lru_cache(maxsize=4096)
def _glyph_width(ch: str, size: float, weight: str, _fonts: tuple[str, ...]) -> float:
    from matplotlib.textpath import text_to_path

    prop = font_manager.FontProperties(size=size, weight=weight)
    return text_to_path.get_text_width_height_descent(ch, prop, False)[0]


_OPENING = "（(【《“‘"
_CLOSING = "）)】》”’，,、。.：:；;！!？?"
_TOKEN_RE = re.compile(
    # a Chinese character (with an opening bracket before it or a closing bracket or comma
    # after it: a line neither ends in "（" nor starts with "）"), a word, or spaces
    r"[\uff08\u3010\u300a]?[\u2e80-\u9fff\uff00-\uffef][\uff09\u3011\u300b\uff0c\u3001\u3002]?"
    r"|[^\s\u2e80-\u9fff\uff00-\uffef]+|\s+"
)


def wrap(text: str, width: float, size: float, lines: int = 2, weight: str = "normal") -> str:
    """`text` broken into at most `lines` lines of at most `width` points (at spaces, or
    between Chinese characters); what does not fit ends in an ellipsis."""
    out, line = [], ""
    for token in _TOKEN_RE.findall(text):
        fits = _advance((line + token).rstrip(), size, weight) <= width
        if fits or not line.strip() or token[0] in _CLOSING:  # no line starts "），"
            line += token
            continue
        carried = ""
        while line.rstrip()[:-1].strip() and line.rstrip()[-1] in _OPENING:  # nor ends "（"
            line = line.rstrip()
            carried, line = line[-1] + carried, line[:-1]
        out.append(line.rstrip())
        line = carried + token.lstrip()
        if len(out) == lines:
            break
    else:
        if line.strip():
            out.append(line.rstrip())
        return "\n".join(out)
    last = out[-1]
    while last and _advance(last + "\u2026", size, weight) > width:
        last = last[:-1].rstrip()
    return "\n".join(out[:-1] + [last + "\u2026"])


def _panel_titles(panels: Sequence[TornadoPanel | HistogramPanel], width: float) -> list[str]:
    """Each panel's title, each of its lines (Chinese, English) in at most two."""
    return [
        "\n".join(wrap(t, width, TITLE, weight="bold") for t in p["title"].split("\n"))
        for p in panels
    ]


def _tagged(ax: Axes, output: str) -> None:
    """Mark a panel's SVG group with the results.json path of what it shows."""
    ax.set_gid(f"xlf-output:{output}")


def tornado_grid(
    rows: Sequence[TornadoRow],
    name: str,
    unit: str,
    low_legend: str = "low value",
    high_legend: str = "high value",
    base_legend: str = "base case",
) -> str:
    """Tornadoes of a group of outputs as small multiples: each row of panels shares its
    driver axis (the parameters, largest swing on top), each panel one output with its
    own scale, bars from its base case to the output at the parameter's low and high value.

    `rows`: {"drivers": [label], "panels": [{"output", "title", "base", "bars": [{"at_low",
    "at_high"} or None, a driver each]}]}; `unit` 'wan', 'pct' or 'raw' (how the outputs
    are shown)."""
    with _figure(WIDE, 1.0) as fig:
        size = matplotlib.rcParams["ytick.labelsize"]
        width = fig.get_figwidth() / PT
        label_w = _widest([d for r in rows for d in r["drivers"]], size) + TICK
        keys = [
            Patch(color=SKY, label=low_legend),
            Patch(color=NAVY, label=high_legend),
            Line2D([], [], color=INK, linewidth=1.0, label=base_legend),
        ]
        legend = _legend(fig, keys, loc="right", draw=False)
        caption = unit_caption(unit) if unit == "wan" else ""  # (percentages say so)
        ticks_h = 2 * TICK + text_size("0", size)[1]
        layout, y = [], PAD + legend + LEGEND_GAP
        for row in rows:
            k = len(row["panels"])
            room = width - 2 * PAD - EDGE - label_w
            # a row of one panel no wider than a row of two: the panels look alike
            panel_w = (room - GAP * (max(k, 2) - 1)) / max(k, 2)
            titles = _panel_titles(row["panels"], panel_w)
            title_h = max(text_size(t, TITLE, "bold")[1] for t in titles) + BASE_ROOM
            plot_h = BAR_ROW * len(row["drivers"])
            layout.append((row, panel_w, titles, y + title_h, plot_h))
            y += title_h + plot_h + ticks_h + ROW_GAP
        height = y - ROW_GAP + PAD
        fig.set_size_inches(width * PT, height * PT)
        _legend(fig, keys, loc="right")
        if caption:
            fig.text(PAD / width, 1 - PAD / height, caption, ha="left", va="top", color=GREY)
        for row, panel_w, titles, top, plot_h in layout:
            n = len(row["drivers"])
            for i, (panel, title) in enumerate(zip(row["panels"], titles, strict=True)):
                left = PAD + label_w + i * (panel_w + GAP)
                ax = fig.add_axes(
                    (
                        left / width,
                        1 - (top + plot_h) / height,
                        panel_w / width,
                        plot_h / height,
                    )
                )
                _tagged(ax, panel["output"])
                _tornado_panel(ax, panel, row["drivers"], unit, panel_w)
                ax.set_ylim(n - 0.5, -0.5)
                if i == 0:
                    ax.set_yticks(range(n), row["drivers"], linespacing=LINES)
                    ax.tick_params(axis="y", length=0)
                else:
                    ax.set_yticks([])  # the row's first panel names the drivers
                ax.set_title(
                    title,
                    loc="left",
                    fontsize=TITLE,
                    fontweight="bold",
                    pad=BASE_ROOM,
                    linespacing=LINES,
                )
        return _svg(fig, _safe_prefix(name))


def _tornado_panel(
    ax: Axes, panel: TornadoPanel, drivers: Sequence[str], unit: str, width: float
) -> None:
    base = to_display(panel["base"], unit)
    ends: list[tuple[int, float, str]] = []  # (driver row, value, text)
    key: Literal["at_low", "at_high"]
    for key, colour in (("at_low", SKY), ("at_high", NAVY)):  # the high value over the low
        rows, values = [], []
        for yy, bar in enumerate(panel["bars"]):
            value = to_display(bar.get(key), unit) if bar is not None else math.nan
            if math.isfinite(value):
                rows.append(yy)
                values.append(value)
                ends.append((yy, value, _tick(value, unit)))
        if rows:  # one call a colour: each call costs far more than its bars
            ax.barh(rows, [v - base for v in values], left=base, height=0.62, color=colour)
    values = [v for _, v, _ in ends] + [base]
    lo, hi = min(values), max(values)
    span = (hi - lo) or (abs(base) * 0.1 or 1.0)
    # Room for the values beside the bar ends: each side gets the widest value's width.
    room = max((text_size(t, SMALL)[0] for _, _, t in ends), default=0.0) + 5.0
    share = room / width
    labels = share < 0.3
    share = share if labels else 0.06
    full = span / (1 - 2 * share)
    ax.set_xlim(lo - share * full, hi + share * full)
    if labels:
        for yy, value, text in ends:
            right = value >= base
            ax.annotate(
                text,
                (value, yy),
                xytext=(2.5 if right else -2.5, 0),
                textcoords="offset points",
                va="center",
                ha="left" if right else "right",
                fontsize=SMALL,
                color=INK,
            )
    ax.axvline(base, color=INK, linewidth=1.0)
    ax.annotate(
        _tick(base, unit),
        (base, 1),
        xycoords=("data", "axes fraction"),
        xytext=(0, 2),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=SMALL,
        color=INK,
    )
    ax.xaxis.set_major_locator(
        MaxNLocator(nbins=max(2, int(width // 40)), steps=[1, 2, 2.5, 5, 10])
    )
    ax.xaxis.set_major_formatter(FuncFormatter(_percent if unit == "pct" else _thousands))
    ax.grid(axis="x")
    ax.set_axisbelow(True)


def histogram_grid(panels: Sequence[HistogramPanel], name: str, unit: str) -> str:
    """Monte Carlo histograms of a group of outputs as small multiples (same unit), each
    with dashed lines at its `markers` (label, value: P10, P50, P90) and a red line at its
    `threshold` (label, value: zero NPV, a hurdle). `panels`: {"output", "title", "edges",
    "counts", "markers", "threshold"}, values in the output's own unit."""
    with _figure(WIDE, 1.0) as fig:
        size = matplotlib.rcParams["xtick.labelsize"]
        width = fig.get_figwidth() / PT
        ncols = min(MAX_COLUMNS, len(panels)) or 1
        panel_w = (width - 2 * PAD - 2 * EDGE - GAP * (ncols - 1)) / ncols
        titles = _panel_titles(panels, panel_w)
        caption = unit_caption(unit) if unit == "wan" else ""  # (percentages say so)
        ticks_h = 2 * TICK + text_size("0", size)[1]
        plot_h = 84.0
        y = PAD + (text_size(caption, size)[1] + LEGEND_GAP if caption else 0.0)
        tops = []
        for start in range(0, len(panels), ncols):
            row_titles = titles[start : start + ncols]
            title_h = max(text_size(t, TITLE, "bold")[1] for t in row_titles) + 4.0
            tops.append(y + title_h)
            y += title_h + plot_h + ticks_h + ROW_GAP
        height = y - ROW_GAP + PAD
        fig.set_size_inches(width * PT, height * PT)
        if caption:
            fig.text(PAD / width, 1 - PAD / height, caption, ha="left", va="top", color=GREY)
        for i, (panel, title) in enumerate(zip(panels, titles, strict=True)):
            top = tops[i // ncols]
            left = PAD + EDGE + (i % ncols) * (panel_w + GAP)
            ax = fig.add_axes(
                (left / width, 1 - (top + plot_h) / height, panel_w / width, plot_h / height)
            )
            _tagged(ax, panel["output"])
            _histogram_panel(ax, panel, unit, panel_w)
            ax.set_title(
                title, loc="left", fontsize=TITLE, fontweight="bold", pad=4.0, linespacing=LINES
            )
        return _svg(fig, _safe_prefix(name))


def _histogram_panel(ax: Axes, panel: HistogramPanel, unit: str, width: float) -> None:
    e = [to_display(v, unit) for v in panel["edges"]]
    counts = list(panel["counts"])
    # The bars as one filled outline and white lines between them: two artists, not one
    # a bar (each costs more to make than to draw).
    ax.stairs(counts, e, fill=True, color=BLUE, linewidth=0)
    ax.vlines(
        e[1:-1],
        0,
        [min(a, b) for a, b in zip(counts[:-1], counts[1:], strict=True)],
        colors="white",
        linewidth=0.5,
    )
    top = max(counts) if counts else 1
    for text, value in panel.get("markers") or ():
        x = to_display(value, unit)
        ax.axvline(x, color=INK, linestyle="--", linewidth=0.8)
        ax.text(
            x,
            top * 1.03,
            text,
            ha="center",
            va="bottom",
            fontsize=SMALL - 0.5,
            color=INK,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8},
        )
    threshold = panel.get("threshold")
    span = (e[-1] - e[0]) or 1.0
    lo, hi = e[0] - 0.02 * span, e[-1] + 0.02 * span
    if threshold is not None:
        x = to_display(threshold[1], unit)
        text = f"{threshold[0]} ({_tick(x, unit)})"
        if e[0] - 0.1 * span <= x <= e[-1] + 0.1 * span:
            lo, hi = min(lo, x - 0.02 * span), max(hi, x + 0.02 * span)
            ax.axvline(x, color=RED, linewidth=1.3)
            right = x > lo + 0.6 * (hi - lo)  # near the right end: label on the line's left
            ax.annotate(
                threshold[0],
                (x, top * 0.6),
                xytext=(-3 if right else 3, 0),
                textcoords="offset points",
                ha="right" if right else "left",
                va="center",
                fontsize=SMALL - 0.5,
                color=RED,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
            )
        else:  # far off the chart: say where, do not squash the histogram
            left = x < e[0]
            ax.text(
                0.01 if left else 0.99,
                0.99,
                ("\u2190 " + text) if left else (text + " \u2192"),
                transform=ax.transAxes,
                ha="left" if left else "right",
                va="top",
                fontsize=SMALL - 0.5,
                color=RED,
            )
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, top * 1.42)  # room above the bars: the markers' labels, then any note
    ax.xaxis.set_major_locator(
        MaxNLocator(nbins=max(2, int(width // 40)), steps=[1, 2, 2.5, 5, 10])
    )
    ax.xaxis.set_major_formatter(FuncFormatter(_percent if unit == "pct" else _thousands))
    ax.set_yticks([])  # the shape matters, not the count of trials
    ax.spines["left"].set_visible(False)
