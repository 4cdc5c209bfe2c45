"""The HTML reports (xlfinance.render.reports, xlfinance.render.charts, templates/).

The Xiaolan programme is built once into a temporary folder (or into $XLFINANCE_REPORTS_OUT,
to keep it and look at it) and its pages are held against its results.json:

- every figure a page shows carries `data-key="<dotted path>"`; the test resolves the path in
  results.json itself, parses the text a reader sees and checks they agree to the shown digits;
- a project named `<script>alert(1)</script>` shows as text, in the file and in a browser;
- headless Chromium (Debian's `chromium`, installed by .ci/run) opens every page with no
  console error, prints each pitch to a one-page PDF, and saves screenshots under
  `<out>/screenshots/` so a person can look.

Chromium is driven over the DevTools protocol through a pipe (`--remote-debugging-pipe`: JSON
messages separated by NUL bytes on file descriptors 3 and 4), so no websocket client is
needed; one browser start serves every page.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from xlfinance.model.units import fmt
from xlfinance.render import charts, risk_page
from xlfinance.render.figures import investable
from xlfinance.render.pitch_page import draw_ahead
from xlfinance.render.reports import write_reports
from xlfinance.results import Text, has, resolve

REPO = Path(__file__).resolve().parents[1]
XIAOLAN = REPO / "projects" / "xiaolan"
SCRIPT_NAME = "<script>alert(1)</script>"
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)

# --------------------------------------------------------------------------------------
# Reading pages (independent of the renderer's own helpers)
# --------------------------------------------------------------------------------------

SCALE = {  # data-kind: factor from the results.json value to the number shown
    "wan_yuan": 1e-4,
    "wan": 1.0,
    "pct": 100.0,
    "years": 1.0,
    "x": 1.0,
    "t": 1.0,
    "yuan_t": 1.0,
    "yuan_kwh": 1.0,
    "int": 1.0,
    "dec2": 1.0,
    "dec3": 1.0,
}


def shown_number(text: str) -> float | None:
    text = text.strip()
    if text == "\u2013":
        return None
    cleaned = text.replace(",", "").replace("%", "").replace("\u00d7", "").replace("\u2212", "-")
    return float(cleaned)


class Tagged(HTMLParser):
    """Collects (attrs, text) of elements with data-key or data-line; ids; hrefs; srcs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: list[tuple[dict, str]] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.sources: list[str] = []
        self.tags: list[str] = []
        self._open: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if "src" in a:
            self.sources.append(a["src"])
        if "data-key" in a or "data-line" in a:
            self._open.append((tag, a, []))

    def handle_endtag(self, tag):
        # a figure holds text only, so the first end tag after it closes it
        if self._open and self._open[-1][0] == tag:
            _, attrs, text = self._open.pop()
            self.figures.append((attrs, "".join(text)))

    def handle_data(self, data):
        if self._open:
            self._open[-1][2].append(data)


SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: str) -> list[tuple[float, float, str]]:
    """(x, y, text) of every `<text>` of an SVG (charts write text as text, not glyph
    outlines), in SVG units: y grows downwards."""
    root = ET.fromstring(svg.encode("utf-8"))
    found = []
    for element in root.iter(f"{SVG}text"):
        if "y" in element.attrib:
            x, y = float(element.get("x", "0")), float(element.get("y"))
        else:
            moved = re.search(
                r"translate\(([-\d.e]+)[ ,]([-\d.e]+)\)", element.get("transform", "")
            )
            assert moved, element.attrib
            x, y = float(moved.group(1)), float(moved.group(2))
        found.append((x, y, "".join(element.itertext())))
    return found


def panels(html: str, chart: str) -> set[str]:
    """The results.json paths the panels of the charts named `chart...` show
    (`data-output` of an SVG group)."""
    found = set()
    for svg in re.findall(rf'<svg [^>]*data-chart="{chart}.*?</svg>', html, re.S):
        root = ET.fromstring(svg.encode("utf-8"))
        found |= {g.get("data-output") for g in root.iter(f"{SVG}g") if g.get("data-output")}
    return found


def parse(path: Path) -> Tagged:
    parser = Tagged()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _assert_funding_schedule_shown(keys: set[str], results: dict) -> None:
    """The yearly funding schedule: every year's uses, sources and equity, and the totals."""
    schedule = results["budget"]["funding_by_year"]
    assert schedule["years"]
    for year in schedule["years"]:
        for column in ("uses_wan_yuan", "sources_wan_yuan", "debt_wan_yuan", "equity_wan_yuan"):
            assert f"budget.funding_by_year.years.{year}.{column}" in keys, (year, column)
    assert "budget.funding_by_year.total.fund_wan_yuan" in keys


def check_figures(page: Path, results: dict) -> set[str]:
    """Every data-key figure on `page` equals results.json to the digits shown; the keys."""
    keys = set()
    for attrs, text in parse(page).figures:
        if "data-key" not in attrs:
            continue
        key, kind = attrs["data-key"], attrs["data-kind"]
        value = resolve(results, key)
        shown = shown_number(text)
        where = f"{page.name}: {key} shows {text!r}, results.json has {value!r}"
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            assert shown is None, where
        else:
            assert shown is not None, where
            decimals = len(text.split(".")[1].rstrip("%\u00d7")) if "." in text else 0
            expected = value * SCALE[kind]
            assert abs(shown - expected) <= 0.5 * 10**-decimals + 1e-9 * abs(expected), where
        keys.add(key)
    return keys


# --------------------------------------------------------------------------------------
# Chromium over the DevTools protocol, through a pipe
# --------------------------------------------------------------------------------------


HOSTILE_PAGES = (
    "index.html",
    "investor.html",
    "proposal.html",
    "pitches/pv_phase1.html",
    "pitch-book.html",
)
"""The pages that show pv_phase1's name, rendered with it renamed to a script tag."""

TABLE_OVERFLOW = """Math.max(0, document.documentElement.scrollWidth
    - document.documentElement.clientWidth, ...[...document.querySelectorAll('table')].map(
    t => Math.ceil(t.getBoundingClientRect().right) - document.documentElement.clientWidth))"""
"""How far, in CSS pixels, the page or its widest table runs past the viewport's right edge:
with print media at a page's printable width, what printing would cut off; 0 when none."""

PRINTABLE_A4_LANDSCAPE_PX = round((297 - 2 * 10) / 25.4 * 96)
"""The width inside base.html's @page (A4 landscape, 10 mm side margins) in CSS pixels."""

SHEET_OVERFLOW = """Math.max(0, ...[...document.querySelectorAll('.sheet')].map(
    s => s.scrollHeight - s.clientHeight))"""
"""How far, in CSS pixels, the content of a page's fixed-size sheets (the A4 pitches) runs
past their bottom edge, where `overflow: hidden` would clip it unseen; 0 when none does."""

MEASURES = f"""({{text: document.body.innerText, sheet_overflow: {SHEET_OVERFLOW},
    table_overflow: {TABLE_OVERFLOW}}})"""
"""What a visit measures of a loaded page, in one evaluation: its text and both overflows."""


class Browser:
    """One headless Chromium; `visit_all(jobs)` loads pages in fresh tabs and reports them."""

    def __init__(self, executable: str, timeout: float = 60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="xlf-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_pipes():  # the DevTools pipe is fds 3 (commands in) and 4 (messages out)
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--force-color-profile=srgb",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=wire_pipes,
            pass_fds=(3, 4),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and wait for its reply (events read meanwhile are kept)."""
        sent = self._write(method, params, session)
        while True:
            reply = self._read()
            if reply.get("id") == sent:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def visit_all(self, jobs: list[dict], at_once: int = 4) -> list[dict]:
        """Load each job's page (`_visit_steps(**job)`): its console errors, its text, the
        PDF's page count, and the screenshot and PDF saved where asked. Up to `at_once` tabs
        load and print at the same time (Chromium renders each tab in its own process, so
        two cores are both used); the reports come back in the order of the jobs."""
        reports: list[dict | None] = [None] * len(jobs)
        queue = list(enumerate(jobs))
        replies: dict[int, tuple[int, object]] = {}  # command id -> (job, its steps)
        waiting: list[tuple[int, object, str, str]] = []  # (job, steps, event, session)

        def advance(index, steps, value) -> None:
            while True:
                try:
                    step = steps.send(value)
                except StopIteration as done:
                    reports[index] = done.value
                    start_next()
                    return
                if step[0] == "wait":
                    _, event, session = step
                    if not self._seen(event, session):
                        waiting.append((index, steps, event, session))
                        return
                    value = None
                    continue
                method, params, session = step
                replies[self._write(method, params, session)] = (index, steps)
                return

        def start_next() -> None:
            if queue:
                index, job = queue.pop(0)
                steps = self._visit_steps(**job)
                advance(index, steps, None)

        for _ in range(at_once):
            start_next()
        while replies or waiting:
            message = self._read()
            if message.get("id") in replies:
                index, steps = replies.pop(message["id"])
                if "error" in message:
                    raise RuntimeError(f"{jobs[index]['page']}: {message['error']}")
                advance(index, steps, message.get("result", {}))
                continue
            self.events.append(message)
            for entry in list(waiting):
                index, steps, event, session = entry
                if self._seen(event, session):
                    waiting.remove(entry)
                    advance(index, steps, None)
        return reports

    def _seen(self, event: str, session: str) -> bool:
        return any(e.get("method") == event and e.get("sessionId") == session for e in self.events)

    def _write(self, method: str, params: dict | None, session: str | None) -> int:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._id

    def _visit_steps(
        self,
        page: Path,
        screenshot: Path | None = None,
        pdf: Path | None = None,
        width: int = 1280,
        print_media: bool = False,
    ):
        """The commands of one visit, as a generator: each `yield (method, params, session)`
        receives the command's result; `yield ("wait", event, session)` waits for an event."""
        target = (yield ("Target.createTarget", {"url": "about:blank"}, None))["targetId"]
        session = (yield ("Target.attachToTarget", {"targetId": target, "flatten": True}, None))[
            "sessionId"
        ]
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            yield (method, {}, session)
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
        yield ("Emulation.setDeviceMetricsOverride", metrics, session)
        if print_media:
            yield ("Emulation.setEmulatedMedia", {"media": "print"}, session)
        yield ("Page.navigate", {"url": page.resolve().as_uri()}, session)
        yield ("wait", "Page.loadEventFired", session)
        measured = (
            yield (
                "Runtime.evaluate",
                {"expression": MEASURES, "returnByValue": True},
                session,
            )
        )["result"].get("value", {})
        report = {"pdf_pages": None, **measured}
        if screenshot is not None:
            size = (yield ("Page.getLayoutMetrics", {}, session))["cssContentSize"]
            clip = {"x": 0, "y": 0, "width": width, "height": math.ceil(size["height"]), "scale": 1}
            shot = yield (
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True, "clip": clip},
                session,
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        if pdf is not None:
            printed = yield (
                "Page.printToPDF",
                {"preferCSSPageSize": True, "printBackground": True},
                session,
            )
            data = base64.b64decode(printed["data"])
            pdf.parent.mkdir(parents=True, exist_ok=True)
            pdf.write_bytes(data)
            report["pdf_pages"] = pdf_pages(data)
        yield ("Target.closeTarget", {"targetId": target}, None)
        mine = [e for e in self.events if e.get("sessionId") == session]
        self.events = [e for e in self.events if e.get("sessionId") != session]
        report["errors"] = console_errors(mine)
        return report


def console_errors(events: list[dict]) -> list[str]:
    errors = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console: " + " ".join(str(a.get("value")) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            errors.append("exception: " + params["exceptionDetails"].get("text", ""))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Page.javascriptDialogOpening":
            errors.append("dialog: " + params.get("message", ""))
    return errors


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF: its page objects, cross-checked with the page tree's /Count."""
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(c) for c in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    assert data.startswith(b"%PDF"), "not a PDF"
    assert counts and max(counts) == pages, (pages, counts)
    return pages


# --------------------------------------------------------------------------------------
# Fixtures: one build, three renderings, one browser session
# --------------------------------------------------------------------------------------


def synthetic_risk(results: dict) -> dict:
    """A risk section in the agreed shape, with made-up numbers around the base case."""
    npv = results["projects"]["pv_phase1"]["npv_yuan"]
    irr = results["projects"]["pv_phase1"]["irr"]
    senior = results["fund"]["classes"]["senior"]["net_irr"]

    def bar(output, label, parameter, low, high, base, at_low, at_high, apply, unit):
        return {
            "output": output,
            "label": label,
            "parameter": parameter,
            "apply": apply,
            "unit": unit,
            "low": low,
            "high": high,
            "base": base,
            "at_low": at_low,
            "at_high": at_high,
            "swing": abs(at_high - at_low),
        }

    pv_npv = "projects.pv_phase1.npv_yuan"
    tornado = [  # deliberately not sorted by swing
        bar(
            pv_npv,
            "O&M cost (x base)",
            "projects.*.om_yuan_per_kw_per_year",
            0.8,
            1.2,
            npv,
            npv + 1.0e6,
            npv - 1.0e6,
            "multiply",
            "yuan/kW/yr",
        ),
        bar(
            pv_npv,
            "Building tariff",
            "projects.pv_phase1.building_tariff_yuan_per_kwh",
            0.8,
            1.0,
            npv,
            npv - 6.0e6,
            npv + 6.0e6,
            "multiply",
            "yuan/kWh",
        ),
        bar(
            pv_npv,
            "Specific yield",
            "projects.pv_phase1.specific_yield_kwh_per_kw",
            900.0,
            1100.0,
            npv,
            npv - 4.0e6,
            npv + 4.0e6,
            "value",
            "kWh/kW",
        ),
        bar(
            "projects.pv_phase1.irr",
            "Building tariff",
            "projects.pv_phase1.building_tariff_yuan_per_kwh",
            0.8,
            1.0,
            irr,
            irr - 0.02,
            irr + 0.02,
            "multiply",
            "yuan/kWh",
        ),
        bar(
            "fund.classes.senior.net_irr",
            "Exit discount rate",
            "fund.exit_discount_rate_pv_phase2",
            0.06,
            0.10,
            senior,
            senior + 0.02,
            senior - 0.015,
            "value",
            "rate",
        ),
    ]
    edges = [npv + (k - 5) * 1.5e6 for k in range(11)]
    counts = [5, 20, 60, 120, 190, 210, 180, 110, 70, 35]

    def dist(p50, step, **probabilities):
        return {
            "p10": p50 - step,
            "p50": p50,
            "p90": p50 + step,
            "mean": p50 + step / 40,
            "share_undefined": 0.0,
            **probabilities,
            "histogram": {"edges": [p50 + (k - 5) * step / 2 for k in range(11)], "counts": counts},
        }

    def scenario(description, d_npv, d_irr, d_senior):
        return {
            "description": description,
            "projects": {"pv_phase1": {"npv_yuan": npv + d_npv, "irr": irr + d_irr}},
            "fund": {"classes": {"senior": {"net_irr": senior + d_senior}}},
        }

    return {
        "trials": 1000,
        "seed": 42,
        "scenarios": {
            "low_tariff": scenario("Building tariff 10% lower", -6.0e6, -0.02, -0.01),
            "high_capex": scenario("Capex 15% higher", -4.5e6, -0.015, -0.008),
            "lending rate 4.90%": scenario("PBOC cuts reach the loans", 1.0e6, 0.0, 0.004),
        },
        "tornado": tornado,
        "monte_carlo": {
            "outputs": {
                pv_npv: {
                    **dist(npv, 4.0e6, prob_below_zero=0.31),
                    "histogram": {"edges": edges, "counts": counts},
                },
                "projects.pv_phase1.irr": dist(irr, 0.02, prob_below_zero=0.0),
                "projects.capacity_building.npv_yuan": dist(-2.5e6, 1e5, prob_below_zero=1.0),
                "fund.classes.senior.net_irr": dist(
                    senior, 0.02, prob_below_zero=0.0, prob_below_hurdle=0.12
                ),
            }
        },
    }


@pytest.fixture(scope="session")
def built(xiaolan_build):
    """Xiaolan built (the shared build of conftest.py); results.json with the fund section;
    the reports written."""
    out = xiaolan_build.out
    files = [p for p in out.rglob("*.html")]
    return {
        "out": out,
        "results": copy.deepcopy(xiaolan_build.results),
        "typed": xiaolan_build.build.programme_results,
        "build": xiaolan_build.build,
        "files": files,
    }


@pytest.fixture(scope="session")
def hostile(built, tmp_path_factory):
    """pv_phase1 renamed to a script tag; no fund and no risk section."""
    typed = built["typed"]
    macc = typed.portfolio.macc
    rows = tuple(
        {**row, "name_zh": SCRIPT_NAME, "name_en": SCRIPT_NAME}
        if row.get("project") == "pv_phase1"
        else row
        for row in macc.rows
    )
    portfolio = replace(typed.portfolio, macc=replace(macc, rows=rows))
    renamed = replace(typed.projects["pv_phase1"], name=Text(SCRIPT_NAME, SCRIPT_NAME))
    typed = replace(
        typed,
        projects={**typed.projects, "pv_phase1": renamed},
        portfolio=portfolio,
        fund=None,
        risk=None,
    )
    results = typed.to_json()
    out = tmp_path_factory.mktemp("hostile")
    (out / "results.json").write_text(json.dumps(results), encoding="utf-8")
    write_reports(out, typed)
    return {"out": out, "results": results}


@pytest.fixture(scope="session")
def risky(built, tmp_path_factory):
    """The build with a synthetic risk section."""
    typed = replace(built["typed"], risk=synthetic_risk(copy.deepcopy(built["results"])))
    results = typed.to_json()
    out = tmp_path_factory.mktemp("risky")
    (out / "results.json").write_text(json.dumps(results), encoding="utf-8")
    write_reports(out, typed)
    return {"out": out, "results": results}


@pytest.fixture(scope="session")
def browsed(built, hostile, risky):
    """Every page opened in one Chromium: console errors, text, PDF pages, screenshots."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    out = built["out"]
    shots = out / "screenshots"
    jobs: dict[tuple[str, str], dict] = {}
    for page in ("index.html", "proposal.html", "investor.html"):
        jobs[("main", page)] = dict(
            page=out / page, screenshot=shots / page.replace(".html", ".png")
        )
        if page != "index.html":  # the memos, printed as a reader would
            jobs[("main", page)]["pdf"] = shots / page.replace(".html", ".pdf")
    for pid in investable(built["typed"]):
        jobs[("main", f"pitches/{pid}.html")] = dict(
            page=out / "pitches" / f"{pid}.html",
            screenshot=shots / "pitches" / f"{pid}.png",
            pdf=shots / "pitches" / f"{pid}.pdf",
            width=794,
            print_media=True,
        )
    for page in ("proposal.html", "investor.html"):  # laid out as printed: A4 landscape
        jobs[("printed", page)] = dict(
            page=out / page, width=PRINTABLE_A4_LANDSCAPE_PX, print_media=True
        )
    jobs[("main", "pitch-book.html")] = dict(
        page=out / "pitch-book.html",
        pdf=shots / "pitch-book.pdf",
        width=794,
        print_media=True,
    )
    for page in HOSTILE_PAGES:
        jobs[("hostile", page)] = dict(page=hostile["out"] / page)
    jobs[("risky", "investor.html")] = dict(
        page=risky["out"] / "investor.html", screenshot=shots / "investor-with-risk.png"
    )
    browser = Browser(CHROMIUM)
    try:
        reports = dict(zip(jobs, browser.visit_all(list(jobs.values())), strict=True))
    finally:
        browser.close()
    return reports


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


class TestFormat:
    def test_money_in_wan_yuan_with_separators(self):
        assert fmt(35_000_000.0, "wan_yuan") == "3,500"
        assert fmt(74290.0, "wan") == "74,290"
        assert fmt(-2_998_466.32, "wan_yuan") == "\u2212300"

    def test_percent_with_one_decimal(self):
        assert fmt(0.09755617, "pct") == "9.8%"
        assert fmt(-0.0004, "pct") == "0.0%"  # no minus on a number shown as zero

    def test_undefined_is_a_dash(self):
        assert fmt(None, "pct") == "\u2013"
        assert fmt(float("nan"), "years") == "\u2013"


class TestPages:
    def test_every_page_written(self, built):
        out = built["out"]
        for page in ("index.html", "proposal.html", "investor.html"):
            assert (out / page).is_file()
        ids = investable(built["typed"])
        assert "pv_phase1" in ids and "capacity_building" not in ids
        assert sorted(p.stem for p in (out / "pitches").glob("*.html")) == sorted(ids)
        assert {p.name for p in (out / "charts").glob("*.svg")} >= {
            "budget.svg",
            "funding.svg",
            "macc.svg",
            "jcurve.svg",
            "cashflow-pv_phase1.svg",
        }

    def test_self_contained_and_links_resolve(self, built):
        out = built["out"]
        for page in out.rglob("*.html"):
            parsed = parse(page)
            assert "script" not in parsed.tags, page
            assert "link" not in parsed.tags, page
            assert not parsed.sources, page
            for href in parsed.links:
                assert not re.match(r"^[a-z]+:", href), (page, href)
                target = (page.parent / href.split("#")[0]).resolve()
                assert target.exists(), f"{page.name} links to missing {href}"
            ids = parsed.ids
            assert len(ids) == len(set(ids)), f"{page.name} has duplicate ids"

    def test_index_links_everything(self, built):
        links = set(parse(built["out"] / "index.html").links)
        assert {"proposal.html", "investor.html", "xiaolan.xlsx", "results.json"} <= links
        for pid in investable(built["typed"]):
            assert f"pitches/{pid}.html" in links

    def test_proposal_figures_equal_results(self, built):
        results = built["results"]
        keys = check_figures(built["out"] / "proposal.html", results)
        assert {
            "budget.total_wan_yuan",
            "budget.market_wan_yuan",
            "budget.by_source.market_wan_yuan.share",
            "fund.gross_irr",
            "fund.classes.senior.net_irr",
            "fund.classes.government.tvpi",
        } <= keys
        for i in range(len(results["budget"]["lines"])):
            assert f"budget.lines.{i}.total_wan_yuan" in keys
        for i in range(len(results["benefits"])):
            assert f"benefits.{i}.modelled_t_co2e_per_year" in keys
        assert any(k.startswith("reconciliation.") for k in keys)
        _assert_funding_schedule_shown(keys, results)

    def test_investor_figures_equal_results(self, built):
        results = built["results"]
        keys = check_figures(built["out"] / "investor.html", results)
        for pid in investable(built["typed"]):
            for metric in (
                "capex_yuan",
                "npv_yuan",
                "irr",
                "equity_irr",
                "payback_years",
                "min_dscr",
                "abatement_t_co2e_per_year",
                "abatement_cost_yuan_per_t",
            ):
                assert f"projects.{pid}.{metric}" in keys
        assert "projects.pv_phase1.lcoe_yuan_per_kwh" in keys
        for cid in results["fund"]["classes"]:
            assert f"fund.classes.{cid}.net_irr" in keys
        assert {f"macc.{i}.abatement_cost_yuan_per_t" for i in range(len(results["macc"]))} <= keys
        _assert_funding_schedule_shown(keys, results)
        assert "fund.deployment.invested_yuan" in keys
        for deal in results["fund"]["investments"]:  # the amount of each investment
            assert f"fund.investments.{deal}.invested_yuan" in keys, deal
        html = (built["out"] / "investor.html").read_text(encoding="utf-8")
        assert 'id="financing"' in html and 'href="#financing"' in html  # how to finance it

    def test_pitch_figures_equal_results(self, built):
        results = built["results"]
        for pid in investable(built["typed"]):
            keys = check_figures(built["out"] / "pitches" / f"{pid}.html", results)
            for metric in (
                "capex_yuan",
                "irr",
                "payback_years",
                "abatement_t_co2e_per_year",
                "abatement_cost_yuan_per_t",
            ):
                assert f"projects.{pid}.{metric}" in keys, (pid, metric)

    def test_each_memo_opens_with_the_ask_the_answer_and_the_warnings(self, built):
        results = built["results"]
        errors = [f["title"] for f in results["reconciliation"] if f["severity"] == "error"]
        for page in ("proposal.html", "investor.html"):
            html = (built["out"] / page).read_text(encoding="utf-8")
            start = html.index('id="glance"')
            glance = html[start : html.index("</section>", start)]
            assert 'data-key="fund.deployment.committed_yuan"' in glance, page
            assert 'data-key="fund.deployment.deployment_ratio"' in glance, page
            for cid in results["fund"]["classes"]:  # net first: every class's net IRR
                assert f'data-key="fund.classes.{cid}.net_irr"' in glance, (page, cid)
            assert "fund.gross_irr" not in glance, page
            shown = [unescape(t) for t in re.findall(r"<li>(.*?)</li>", glance)]
            assert shown == errors, page
            # the in-page navigation leads to sections the page has
            nav = re.search(r'<nav class="toc">(.*?)</nav>', html).group(1)
            for target in re.findall(r'href="#([^"]+)"', nav):
                assert f'id="{target}"' in html, (page, target)
        # and in the fund section, the classes' net returns come before the gross figures
        investor = (built["out"] / "investor.html").read_text(encoding="utf-8")
        assert investor.index('class="fund-classes"') < investor.index('data-key="fund.gross_irr"')

    def test_scenarios_are_named_in_both_languages_their_probability_unknown(self, built):
        scenarios = built["results"]["risk"]["scenarios"]
        html = (built["out"] / "investor.html").read_text(encoding="utf-8")
        dl = re.search(r'<dl class="scenarios">(.*?)</dl>', html, re.S).group(1)
        titles = [unescape(t) for t in re.findall(r"<dt>(.*?)</dt>", dl)]
        assert len(titles) == len(scenarios)
        for title, (name, s) in zip(titles, scenarios.items(), strict=True):
            assert title.startswith(f"{s['label_zh']} · "), name  # risk.yaml's label_zh
        # not sampled, so how likely each is was never estimated: the page says so
        assert dl.count('class="muted probability"') == len(scenarios) - 1  # all but base

    def test_the_base_case_percentiles_equal_results_and_say_why(self, built):
        results = built["results"]
        html = (built["out"] / "investor.html").read_text(encoding="utf-8")
        shown = re.findall(r'data-percentile="([^"]+)">(P\d+|\u2013)<', html)
        assert len(shown) >= len(results["risk"]["monte_carlo"]["outputs"]) // 2
        for path, text in shown:
            share = resolve(results, path)
            assert text == ("\u2013" if share is None else f"P{round(share * 100)}"), path
        # PV phase 2's NPV sits low among its trials because its capex is defined high
        # among its draws: the page gives that reason, with the input's percentile
        npv = results["risk"]["monte_carlo"]["outputs"]["projects.pv_phase2.npv_yuan"]
        capex = results["risk"]["monte_carlo"]["inputs"]["projects.pv_phase2.capex_yuan"]
        assert npv["base_percentile"] < 0.35 and capex["base_percentile"] > 0.65
        reason = "risk.monte_carlo.inputs.projects.pv_phase2.capex_yuan.base_percentile"
        assert f'data-percentile="{reason}"' in html
        assert 'class="correlations"' in html

    def test_the_pitch_book_holds_every_pitch_in_order_with_its_figures(self, built):
        results = built["results"]
        ids = investable(built["typed"])
        page = built["out"] / "pitch-book.html"
        keys = check_figures(page, results)
        assert {f"projects.{pid}.capex_yuan" for pid in ids} <= keys
        html = page.read_text(encoding="utf-8")
        assert re.findall(r'<article class="sheet" data-project="([^"]+)"', html) == ids
        index = (built["out"] / "index.html").read_text(encoding="utf-8")
        assert 'href="pitch-book.html"' in index

    def test_a_pitch_heading_gives_the_projects_standing(self, built):
        results = built["results"]
        gaps = results["structuring"]["viability_gaps"]
        for pid in investable(built["typed"]):
            html = (built["out"] / "pitches" / f"{pid}.html").read_text(encoding="utf-8")
            heading = re.search(r'<span class="standing standing-([a-z_]+)">', html).group(1)
            if pid in gaps["projects"]:
                assert heading == "support", pid
                assert f'data-key="structuring.viability_gaps.projects.{pid}.value"' in html
            elif pid in gaps["unreachable"]:
                assert heading == "not_viable", pid
            else:
                assert heading == "investable", pid
                assert "需扶持" not in html, pid
        # Xiaolan's four short of 8% (buses, stations) and boilers 1, which no grant saves
        assert sorted(gaps["projects"]) == ["bus_cng", "bus_cng_phase2", "des_phase1", "des_phase2"]
        assert gaps["unreachable"] == ["industrial_boilers_phase1"]

    def test_a_pitch_names_its_sponsor_the_ask_and_its_key_risks(self, built):
        for pid in investable(built["typed"]):
            definition = built["build"].projects[pid].definition
            html = (built["out"] / "pitches" / f"{pid}.html").read_text(encoding="utf-8")
            assert escape(definition.sponsor.name.zh) in html, pid
            assert "主要风险 · Key risks" in html, pid
        des = (built["out"] / "pitches" / "des_phase1.html").read_text(encoding="utf-8")
        # the fund holds 49% of the station's equity; the bank loan with its terms
        assert 'data-key="fund.investments.des_phase1.invested_yuan"' in des
        assert "49% of the equity" in des
        assert 'data-key="projects.des_phase1.debt_yuan"' in des
        assert "10 years from first drawdown" in des

    def test_pitch_funding_ask_equals_results(self, built):
        results = built["results"]
        keys = check_figures(built["out"] / "pitches" / "pv_phase1.html", results)
        assert {"projects.pv_phase1.debt_yuan", "projects.pv_phase1.equity_invested_yuan"} <= keys
        # The ask adds up: debt + equity + grants = capex (35,000,000 yuan). The loan is sized
        # to cover 1.30, below its 70% cap; the pitch gives the share of capex it came to.
        m = results["projects"]["pv_phase1"]
        assert m["debt_yuan"] + m["equity_invested_yuan"] + m["grant_yuan"] == pytest.approx(
            m["capex_yuan"]
        )
        assert m["debt_yuan"] < 0.7 * 35_000_000 and m["min_dscr"] >= 1.30
        html = (built["out"] / "pitches" / "pv_phase1.html").read_text(encoding="utf-8")
        assert f"万元 ({m['debt_yuan'] / 35_000_000:.2%})" in html

    def test_script_name_is_escaped(self, hostile):
        for page in HOSTILE_PAGES:
            html = (hostile["out"] / page).read_text(encoding="utf-8")
            if page != "proposal.html":
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
            assert "<script>alert(1)" not in html, page

    def test_absent_fund_and_risk_are_said_in_words(self, built, hostile):
        investor = (hostile["out"] / "investor.html").read_text(encoding="utf-8")
        proposal = (hostile["out"] / "proposal.html").read_text(encoding="utf-8")
        assert "fund's results are not in this build" in investor
        assert "fund's results are not in this build" in proposal
        assert "risk results (tornado, scenarios, Monte Carlo) are not in" in investor
        assert 'data-chart="jcurve"' not in investor
        main = (built["out"] / "investor.html").read_text(encoding="utf-8")
        assert 'data-chart="jcurve"' in main
        # Xiaolan has a risk.yaml, so the build's own investor page has the risk section.
        assert "risk results (tornado, scenarios, Monte Carlo) are not in" not in main
        assert 'data-chart="tornado-npv_yuan"' in main

    def test_every_risk_output_has_its_panel(self, built):
        """Xiaolan's tornado and Monte Carlo figures: a panel for each output an investor
        is shown (the fund's classes, each investable project), tagged with its path."""
        results, html = built["results"], (built["out"] / "investor.html").read_text("utf-8")
        ids = investable(built["typed"])

        def shown(output: str) -> bool:
            parts = output.split(".")
            return parts[0] == "fund" or (parts[0] == "projects" and parts[1] in ids)

        tornado = {b["output"] for b in results["risk"]["tornado"] if shown(b["output"])}
        assert panels(html, "tornado-") == tornado
        outputs = results["risk"]["monte_carlo"]["outputs"]
        headline = {
            f"risk.monte_carlo.outputs.{o}"
            for o, d in outputs.items()
            if shown(o) and (o.startswith("fund.") or o.endswith(".npv_yuan")) and d["histogram"]
        }
        assert panels(html, "mc-") == headline
        assert len(headline) > 10  # (Xiaolan has 13 investable projects and 3 classes)
        # fewer, larger figures: one a group, not one an output
        assert html.count('data-chart="tornado-') == 3
        assert html.count('data-chart="mc-') == 2

    def test_a_group_past_the_panel_limit_is_shown_by_its_tables(
        self, built, tmp_path, monkeypatch
    ):
        """A programme of more investable projects than `GRID_MAX_PANELS`: their groups'
        figures are left out, the fund's (3 classes) kept, and every output an investor is
        shown keeps its row, with its base case, in the Monte Carlo table: the fund's on the
        investor page, the projects' on the page it links to (`RISK_DETAIL_PAGE`). Xiaolan's
        13 investable projects (13 NPVs, 12 IRRs in the tornado) with the limit set to 11
        stand in for a programme of hundreds."""
        results = built["results"]
        ids = investable(built["typed"])
        assert len(ids) == 13
        monkeypatch.setattr(risk_page, "GRID_MAX_PANELS", 11)
        written = write_reports(tmp_path, built["typed"])
        assert tmp_path / "risk-projects.html" in written
        html = (tmp_path / "investor.html").read_text("utf-8")
        assert html.count('data-chart="tornado-') == 1  # the fund's, of 3 before
        assert html.count('data-chart="mc-') == 1  # the fund's, of 2 before
        assert panels(html, "tornado-") == {
            b["output"] for b in results["risk"]["tornado"] if b["output"].startswith("fund.")
        }
        assert "13 outputs, too many to draw" in html  # the NPV tornado's
        assert "12 outputs, too many to draw" in html  # the IRR tornado's
        on_page = check_figures(tmp_path / "investor.html", results)
        detail = check_figures(tmp_path / "risk-projects.html", results)
        keys = on_page | detail
        shown = {o for o in results["risk"]["monte_carlo"]["outputs"] if o.startswith("fund.")}
        assert shown and all(f"risk.monte_carlo.outputs.{o}.p50" in on_page for o in shown)
        for pid in ids:
            for stat in ("p10", "p50", "p90"):
                key = f"risk.monte_carlo.outputs.projects.{pid}.npv_yuan.{stat}"
                assert key in detail and key not in on_page
            for name in results["risk"]["scenarios"]:  # each project's NPV, every scenario
                path = f"risk.scenarios.{name}.projects.{pid}.npv_yuan"
                if has(results, path):
                    assert path in detail and path not in on_page
        assert html.count('href="risk-projects.html#scenarios"') == 2  # in Chinese, English
        assert html.count('href="risk-projects.html#monte-carlo"') == 2
        page = (tmp_path / "risk-projects.html").read_text("utf-8")
        assert 'href="investor.html#risk"' in page
        assert 'id="scenarios"' in page and 'id="monte-carlo"' in page  # the links' anchors
        # A figure left out takes its list of base cases with it: each is the Monte Carlo
        # table's base case of the same output (row 0 of the risk run), which stays.
        outputs = results["risk"]["monte_carlo"]["outputs"]
        for i, bar in enumerate(results["risk"]["tornado"]):
            if bar["output"].split(".")[1] in ids:
                assert f"risk.tornado.{i}.base" not in keys
                assert bar["base"] == outputs[bar["output"]]["base"]
                assert f"risk.monte_carlo.outputs.{bar['output']}.base" in keys
        assert not any(
            p.name.startswith(("tornado-npv", "mc-npv")) for p in (tmp_path / "charts").iterdir()
        )

    @pytest.mark.programme  # every page of the programme written, every chart drawn afresh
    def test_charts_drawn_ahead_are_the_pitches_charts(self, built, tmp_path, monkeypatch):
        """`draw_ahead` (what a build draws while its child runs the analysis) draws every
        pitch's cash-flow chart into the cache: the pages then draw none of them again and
        inline the same bytes."""
        monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(tmp_path / "cache"))
        typed = built["typed"]
        before = dict(charts.STATS)
        assert draw_ahead(typed.projects) == len(investable(typed)) == 13
        assert charts.STATS["drawn"] - before["drawn"] == 13
        before = dict(charts.STATS)
        write_reports(tmp_path / "out", typed)
        drawn = charts.STATS["drawn"] - before["drawn"]
        pitch_charts = list((tmp_path / "out" / "charts").glob("cashflow-*.svg"))
        assert len(pitch_charts) == 13
        assert drawn == len(list((tmp_path / "out" / "charts").glob("*.svg"))) - 13
        for chart in pitch_charts:
            assert chart.read_bytes() == (built["out"] / "charts" / chart.name).read_bytes()

    def test_fund_classes_are_named_once(self, built):
        """A class whose name already says 基金 is not prefixed again (it read
        基金基金管理人出资), and every class is still named as the fund's."""
        html = (built["out"] / "investor.html").read_text("utf-8")
        assert "基金基金" not in html
        assert "基金管理人出资 净内部收益率" in html
        assert "基金优先级" in html

    def test_risk_section_rendered(self, risky):
        page = risky["out"] / "investor.html"
        results = risky["results"]
        keys = check_figures(page, results)
        html = page.read_text(encoding="utf-8")
        mc = "risk.monte_carlo.outputs."
        # one tornado figure a group of outputs, a panel an output: the fund's classes and
        # the NPVs shown, the IRRs in a details
        assert html.count('data-chart="tornado-') == 3
        details = html[html.index("<details>", html.index('id="risk"')) :]
        assert details.count('data-chart="tornado-') == 1
        assert panels(html, "tornado-") == {
            "fund.classes.senior.net_irr",
            "projects.pv_phase1.npv_yuan",
            "projects.pv_phase1.irr",
        }
        assert panels(details, "tornado-") == {"projects.pv_phase1.irr"}
        for output in ("fund.classes.senior.net_irr", "projects.pv_phase1.npv_yuan"):
            i = next(i for i, b in enumerate(results["risk"]["tornado"]) if b["output"] == output)
            assert f"risk.tornado.{i}.base" in keys  # its base case, in the caption
        # histograms of the headline outputs; statistics of every output an investor has
        assert html.count('data-chart="mc-') == 2
        assert panels(html, "mc-") == {
            f"{mc}fund.classes.senior.net_irr",
            f"{mc}projects.pv_phase1.npv_yuan",
        }
        for output in (
            "projects.pv_phase1.npv_yuan",
            "projects.pv_phase1.irr",
            "fund.classes.senior.net_irr",
        ):
            for stat in ("p10", "p50", "p90", "mean"):
                assert f"{mc}{output}.{stat}" in keys
        assert not any("capacity_building" in k for k in keys if k.startswith("risk."))
        assert f"{mc}projects.pv_phase1.npv_yuan.prob_below_zero" in keys
        assert f"{mc}fund.classes.senior.net_irr.prob_below_hurdle" in keys
        for name in ("low_tariff", "high_capex", "lending rate 4.90%"):
            assert f"risk.scenarios.{name}.projects.pv_phase1.npv_yuan" in keys
            assert f"risk.scenarios.{name}.fund.classes.senior.net_irr" in keys
        # the tornado lists the largest swing first: tariff, yield, O&M
        texts = next(
            texts
            for texts in (
                svg_texts(p.read_text(encoding="utf-8"))
                for p in (risky["out"] / "charts").glob("tornado-*.svg")
            )
            if any(t == "Specific yield" for _, _, t in texts)
        )
        heights = []
        for label in ("Building tariff", "Specific yield", "O&M cost (x base)"):
            found = [y for _, y, t in texts if t == label]
            assert len(found) == 1, label
            heights.append(found[0])  # SVG y grows downwards
        assert heights == sorted(heights)
        shown = {t for _, _, t in texts}
        assert "\u00d70.80 \u2013 \u00d71.20" in shown  # a factor of the base says so
        assert "900 \u2013 1,100 kWh/kW" in shown  # a value has its unit


class TestCharts:
    def test_svg_is_deterministic(self, tmp_path, monkeypatch):
        args = ([2015, 2016, 2017], [-3.5e7, 5e6, 6e6], [-3.5e7, -3e7, -2.4e7], "cf")
        monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(tmp_path / "one"))  # drawn, not cached
        first = charts.project_cash_flows(*args)
        monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(tmp_path / "two"))
        second = charts.project_cash_flows(*args)
        assert first == second
        assert first.startswith("<svg") and "<?xml" not in first
        assert re.search(r'id="(?!cf-)', first) is None  # every id carries the chart's prefix

    def test_text_is_text(self, built):
        """Labels are SVG text (the browser draws them), in the font stack of the page."""
        svg = (built["out"] / "charts" / "budget.svg").read_text(encoding="utf-8")
        shown = [t for _, _, t in svg_texts(svg)]
        assert "10,000 yuan" in " ".join(shown)
        assert "<text" in svg and "<!--" not in svg  # no glyph outlines (each had a comment)
        assert "font-family: 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC'" in svg
        assert re.search(r"font-family: [^}]*sans-serif}", svg)
        if charts.cjk_font():
            assert "万元 / 10,000 yuan" in shown
            assert any(t.startswith("1. ") and re.search(r"[\u4e00-\u9fff]", t) for t in shown)

    def test_english_labels_without_a_cjk_font(self):
        args = ([2015, 2016], [-1e6, 2e6], [-1e6, 1e6], "cf")
        with charts.english_only():
            svg = charts.project_cash_flows(*args)
        shown = " ".join(t for _, _, t in svg_texts(svg))
        assert "cumulative" in shown
        assert not re.search(r"[\u4e00-\u9fff]", shown)
        assert "font-family: 'DejaVu Sans', sans-serif" in svg
        if charts.cjk_font():
            with_cjk = " ".join(t for _, _, t in svg_texts(charts.project_cash_flows(*args)))
            assert "累计 / cumulative" in with_cjk


@pytest.mark.chromium
class TestInBrowser:
    def test_no_console_errors(self, browsed):
        failures = {f"{k[0]}/{k[1]}": r["errors"] for k, r in browsed.items() if r["errors"]}
        assert not failures

    def test_each_pitch_prints_to_one_a4_page(self, browsed, built):
        for pid in investable(built["typed"]):
            assert browsed[("main", f"pitches/{pid}.html")]["pdf_pages"] == 1, pid
            # and all of it: nothing runs past the sheet's edge, clipped unseen
            assert browsed[("main", f"pitches/{pid}.html")]["sheet_overflow"] == 0, pid
            assert (built["out"] / "screenshots" / "pitches" / f"{pid}.pdf").is_file()

    def test_the_pitch_book_prints_a_contents_page_then_a_page_a_project(self, browsed, built):
        book = browsed[("main", "pitch-book.html")]
        assert book["pdf_pages"] == 1 + len(investable(built["typed"]))
        assert book["sheet_overflow"] == 0

    def test_every_npv_says_the_year_it_is_discounted_to(self, built):
        """The proposal's modelled NPV by line is at the programme's base year (2014) and the
        investor page's NPV of each project at its start year; each heading says which (a
        line's 12,748 万 beside the PV NPVs adding to 17,225 read as a contradiction)."""
        year = built["results"]["programme"]["base_year"]
        proposal = (built["out"] / "proposal.html").read_text("utf-8")
        assert f"Modelled NPV to {year}, 万元" in proposal and f"折现至{year}年" in proposal
        investor = (built["out"] / "investor.html").read_text("utf-8")
        assert "NPV to its start year" in investor

    def test_the_memos_print_on_a4_landscape(self, browsed, built):
        """The proposal and the investor memo printed to PDF on A4 landscape (842 x 595 pt),
        as their CSS asks: they printed to US Letter portrait and cut the right-hand
        columns of their tables."""
        for page in ("proposal", "investor"):
            data = (built["out"] / "screenshots" / f"{page}.pdf").read_bytes()
            boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
            assert boxes, page
            for width, height in boxes:
                assert float(width) == pytest.approx(841.9, abs=1.5), (page, width)
                assert float(height) == pytest.approx(595.3, abs=1.5), (page, height)
            assert browsed[("main", f"{page}.html")]["pdf_pages"] >= 1
            # laid out at the page's printable width, no table runs past its right edge
            assert browsed[("printed", f"{page}.html")]["table_overflow"] == 0, page

    def test_script_name_shows_as_text(self, browsed):
        for page in ("index.html", "investor.html", "pitches/pv_phase1.html"):
            report = browsed[("hostile", page)]
            assert SCRIPT_NAME in report["text"], page
            assert not report["errors"], page

    def test_screenshots_saved(self, browsed, built):
        shots = built["out"] / "screenshots"
        expected = ["index.png", "proposal.png", "investor.png", "investor-with-risk.png"] + [
            f"pitches/{pid}.png" for pid in investable(built["typed"])
        ]
        for name in expected:
            data = (shots / name).read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n", name
            assert len(data) > 10_000, name
