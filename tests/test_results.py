"""`xlfinance.results`: the typed results the pages read, on small results made by hand (their
results.json, its `units` map, which projects are investable and in what order, the one
path resolver), and the boundary that keeps the HTML renderers to them."""

from __future__ import annotations

import ast
import dataclasses
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfinance.model import units as unit_table
from xlfinance.results import (
    BudgetResults,
    FindingResult,
    FundResults,
    ProgrammeResults,
    ProjectResults,
    Quantity,
    RollUp,
    Series,
    SourceShare,
    Table,
    Text,
    has,
    resolve,
)

from .factories import typed_programme
from .strategies import examples

ROOT = Path(__file__).resolve().parents[1]

RENDERERS = (
    "xlfinance.render.reports",
    "xlfinance.render.figures",
    "xlfinance.render.pitch_page",
    "xlfinance.render.pitch",
    "xlfinance.render.risk_page",
    "xlfinance.render.financing",
    "xlfinance.render.charts",
    "xlfinance.render.drawing",
)
"""The HTML renderers: the pages' contexts, their figures and their charts."""

FORBIDDEN = (
    "xlfinance.definitions",
    "xlfinance.archetypes",
    "xlfinance.model",
    "xlfinance.projects",
    "xlfinance.fund",
    "xlfinance.portfolio",
    "xlfinance.risk",
    "xlfinance.structuring",
    "xlfinance.check",
    "xlfinance.assemble",
    "xlfinance.build",
)
"""What a renderer may not import: the definitions, the archetypes, the model and what
evaluates it (the projects, the fund, the roll-up, risk, structuring) or reads them for the
renderers (`assemble`)."""
ALLOWED = ("xlfinance.model", "xlfinance.model.units")
"""The shared vocabulary of units, which the model's lines and the pages both speak (and
its package, whose `__init__` is walked like any module and imports nothing)."""


def project(pid: str, **kw) -> ProjectResults:
    fields = dict(
        id=pid,
        name=Text("项目" + pid, "Project " + pid),
        archetype="pv",
        archetype_label=Text("分布式光伏", "Rooftop PV"),
        colour="#E0A100",
        archetype_investable=True,
        budget_line="1",
        start_year=2015,
        metrics={"capex_yuan": Quantity(1.0e6, "yuan"), "irr": Quantity(0.08, "rate")},
    )
    fields.update(kw)
    return ProjectResults(**fields)


def programme(projects, **kw) -> ProgrammeResults:
    return typed_programme(
        projects, bibliography=({"id": "a-2014"},), discount_rate=Quantity(0.08, "rate"), **kw
    )


FUND = FundResults(
    section={
        "gross_irr": 0.12,
        "classes": {"senior": {"net_irr": 0.07, "cash_flows": [-1.0, 2.0]}},
    },
    units={
        "fund.gross_irr": "rate",
        "fund.classes.senior.net_irr": "rate",
        "fund.classes.senior.cash_flows": "yuan",
    },
)


class TestResultsJson:
    def test_a_programme_serialised_key_by_key(self):
        """Written out by hand: results.json's sections in their order, each project's
        description then its metrics' values, the units of the models' numbers, the fund."""
        a = project(
            "a", metrics={"capex_yuan": Quantity(2.0e6, "yuan"), "irr": Quantity(None, "rate")}
        )
        document = programme([a], fund=FUND, workbook_names={"projects.a.irr": "a_irr"}).to_json()
        assert document == {
            "programme": {
                "id": "town",
                "name": {"zh": "镇", "en": "Town"},
                "base_year": 2015,
                "currency": "CNY",
            },
            "projects": {
                "a": {
                    "name": {"zh": "项目a", "en": "Project a"},
                    "archetype": "pv",
                    "budget_line": "1",
                    "start_year": 2015,
                    "capex_yuan": 2.0e6,
                    "irr": None,
                }
            },
            "budget": {
                "unit": "wan_yuan",
                "total_wan_yuan": 10.0,
                "modelled_capex_wan_yuan": 0.0,
                "capex_minus_budget_wan_yuan": -10.0,
                "stated_totals": {"total_wan_yuan": 10.0},
                "by_source": {},
                "lines": [],
                "actions": [],
                "capex_by_year": {},
                "funding_by_year": {"unit": "wan_yuan", "years": {}, "total": {}},
            },
            "benefits": [],
            "reconciliation": [],
            "macc": [],
            "macc_claimed": [],
            "targets": {},
            "sources": [{"id": "a-2014"}],
            "units": {
                "projects.a.capex_yuan": "yuan",
                "projects.a.irr": "rate",
                "fund.gross_irr": "rate",
                "fund.classes.senior.net_irr": "rate",
                "fund.classes.senior.cash_flows": "yuan",
                "budget.total_wan_yuan": "wan_yuan",
                "budget.modelled_capex_wan_yuan": "wan_yuan",
                "budget.capex_minus_budget_wan_yuan": "wan_yuan",
                "budget.stated_totals.total_wan_yuan": "wan_yuan",
                "programme.base_year": "year",
                "projects.a.start_year": "year",
                "fund.years": "year",
            },
            "fund": FUND.section,
            "workbook_names": {"projects.a.irr": "a_irr"},
        }
        assert list(document) == [
            "programme",
            "projects",
            "budget",
            "benefits",
            "reconciliation",
            "macc",
            "macc_claimed",
            "targets",
            "sources",
            "units",
            "fund",
            "workbook_names",
        ]

    def test_sections_it_does_not_have_are_left_out(self):
        document = programme([]).to_json()
        assert not {"fund", "risk", "structuring", "workbook_names"} & set(document)
        assert not any(
            path.startswith(("fund", "risk", "structuring")) for path in document["units"]
        )

    def test_a_number_carries_its_unit(self):
        assert FUND.quantity("fund.classes.senior.net_irr") == Quantity(0.07, "rate")
        assert FUND.quantity("fund.classes.senior.cash_flows") == Quantity([-1.0, 2.0], "yuan")
        with pytest.raises(KeyError):
            FUND.quantity("fund.gross_moic")

    def test_frozen(self):
        with pytest.raises(dataclasses.FrozenInstanceError):
            project("a").start_year = 2016  # type: ignore[misc]


class TestInvestable:
    def test_public_spending_and_no_capex_are_not_investable(self):
        r = programme(
            [
                project("with_capex"),
                project("public", archetype_investable=False),
                project("nothing", metrics={"capex_yuan": Quantity(0.0, "yuan")}),
                project("undefined", metrics={"capex_yuan": Quantity(math.nan, "yuan")}),
                project("none", metrics={"capex_yuan": Quantity(None, "yuan")}),
                project("unmodelled", metrics={}),
            ]
        )
        assert r.investable() == ["with_capex"]

    def test_in_the_plans_order(self):
        """By the number of the budget line (9b is 9, a line without one last), the line,
        the start year, the id: 2 < 9a < 9b (2015) < 9b (2016) < 10 < "x"."""
        r = programme(
            [
                project("late", budget_line="9b", start_year=2016),
                project("ten", budget_line="10"),
                project("early", budget_line="9b", start_year=2015),
                project("nine_a", budget_line="9a"),
                project("no_number", budget_line="x"),
                project("two", budget_line="2"),
            ]
        )
        assert r.investable() == ["two", "nine_a", "early", "late", "ten", "no_number"]
        assert r.order("no_number") == (999, "x", 2015, "no_number")


class TestResolve:
    DOCUMENT = {
        "budget": {"lines": [{"line": "1"}, {"line": "9b", "modelled_capex_wan_yuan": 5.0}]},
        "risk": {"outputs": {"projects.pv.npv_yuan": {"p50": 3.0}, "projects": {"pv": 1.0}}},
    }

    def test_lists_by_index_and_the_longest_key(self):
        d = self.DOCUMENT
        assert resolve(d, "budget.lines.1.modelled_capex_wan_yuan") == 5.0
        # "projects.pv.npv_yuan" is one key; "projects" alone would lead elsewhere
        assert resolve(d, "risk.outputs.projects.pv.npv_yuan.p50") == 3.0
        assert resolve(d, "risk.outputs.projects.pv") == 1.0

    @pytest.mark.parametrize(
        "path",
        ["budget.total", "budget.lines.2", "budget.lines.x", "budget.lines.0.line.more", "risk.x"],
    )
    def test_nothing_there(self, path):
        assert not has(self.DOCUMENT, path)
        with pytest.raises((KeyError, IndexError, ValueError)):
            resolve(self.DOCUMENT, path)

    def test_typed_results_by_the_paths_of_their_json(self):
        r = programme([project("a")], fund=FUND)
        assert resolve(r, "projects.a.irr") == 0.08
        assert resolve(r, "fund.classes.senior.cash_flows.1") == 2.0
        assert resolve(r, "units.projects.a.irr") == "rate"
        assert has(r, "budget.total_wan_yuan") and not has(r, "projects.b")

    @settings(max_examples=examples(100), deadline=None)
    @given(
        st.recursive(
            st.floats(allow_nan=False) | st.text(max_size=3) | st.none(),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text("abc_", min_size=1, max_size=3), inner, max_size=3)
            ),
            max_leaves=12,
        )
    )
    def test_every_leaf_at_its_path(self, document):
        """Walking a document down every key and index finds each leaf at the path of
        its keys joined by dots (keys without dots: nothing for the longest key to take)."""

        def leaves(node, path):
            if isinstance(node, dict):
                for key, value in node.items():
                    yield from leaves(value, (*path, key))
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    yield from leaves(value, (*path, str(i)))
            elif path:
                yield ".".join(path), node

        for path, leaf in leaves(document, ()):
            assert resolve(document, path) == leaf
            assert has(document, path + ".nothing") is False


def _file(module: str) -> Path | None:
    """A module's source: `a/b.py`, or a package's `a/b/__init__.py`; None if neither."""
    base = ROOT / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imports(module: str) -> set[str]:
    """The xlfinance modules a module's source imports, at its top and in its functions."""
    found = set()
    for node in ast.walk(ast.parse(_file(module).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from xlfinance.render import charts` imports the module xlfinance.render.charts
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("xlfinance.") and _file(name)}


def _forbidden(module: str) -> dict[str, str]:
    """Each forbidden module `module` reaches through imports, with the one it came by."""
    seen, todo, bad = {module}, [module], {}
    while todo:
        here = todo.pop()
        for name in _imports(here) - seen:
            seen.add(name)
            if name.startswith(FORBIDDEN) and name not in ALLOWED:
                bad[name] = here
            else:
                todo.append(name)
    return bad


@pytest.mark.parametrize("module", RENDERERS)
def test_renderers_read_the_results_only(module):
    """No renderer imports, itself or through another module, anything of the definitions,
    the archetypes or the model but the table of units: what a page shows comes from
    `xlfinance.results` (the workbook's writer, which writes the models as formulas, is not
    an HTML renderer and reads them)."""
    assert _forbidden(module) == {}


def test_the_check_sees_a_forbidden_import():
    """The workbook writer writes the models themselves, and the check sees it: not blind."""
    reached = _forbidden("xlfinance.render.workbook")
    assert any(name.startswith("xlfinance.model.") for name in reached), reached


def test_importing_the_renderers_loads_none_of_the_model():
    """Imported in a fresh interpreter, the renderers bring in no module of the definitions,
    the archetypes or the model (nor pydantic, which the definitions are written in)."""
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in RENDERERS)
        + "names = (m for m in sys.modules if m.startswith(('xlfinance', 'pydantic')))\n"
        + "print('\\n'.join(sorted(names)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert [m for m in loaded if m.startswith(FORBIDDEN) and m not in ALLOWED] == []
    assert not any(m.startswith("pydantic") for m in loaded)
    assert "xlfinance.results" in loaded


def small_roll_up() -> RollUp:
    """One budget line of 10 万元 (market 6, policy money 3, the town 1) whose one project's
    capex comes to 12 万元 (4 in 2015, 8 in 2016, 3 and 6 of it borrowed), one finding
    on it, one bar of the MACC and the PV share of 2020."""
    wan = "wan_yuan"

    def money(value: float) -> Quantity:
        return Quantity(value, wan)

    sources = {
        "market_wan_yuan": 6.0,
        "policy_grants_wan_yuan": 3.0,
        "town_government_wan_yuan": 1.0,
    }
    totals = {"total_wan_yuan": money(10.0), **{k: money(v) for k, v in sources.items()}}
    line = {
        "line": "1",
        "action_no": 1,
        "name_en": "Solar",
        **{k: q.value for k, q in totals.items()},
        "projects": ["a"],
        "modelled_capex_wan_yuan": 12.0,
        "capex_minus_budget_wan_yuan": 2.0,  # 12 - 10
    }
    money_columns = dict.fromkeys(totals, wan)
    budget = BudgetResults(
        unit=wan,
        totals=totals,
        modelled_capex=money(12.0),
        capex_minus_budget=money(2.0),
        stated_totals={"total_wan_yuan": money(10.0)},
        by_source={  # each source over the total: 6/10, 3/10, 1/10
            "market_wan_yuan": SourceShare("Market", money(6.0), Quantity(0.6, "share")),
            "policy_grants_wan_yuan": SourceShare("Policy", money(3.0), Quantity(0.3, "share")),
            "town_government_wan_yuan": SourceShare("Town", money(1.0), Quantity(0.1, "share")),
        },
        lines=Table(
            (line,),
            {
                "action_no": "",
                **money_columns,
                "modelled_capex_wan_yuan": wan,
                "capex_minus_budget_wan_yuan": wan,
            },
        ),
        actions=Table(
            ({"action_no": 1, **{k: q.value for k, q in totals.items()}, "lines": ["1"]},),
            {"action_no": "", **money_columns},
        ),
        capex_by_year={"1": Series((2015, 2016), (4.0, 8.0), wan)},
        funding_by_year=Table(
            (
                {"capex_wan_yuan": 4.0, "debt_wan_yuan": 3.0},
                {"capex_wan_yuan": 8.0, "debt_wan_yuan": 6.0},
            ),
            {"capex_wan_yuan": wan, "debt_wan_yuan": wan},
            keys=("2015", "2016"),
        ),
        funding_total={"capex_wan_yuan": money(12.0), "debt_wan_yuan": money(9.0)},  # 4+8, 3+6
    )
    finding = FindingResult(
        id="capex-line-1",
        severity="warning",
        title="Line 1's capex is over its budget",
        numbers={"line": "1", "budget_wan_yuan": 10.0, "modelled_capex_wan_yuan": 12.0},
        sources={},
        detail="",
        units={"budget_wan_yuan": wan, "modelled_capex_wan_yuan": wan},
        labels={"line": "Line", "budget_wan_yuan": "Budget", "modelled_capex_wan_yuan": "Capex"},
    )
    bar = {
        "project": "a",
        "name_en": "Solar",
        "abatement_cost_yuan_per_t": -50.0,
        "abatement_t_co2e_per_year": 200.0,
        "x_end_t_co2e_per_year": 200.0,
        "x_start_t_co2e_per_year": 0.0,  # 200 - 200: the first bar starts at 0
    }
    tonnes = "t CO2e/yr"
    macc_units = {
        "abatement_cost_yuan_per_t": "yuan/t CO2e",
        "abatement_t_co2e_per_year": tonnes,
        "x_end_t_co2e_per_year": tonnes,
        "x_start_t_co2e_per_year": tonnes,
    }
    return RollUp(
        budget=budget,
        benefits=Table((), {}),
        reconciliation=(finding,),
        macc=Table((bar,), macc_units),
        macc_claimed=Table((), macc_units),
        targets={
            "pv_share": Table(
                ({"year": 2020, "pv_share": 0.15, "goal_share": None},),
                {"year": "year", "pv_share": "share", "goal_share": "share"},
            )
        },
    )


class TestRollUp:
    def test_the_budget_typed_by_hand_serialised_and_its_units(self):
        r = small_roll_up()
        document = r.to_json()
        assert document["budget"] == {
            "unit": "wan_yuan",
            "total_wan_yuan": 10.0,
            "market_wan_yuan": 6.0,
            "policy_grants_wan_yuan": 3.0,
            "town_government_wan_yuan": 1.0,
            "modelled_capex_wan_yuan": 12.0,
            "capex_minus_budget_wan_yuan": 2.0,
            "stated_totals": {"total_wan_yuan": 10.0},
            "by_source": {
                "market_wan_yuan": {"label": "Market", "wan_yuan": 6.0, "share": 0.6},
                "policy_grants_wan_yuan": {"label": "Policy", "wan_yuan": 3.0, "share": 0.3},
                "town_government_wan_yuan": {"label": "Town", "wan_yuan": 1.0, "share": 0.1},
            },
            "lines": [r.budget.lines.rows[0]],
            "actions": [r.budget.actions.rows[0]],
            "capex_by_year": {"1": {"2015": 4.0, "2016": 8.0}},
            "funding_by_year": {
                "unit": "wan_yuan",
                "years": {
                    "2015": {"capex_wan_yuan": 4.0, "debt_wan_yuan": 3.0},
                    "2016": {"capex_wan_yuan": 8.0, "debt_wan_yuan": 6.0},
                },
                "total": {"capex_wan_yuan": 12.0, "debt_wan_yuan": 9.0},
            },
        }
        wan = "wan_yuan"
        line = {
            f"budget.lines.0.{k}": wan
            for k in (
                "total_wan_yuan",
                "market_wan_yuan",
                "policy_grants_wan_yuan",
                "town_government_wan_yuan",
                "modelled_capex_wan_yuan",
                "capex_minus_budget_wan_yuan",
            )
        }
        money = ("total_wan_yuan", "market_wan_yuan", "policy_grants_wan_yuan")
        assert r.budget.units() == {
            **{f"budget.{k}": wan for k in (*money, "town_government_wan_yuan")},
            "budget.modelled_capex_wan_yuan": wan,
            "budget.capex_minus_budget_wan_yuan": wan,
            "budget.stated_totals.total_wan_yuan": wan,
            "budget.by_source.market_wan_yuan.wan_yuan": wan,
            "budget.by_source.market_wan_yuan.share": "share",
            "budget.by_source.policy_grants_wan_yuan.wan_yuan": wan,
            "budget.by_source.policy_grants_wan_yuan.share": "share",
            "budget.by_source.town_government_wan_yuan.wan_yuan": wan,
            "budget.by_source.town_government_wan_yuan.share": "share",
            "budget.lines.0.action_no": "",  # the plan's number of the action
            **line,
            "budget.actions.0.action_no": "",
            **{f"budget.actions.0.{k}": wan for k in (*money, "town_government_wan_yuan")},
            "budget.capex_by_year.1.2015": wan,
            "budget.capex_by_year.1.2016": wan,
            "budget.funding_by_year.years.2015.capex_wan_yuan": wan,
            "budget.funding_by_year.years.2015.debt_wan_yuan": wan,
            "budget.funding_by_year.years.2016.capex_wan_yuan": wan,
            "budget.funding_by_year.years.2016.debt_wan_yuan": wan,
            "budget.funding_by_year.total.capex_wan_yuan": wan,
            "budget.funding_by_year.total.debt_wan_yuan": wan,
        }

    def test_the_rest_of_the_roll_up_and_every_number_has_its_unit(self):
        r = small_roll_up()
        document = programme([project("a")], portfolio=r).to_json()
        assert document["reconciliation"] == [
            {
                "id": "capex-line-1",
                "severity": "warning",
                "title": "Line 1's capex is over its budget",
                "numbers": {"line": "1", "budget_wan_yuan": 10.0, "modelled_capex_wan_yuan": 12.0},
                "sources": {},
                "detail": "",
                "units": {"budget_wan_yuan": "wan_yuan", "modelled_capex_wan_yuan": "wan_yuan"},
                "labels": {
                    "line": "Line",
                    "budget_wan_yuan": "Budget",
                    "modelled_capex_wan_yuan": "Capex",
                },
            }
        ]
        assert document["macc"][0]["x_start_t_co2e_per_year"] == 0.0
        assert document["targets"] == {
            "pv_share": [{"year": 2020, "pv_share": 0.15, "goal_share": None}]
        }
        units = document["units"]
        assert units["reconciliation.0.numbers.modelled_capex_wan_yuan"] == "wan_yuan"
        assert "reconciliation.0.numbers.line" not in units  # a text has none
        assert units["macc.0.abatement_cost_yuan_per_t"] == "yuan/t CO2e"
        assert units["targets.pv_share.0.year"] == "year"
        assert units["targets.pv_share.0.goal_share"] == "share"  # null: none set before 2020
        assert units["budget.funding_by_year.total.debt_wan_yuan"] == "wan_yuan"
        assert {p for p in numbers(document) if p not in units} == set()

    def test_a_number_carries_its_unit(self):
        r = small_roll_up()
        assert r.budget.lines.quantity(0, "modelled_capex_wan_yuan") == Quantity(12.0, "wan_yuan")
        assert r.reconciliation[0].quantity("budget_wan_yuan") == Quantity(10.0, "wan_yuan")
        with pytest.raises(TypeError, match="line is a text"):
            r.reconciliation[0].quantity("line")

    def test_a_column_of_numbers_without_a_unit_is_refused(self):
        table = Table(({"year": 2020, "mwh": 5.0},), {"year": "year"})
        with pytest.raises(KeyError, match="column 'mwh' holds numbers and has no unit"):
            table.units_at("targets.pv")


def numbers(document, path=""):
    """The path of every number of a results.json document (a list of numbers, a number a
    year, by the list's path; a list of rows by each row's index)."""
    if isinstance(document, dict):
        for key, value in document.items():
            if not (path == "" and key == "units"):
                yield from numbers(value, f"{path}.{key}" if path else key)
    elif isinstance(document, list):
        flat = all(x is None or _is_number(x) for x in document)
        if document and flat:
            if any(_is_number(x) for x in document):
                yield path
        else:
            for i, value in enumerate(document):
                yield from numbers(value, f"{path}.{i}")
    elif _is_number(document):
        yield path


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


PURE_NUMBERS = (
    r"budget\.(lines|actions)\.\d+\.action_no",  # the plan's numbering of its actions
    r"risk\.(trials|seed)",  # how many trials, and the generator's seed
    r"risk\.monte_carlo\.outputs\..+\.histogram\.counts",  # trials in each bin
    r"structuring\.entries\.\d+\.(trials\.n|n_trials|evaluations)",  # trials, evaluations
)
"""The numbers of results.json that are counts or labels, not quantities: their unit is ""
(a pure number, as `Quantity` writes it)."""


@pytest.mark.programme
def test_every_number_of_xiaolan_s_results_has_a_unit(xiaolan_build):
    """Every number of Xiaolan's results.json has its unit in the `units` map, a symbol of
    the units table (a calendar year "year"); "" only for the counts and labels named in
    `PURE_NUMBERS`; and every path of the map leads to a value."""
    document = xiaolan_build.results
    units = document["units"]
    found = list(numbers(document))
    assert len(found) > 4000
    assert [p for p in found if p not in units] == []
    assert [p for p in units if not has(document, p)] == []
    for path, unit in units.items():
        assert unit_table.check(unit) == unit, path
    pure = sorted(p for p, unit in units.items() if unit == "")
    assert [p for p in pure if not any(re.fullmatch(x, p) for x in PURE_NUMBERS)] == []
    assert units["programme.base_year"] == "year"
    assert units["fund.years"] == "year"
    assert units["budget.lines.0.total_wan_yuan"] == "wan_yuan"
