"""The charts' cache and what they import (xlfinance.render.charts, .drawing).

The pictures themselves are checked with the pages in test_reports.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from xlfinance.render import charts, drawing

REPO = Path(__file__).resolve().parents[1]
ARGS = ([2015, 2016, 2017], [-3.5e7, 5e6, 6e6], [-3.5e7, -3e7, -2.4e7], "cf")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty chart cache of the test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def drawn(monkeypatch):
    """The names of the charts actually drawn (not taken from the cache)."""
    names: list[str] = []
    real = drawing.project_cash_flows

    def spy(*args, **kwargs):
        names.append(kwargs["name"])
        return real(*args, **kwargs)

    monkeypatch.setattr(drawing, "project_cash_flows", spy)
    return names


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.svg"))


class TestCache:
    def test_miss_then_hit(self, cache, drawn):
        first = charts.project_cash_flows(*ARGS)
        assert drawn == ["cf"] and len(entries(cache)) == 1
        second = charts.project_cash_flows(*ARGS)
        assert drawn == ["cf"]  # not drawn again
        assert second == first

    def test_cached_chart_is_the_drawn_chart_byte_for_byte(self, cache, tmp_path, monkeypatch):
        drawn_now = charts.project_cash_flows(*ARGS)
        from_cache = charts.project_cash_flows(*ARGS)
        monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(tmp_path / "other"))
        drawn_again = charts.project_cash_flows(*ARGS)
        assert drawn_now.encode("utf-8") == from_cache.encode("utf-8") == drawn_again.encode()
        stored = entries(cache)[0].read_text(encoding="utf-8")
        assert stored.endswith(drawn_now) and stored.startswith("<!-- xlfinance chart cache")

    def test_any_input_changes_the_key(self, cache, drawn):
        charts.project_cash_flows(*ARGS)
        charts.project_cash_flows(ARGS[0], [-3.5e7, 5e6, 6.000001e6], *ARGS[2:])  # the data
        charts.project_cash_flows(*ARGS[:3], "cf2")  # the name (the SVG ids carry it)
        charts.project_cash_flows(*ARGS, height=3.0)  # the size
        with charts.english_only():  # the labels and fonts
            charts.project_cash_flows(*ARGS)
        assert len(drawn) == 5 and len(entries(cache)) == 5

    def test_the_drawing_code_is_part_of_the_key(self, cache, drawn, monkeypatch):
        charts.project_cash_flows(*ARGS)
        monkeypatch.setattr(charts, "_code", lambda: {"version": -1})
        charts.project_cash_flows(*ARGS)
        assert len(drawn) == 2

    @pytest.mark.parametrize(
        "damage",
        [
            lambda p: p.write_bytes(b""),  # empty
            lambda p: p.write_bytes(p.read_bytes()[:-200]),  # cut short
            lambda p: p.write_bytes(p.read_bytes().replace(b"</svg>", b"</svx>")),  # altered
            lambda p: p.write_bytes(b"\xff\xfe garbage"),  # not UTF-8
            lambda p: (p.unlink(), p.mkdir()),  # not even a file
        ],
    )
    def test_a_damaged_entry_is_drawn_again(self, cache, drawn, damage):
        good = charts.project_cash_flows(*ARGS)
        (entry,) = entries(cache)
        damage(entry)
        assert charts.project_cash_flows(*ARGS) == good
        assert len(drawn) == 2

    def test_damaged_entry_is_repaired(self, cache, drawn):
        good = charts.project_cash_flows(*ARGS)
        (entry,) = entries(cache)
        entry.write_text("<svg>not a chart</svg>", encoding="utf-8")
        charts.project_cash_flows(*ARGS)
        assert charts.project_cash_flows(*ARGS) == good
        assert len(drawn) == 2  # drawn again once, then from the repaired entry

    def test_an_unusable_cache_never_fails_a_chart(self, tmp_path, monkeypatch, drawn):
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder", encoding="utf-8")
        monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(blocker / "charts"))
        first = charts.project_cash_flows(*ARGS)
        assert charts.project_cash_flows(*ARGS) == first
        assert len(drawn) == 2  # nothing kept, nothing broken

    def test_writes_leave_no_temporary_files(self, cache):
        charts.project_cash_flows(*ARGS)
        charts.project_cash_flows(*ARGS[:3], "cf2")
        assert sorted(p.name.startswith(".tmp-") for p in cache.iterdir()) == [False, False]

    def test_pruned_to_the_most_recently_used(self, cache, monkeypatch):
        monkeypatch.setattr(charts, "MAX_ENTRIES", 2)
        monkeypatch.setattr(charts, "_PRUNED", [False])
        cache.mkdir()
        for i in range(4):
            old = cache / f"{i:064x}.svg"
            old.write_text("old", encoding="utf-8")
            os.utime(old, (1_000_000 + i, 1_000_000 + i))
        charts.project_cash_flows(*ARGS)
        kept = {p.name for p in entries(cache)}
        assert len(kept) == 2 and f"{3:064x}.svg" in kept  # the new one and the newest old

    def test_where_the_cache_lives(self, monkeypatch, tmp_path):
        monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(tmp_path / "mine"))
        assert charts.cache_dir() == tmp_path / "mine"
        monkeypatch.delenv("XLFINANCE_CACHE_DIR")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert charts.cache_dir() == tmp_path / "xdg" / "xlfinance" / "charts"
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert charts.cache_dir() == tmp_path / "home" / ".cache" / "xlfinance" / "charts"


def python(code: str) -> str:
    """Run `code` in a fresh interpreter (the test's environment); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class TestImports:
    def test_reports_do_not_import_matplotlib(self):
        out = python(
            "import sys, xlfinance.build, xlfinance.cli, xlfinance.render.reports\n"
            "print('matplotlib' in sys.modules)"
        )
        assert out.strip() == "False"

    def test_validate_does_not_import_matplotlib(self):
        out = python(
            "import sys\nfrom xlfinance import cli\n"
            "assert cli.main(['validate', 'projects/xiaolan']) == 0\n"
            "print('matplotlib' in sys.modules)"
        )
        assert out.strip().endswith("False")

    def test_a_cached_chart_does_not_import_matplotlib(self, cache):
        charts.project_cash_flows(*ARGS)  # into the cache
        out = python(
            "import sys\nfrom xlfinance.render import charts\n"
            f"charts.project_cash_flows(*{ARGS!r})\n"
            "print('matplotlib' in sys.modules)"
        )
        assert out.strip() == "False"
