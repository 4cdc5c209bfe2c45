"""The yearly sources and uses (`xlfinance.portfolio.funding`): a two-project case and a fund
worked by hand, then Xiaolan's schedule against its project and fund results."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from xlfinance.portfolio.funding import COLUMNS, funding_by_year, funding_results

WAN = 10_000.0


def _project(archetype: str, start: int, **lines) -> SimpleNamespace:
    n = len(next(iter(lines.values())))
    return SimpleNamespace(
        definition=SimpleNamespace(archetype=archetype),
        model=SimpleNamespace(start_year=start, n_periods=n),
        evaluation=SimpleNamespace(
            lines={k: np.array([v], dtype=float) * WAN for k, v in lines.items()}
        ),
    )


@pytest.fixture
def case():
    # A PV plant built in 2015-2016 (万元):
    #   capex 100, 60; grant 10, 0; debt 60, 36; VAT credited 4, 2 (then operating, no capex)
    #   equity = capex - grant - debt - VAT = 100-10-60-4 = 26 in 2015, 60-0-36-2 = 22 in 2016
    pv = _project(
        "pv",
        2015,
        capex=[100, 60, 0, 0],
        capital_grant=[10, 0, 0, 0],
        debt_draw=[60, 36, 0, 0],
        vat_cash_in_construction=[4, 2, 0, 0],
        running_cost=[0, 0, 7, 7],  # an investable project's opex is not a funding need
    )
    # A public study spending 2016-2017: capital 5, 0; running cost 3, 8; no grant or debt lines
    #   public budget = 5 + 3 = 8 in 2016, 0 + 8 = 8 in 2017
    study = _project("programme", 2016, capex=[5, 0, 0], running_cost=[3, 8, 0])
    # The fund, 2015-2017, holding half of the PV plant: invests 13 in 2015 and 11 in 2016
    fund = SimpleNamespace(
        years=[2015, 2016, 2017],
        fund=SimpleNamespace(deals=["pv"]),
        line=lambda name, scenario: np.array([13.0, 11.0, 0.0]) * WAN,
    )
    return {"pv": pv, "study": study}, fund


def test_sources_and_uses_by_hand(case):
    projects, fund = case
    frame = funding_by_year(projects, fund)
    assert list(frame.index) == [2015, 2016, 2017]  # 2018 has nothing spent or raised
    assert list(frame.columns) == list(COLUMNS)
    expected = {  # year: uses, grants, debt, VAT, equity, public budget, fund, others
        2015: (100 + 0, 10, 60, 4, 26, 0, 13, 26 - 13),
        2016: (60 + 5 + 3, 0, 36, 2, 22, 8, 11, 22 - 11),
        2017: (0 + 8, 0, 0, 0, 0, 8, 0, 0),
    }
    for year, (uses, grant, debt, vat, equity, public, fund_part, others) in expected.items():
        row = frame.loc[year]
        assert row["uses_wan_yuan"] == pytest.approx(uses)
        assert row["capital_grants_wan_yuan"] == pytest.approx(grant)
        assert row["debt_wan_yuan"] == pytest.approx(debt)
        assert row["vat_credited_wan_yuan"] == pytest.approx(vat)
        assert row["equity_wan_yuan"] == pytest.approx(equity)
        assert row["public_budget_wan_yuan"] == pytest.approx(public)
        assert row["fund_wan_yuan"] == pytest.approx(fund_part)
        assert row["other_equity_wan_yuan"] == pytest.approx(others)
        assert row["sources_wan_yuan"] == pytest.approx(uses)
    # The study's running cost is a use; the plant's opex (paid from its revenue) is not.
    assert frame["public_running_cost_wan_yuan"].tolist() == pytest.approx([0, 3, 8])


def test_without_a_fund_the_fund_column_is_nil(case):
    projects, _ = case
    frame = funding_by_year(projects)
    assert (frame["fund_wan_yuan"] == 0).all()
    assert frame["other_equity_wan_yuan"].tolist() == pytest.approx([26, 22, 0])


def test_results_hold_each_year_and_the_totals(case):
    projects, fund = case
    out = funding_results(funding_by_year(projects, fund))
    assert dict(out.units) == dict.fromkeys(COLUMNS, "wan_yuan")
    assert out.keys == ("2015", "2016", "2017")
    years = out.to_json()
    assert sum(row["equity_wan_yuan"] for row in years.values()) == pytest.approx(26 + 22)
    assert sum(row["uses_wan_yuan"] for row in years.values()) == pytest.approx(100 + 68 + 8)
    assert out.quantity(0, "equity_wan_yuan").unit == "wan_yuan"


@pytest.mark.programme
def test_xiaolan_schedule_agrees_with_the_projects_and_the_fund(xiaolan_build):
    """Each year's sources equal its uses; over the years, the equity is the projects' own
    `equity_invested_yuan`, the debt their `debt_yuan`, the grants their `grant_yuan`, the
    capex the budget's modelled capex, and the fund part the fund's investments."""
    results = xiaolan_build.results
    schedule = results["budget"]["funding_by_year"]
    for year, row in schedule["years"].items():
        assert row["sources_wan_yuan"] == pytest.approx(row["uses_wan_yuan"], abs=1e-6), year
        assert row["other_equity_wan_yuan"] >= -1e-6, year  # the fund never holds more
    projects = results["projects"]
    total = schedule["total"]

    def summed(key):
        return sum(p[key] for p in projects.values() if p.get(key) is not None) / WAN

    assert total["capex_wan_yuan"] == pytest.approx(summed("capex_yuan"))
    assert total["capex_wan_yuan"] == pytest.approx(results["budget"]["modelled_capex_wan_yuan"])
    assert total["debt_wan_yuan"] == pytest.approx(summed("debt_yuan"))
    assert total["capital_grants_wan_yuan"] == pytest.approx(summed("grant_yuan"))
    investable = [p for p in projects.values() if p["archetype"] != "programme"]
    equity = sum(p["equity_invested_yuan"] for p in investable) / WAN
    assert total["equity_wan_yuan"] == pytest.approx(equity)
    invested = results["fund"]["deployment"]["invested_yuan"] / WAN
    assert total["fund_wan_yuan"] == pytest.approx(invested)
