"""The charts' cache, their fonts and what they import (xlfinance.render.charts, .drawing).

The pictures themselves are checked with the pages in test_reports.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

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
        """Nor openpyxl or pandas: validate writes no workbook and rolls nothing up."""
        out = python(
            "import sys\nfrom xlfinance import cli\n"
            "assert cli.main(['validate', 'projects/xiaolan']) == 0\n"
            "print([m for m in ('matplotlib', 'openpyxl', 'pandas') if m in sys.modules])"
        )
        assert out.strip().endswith("[]")

    def test_a_cached_chart_does_not_import_matplotlib(self, cache):
        charts.project_cash_flows(*ARGS)  # into the cache
        out = python(
            "import sys\nfrom xlfinance.render import charts\n"
            f"charts.project_cash_flows(*{ARGS!r})\n"
            "print('matplotlib' in sys.modules)"
        )
        assert out.strip() == "False"


class TestFonts:
    FONT = ("/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 123)

    @staticmethod
    def manager(*fonts: tuple[str, str]):
        """A stand-in for matplotlib's font list: (family, file) entries."""
        cleared: list[bool] = []
        return SimpleNamespace(
            ttflist=[SimpleNamespace(name=n, fname=f) for n, f in fonts],
            _findfont_cached=SimpleNamespace(cache_clear=lambda: cleared.append(True)),
            cleared=cleared,
        )

    def fake_matplotlib(self, monkeypatch, knows: bool):
        """A font_manager module whose cached list lacks (or has) the system's CJK font,
        and whose rebuild finds it."""
        monkeypatch.setattr(drawing, "system_cjk_fonts", lambda: (self.FONT,))
        dejavu = ("DejaVu Sans", "/mpl-data/fonts/ttf/DejaVuSans.ttf")
        cjk = ("Noto Sans CJK SC", self.FONT[0])
        rebuilds: list[bool] = []

        def load(*, try_read_cache=True):
            rebuilds.append(try_read_cache)
            return self.manager(dejavu, cjk)

        listed = self.manager(dejavu, cjk) if knows else self.manager(dejavu)
        return SimpleNamespace(fontManager=listed, _load_fontmanager=load), rebuilds

    def test_a_stale_font_list_is_rebuilt_once(self, monkeypatch):
        module, rebuilds = self.fake_matplotlib(monkeypatch, knows=False)
        before = module.fontManager
        assert drawing.check_fonts(module)
        assert rebuilds == [False]  # rebuilt without reading the stale cache
        assert module.fontManager is before  # in place: matplotlib's modules hold it
        assert any(f.name == "Noto Sans CJK SC" for f in module.fontManager.ttflist)
        assert module.fontManager.cleared  # no stale findfont answers
        assert drawing.check_fonts(module)
        assert rebuilds == [False]  # once

    def test_a_font_list_that_has_the_font_is_kept(self, monkeypatch):
        module, rebuilds = self.fake_matplotlib(monkeypatch, knows=True)
        assert drawing.check_fonts(module)
        assert rebuilds == []

    def test_no_cjk_font_is_said_once_on_one_line(self, monkeypatch, capsys):
        monkeypatch.setattr(charts, "system_cjk_fonts", lambda: ())
        monkeypatch.setattr(charts, "_WARNED", [False])
        monkeypatch.setattr(drawing, "system_cjk_fonts", lambda: ())
        assert charts.cjk_font() is None
        assert charts.label("万元", "10,000 yuan") == "10,000 yuan"
        assert charts.rc()["font.sans-serif"] == ["DejaVu Sans"]
        assert not drawing.check_fonts(SimpleNamespace())  # nothing to look for
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "no CJK font" in err and "Noto Sans CJK SC" in err

    def test_english_only_says_nothing(self, monkeypatch, capsys):
        monkeypatch.setattr(charts, "_WARNED", [False])
        with charts.english_only():
            assert charts.cjk_font() is None
        assert capsys.readouterr().err == ""

    @pytest.fixture
    def fresh_probe(self):
        charts.system_cjk_fonts.cache_clear()
        yield
        charts.system_cjk_fonts.cache_clear()

    def test_found_by_fontconfig(self, monkeypatch, tmp_path, fresh_probe):
        ttc, other = tmp_path / "a.ttc", tmp_path / "b.ttf"
        ttc.write_bytes(b"1234")
        other.write_bytes(b"1")
        listed = [(str(ttc), ["Noto Sans CJK JP", "Noto Sans CJK SC"]), (str(other), ["X"])]
        monkeypatch.setattr(charts, "_fc_list", lambda: listed)
        assert charts.system_cjk_fonts() == ((str(ttc), 4),)

    def test_found_in_the_font_folders_without_fontconfig(self, monkeypatch, tmp_path, fresh_probe):
        (tmp_path / "noto").mkdir()
        font = tmp_path / "noto" / "NotoSansCJK-Regular.ttc"
        font.write_bytes(b"12")
        (tmp_path / "DejaVuSans.ttf").write_bytes(b"1")
        monkeypatch.setattr(charts, "_fc_list", lambda: None)
        monkeypatch.setattr(charts, "_font_folders", lambda: [tmp_path])
        assert charts.system_cjk_fonts() == ((str(font), 2),)

    def test_this_machine(self):
        """With a CJK font installed (CI installs Noto CJK), matplotlib has it."""
        if not charts.system_cjk_fonts():
            pytest.skip("no CJK font on this machine")
        from matplotlib import font_manager

        assert drawing.check_fonts()
        path = font_manager.findfont(
            font_manager.FontProperties(family=charts.CJK_FAMILY), fallback_to_default=False
        )
        assert Path(path).name in {Path(p).name for p, _ in charts.system_cjk_fonts()}


def test_a_cash_flow_chart_drawn_on_a_figure_used_before_is_the_chart_drawn_anew():
    # Each pitch's chart is drawn on a figure made once for its size and number of years
    # (`drawing._cash_flow_template`): drawn after another project's (other years, signs
    # and scale), a chart is byte for byte the chart drawn on a new figure; and a chart in
    # English after one in Chinese too.
    template = drawing._cash_flow_template
    other = ([2031, 2032, 2033], [4e5, -9e8, 2e8], [4e5, -8.996e8, -6.996e8], "cf-other")
    fresh = {}
    for args in (ARGS, other):
        template.cache_clear()
        fresh[args[3]] = drawing.project_cash_flows(*args)
    template.cache_clear()
    reused = [drawing.project_cash_flows(*args) for args in (ARGS, other, ARGS)]
    assert template.cache_info().hits == 2
    assert reused == [fresh["cf"], fresh["cf-other"], fresh["cf"]]
    assert fresh["cf"] != fresh["cf-other"] and "2031" in fresh["cf-other"]
    with charts.english_only():
        template.cache_clear()
        english = drawing.project_cash_flows(*other)
    template.cache_clear()
    drawing.project_cash_flows(*other)
    with charts.english_only():
        assert drawing.project_cash_flows(*other) == english
