"""Charts of the HTML reports, as SVG text to inline in a page.

Every chart function takes numbers already computed (results.json, a project's model lines)
and returns an SVG string; it converts units for display (yuan to 万元, fractions to
percent) and computes nothing else, except the J-curve's running total of a class's net
cash flows.

This module is the cheap half: labels, units, the font check and a cache of drawn charts.
Drawing is `xlfinance.render.drawing`, which imports matplotlib, and is imported only when
a chart is not in the cache, so commands that draw nothing (`validate`), and builds whose
charts are all cached, never load matplotlib.

The cache: each chart is stored under a hash of everything that makes it (the chart's
kind, name and inputs, the rc settings, the fonts, the matplotlib version and the drawing
code), in `$XLFINANCE_CACHE_DIR`, else `$XDG_CACHE_HOME/xlfinance/charts`, else
`~/.cache/xlfinance/charts`. A chart from the cache is byte for byte the chart drawn; an
entry that cannot be read or fails its checksum is drawn again; the cache never fails a
build (it is skipped when it cannot be written).

Chinese labels are used when the Noto Sans CJK SC font is installed (`cjk_font()`), and the
charts fall back to English labels when it is not. `label(zh, en)` picks the text. Text is
written as SVG text: the browser draws it in the font stack named in each chart.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict

from xlfinance.cachefiles import prune, touch, write_whole
from xlfinance.model import units
from xlfinance.model.units import YUAN_PER_WAN

if TYPE_CHECKING:
    from matplotlib.font_manager import FontEntry
    from matplotlib.typing import RcKeyType

CHART_VERSION = 1
"""Bump to redraw every cached chart when something outside this package's drawing code
changes how charts look (the drawing code itself is part of each chart's hash)."""

CJK_FAMILY = "Noto Sans CJK SC"
CJK_FALLBACKS = ("Source Han Sans SC", "PingFang SC", "Microsoft YaHei")
"""Fonts a reader's browser may use in place of Noto Sans CJK SC: the same design under
Adobe's name, then the system Chinese fonts of macOS and Windows (similar metrics)."""
MAX_COLUMNS = 4
"""At most this many panels a row of a small-multiples figure."""

RULE = "#C8D0DA"
INK = "#1D232B"


class MaccBar(TypedDict):
    """A bar of the MACC as `drawing.macc` reads it: a results.json `macc` entry (which
    holds more)."""

    x_start_t_co2e_per_year: float
    x_end_t_co2e_per_year: float
    abatement_t_co2e_per_year: float
    abatement_cost_yuan_per_t: float
    archetype: str


class TornadoBar(TypedDict):
    """An output at a driver's low and high value (None where it was not computed)."""

    at_low: float | None
    at_high: float | None


class TornadoPanel(TypedDict):
    """One output's tornado: its results.json path, title, base case and a bar a driver of
    its row (None for a driver it has no bar for)."""

    output: str
    title: str
    base: float
    bars: list[TornadoBar | None]


class TornadoRow(TypedDict):
    """A row of tornado panels sharing their drivers' labels (`tornado_grid`)."""

    drivers: list[str]
    panels: list[TornadoPanel]


class HistogramPanel(TypedDict):
    """One output's Monte Carlo histogram (`histogram_grid`): its results.json path,
    title, bin edges and counts, the (label, value) of its dashed markers and of its red
    threshold line, if any."""

    output: str
    title: str
    edges: list[float]
    counts: list[int]
    markers: list[tuple[str, float]]
    threshold: tuple[str, float] | None


class FontLists(Protocol):
    """matplotlib's font list (`font_manager.fontManager`) as `drawing.check_fonts` reads
    and rebuilds it."""

    ttflist: list[FontEntry]

    @property
    def _findfont_cached(self) -> _Cache: ...


class _Cache(Protocol):
    def cache_clear(self) -> None: ...


class FontModule(Protocol):
    """`matplotlib.font_manager` as `drawing.check_fonts` reads it (a test gives a stand-in
    of the same shape)."""

    @property
    def fontManager(self) -> FontLists: ...

    def _load_fontmanager(self, *, try_read_cache: bool = True) -> FontLists: ...


_CJK_OVERRIDE: list[bool | None] = [None]
_WARNED: list[bool] = [False]


# --------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def system_cjk_fonts() -> tuple[tuple[str, int], ...]:
    """(path, size in bytes) of each Noto Sans CJK font file installed, without matplotlib:
    from fontconfig (`fc-list`) where there is one, else from the usual font folders."""
    found: set[str] = set()
    listed = _fc_list()
    if listed is not None:
        for path, families in listed:
            if CJK_FAMILY in families or _CJK_FILE.search(os.path.basename(path)):
                found.add(path)
    else:
        for folder in _font_folders():
            for root, _, files in os.walk(folder):
                found.update(os.path.join(root, f) for f in files if _CJK_FILE.search(f))
    out = []
    for path in sorted(found, key=lambda p: ("Regular" not in p, p)):
        try:
            out.append((path, os.path.getsize(path)))
        except OSError:
            continue
    return tuple(out)


_CJK_FILE = re.compile(r"NotoSansCJK|Noto Sans CJK", re.IGNORECASE)


def _fc_list() -> list[tuple[str, list[str]]] | None:
    """(file, families) of every font fontconfig knows, or None without fontconfig."""
    if shutil.which("fc-list") is None:
        return None
    try:
        done = subprocess.run(
            ["fc-list", "--format=%{file}\t%{family}\n"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = []
    for line in done.stdout.splitlines():
        path, _, families = line.partition("\t")
        out.append((path, [f.strip() for f in families.split(",")]))
    return out


def _font_folders() -> list[Path]:
    home = Path.home()
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    folders = [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".fonts",
        data / "fonts",
        Path("/Library/Fonts"),
        Path("/System/Library/Fonts"),
        home / "Library" / "Fonts",
    ]
    for variable, tail in (("WINDIR", "Fonts"), ("LOCALAPPDATA", "Microsoft/Windows/Fonts")):
        if os.environ.get(variable):
            folders.append(Path(os.environ[variable]) / tail)
    return [f for f in folders if f.is_dir()]


def cjk_font() -> str | None:
    """Path of the installed CJK font, or None when charts must keep to English (said once,
    on one line of stderr, when the machine has no CJK font at all)."""
    if _CJK_OVERRIDE[0] is False:
        return None
    fonts = system_cjk_fonts()
    if not fonts:
        warn_no_cjk()
        return None
    return fonts[0][0]


def warn_no_cjk() -> None:
    if not _WARNED[0]:
        _WARNED[0] = True
        print(
            f"xlfinance: no CJK font ({CJK_FAMILY}) on this machine, so the charts are "
            "labelled in English only; install it (Debian: fonts-noto-cjk) for Chinese.",
            file=sys.stderr,
        )


@contextmanager
def english_only() -> Iterator[None]:
    """Draw as if no CJK font were installed (for tests and for English-only output)."""
    before = _CJK_OVERRIDE[0]
    _CJK_OVERRIDE[0] = False
    try:
        yield
    finally:
        _CJK_OVERRIDE[0] = before


def label(zh: str | None, en: str, sep: str = " ") -> str:
    """`zh + sep + en` when Chinese can be drawn, else `en`."""
    if zh and cjk_font():
        return f"{zh}{sep}{en}"
    return en


def rc() -> dict[RcKeyType, object]:
    """The matplotlib settings every chart is drawn under."""
    # Text is written as SVG text, not glyph outlines: matplotlib lays it out with the font
    # named first, and the SVG's font-family (this list, then `sans-serif`) lets the
    # browser draw it with that font or the nearest it has.
    families = [CJK_FAMILY, *CJK_FALLBACKS, "DejaVu Sans"] if cjk_font() else ["DejaVu Sans"]
    return {
        "svg.hashsalt": "xlfinance",
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.sans-serif": families,
        "font.size": 9.0,
        "text.parse_math": False,
        "axes.unicode_minus": True,
        "axes.edgecolor": RULE,
        "axes.labelcolor": INK,
        "axes.titlesize": 10.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "legend.frameon": False,
        "legend.fontsize": 8.5,
        "grid.color": "#E4E9EF",
        "grid.linewidth": 0.8,
        "path.simplify": False,
    }


# --------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------


def wan(yuan: float | None) -> float:
    """Yuan to 万元 (NaN for a missing value)."""
    return float("nan") if yuan is None else yuan / YUAN_PER_WAN


def display_unit(unit: str) -> str:
    """How a chart shows a number in `unit`: 'wan' for money (in 万元), 'pct' for rates and
    shares (in %), else 'raw'."""
    shown = units.display(unit) if unit else ""
    return {"wan_yuan": "wan", "pct": "pct"}.get(shown, "raw")


def to_display(value: float | None, unit: str) -> float:
    if value is None:
        return float("nan")
    if unit == "wan":
        return value / YUAN_PER_WAN
    if unit == "pct":
        return value * 100.0
    return value


def unit_caption(unit: str) -> str:
    return {"wan": label("万元", "10,000 yuan", " / "), "pct": "%"}.get(unit, "")


# --------------------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------------------

MAX_ENTRIES = 1000
"""The cache keeps at most this many charts (about 20 builds of Xiaolan), the most
recently used."""

_HEADER = "<!-- xlfinance chart cache, sha256 of the chart: "
_PRUNED: list[bool] = [False]


def cache_dir() -> Path:
    """Where drawn charts are kept (see the module's docstring)."""
    if os.environ.get("XLFINANCE_CACHE_DIR"):
        return Path(os.environ["XLFINANCE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "xlfinance" / "charts"


@lru_cache(maxsize=1)
def _code() -> dict[str, object]:
    """What besides its inputs makes a chart: the drawing code and matplotlib's version
    (the archetypes' colours are inputs of the charts that use them)."""
    from importlib.metadata import version

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in (
        here / "charts.py",
        here / "drawing.py",
    ):
        digest.update(path.read_bytes())
    return {"version": CHART_VERSION, "code": digest.hexdigest(), "mpl": version("matplotlib")}


def chart_key(kind: str, name: str, inputs: dict[str, object]) -> str:
    """The hash a chart is cached under."""
    cjk = _CJK_OVERRIDE[0] is not False and bool(system_cjk_fonts())
    made_of = {
        "kind": kind,
        "name": name,
        "inputs": inputs,
        "rc": rc(),
        "fonts": system_cjk_fonts() if cjk else None,
        **_code(),
    }
    text = json.dumps(made_of, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cached(key: str) -> str | None:
    """The chart stored under `key`, or None when there is none or it is damaged."""
    path = cache_dir() / f"{key}.svg"
    try:
        data = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    head, _, svg = data.partition(" -->\n")
    if not head.startswith(_HEADER) or head[len(_HEADER) :] != _digest(svg):
        return None
    touch(path)
    return svg


def _store(key: str, svg: str) -> None:
    """Keep `svg` under `key`, written whole (`cachefiles.write_whole`): no reader sees half
    a chart, and any failure leaves the cache as it was."""
    folder = cache_dir()
    write_whole(folder, f"{key}.svg", f"{_HEADER}{_digest(svg)} -->\n{svg}".encode(), ".svg")
    if not _PRUNED[0]:
        _PRUNED[0] = True
        prune(folder, (".svg",), MAX_ENTRIES)  # the least recently used beyond MAX_ENTRIES


def _digest(svg: str) -> str:
    return hashlib.sha256(svg.encode("utf-8")).hexdigest()


STATS = {"seconds": 0.0, "drawn": 0, "cached": 0}
"""Time spent on charts (drawing, or reading the cache) and how many were drawn or cached
since the process started: a build reports the difference as its "charts" phase."""


def _chart(kind: str, name: str, **inputs: object) -> str:
    """The chart `kind` named `name` from `inputs`: from the cache, else drawn (and kept)."""
    started = time.perf_counter()
    key = chart_key(kind, name, inputs)
    svg = _cached(key)
    if svg is None:
        from xlfinance.render import drawing  # matplotlib: only when something is drawn

        svg = getattr(drawing, kind)(name=name, **inputs)
        _store(key, svg)
        STATS["drawn"] += 1
    else:
        STATS["cached"] += 1
    STATS["seconds"] += time.perf_counter() - started
    return svg


# --------------------------------------------------------------------------------------
# The charts (see `xlfinance.render.drawing` for what each shows)
# --------------------------------------------------------------------------------------


def budget_stacked_bars(
    rows: Sequence[tuple[str, dict[str, float]]],
    sources: Sequence[tuple[str, str]],
    name: str = "budget",
) -> str:
    """Horizontal bars, one an action, stacked by funding source, in 万元."""
    return _chart("budget_stacked_bars", name, rows=rows, sources=sources)


def funding_donut(
    parts: Sequence[tuple[str, str, float, float]], total_wan: float, name: str = "funding"
) -> str:
    """A donut of the funding sources: (key, label, 万元, share); the total in the hole."""
    return _chart("funding_donut", name, parts=parts, total_wan=total_wan)


def macc(
    rows: Sequence[MaccBar],
    archetype_labels: dict[str, str],
    archetype_colours: dict[str, str],
    name: str = "macc",
) -> str:
    """Marginal abatement cost curve: bars as wide as t CO2e a year, as tall as yuan/t,
    in each archetype's colour."""
    return _chart(
        "macc",
        name,
        rows=rows,
        archetype_labels=archetype_labels,
        archetype_colours=archetype_colours,
    )


def project_cash_flows(
    years: Sequence[int],
    cash_flow_yuan: Sequence[float],
    cumulative_yuan: Sequence[float],
    name: str,
    width: float = 9.0,
    height: float = 3.2,
) -> str:
    """Bars of a project's yearly cash flow with its cumulative cash flow as a line, in 万元."""
    return _chart(
        "project_cash_flows",
        name,
        years=years,
        cash_flow_yuan=cash_flow_yuan,
        cumulative_yuan=cumulative_yuan,
        width=width,
        height=height,
    )


def j_curve(
    years: Sequence[int], classes: Sequence[tuple[str, Sequence[float]]], name: str = "jcurve"
) -> str:
    """Cumulative net cash flows of each investor class by year (the J-curve), in 万元."""
    return _chart("j_curve", name, years=years, classes=classes)


def tornado_grid(
    rows: Sequence[TornadoRow],
    name: str,
    unit: str,
    low_legend: str = "low value",
    high_legend: str = "high value",
    base_legend: str = "base case",
) -> str:
    """Tornadoes of a group of outputs as small multiples, a row of panels sharing its
    driver axis (see `drawing.tornado_grid` for `rows`)."""
    return _chart(
        "tornado_grid",
        name,
        rows=rows,
        unit=unit,
        low_legend=low_legend,
        high_legend=high_legend,
        base_legend=base_legend,
    )


def histogram_grid(panels: Sequence[HistogramPanel], name: str, unit: str) -> str:
    """Monte Carlo histograms of a group of outputs as small multiples (see
    `drawing.histogram_grid` for `panels`)."""
    return _chart("histogram_grid", name, panels=panels, unit=unit)
