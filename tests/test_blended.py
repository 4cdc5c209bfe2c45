"""Blended-finance metrics (`xlfinance.structuring.blended`): hand-worked cases on stand-in
projects, programmes and funds, then the invariants on the Xiaolan programme."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlfinance import finance
from xlfinance.structuring.blended import (
    blended_metrics,
    ceded_return,
    present_value,
    who_pays,
)

ROOT = Path(__file__).resolve().parents[1]


def line(id, market=0.0, policy=0.0, town=0.0):
    return SimpleNamespace(
        id=id,
        market_wan_yuan=market,
        policy_grants_wan_yuan=policy,
        town_government_wan_yuan=town,
    )


def programme(*lines, rate=0.1, base_year=2014):
    return SimpleNamespace(
        programme=SimpleNamespace(base_year=base_year),
        assumptions=SimpleNamespace(discount_rate=SimpleNamespace(value=rate)),
        budget=SimpleNamespace(lines=list(lines)),
    )


def project(
    id="p",
    *,
    archetype="pv",
    budget_line="L",
    start_year=2015,
    capex=0.0,
    debt=0.0,
    equity=0.0,
    **lines,
):
    """A stand-in evaluated project: the metrics and base-case lines blended.py reads."""
    rows = {name: np.asarray([values], dtype=float) for name, values in lines.items()}
    grants = float(np.sum(lines.get("capital_grant", [0.0])))
    metrics = {
        "capex_yuan": capex,
        "debt_yuan": debt,
        "equity_invested_yuan": equity,
        "grant_yuan": grants,
    }
    definition = SimpleNamespace(
        id=id, archetype=archetype, budget_line=budget_line, start_year=start_year
    )
    return SimpleNamespace(
        definition=definition, metrics=metrics, evaluation=SimpleNamespace(lines=rows)
    )


def fund(*, committed, calls, held, hurdle=0.25, net_government=(0.0,), first_year=2015):
    """A stand-in evaluated fund: class commitments and calls, the projects it holds, the
    government class's net cash flows and hurdle."""
    classes = tuple(committed)
    metrics = {f"committed_yuan_{c}": v for c, v in committed.items()}
    metrics |= {f"contributed_yuan_{c}": v for c, v in calls.items()}
    definition = SimpleNamespace(
        investments=[
            SimpleNamespace(project=p, equity_share=SimpleNamespace(value=s))
            for p, s in held.items()
        ],
        investor_class=lambda c: SimpleNamespace(hurdle_rate=SimpleNamespace(value=hurdle)),
    )
    return SimpleNamespace(
        fund=SimpleNamespace(classes=classes, first_year=first_year, definition=definition),
        evaluation=SimpleNamespace(
            metrics=lambda: metrics,
            lines={"net_cash_flow_government": np.asarray([net_government], dtype=float)},
        ),
    )


def value(entry):
    return entry["value"]


# -- Mobilisation ----------------------------------------------------------------------------


def test_project_mobilisation_capex_grant_debt_equity():
    # capex 100 = grant 20 + debt 50 + equity 30.
    # private = debt 50 + equity 30 = 80; public = grant 20; ratio 80 / 20 = 4.0.
    p = project(capex=100, debt=50, equity=30, capital_grant=[20, 0, 0])
    out = blended_metrics(programme(line("L", 80, 15, 5)), {"p": p})
    entry = out["projects"]["p"]
    assert value(entry["private_yuan"]) == 80
    assert value(entry["public_yuan"]) == 20
    assert value(entry["mobilisation_ratio"]) == pytest.approx(4.0)
    assert entry["mobilisation_ratio"]["unit"] == "yuan private per yuan public"
    assert value(out["programme"]["mobilisation_ratio"]) == pytest.approx(4.0)


def test_production_subsidy_counts_at_present_value_at_the_project_start():
    # Viability-gap subsidy of 11 in 2016 and 12.1 in 2017, project starting 2015, 10%:
    # PV at 2015 = 11 / 1.1 + 12.1 / 1.1^2 = 10 + 10 = 20.
    # capex 100 = debt 50 + equity 50: private 100, public 20, ratio 100 / 20 = 5.0.
    p = project(capex=100, debt=50, equity=50, production_subsidy_yuan=[0, 11, 12.1])
    entry = blended_metrics(programme(line("L", 1, 1, 1)), {"p": p})["projects"]["p"]
    assert value(entry["production_subsidy_pv_yuan"]) == pytest.approx(20.0)
    assert value(entry["mobilisation_ratio"]) == pytest.approx(5.0)


def test_fund_mobilisation_at_commitment_and_look_through_to_projects():
    # Fund commitments: senior 75, government 24, manager 1.
    # Fund ratio = private (75 + 1) / public 24 = 3.1667; on calls (30 + 0) / 10 = 3.0.
    # Government share of calls = 10 / (30 + 10 + 0) = 0.25.
    # Project: capex 100 = debt 60 + equity 40, half held by the fund:
    #   fund equity 20, of it public 20 x 0.25 = 5; market equity 40 - 5 = 35.
    #   private = 60 + 35 = 95; public = 5; ratio 95 / 5 = 19.
    f = fund(
        committed={"senior": 75, "government": 24, "manager": 1},
        calls={"senior": 30, "government": 10, "manager": 0},
        held={"p": 0.5},
    )
    p = project(capex=100, debt=60, equity=40)
    out = blended_metrics(programme(line("L", 1, 0, 0)), {"p": p}, f)
    assert value(out["fund"]["mobilisation_ratio"]) == pytest.approx(76 / 24)
    assert value(out["fund"]["mobilisation_ratio_called"]) == pytest.approx(3.0)
    entry = out["projects"]["p"]
    assert value(entry["fund_public_equity_yuan"]) == pytest.approx(5.0)
    assert value(entry["market_equity_yuan"]) == pytest.approx(35.0)
    assert value(entry["mobilisation_ratio"]) == pytest.approx(19.0)
    # The guidance fund is higher-level policy money: policy 5 of 100.
    assert value(entry["who_pays"]["policy"]["share"]) == pytest.approx(0.05)


def test_no_public_money_no_ratio():
    # All private: the ratio private / 0 does not exist (null), the amounts do.
    p = project(capex=100, debt=70, equity=30)
    entry = blended_metrics(programme(line("L", 1, 0, 0)), {"p": p})["projects"]["p"]
    assert value(entry["mobilisation_ratio"]) is None
    assert value(entry["private_yuan"]) == 100


def test_public_programme_is_all_public():
    # A forum: spending 40, no capex, no tonnes. private 0, public 40, ratio 0 / 40 = 0.
    # Its line's public money is policy 3 : town 1, so policy 30, town 10.
    p = project(archetype="programme", spending=[40, 0])
    entry = blended_metrics(programme(line("L", 0, 3, 1)), {"p": p})["projects"]["p"]
    assert value(entry["public_yuan"]) == 40
    assert value(entry["mobilisation_ratio"]) == 0.0
    assert value(entry["who_pays"]["policy"]["yuan"]) == pytest.approx(30.0)
    assert value(entry["who_pays"]["town"]["yuan"]) == pytest.approx(10.0)
    assert value(entry["public_cost_yuan_per_t_co2e"]) is None  # no tonnes


def test_plan_mobilisation_from_the_budget_columns():
    # Table 5-4's columns: market 71,000; policy 2,010; town 1,280 (万元).
    # 71,000 / (2,010 + 1,280) = 21.58.
    out = blended_metrics(programme(line("L", 71000, 2010, 1280)), {})
    assert value(out["programme"]["plan_mobilisation_ratio"]) == pytest.approx(71000 / 3290)


# -- Public cost per tonne -------------------------------------------------------------------


def test_public_cost_per_tonne_discounted_to_the_base_year():
    # Base year 2014, project from 2015, 10%.
    # Grant 22,000 in 2015: 22,000 / 1.1 = 20,000 at 2014.
    # Tonnes 121 in 2016 and 133.1 in 2017: 121 / 1.1^2 + 133.1 / 1.1^3 = 100 + 100 = 200.
    # Public cost per tonne = 20,000 / 200 = 100 yuan/t.
    p = project(
        capex=100000,
        debt=50000,
        equity=28000,
        capital_grant=[22000, 0, 0],
        abatement_t_co2e=[0, 121, 133.1],
    )
    out = blended_metrics(programme(line("L", 1, 1, 0)), {"p": p})
    entry = out["projects"]["p"]
    assert value(entry["grant_pv_base_yuan"]) == pytest.approx(20000)
    assert value(entry["abatement_pv_base_t_co2e"]) == pytest.approx(200)
    assert value(entry["public_cost_yuan_per_t_co2e"]) == pytest.approx(100)
    assert value(out["programme"]["public_cost_yuan_per_t_co2e"]) == pytest.approx(100)
    assert out["programme"]["public_cost_yuan_per_t_co2e"]["unit"] == "yuan/t CO2e"


def test_ceded_return_of_the_government_class():
    # Government class: pays 100 at the first close (2015), gets 100 a year later.
    # At its 25% hurdle: NPV = -100 + 100 / 1.25 = -20, so it ceded 20 in 2015;
    # at the programme's 10% that is 20 / 1.1 = 18.18 at the 2014 base year.
    f = fund(
        committed={"senior": 0, "government": 100},
        calls={"senior": 0, "government": 100},
        held={},
        net_government=(-100, 100),
    )
    c = ceded_return(f, "government", 0.1, 2014)
    assert c["npv_at_hurdle_yuan"] == pytest.approx(-20)
    assert c["ceded_yuan"] == pytest.approx(20)
    assert c["ceded_pv_base_yuan"] == pytest.approx(20 / 1.1)

    # With one project: tonnes 110 in 2015 -> 110 / 1.1 = 100 at 2014, no grants.
    # Public cost per tonne = 18.18 / 100 = 0.1818 yuan/t.
    p = project(capex=10, equity=10, abatement_t_co2e=[110])
    out = blended_metrics(programme(line("L", 1, 0, 0)), {"p": p}, f)
    assert value(out["programme"]["public_cost_pv_base_yuan"]["fund_ceded_return"]) == (
        pytest.approx(20 / 1.1)
    )
    assert value(out["programme"]["public_cost_yuan_per_t_co2e"]) == pytest.approx(0.2 / 1.1)


def test_no_ceded_return_at_or_above_the_hurdle():
    # -100 then 125 at a 25% hurdle: NPV = -100 + 125 / 1.25 = 0; nothing ceded.
    # -100 then 150: NPV = +20 (it earned more than its hurdle); still nothing ceded.
    for back, npv in ((125, 0.0), (150, 20.0)):
        f = fund(
            committed={"government": 1},
            calls={"government": 1},
            held={},
            net_government=(-100, back),
        )
        c = ceded_return(f, "government", 0.1, 2014)
        assert c["npv_at_hurdle_yuan"] == pytest.approx(npv)
        assert c["ceded_yuan"] == 0.0


def test_present_value_is_the_model_npv_moved_to_the_base_year():
    # The model's NPV has period 0 undiscounted at the project start; PV at the base year is
    # that NPV discounted over the years from the base year to the start: here 3.
    flows = [-100.0, 30.0, 40.0, 50.0]
    assert present_value(flows, 0.08, 2017, 2017) == pytest.approx(finance.npv(0.08, flows))
    assert present_value(flows, 0.08, 2017, 2014) == pytest.approx(
        finance.npv(0.08, flows) / 1.08**3
    )


# -- Who pays --------------------------------------------------------------------------------


def test_who_pays_splits_public_money_as_the_budget_line_does():
    # capex 100 = grant 20 + debt 50 + equity 30; line public money policy 15 : town 5.
    # market = 50 + 30 = 80; grant 20 -> policy 20 x 15/20 = 15, town 5.
    # shares 0.80, 0.15, 0.05, summing to 1.
    p = project(capex=100, debt=50, equity=30, capital_grant=[20, 0, 0])
    entry = blended_metrics(programme(line("L", 80, 15, 5)), {"p": p})["projects"]["p"]
    w = entry["who_pays"]
    assert [value(w[k]["yuan"]) for k in ("market", "policy", "town")] == pytest.approx([80, 15, 5])
    assert [value(w[k]["share"]) for k in ("market", "policy", "town")] == pytest.approx(
        [0.8, 0.15, 0.05]
    )
    assert w["public_split_from"] == "budget_line"


def test_who_pays_national_tariff_subsidy_is_policy_money():
    # A town-only line (policy 0 : town 1), yet the national PV tariff subsidy (PV 10 at
    # the start: 11 a year later at 10%) is higher-level money: market 90, policy 10, town 0.
    p = project(capex=90, debt=60, equity=30, subsidy_yuan=[0, 11])
    w = blended_metrics(programme(line("L", 0, 0, 1)), {"p": p})["projects"]["p"]["who_pays"]
    assert [value(w[k]["yuan"]) for k in ("market", "policy", "town")] == pytest.approx([90, 10, 0])


def test_who_pays_falls_back_to_the_programme_split():
    # The project's line has no public money, so its grant of 10 is split as the programme's
    # public money is: policy (0 + 3) : town (0 + 1) -> 7.5 and 2.5.
    p = project(capex=10, capital_grant=[10], budget_line="A")
    out = blended_metrics(programme(line("A", 5, 0, 0), line("B", 0, 3, 1)), {"p": p})
    w = out["projects"]["p"]["who_pays"]
    assert value(w["policy"]["yuan"]) == pytest.approx(7.5)
    assert value(w["town"]["yuan"]) == pytest.approx(2.5)
    assert w["public_split_from"] == "programme"


amounts = st.floats(min_value=0, max_value=1e10, allow_nan=False)


@given(
    debt=amounts,
    equity=amounts,
    grant=amounts,
    tariff=amounts,
    production=amounts,
    spending=amounts,
    guidance=amounts,
    policy=amounts,
    town=amounts,
)
def test_who_pays_shares_sum_to_one(
    debt, equity, grant, tariff, production, spending, guidance, policy, town
):
    a = {
        "private_yuan": debt + equity,
        "grant_yuan": grant,
        "tariff_subsidy_pv_yuan": tariff,
        "production_subsidy_pv_yuan": production,
        "public_programme_spending_yuan": spending,
        "fund_public_equity_yuan": guidance,
    }
    prog = programme(line("L", 0, policy, town), line("M", 0, 1, 1))
    w = who_pays(a, prog.budget.lines[0], prog)
    total = value(w["total_yuan"])
    if total > 0:
        shares = [value(w[k]["share"]) for k in ("market", "policy", "town")]
        assert sum(shares) == pytest.approx(1.0)
        assert all(0 <= s <= 1 + 1e-12 for s in shares)
    yuan = sum(value(w[k]["yuan"]) for k in ("market", "policy", "town"))
    assert yuan == pytest.approx(debt + equity + grant + tariff + production + spending + guidance)


# -- Xiaolan ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xiaolan(xiaolan_build):
    """Xiaolan, its projects and its fund as the shared build evaluated them (conftest.py),
    and their blended metrics."""
    built = xiaolan_build.build
    prog, projects, f = built.programme, built.projects, built.fund
    return prog, projects, f, blended_metrics(prog, projects, f)


@pytest.mark.programme
def test_xiaolan_is_json_ready_with_units(xiaolan):
    *_, out = xiaolan
    json.dumps(out, allow_nan=False, ensure_ascii=False)

    def numbers(node):
        if isinstance(node, dict):
            if "value" in node:
                assert set(node) == {"value", "unit"} and node["unit"]
                return
            for child in node.values():
                numbers(child)

    for section in ("projects", "fund", "programme"):
        numbers(out[section])


def test_xiaolan_who_pays_shares_sum_to_one(xiaolan):
    *_, out = xiaolan
    for pid, entry in [*out["projects"].items(), ("programme", out["programme"])]:
        w = entry["who_pays"]
        shares = [value(w[k]["share"]) for k in ("market", "policy", "town")]
        assert sum(shares) == pytest.approx(1.0), pid
        if pid != "programme":
            total = value(entry["private_yuan"]) + value(entry["public_yuan"])
            assert value(w["total_yuan"]) == pytest.approx(total), pid


def test_xiaolan_public_programmes_match_their_budget_lines(xiaolan):
    # The forum spends line 9b's 210 万元: policy 200, town 10, as table 5-4 splits it.
    *_, out = xiaolan
    w = out["projects"]["forum"]["who_pays"]
    assert value(w["policy"]["yuan"]) == pytest.approx(2_000_000)
    assert value(w["town"]["yuan"]) == pytest.approx(100_000)
    assert value(w["market"]["yuan"]) == 0


def test_xiaolan_agrees_with_the_models(xiaolan):
    prog, projects, f, out = xiaolan
    rate = prog.assumptions.discount_rate.value
    # The national PV subsidy's PV at the project start is the model's own NPV of its line.
    pv1 = projects["pv_phase1"]
    subsidy = pv1.evaluation.lines["subsidy_yuan"][0]
    assert value(out["projects"]["pv_phase1"]["tariff_subsidy_pv_yuan"]) == pytest.approx(
        finance.npv(rate, subsidy)
    )
    # The fund's ratio at commitment: (senior 75,000 万 + manager 1,000 万) / government 24,000 万.
    assert value(out["fund"]["mobilisation_ratio"]) == pytest.approx(760 / 240)
    # The programme's private money is the projects' private money (amounts add up).
    private = sum(value(e["private_yuan"]) for e in out["projects"].values())
    assert value(out["programme"]["private_yuan"]) == pytest.approx(private)
    # Every project's tonnes at the base year are its lifetime tonnes or fewer.
    for pid, entry in out["projects"].items():
        lifetime = projects[pid].metrics["abatement_t_co2e"]
        lifetime = 0.0 if math.isnan(lifetime) else lifetime
        assert value(entry["abatement_pv_base_t_co2e"]) <= lifetime + 1e-6, pid
