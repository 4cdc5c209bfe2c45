"""The pages' compiled templates are kept between builds (`render.reports.environment`).

Compiling the six templates cost about 0.3 s of every build; jinja's bytecode cache keys
each compiled template by its name and a checksum of its source. These tests show that a
second build reads the compiled template instead of compiling it and renders the same, that
an edited template is compiled again, and that a cache folder that cannot be made only
means compiling."""

from __future__ import annotations

import jinja2
import pytest

from xlfinance.render import reports


@pytest.fixture
def templates(tmp_path, monkeypatch):
    """A folder of one template in place of the package's."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("{{ a }} one", encoding="utf-8")
    monkeypatch.setattr(reports, "TEMPLATES", folder)
    return folder


@pytest.fixture
def compiled(monkeypatch) -> list[str]:
    """The names of the templates jinja compiles from here on."""
    names: list[str] = []
    original = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def test_a_second_build_reads_what_the_first_compiled(tmp_path, templates, compiled, monkeypatch):
    monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(tmp_path / "cache"))
    assert reports.environment().get_template("page.html").render(a=1) == "1 one"
    assert compiled == ["page.html"]
    assert list((tmp_path / "cache" / "templates").iterdir())  # kept
    assert reports.environment().get_template("page.html").render(a=2) == "2 one"
    assert compiled == ["page.html"]  # read, not compiled again


def test_an_edited_template_is_compiled_again(tmp_path, templates, compiled, monkeypatch):
    monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(tmp_path / "cache"))
    assert reports.environment().get_template("page.html").render(a=1) == "1 one"
    (templates / "page.html").write_text("{{ a }} two", encoding="utf-8")
    assert reports.environment().get_template("page.html").render(a=1) == "1 two"
    assert compiled == ["page.html", "page.html"]


def test_a_cache_that_cannot_be_made_only_compiles(tmp_path, templates, compiled, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XLFINANCE_CACHE_DIR", str(blocker))
    env = reports.environment()
    assert env.bytecode_cache is None
    assert env.get_template("page.html").render(a=1) == "1 one"
    assert compiled == ["page.html"]
