"""The command line (xlfinance.cli): `python -m xlfinance validate DIR` as a user runs it."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from xlfinance import __version__, cli
from xlfinance.render.sheetnames import sheet_titles

from .factories import typed_programme

REPO = Path(__file__).resolve().parents[1]
XIAOLAN = REPO / "projects" / "xiaolan"
GOOD = (XIAOLAN / "programme.yaml").read_text(encoding="utf-8")


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "xlfinance", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def bad_programme(tmp_path: Path) -> Path:
    root = tmp_path / "bad"
    (root / "projects").mkdir(parents=True)
    text = GOOD.replace("      market_wan_yuan: 21500\n", "      market_wan_yuan: -5\n")
    text = text.replace("  discount_rate:\n    value: 0.08\n", "  discount_rate:\n    value: 1.5\n")
    (root / "programme.yaml").write_text(text, encoding="utf-8")
    (root / "projects" / "wind_farm.yaml").write_text(
        "id: wind_farm\nname: {zh: 风电, en: Wind farm}\narchetype: wind\n"
        'budget_line: "4"\nstart_year: 2015\n',
        encoding="utf-8",
    )
    return root


class TestValidateSubprocess:
    @pytest.mark.programme
    def test_xiaolan_summary(self):
        result = run("validate", "projects/xiaolan")
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert "中山市小榄镇低碳试点" in out
        assert "Xiaolan Town (Zhongshan) low-carbon pilot" in out
        assert "13 lines" in out
        assert "74,290" in out
        for amount in ("71,000", "2,010", "1,280"):
            assert amount in out
        assert "projects: " in out
        assert result.stderr == ""

    def test_bad_programme_exits_2_with_every_problem_on_stderr(self, tmp_path):
        root = bad_programme(tmp_path)
        result = run("validate", str(root))
        assert result.returncode == 2
        assert "Traceback" not in result.stderr + result.stdout
        lines = result.stderr.strip().splitlines()
        assert lines[-1] == "3 problem(s) found"
        problems = "\n".join(lines[:-1])
        assert "budget.lines[3].market_wan_yuan: must be >= 0 (got -5)" in problems
        assert "assumptions.discount_rate: must be between -1 and 1 (got 1.5)" in problems
        assert "wind_farm.yaml: archetype: unknown archetype 'wind'" in problems
        assert result.stdout == ""

    def test_paths_are_shown_as_given(self, tmp_path):
        bad_programme(tmp_path)
        result = run("validate", "bad", cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("bad/programme.yaml: ")

    def test_missing_folder(self, tmp_path):
        result = run("validate", str(tmp_path / "nowhere"))
        assert result.returncode == 2
        assert "nowhere: programme folder not found" in result.stderr
        assert "1 problem(s) found" in result.stderr
        assert "Traceback" not in result.stderr

    def test_non_utf8_file(self, tmp_path):
        root = tmp_path / "gbk"
        root.mkdir()
        (root / "programme.yaml").write_bytes(GOOD.encode("gbk"))
        result = run("validate", str(root))
        assert result.returncode == 2
        assert "not valid UTF-8" in result.stderr
        assert "Traceback" not in result.stderr

    def test_version(self):
        result = run("--version")
        assert result.returncode == 0
        assert result.stdout.strip() == f"xlfinance {__version__}"

    def test_no_command_is_a_usage_error(self):
        result = run()
        assert result.returncode == 2
        assert "usage:" in result.stderr


class TestMainInProcess:
    @pytest.mark.programme
    def test_validate_returns_0(self, capsys):
        assert cli.main(["validate", str(XIAOLAN)]) == 0
        out = capsys.readouterr().out
        assert "budget: 13 lines, total 74,290 万元" in out

    def test_definition_error_returns_2(self, tmp_path, capsys):
        assert cli.main(["validate", str(bad_programme(tmp_path))]) == 2
        err = capsys.readouterr().err
        assert err.strip().splitlines()[-1] == "3 problem(s) found"

    def test_os_error_returns_2(self, monkeypatch, capsys):
        import xlfinance.definitions

        def unreadable(path, **options):
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(xlfinance.definitions, "load_programme", unreadable)
        assert cli.main(["validate", "somewhere"]) == 2
        err = capsys.readouterr().err
        assert err.strip() == "error: cannot read somewhere: Permission denied"

    def test_commands_are_a_registry(self, monkeypatch, capsys):
        def add_arguments(parser: argparse.ArgumentParser) -> None:
            parser.add_argument("--times", type=int, default=1)

        def hello(args: argparse.Namespace) -> int:
            print("hello " * args.times)
            return 0

        monkeypatch.setitem(cli.COMMANDS, "hello", cli.Command("say hello", add_arguments, hello))
        assert cli.main(["hello", "--times", "2"]) == 0
        assert capsys.readouterr().out.strip() == "hello hello"
        assert "validate" in cli.COMMANDS

    def test_help_lists_commands(self, capsys):
        with pytest.raises(SystemExit) as info:
            cli.main(["--help"])
        assert info.value.code == 0
        assert "validate" in capsys.readouterr().out


class TestNew:
    """`xlfinance new DIR --archetype NAME` starts a valid project from the Xiaolan example."""

    def _programme(self, tmp_path):
        import shutil

        folder = tmp_path / "town"
        shutil.copytree(REPO / "projects" / "xiaolan", folder)
        return folder

    @pytest.mark.programme
    def test_new_project_validates(self, tmp_path):
        folder = self._programme(tmp_path)
        done = run("new", str(folder), "--archetype", "retrofit", "--id", "school_retrofit")
        assert done.returncode == 0, done.stderr
        text = (folder / "projects" / "school_retrofit.yaml").read_text(encoding="utf-8")
        assert text.startswith("# New retrofit project") and "id: school_retrofit" in text
        listed = run("validate", str(folder))
        assert listed.returncode == 0 and "school_retrofit" in listed.stdout

    # The refusals in-process (`cli.main`, what `python -m xlfinance` exits with): the
    # command line's exit status and clean stderr as a process are TestValidateSubprocess's
    # and test_new_project_validates's; a subprocess here only started Python again.
    def test_existing_file_is_not_overwritten(self, tmp_path, capsys):
        folder = self._programme(tmp_path)
        before = (folder / "projects" / "pv_phase1.yaml").read_bytes()
        status = cli.main(["new", str(folder), "--archetype", "pv", "--id", "pv_phase1"])
        assert status == 2 and "already exists" in capsys.readouterr().err
        assert (folder / "projects" / "pv_phase1.yaml").read_bytes() == before

    def test_unknown_budget_line_leaves_nothing_behind(self, tmp_path, capsys):
        folder = self._programme(tmp_path)
        args = ["new", str(folder), "--archetype", "pv", "--id", "roofs", "--budget-line", "99"]
        status = cli.main(args)
        err = capsys.readouterr().err
        assert status == 2 and "Traceback" not in err
        assert "projects/roofs.yaml" in err.replace("\\", "/")
        assert not (folder / "projects" / "roofs.yaml").exists()


# validate = build: what build refuses, validate refuses, with the same file and field.
def _lpg_boilers_without_a_factor(root: Path) -> None:
    programme = root / "programme.yaml"
    text = programme.read_text(encoding="utf-8")
    start = text.index("    lpg:\n")
    end = text.index("  tce_per_mwh_electricity:")
    programme.write_text(text[:start] + text[end:], encoding="utf-8")
    des = root / "projects" / "des_phase1.yaml"
    des.write_text(
        des.read_text(encoding="utf-8").replace("boiler_fuel: natural_gas", "boiler_fuel: lpg"),
        encoding="utf-8",
    )


def _replace(name: str, old: str, new: str):
    def edit(root: Path) -> None:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


CAUGHT_AT_VALIDATE = {
    "a misspelt risk input": (
        _replace("risk.yaml", "projects.pv_phase1.capex_yuan", "projects.pv_phase1.capex_yaun"),
        ("risk.yaml", "projects.pv_phase1.capex_yaun", "did you mean 'capex_yuan'"),
    ),
    "an exit after the project's life": (
        _replace("fund.yaml", "year: 2022", "year: 2061"),
        ("fund.yaml", "investments[0].exit.year"),
    ),
    "a risk input that shapes the model": (
        _replace(
            "risk.yaml",
            "projects.pv_phase1.capex_yuan: {value: 40000000",
            "projects.pv_phase1.operating_years: {value: 30",
        ),
        ("risk.yaml", "overrides.projects.pv_phase1.operating_years", "fixes the model's shape"),
    ),
    "an archetype's guard": (
        _lpg_boilers_without_a_factor,
        ("des_phase1.yaml", "parameters.boiler_fuel", "'lpg' has no emission factor", "(line "),
    ),
}


@pytest.mark.programme
@pytest.mark.parametrize("case", list(CAUGHT_AT_VALIDATE))
def test_validate_refuses_what_build_refuses(tmp_path, capsys, case):
    edit, words = CAUGHT_AT_VALIDATE[case]
    root = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, root)
    edit(root)
    for argv in (["validate", str(root)], ["build", str(root), "--out", str(tmp_path / "o")]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err
        for word in words:
            assert word in err, (argv[0], word, err)
    assert not (tmp_path / "o").exists()


def test_build_says_what_the_fund_and_the_findings_come_to(xiaolan_build):
    """The terminal's summary of a build: the fund's deployment and class returns and the
    findings by severity, each figure as results.json has it, and the errors by title."""
    results = xiaolan_build.results
    fund = cli._fund_summary(results["fund"])
    d = results["fund"]["deployment"]
    assert fund[0] == (
        f"fund: {d['committed_yuan'] / 1e4:,.0f} 万元 committed, {d['called_yuan'] / 1e4:,.0f} "
        f"called, {d['invested_yuan'] / 1e4:,.0f} invested ({d['deployment_ratio']:.1%} of "
        "commitments)"
    )
    senior = results["fund"]["classes"]["senior"]
    assert f"senior {senior['net_irr']:.1%} (TVPI {senior['tvpi']:.2f}x)" in fund[1]
    findings = results["reconciliation"]
    said = cli._findings_summary(findings)
    errors = [f for f in findings if f["severity"] == "error"]
    assert said[0].startswith(f"reconciliation: {len(errors)} error")
    assert said[1:] == [f"  error: {f['title']}" for f in errors]
    files = cli._files_summary(xiaolan_build.build)
    assert "xiaolan.xlsx" in files and "pitches/ (13)" in files and ".xlfinance" not in files


def test_build_says_how_many_projects_stand_alone_need_support_or_are_public(xiaolan_build):
    from xlfinance.render.figures import investable

    results = xiaolan_build.results
    ids = investable(xiaolan_build.build.programme_results)  # the pages' own count
    gaps = results["structuring"]["viability_gaps"]
    support, lost = gaps["projects"], gaps["unreachable"]
    total = sum(v["value"] for v in support.values())
    assert total == pytest.approx(gaps["total"]["value"])  # results.json's own total
    assert cli._standing_summary(xiaolan_build.build.programme_results) == (
        f"projects: {len(ids) - len(support) - len(lost)} investable as defined, "
        f"{len(support)} need support ({total / 1e4:,.0f} 万元 of grants in all), "
        f"{len(lost)} not investable even with a grant; "
        f"{len(results['projects']) - len(ids)} public programme(s)"
    )


def test_the_phase_line_shows_on_a_terminal_only_and_is_cleared():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, log = Tty(), io.StringIO()
    for stream in (tty, log):
        line = cli._PhaseLine(stream)
        line("evaluate")
        line("workbook")
        line.close()
    assert log.getvalue() == ""
    assert tty.getvalue() == (
        "\r\x1b[Kxlfinance: evaluating the projects and the fund ..."
        "\r\x1b[Kxlfinance: writing the workbook (risk and structuring beside it) ..."
        "\r\x1b[K"
    )


def test_the_phase_line_draws_the_monte_carlo_bar_and_counts_the_charts():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    line = cli._PhaseLine(tty)
    line.progress("monte_carlo", 0, 4)
    line.progress("monte_carlo", 1, 4)  # 5 of the 20 characters: 25%
    line.progress("monte_carlo", 1, 4)  # the same again: not redrawn
    line.progress("charts", 3, None)
    assert tty.getvalue() == (
        f"\r\x1b[Kxlfinance: Monte Carlo [{' ' * 20}]   0% (the workbook beside it)"
        f"\r\x1b[Kxlfinance: Monte Carlo [{'#' * 5}{' ' * 15}]  25% (the workbook beside it)"
        "\r\x1b[Kxlfinance: writing the pages: 3 chart(s) made ..."
    )


@pytest.mark.programme
def test_a_build_on_a_terminal_shows_the_monte_carlo_and_the_charts(tmp_path):
    """Through a file descriptor, as a terminal is: the Monte Carlo's bar is drawn from the
    forked child where there is one (it shares the descriptor), else from this process."""
    from xlfinance.build import build

    class Tty:
        def __init__(self, path):
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

        def write(self, text):
            os.write(self.fd, text.encode("utf-8"))

        def flush(self):
            pass

        def isatty(self):
            return True

    shown = tmp_path / "terminal"
    tty = Tty(shown)
    line = cli._PhaseLine(tty)
    try:
        build(XIAOLAN, tmp_path / "out", on_phase=line, on_progress=line.progress)
    finally:
        os.close(tty.fd)
    text = shown.read_text(encoding="utf-8")
    assert f"Monte Carlo [{'#' * 20}] 100%" in text
    assert "writing the pages: 1 chart(s) made" in text
    assert text.index("Monte Carlo [") < text.index("chart(s) made")


def test_build_verbose_lists_every_file_and_phase(tmp_path, capsys, monkeypatch):
    import xlfinance.build

    out = tmp_path / "out"
    out.mkdir()
    for name in ("results.json", "xiaolan.xlsx"):
        (out / name).write_text("x", encoding="utf-8")
    fake = SimpleNamespace(
        programme=SimpleNamespace(
            warnings=[], programme=SimpleNamespace(name=SimpleNamespace(zh="镇", en="Town"))
        ),
        projects={},
        structuring=None,
        results={"projects": {}, "reconciliation": []},
        programme_results=typed_programme(),
        moved_aside=None,
        out_dir=out,
        files=sorted(out.iterdir()),
        seconds=1.5,
        timings={"load": 0.25, "workbook": 1.0},
    )
    monkeypatch.setattr(xlfinance.build, "build", lambda *a, **k: fake)
    assert cli.main(["build", "dir", "--out", str(out), "--verbose"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[-4:] == [
        "  results.json",
        "  xiaolan.xlsx",
        "  load              0.25 s",
        "  workbook          1.00 s",
    ]


def test_risk_summary_reads_as_words_in_aligned_columns(xiaolan_build):
    """Each output named by its project and metric with its unit apart, columns aligned
    however wide the characters (万元 takes four), the fund's classes under each scenario
    as results.json has them, and each class's largest tornado drivers first."""
    risk = xiaolan_build.results["risk"]
    units = xiaolan_build.results["units"]
    lines = cli._risk_summary(risk, units)
    table = [line for line in lines if line.startswith("  pv_phase1 NPV")]
    assert len(table) == 1 and "万元" in table[0]
    base = risk["scenarios"]["base"]["fund"]["classes"]["senior"]["net_irr"]
    row = next(line for line in lines if line.startswith("  base "))
    assert f"{base * 100:.1f}" in row
    bars = sorted(
        (b for b in risk["tornado"] if b["output"] == "fund.classes.senior.net_irr"),
        key=lambda b: -b["swing"],
    )
    at = lines.index("largest drivers of the senior class's net IRR (low -> high input, %):")
    assert lines[at + 1].strip().startswith(bars[0]["label"])
    listed = 0
    while lines[at + 1 + listed].startswith("  "):
        listed += 1
    assert listed == min(5, len(bars))  # the five largest (Xiaolan has 14)
    assert [line.strip()[:20] for line in lines[at + 1 : at + 1 + listed]] == [
        b["label"][:20] for b in bars[:listed]
    ]
    # the unit column starts at the same terminal column on every Monte Carlo row, with the
    # projects named as their sheet tabs are, in Chinese and English
    names = sheet_titles(xiaolan_build.build.projects)  # as `risk` names them
    assert names["pv_phase1"] == "光伏一期 PV 1"
    named = cli._risk_summary(risk, units, names)
    for shown in (lines, named):
        mc = [
            line for line in shown if line.startswith("  ") and (" 万元 " in line or " % " in line)
        ]
        starts = {
            cli._width(line[: line.index(" 万元 " if " 万元 " in line else " % ")]) for line in mc
        }
        assert len(starts) == 1
    assert any(line.startswith("  光伏一期 PV 1 NPV ") for line in named)
