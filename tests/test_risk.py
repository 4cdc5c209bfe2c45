"""The risk engine: scenarios, tornado and Monte Carlo over the Xiaolan models and fund.

References: the closed forms of the triangular distribution (mean (a + b + c) / 3, variance
(a^2 + b^2 + c^2 - ab - ac - bc) / 18, inverse CDF; Evans, Hastings and Peacock,
*Statistical Distributions*, 3rd ed., ch. 40); the large-sample standard error of a sample
quantile, sqrt(p (1 - p) / N) / f(x_p) (Cramer 1946, 28.5); the Gaussian copula's rank
correlation (6 / pi) arcsin(rho / 2), and the standard error of Fisher's z of Spearman's
rho, sqrt(1.06 / (N - 3)) (Fieller, Hartley and Pearson, Biometrika 44, 1957). Every
statistical tolerance below is four standard errors: a correct sampler fails it about once
in 16,000 seeds, and the seeds are fixed, so the tests are deterministic.
"""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pytest
import yaml

from xlfinance import cli
from xlfinance.definitions import load_programme
from xlfinance.definitions.risk import (
    Distribution,
    RiskFile,
    assumption_value,
    correlation_matrix,
    normal_rho,
)
from xlfinance.errors import DefinitionError
from xlfinance.fund.model import ProjectFlows, build_fund_model, project_flows
from xlfinance.projects import evaluate_projects
from xlfinance.render.sheetnames import RISK
from xlfinance.risk import ProgressBar, add_risk_sheet, run_risk, sampling
from xlfinance.risk.results import RiskResult, TornadoBar, statistics

from .factories import typed_programme

XIAOLAN = Path(__file__).resolve().parents[1] / "projects" / "xiaolan"
Z4 = 4.0  # four standard errors


@pytest.fixture(scope="module")
def xiaolan(xiaolan_build):
    """Xiaolan and its projects evaluated: the shared build's (conftest.py), read only."""
    return xiaolan_build.build.programme, xiaolan_build.build.projects


@pytest.fixture(scope="module")
def fund_model(xiaolan):
    programme, projects = xiaolan
    return build_fund_model(programme.fund, project_flows(projects))


def risk_of(**sections) -> RiskFile:
    return RiskFile.model_validate(sections)


def copy_with_risk(tmp_path: Path, risk: dict) -> Path:
    root = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, root)
    (root / "risk.yaml").write_text(yaml.safe_dump(risk, allow_unicode=True), encoding="utf-8")
    return root


def problems_of(fn) -> list:
    with pytest.raises(DefinitionError) as info:
        fn()
    return info.value.problems


# --------------------------------------------------------------------------------------
# Collapsed distributions give the base case
# --------------------------------------------------------------------------------------


def collapsed(d: Distribution, base: float) -> Distribution:
    """`d` shrunk to one point, in its own kind: the base value, or 1 / 0 for a factor or
    an amount."""
    point = {"value": base, "multiply": 1.0, "add": 0.0}[d.apply]
    params = {
        "triangular": {"low": point, "mode": point, "high": point},
        "uniform": {"low": point, "high": point},
        "normal": {"mean": point, "sd": 0.0},
        "lognormal": {"mean": point, "sd": 0.0},
    }[d.kind]
    return Distribution.model_validate(
        {"kind": d.kind, "apply": d.apply, "source": d.source, **params}
    )


@pytest.mark.programme
def test_collapsed_distributions_give_the_base_case_in_every_trial(xiaolan, fund_model):
    programme, projects = xiaolan
    risk = programme.risk

    def base_of(path: str) -> float:
        scope, *rest = path.split(".")
        if scope == "assumptions":
            return assumption_value(programme.assumptions, ".".join(rest))
        if scope == "fund":
            return fund_model.model.inputs[rest[0]].value
        assert rest[0] != "*", "a value distribution over every project has no single base"
        return projects[rest[0]].model.inputs[rest[1]].value

    point = risk.model_copy(
        update={
            "distributions": {
                path: collapsed(d, base_of(path) if d.apply == "value" else math.nan)
                for path, d in risk.distributions.items()
            }
        }
    )
    # The scenarios and tornado stay: their rows differ from the trials' in the same arrays,
    # so the trials go through the vectorised evaluation, not a shortcut.
    result = run_risk(programme, projects, risk=point, trials=50, seed=11)
    assert result.trials == 50
    for path, draws in result.samples.items():
        d = point.distributions[path]
        assert (draws == (d.low if d.low is not None else d.mean)).all(), path
    for pid, project in projects.items():
        for metric in ("npv_yuan", "irr", "equity_irr"):
            got = result.trial_values(f"projects.{pid}.{metric}")
            want = project.metrics[metric]
            np.testing.assert_allclose(got, np.full(50, want), rtol=1e-12, err_msg=pid)
    fund = fund_model.model.evaluate()
    for c in fund_model.classes:
        got = result.trial_values(f"fund.classes.{c}.net_irr")
        np.testing.assert_allclose(got, fund.outputs[f"net_irr_{c}"][0], rtol=1e-12)
    stats = result.results()["monte_carlo"]["outputs"]["projects.pv_phase2.npv_yuan"]
    want = projects["pv_phase2"].metrics["npv_yuan"]
    assert stats["p10"] == pytest.approx(want, rel=1e-12)
    assert stats["p90"] == pytest.approx(want, rel=1e-12)


# --------------------------------------------------------------------------------------
# Sampling: closed forms, seeds, copula
# --------------------------------------------------------------------------------------


def triangular_quantile(p: float, a: float, c: float, b: float) -> float:
    """Inverse CDF of the triangular (low a, mode c, high b), written out independently."""
    if p < (c - a) / (b - a):
        return a + math.sqrt(p * (b - a) * (c - a))
    return b - math.sqrt((1 - p) * (b - a) * (b - c))


def triangular_density(x: float, a: float, c: float, b: float) -> float:
    if x <= c:
        return 2 * (x - a) / ((b - a) * (c - a))
    return 2 * (b - x) / ((b - a) * (b - c))


@pytest.mark.programme
def test_triangular_input_matches_its_closed_forms(xiaolan):
    """PV phase 1 capex: 6.2 / 7.0 / 8.0 yuan/W x 5 MW, the range of risk.yaml."""
    programme, projects = xiaolan
    a, c, b = 31e6, 35e6, 40e6
    path = "projects.pv_phase1.capex_yuan"
    n = 20_000
    risk = risk_of(
        distributions={
            path: {
                "kind": "triangular",
                "low": a,
                "mode": c,
                "high": b,
                "source": "assumption: test",
            }
        }
    )
    result = run_risk(programme, projects, risk=risk, trials=n, seed=2015)
    draws = result.samples[path]
    assert draws.shape == (n,) and draws.min() >= a and draws.max() <= b

    mean = (a + b + c) / 3  # 35.33 million
    sd = math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)  # 1.84 million
    assert abs(draws.mean() - mean) <= Z4 * sd / math.sqrt(n)
    for p in (0.10, 0.50, 0.90):
        x = triangular_quantile(p, a, c, b)  # 32.68, 35.28, 38.05 million
        se = math.sqrt(p * (1 - p) / n) / triangular_density(x, a, c, b)
        assert abs(np.quantile(draws, p) - x) <= Z4 * se, p
    # The draws reached the model: NPV falls as capex rises, in every trial.
    npv = result.trial_values("projects.pv_phase1.npv_yuan")
    assert sampling.rank_correlation(draws, npv) == pytest.approx(-1.0)
    stats = result.results()["monte_carlo"]["outputs"]["projects.pv_phase1.npv_yuan"]
    assert stats["p10"] < projects["pv_phase1"].metrics["npv_yuan"] < stats["p90"]


def test_quantile_function_matches_closed_forms():
    tri = Distribution(kind="triangular", low=1.0, mode=2.0, high=4.0, source="test")
    for p in (0.1, 1 / 3, 0.5, 0.9):
        assert sampling.quantile(tri, p) == pytest.approx(triangular_quantile(p, 1, 2, 4))
    uni = Distribution(kind="uniform", low=2.0, high=3.0, source="test")
    assert sampling.quantile(uni, 0.25) == pytest.approx(2.25)
    normal = Distribution(kind="normal", mean=10.0, sd=2.0, source="test")
    assert sampling.quantile(normal, 0.9) == pytest.approx(10 + 2 * 1.2815515655446004)
    # lognormal with mean 1 and sd 0.2: sigma^2 = ln(1.04), median exp(-sigma^2 / 2)
    logn = Distribution(kind="lognormal", mean=1.0, sd=0.2, source="test")
    assert sampling.quantile(logn, 0.5) == pytest.approx(math.exp(-math.log(1.04) / 2))


@pytest.mark.programme
def test_same_seed_same_results_other_seed_other_results(xiaolan):
    programme, projects = xiaolan

    def run(seed):
        return json.dumps(run_risk(programme, projects, trials=300, seed=seed).results())

    first, again, other = run(3), run(3), run(4)
    assert first == again
    assert first != other


@pytest.mark.parametrize("rho", [0.6, -0.4, 0.9])
def test_gaussian_copula_gives_the_rank_correlation_asked_for(rho):
    n = 20_000
    risk = risk_of(
        distributions={
            "projects.a.x": {
                "kind": "triangular",
                "low": 0,
                "mode": 1,
                "high": 5,
                "source": "assumption: t",
            },
            "projects.b.y": {
                "kind": "lognormal",
                "mean": 2.0,
                "sd": 1.0,
                "source": "assumption: t",
            },
        },
        correlations=[
            {"between": ["projects.a.x", "projects.b.y"], "rho": rho, "source": "assumption: t"}
        ],
    )
    draws = sampling.sample(risk.distributions, n, 42, correlation_matrix(risk))
    got = sampling.rank_correlation(draws["projects.a.x"], draws["projects.b.y"])
    se = math.sqrt(1.06 / (n - 3))  # of Fisher's z = atanh(rho_s)
    assert abs(math.atanh(got) - math.atanh(rho)) <= Z4 * se
    # the normals' correlation is 2 sin(pi rho / 6), which gives back rho as a rank correlation
    assert 6 / math.pi * math.asin(normal_rho(rho) / 2) == pytest.approx(rho)


@pytest.mark.programme
def test_xiaolan_correlations_hold_in_the_trials(xiaolan):
    programme, projects = xiaolan
    result = run_risk(programme, projects, trials=4000, seed=1)
    se = math.sqrt(1.06 / (4000 - 3))
    for item in programme.risk.correlations:
        a, b = item.between
        got = sampling.rank_correlation(result.samples[a], result.samples[b])
        assert abs(math.atanh(got) - math.atanh(item.rho)) <= Z4 * se, item.between


def test_a_correlation_of_one_is_allowed():
    """Positive semi-definite but singular: the copula factor comes from eigenvalues."""
    matrix = np.array([[1.0, 1.0], [1.0, 1.0]])
    z = sampling.correlated_normals(1000, matrix, np.random.default_rng(0))
    np.testing.assert_allclose(z[:, 0], z[:, 1], atol=1e-12)


# --------------------------------------------------------------------------------------
# Scenarios reach the inputs by their dotted paths; the batch equals one at a time
# --------------------------------------------------------------------------------------


def test_scenario_overrides_reach_linked_and_project_inputs(xiaolan, fund_model):
    programme, projects = xiaolan
    risk = risk_of(
        scenarios={
            "cheap_money": {
                "description": "lending rate 4.90%",
                "overrides": {"assumptions.lending_rate": 0.049},
            },
            "dear_pv": {
                "description": "PV phase 1 capex +10%",
                "overrides": {"projects.pv_phase1.capex_yuan": {"multiply": 1.1}},
            },
            "gas": {
                "description": "gas 0.5 yuan/m3 dearer wherever it is bought",
                "overrides": {"projects.*.gas_price_yuan_per_m3": {"add": 0.5}},
            },
        }
    )
    result = run_risk(programme, projects, risk=risk)
    out = result.results()
    assert out["monte_carlo"] is None and out["trials"] == 0
    scenarios = out["scenarios"]
    assert list(scenarios) == ["base", "cheap_money", "dear_pv", "gas"]

    linked = [
        pid
        for pid, p in projects.items()
        if p.model.inputs["debt_rate"].link == "assumptions.lending_rate"
    ]
    assert len(linked) == len(projects)  # every project takes the programme's lending rate
    cheap_flows = {}
    for pid in linked:
        one = projects[pid].model.evaluate({"debt_rate": 0.049})
        for metric in ("npv_yuan", "irr", "equity_irr"):
            want = one.metrics()[metric]
            got = scenarios["cheap_money"]["projects"][pid][metric]
            assert (got is None and math.isnan(want)) or got == pytest.approx(want, rel=1e-12)
        cheap_flows[pid] = ProjectFlows(
            projects[pid].definition.start_year, tuple(one.lines["equity_cash_flow"][0])
        )
    # ... and the fund receives the re-evaluated equity flows of its investments
    fund = build_fund_model(programme.fund, cheap_flows).model.evaluate()
    for c in fund_model.classes:
        got = scenarios["cheap_money"]["fund"]["classes"][c]["net_irr"]
        assert got == pytest.approx(fund.outputs[f"net_irr_{c}"][0], rel=1e-12)

    capex = projects["pv_phase1"].model.inputs["capex_yuan"].value
    want = projects["pv_phase1"].model.evaluate({"capex_yuan": capex * 1.1}).metrics()
    assert scenarios["dear_pv"]["projects"]["pv_phase1"]["npv_yuan"] == pytest.approx(
        want["npv_yuan"], rel=1e-12
    )
    assert (
        scenarios["dear_pv"]["projects"]["pv_phase2"] == scenarios["base"]["projects"]["pv_phase2"]
    )

    hit = [p for p in projects if "gas_price_yuan_per_m3" in projects[p].model.inputs]
    assert sorted(hit) == sorted(
        ["des_phase1", "des_phase2", "industrial_boilers_phase1", "industrial_boilers_phase2"]
    )
    for pid in hit:
        base = projects[pid].model.inputs["gas_price_yuan_per_m3"].value
        want = projects[pid].model.evaluate({"gas_price_yuan_per_m3": base + 0.5}).metrics()
        got = scenarios["gas"]["projects"][pid]["npv_yuan"]
        assert got == pytest.approx(want["npv_yuan"], rel=1e-12)
        assert got < scenarios["base"]["projects"][pid]["npv_yuan"]


@pytest.mark.programme
def test_vectorised_trials_equal_the_loop(xiaolan):
    programme, projects = xiaolan
    risk = programme.risk.model_copy(update={"scenarios": {}, "tornado": ()})
    batch = run_risk(programme, projects, risk=risk, trials=4, seed=9)
    loop = run_risk(programme, projects, risk=risk, trials=4, seed=9, chunk_size=1, threads=1)
    assert batch.outputs.keys() == loop.outputs.keys()
    for name in batch.outputs:
        np.testing.assert_allclose(batch.outputs[name], loop.outputs[name], rtol=1e-10)


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


def test_results_have_the_agreed_shape(xiaolan):
    programme, projects = xiaolan
    result = run_risk(programme, projects, trials=500, seed=1)
    out = result.results()
    json.dumps(out, allow_nan=False)  # None for NaN, plain numbers
    assert out["trials"] == 500 and out["seed"] == 1
    assert list(out["scenarios"])[0] == "base"
    base = out["scenarios"]["base"]
    assert base["projects"]["pv_phase1"]["npv_yuan"] == pytest.approx(
        projects["pv_phase1"].metrics["npv_yuan"]
    )
    assert base["projects"]["capacity_building"]["irr"] is None  # NaN in the model
    assert set(base["fund"]["classes"]) == {"senior", "government", "manager"}

    tornado = out["tornado"]
    keys = {"output", "parameter", "apply", "unit", "label", "low", "high", "base", "at_low"}
    keys |= {"at_high", "swing"}
    # and the label in Chinese where risk.yaml gives one (every Xiaolan bar does)
    assert all(set(bar) == keys | {"label_zh"} for bar in tornado)
    by_output: dict[str, list[float]] = {}
    for bar in tornado:
        by_output.setdefault(bar["output"], []).append(bar["swing"])
    for output, swings in by_output.items():
        known = [s for s in swings if s is not None]
        assert known == sorted(known, reverse=True), output
    pv2 = [b for b in tornado if b["output"] == "projects.pv_phase2.npv_yuan"]
    assert pv2[0]["parameter"] == "projects.pv_phase2.capex_yuan"  # the biggest lever
    # in the unit of the input it reaches (its VAT basis left to the source), as risk.yaml
    # applies it
    assert (pv2[0]["unit"], pv2[0]["apply"]) == ("yuan", "multiply")
    units = {b["parameter"]: b["unit"] for b in tornado}
    assert units["assumptions.lending_rate"] == "rate"  # the inputs linked to it
    assert units["projects.des_phase1.full_load_hours"] == "h/yr"
    assert units["projects.*.gas_price_yuan_per_m3"] == "yuan/m3"  # "incl. VAT" in the model
    assert not any(b["parameter"] == "assumptions.lending_rate" for b in pv2)  # no effect
    assert any(b["output"] == "fund.classes.senior.net_irr" for b in tornado)

    mc = out["monte_carlo"]["outputs"]
    stats = mc["projects.pv_phase2.npv_yuan"]
    assert stats["p10"] < stats["p50"] < stats["p90"]
    assert sum(stats["histogram"]["counts"]) == 500
    assert len(stats["histogram"]["edges"]) == programme.risk.histogram_bins + 1
    assert 0 <= stats["prob_below_zero"] <= 1
    senior = mc["fund.classes.senior.net_irr"]
    assert 0 <= senior["prob_below_hurdle"] <= 1


def test_a_total_loss_counts_as_minus_100_percent():
    """Row 0 is the base; four trials: 5%, nothing ever received, 10%, no root; then a
    scenario and a tornado bar at either end, the low one a total loss."""
    irr = np.array([0.07, 0.05, np.nan, 0.10, np.nan, np.nan, np.nan, 0.09])
    lost = np.array([False, False, True, False, False, True, True, False])
    never = np.full(8, np.nan)  # a programme cost: no IRR in the base case either
    bar = TornadoBar(parameter="p", label="p", apply="multiply", low=0.5, high=1.5, unit="yuan")
    result = RiskResult(
        trials=4,
        seed=0,
        bins=4,
        scenarios={"base": (0, "base"), "low": (5, "everything low")},
        tornado=[(bar, (6, 7))],
        trial_rows=slice(1, 5),
        outputs={
            "fund.classes.lp.net_irr": irr,
            "projects.cost.irr": never,
            "projects.cost.equity_irr": never,
            "projects.cost.npv_yuan": np.full(8, -5.0),
        },
        hurdles={"lp": np.full(8, 0.08)},
        losses={"fund.classes.lp.net_irr": lost, "projects.cost.irr": np.ones(8, bool)},
        classes=("lp",),
    )
    assert result.scenario_results()["low"]["fund"]["classes"]["lp"]["net_irr"] == -1.0
    (tornado,) = result.tornado_results()
    assert (tornado["at_low"], tornado["at_high"]) == (-1.0, 0.09)
    assert tornado["swing"] == pytest.approx(1.09)  # 0.09 - (-1.00)
    np.testing.assert_array_equal(
        result.trial_values("fund.classes.lp.net_irr"), [0.05, -1.0, 0.10, np.nan]
    )
    stats = result.statistics("fund.classes.lp.net_irr")
    assert stats["share_undefined"] == 0.25
    assert stats["prob_below_zero"] == pytest.approx(1 / 3)
    assert stats["prob_below_hurdle"] == pytest.approx(2 / 3)
    assert stats["p50"] == pytest.approx(0.05)
    assert np.isnan(result.trial_values("projects.cost.irr")).all()
    assert statistics(never[1:])["p50"] is None


def test_the_risk_section_s_units_by_hand():
    """A run of one project's NPV and IRR and one fund class, a scenario, a tornado bar
    that multiplies a price (its range a factor, "x") and one draw of a price in yuan/kWh:
    each number of the section has the unit written out here."""
    npv = np.array([10.0, 8.0, 9.0, 11.0, 12.0, 7.0, 13.0])  # base, 3 trials, scenario, bar
    irr = np.array([0.08, 0.07, 0.09, 0.10, 0.05, 0.06, 0.09])
    bar = TornadoBar(
        parameter="price", label="price", apply="multiply", low=0.9, high=1.1, unit="yuan/kWh"
    )
    result = RiskResult(
        trials=3,
        seed=7,
        bins=2,
        scenarios={"low": (4, "prices low")},
        tornado=[(bar, (5, 6))],
        trial_rows=slice(1, 4),
        outputs={
            "projects.pv.npv_yuan": npv,
            "projects.pv.irr": irr,
            "projects.pv.equity_irr": irr,
            "fund.classes.lp.net_irr": irr,
        },
        units={
            "projects.pv.npv_yuan": "yuan",
            "projects.pv.irr": "rate",
            "projects.pv.equity_irr": "rate",
            "fund.classes.lp.net_irr": "rate",
        },
        hurdles={"lp": np.full(7, 0.08)},
        samples={"projects.pv.price": np.array([0.4, 0.5, 0.6])},
        input_bases={"projects.pv.price": 0.5},
        draw_units={"projects.pv.price": "yuan/kWh"},
        classes=("lp",),
    )
    section = result.results()
    found = result.section_units(section)
    mc = "risk.monte_carlo.outputs"
    expected = {
        "risk.trials": "",
        "risk.seed": "",
        "risk.scenarios.low.projects.pv.npv_yuan": "yuan",
        "risk.scenarios.low.projects.pv.irr": "rate",
        "risk.scenarios.low.projects.pv.equity_irr": "rate",
        "risk.scenarios.low.fund.classes.lp.net_irr": "rate",
        "risk.monte_carlo.inputs.projects.pv.price.p10": "yuan/kWh",
        "risk.monte_carlo.inputs.projects.pv.price.base": "yuan/kWh",
        "risk.monte_carlo.inputs.projects.pv.price.base_percentile": "share",
        f"{mc}.projects.pv.npv_yuan.p50": "yuan",
        f"{mc}.projects.pv.npv_yuan.mean": "yuan",
        f"{mc}.projects.pv.npv_yuan.prob_below_zero": "share",
        f"{mc}.projects.pv.npv_yuan.share_undefined": "share",
        f"{mc}.projects.pv.npv_yuan.histogram.edges": "yuan",
        f"{mc}.projects.pv.npv_yuan.histogram.counts": "",  # trials in each bin
        f"{mc}.fund.classes.lp.net_irr.prob_below_hurdle": "share",
    }
    assert {path: found[path] for path in expected} == expected
    for i, entry in enumerate(section["tornado"]):  # the NPV's and the IRR's bars
        at = f"risk.tornado.{i}"
        output_unit = "yuan" if entry["output"].endswith("npv_yuan") else "rate"
        assert (found[f"{at}.low"], found[f"{at}.high"]) == ("x", "x")  # 0.9 and 1.1 times
        assert found[f"{at}.at_low"] == found[f"{at}.swing"] == output_unit
    assert len(section["tornado"]) == 3  # the NPV, the IRR and the class's net IRR move

    def numbers(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from numbers(value, f"{path}.{key}")
        elif isinstance(node, list) and node and not isinstance(node[0], dict):
            yield path
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from numbers(value, f"{path}.{i}")
        elif isinstance(node, int | float) and not isinstance(node, bool):
            yield path

    assert [p for p in numbers(section, "risk") if p not in found] == []


def test_a_tornado_bar_with_no_range_and_no_distribution_is_refused_by_name(xiaolan):
    """A risk.yaml refuses such a bar at load (`definitions.risk`); a `RiskFile` given to
    `run_risk` directly met the 10th percentile of no distribution (an AttributeError on
    None, found by mypy --strict) and is now refused naming the parameter."""
    programme, projects = xiaolan
    risk = risk_of(tornado=[{"parameter": "assumptions.lending_rate"}])
    with pytest.raises(ValueError, match="'assumptions.lending_rate' has no distribution"):
        run_risk(programme, projects, risk=risk)


def test_risk_sheet_holds_values_with_their_provenance(xiaolan):
    programme, projects = xiaolan
    result = run_risk(programme, projects, trials=200, seed=5)
    wb = openpyxl.Workbook()
    add_risk_sheet(wb, {}, result)
    ws = wb[RISK]
    assert "200 trials, seed 5" in ws["A2"].value
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)  # values, not formulas
    text = {c.value for c in cells if isinstance(c.value, str)}
    # Its headings and a scenario's label (risk.yaml's label_zh, label) in both languages.
    assert {
        "情景分析 / Scenarios",
        "龙卷风图 / Tornado",
        "蒙特卡洛模拟 / Monte Carlo",
        "补贴2020年后停止 / subsidy ends after 2020",
    } <= text


# --------------------------------------------------------------------------------------
# Definition errors name risk.yaml, the field and the reason
# --------------------------------------------------------------------------------------


def test_unknown_paths_are_definition_errors_at_load(tmp_path):
    root = copy_with_risk(
        tmp_path,
        {
            "scenarios": {
                "odd": {"description": "x", "overrides": {"assumptions.nope": 1, "budget.x": 2}}
            },
            "distributions": {
                "projects.wind_farm.capex_yuan": {
                    "kind": "uniform",
                    "low": 1,
                    "high": 2,
                    "source": "assumption: test",
                }
            },
        },
    )
    problems = problems_of(lambda: load_programme(root))
    assert {p.file for p in problems} == {str(root / "risk.yaml")}
    by_field = {p.field: p.message for p in problems}
    assert by_field["scenarios.odd.overrides.assumptions.nope"] == (
        "'nope' is not a numeric assumption of programme.yaml"
    )
    assert by_field["scenarios.odd.overrides.budget.x"].startswith("unknown parameter path")
    assert by_field["distributions.projects.wind_farm.capex_yuan"].startswith(
        "unknown project 'wind_farm' (projects: "
    )
    assert all(p.line is not None for p in problems)


@pytest.mark.programme
def test_an_input_no_model_has_is_a_definition_error(tmp_path):
    root = copy_with_risk(
        tmp_path,
        {
            "distributions": {
                "projects.pv_phase1.capx_yuan": {
                    "kind": "normal",
                    "mean": 1,
                    "sd": 0,
                    "source": "assumption: test",
                },
                # The grid's average factor is for inventories: no project model takes it.
                "assumptions.grid_average_emission_factor_t_per_mwh": {
                    "kind": "uniform",
                    "low": 0.5,
                    "high": 0.55,
                    "source": "assumption: test",
                },
            }
        },
    )
    programme = load_programme(root)
    problems = problems_of(lambda: run_risk(programme, evaluate_projects(programme)))
    by_field = {p.field: p for p in problems}
    typo = by_field["distributions.projects.pv_phase1.capx_yuan"]
    assert typo.file == str(root / "risk.yaml")
    assert (
        typo.message == "project 'pv_phase1' has no input 'capx_yuan' (did you mean 'capex_yuan'?)"
    )
    text = (root / "risk.yaml").read_text(encoding="utf-8").splitlines()
    assert typo.line == text.index("  projects.pv_phase1.capx_yuan:") + 1
    unlinked = by_field["distributions.assumptions.grid_average_emission_factor_t_per_mwh"]
    assert unlinked.message.startswith(
        "no model input takes 'assumptions.grid_average_emission_factor_t_per_mwh'"
    )


@pytest.mark.parametrize(
    "entry, message",
    [
        (
            {"kind": "triangular", "low": 3, "mode": 1, "high": 2, "source": "assumption: s"},
            "needs low <= mode <= high",
        ),
        (
            {"kind": "normal", "mean": 1, "source": "assumption: s"},
            "a normal distribution needs mean, sd",
        ),
        (
            {"kind": "uniform", "low": 1, "high": 2, "mode": 1.5, "source": "assumption: s"},
            "a uniform distribution takes low, high, not mode",
        ),
        ({"kind": "uniform", "low": 1, "high": 2}, "required field missing"),
    ],
)
def test_distribution_fields_are_checked(tmp_path, entry, message):
    root = copy_with_risk(tmp_path, {"distributions": {"projects.pv_phase1.capex_yuan": entry}})
    problems = problems_of(lambda: load_programme(root))
    assert any(message in p.message for p in problems), [str(p) for p in problems]


def test_contradictory_correlations_are_rejected(tmp_path):
    dist = {
        "kind": "uniform",
        "low": 0.9,
        "high": 1.1,
        "apply": "multiply",
        "source": "assumption: s",
    }
    paths = [
        "projects.pv_phase1.capex_yuan",
        "projects.pv_phase2.capex_yuan",
        "projects.des_phase1.capex_yuan",
    ]
    pairs = [(0, 1), (1, 2), (0, 2)]
    root = copy_with_risk(
        tmp_path,
        {
            "distributions": {p: dist for p in paths},
            "correlations": [
                {"between": [paths[i], paths[j]], "rho": -0.9, "source": "assumption: s"}
                for i, j in pairs
            ],
        },
    )
    (problem,) = problems_of(lambda: load_programme(root))
    assert problem.field == "correlations"
    assert "not positive semi-definite" in problem.message


# --------------------------------------------------------------------------------------
# Progress bar and command line
# --------------------------------------------------------------------------------------


def test_progress_bar_writes_tenths_to_a_log():
    stream = io.StringIO()
    bar = ProgressBar("Monte Carlo", width=10, stream=stream)
    for done in range(0, 101, 5):
        bar(done, 100)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[          ]   0% Monte Carlo"
    assert lines[5] == "[#####     ]  50% Monte Carlo"
    assert lines[-1] == "[##########] 100% Monte Carlo"
    assert len(lines) == 11


def test_risk_command_builds_with_trials_seed_and_a_bar(monkeypatch, tmp_path, capsys):
    calls = []

    class Built:
        programme = load_programme(XIAOLAN)
        projects = {}
        results = {"risk": None}
        programme_results = typed_programme()
        files = []
        out_dir = tmp_path
        seconds = 0.0
        moved_aside = None

    def fake_build(directory, out, **kwargs):
        calls.append((directory, out, kwargs))
        return Built()

    monkeypatch.setattr("xlfinance.build.build", fake_build)
    status = cli.main(["risk", str(XIAOLAN), "--trials", "250", "--seed", "7", "--out", "o"])
    assert status == 0
    ((directory, out, kwargs),) = calls
    assert (directory, out) == (str(XIAOLAN), "o")
    assert kwargs["risk_trials"] == 250 and kwargs["risk_seed"] == 7
    assert kwargs["force"] is False
    assert isinstance(kwargs["progress"], ProgressBar)

    assert cli.main(["risk", str(tmp_path)]) == cli.EXIT_PROBLEMS
    assert "risk.yaml: file not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["risk", str(XIAOLAN), "--trials", "0"])


class TestBaseCasePercentile:
    """Where the base case sits among the trials: the share below it plus half the share
    equal to it (the mid-rank percentile rank), worked by hand."""

    @pytest.mark.parametrize(
        "values, x, expected",
        [
            ([1, 2, 3, 4], 2.5, 0.5),  # 2 of 4 below
            ([1, 2, 3, 4], 2.0, 0.375),  # (1 below + 1/2 of 1 equal) / 4
            ([1, 2, 3, 4], 0.0, 0.0),
            ([1, 2, 3, 4], 9.0, 1.0),
            ([1, 1, 1, 1], 1.0, 0.5),  # all equal: the middle
            ([1, np.nan, 3], 2.0, 0.5),  # NaN (no result) left out: 1 of 2 below
        ],
    )
    def test_percentile_of(self, values, x, expected):
        from xlfinance.risk.results import percentile_of

        assert percentile_of(np.array(values, dtype=float), x) == expected

    def test_none_without_values_or_base(self):
        from xlfinance.risk.results import percentile_of

        assert percentile_of(np.array([np.nan]), 1.0) is None
        assert percentile_of(np.array([1.0]), np.nan) is None

    def test_statistics_carry_the_base_and_its_percentile(self):
        out = statistics(np.arange(1.0, 11.0), bins=5, base=3.0)  # 2 below, 1 equal, of 10
        assert out["base"] == 3.0 and out["base_percentile"] == 0.25
        assert "base" not in statistics(np.arange(1.0, 11.0), bins=5)

    def test_a_draw_leaves_its_inputs_as_defined(self):
        from xlfinance.risk.engine import Target, _base_of_draw

        models = {
            "a": SimpleNamespace(inputs={"x": SimpleNamespace(value=5.0)}),
            "b": SimpleNamespace(inputs={"x": SimpleNamespace(value=5.0)}),
            "c": SimpleNamespace(inputs={"x": SimpleNamespace(value=7.0)}),
        }
        same = [Target("a", "x"), Target("b", "x")]
        assert _base_of_draw(SimpleNamespace(apply="multiply"), same, models) == 1.0
        assert _base_of_draw(SimpleNamespace(apply="add"), same, models) == 0.0
        assert _base_of_draw(SimpleNamespace(apply="value"), same, models) == 5.0
        # projects.*.x reaching different values: no one draw leaves them all as defined
        differ = [Target("a", "x"), Target("c", "x")]
        assert _base_of_draw(SimpleNamespace(apply="value"), differ, models) is None
