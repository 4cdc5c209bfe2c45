"""Every label of every model xlfinance builds has its Chinese, from the one catalogue
(`xlfinance.render.labels_zh`): the Xiaolan projects and fund; the same projects with each
finance option that adds lines (debt sized to cover, every repayment kind, DSRA and MRA, the
tax holiday, production subsidies, carbon revenue and grants) and each fuel an archetype
accepts; funds of both waterfalls, every exit method and random terms. No two English labels
share a Chinese text unless they say one thing (EXCEPTIONS), and no text begins as a formula.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from xlfinance.archetypes import build_model
from xlfinance.definitions import load_programme
from xlfinance.definitions.schema import ProjectDef
from xlfinance.fund import evaluate
from xlfinance.fund.model import build_fund_model, project_flows
from xlfinance.projects import evaluate_projects
from xlfinance.render.labels import (
    FORMULA_STARTS,
    SHEET_HEADINGS,
    bilingual,
    label_zh,
    unit_zh,
)

from .strategies import examples
from .test_fund import _american_example, _two_close_fund, random_funds

XIAOLAN = Path(__file__).resolve().parents[1] / "projects" / "xiaolan"

FINANCE_VARIANTS = {
    "share_annuity": dict(debt_sizing="share", debt_share=0.5, repayment="annuity"),
    "share_equal_principal": dict(debt_sizing="share", debt_share=0.5, repayment="equal_principal"),
    "share_sculpted": dict(debt_sizing="share", debt_share=0.5, repayment="sculpted"),
    "cover_annuity": dict(debt_sizing="cover", repayment="annuity"),
    "cover_equal_principal": dict(debt_sizing="cover", repayment="equal_principal"),
    "cover_sculpted": dict(debt_sizing="cover", repayment="sculpted"),
    "reserves": dict(debt_sizing="share", debt_share=0.5, dsra_months=6, mra=True),
    "tax_holiday": dict(tax_holiday=True),
    "support": dict(production_subsidy=0.1, carbon_price_yuan_per_t=50.0, capital_grant_yuan=1e3),
}
"""Finance options that add lines, applied to every Xiaolan project with finance."""

PARAMETER_VARIANTS = {
    "chp": {"boiler_fuel": ["coal", "natural_gas", "fuel_oil", "diesel", "lpg"]},
    "fleet": {"old_fuel": ["diesel", "gasoline"]},
    "programme": {"tax_exempt": [False]},
}
"""Words the archetypes put into labels (a fuel), and the programme archetype taxed."""

EXCEPTIONS = {
    frozenset({"Gas net calorific value", "Natural gas net calorific value"}),
}
"""Different English labels of one concept, which share their Chinese: the NCV of natural
gas (CCHP and boilers say "Gas", the fleet "Natural gas")."""


def _with_finance(definition, change):
    data = definition.model_dump(mode="json", exclude_unset=True)
    fin = data["parameters"].get("finance")
    if fin is None:
        return None
    fin.update(copy.deepcopy(change))
    fin.setdefault("debt_rate", 0.06)
    if fin.get("debt_sizing") == "cover":
        fin.pop("debt_share", None)
        fin.setdefault("target_dscr", 1.3)
        fin.setdefault("max_gearing", 0.7)
    elif "debt_share" in change:
        fin.pop("target_dscr", None)
        fin.pop("max_gearing", None)
    if change.get("mra") and data["archetype"] != "fleet":  # a fleet renews its vehicles
        fin.update(replacement_cost_yuan=1e3, replacement_interval_years=5)
    # A loan must be repaid within operation (taxis run 8 years): a tenor that fits.
    fin["tenor_years"] = min(
        fin.get("tenor_years", 10),
        fin.get("construction_years", 1) + fin["operating_years"] - fin.get("grace_years", 0),
    )
    return data


@pytest.fixture(scope="module")
def programme():
    return load_programme(XIAOLAN)


@pytest.fixture(scope="module")
def models(programme):
    """(what, model) for every model of the module's docstring but the random funds."""
    results = evaluate_projects(programme)
    out = [(pid, r.model) for pid, r in results.items()]
    out.append(("fund", build_fund_model(programme.fund, project_flows(results)).model))
    built = set()
    for definition in programme.projects:
        for what, change in FINANCE_VARIANTS.items():
            data = _with_finance(definition, change)
            if data is not None:
                out.append((f"{definition.id} {what}", _build(data, programme)))
                built.add(what)
        for key, values in PARAMETER_VARIANTS.get(definition.archetype, {}).items():
            for value in values:
                data = definition.model_dump(mode="json", exclude_unset=True)
                data["parameters"][key] = value
                out.append((f"{definition.id} {key}={value}", _build(data, programme)))
    assert built == set(FINANCE_VARIANTS)
    for what, fe in (
        ("american fund", _american_example()),
        ("two closes", evaluate(*_two_close_fund())),
        ("two closes, american", evaluate(*_two_close_fund("american"))),
    ):
        out.append((what, fe.fund.model))
    return out


def _build(data, programme):
    return build_model(ProjectDef.model_validate(data), programme)


def _items(model):
    for kind in ("inputs", "series", "lines", "outputs"):
        for name, item in getattr(model, kind).items():
            yield kind, name, item


def _class_names(programme):
    return {c.name.en: c.name.zh for c in programme.fund.classes}


def test_the_variants_add_the_conditional_lines(models):
    # The options reach the lines they are there for (so the totality below covers them).
    lines = {name for _, model in models for name in model.lines}
    for name in ("dsra_balance", "mra_balance", "debt_share_sized", "loss_used_5"):
        assert name in lines, name


def test_every_label_has_its_chinese(models, programme):
    names = _class_names(programme)
    missing = [
        (what, kind, name, item.label)
        for what, model in models
        for kind, name, item in _items(model)
        if label_zh(item.label or name, names) is None
    ]
    assert not missing, missing[:20]


def test_every_unit_has_its_chinese(models):
    units = {item.unit for _, model in models for _, _, item in _items(model)}
    missing = sorted(u for u in units if unit_zh(u) is None)
    assert not missing, missing


def test_one_english_label_one_chinese_text(models, programme):
    names = _class_names(programme)
    by_zh: dict[str, set[str]] = {label_zh(h): {h} for h in SHEET_HEADINGS}
    assert None not in by_zh
    for _, model in models:
        for _, name, item in _items(model):
            label = item.label or name
            by_zh.setdefault(label_zh(label, names), set()).add(label)
    shared = [frozenset(labels) for labels in by_zh.values() if len(labels) > 1]
    assert [s for s in shared if s not in EXCEPTIONS] == []
    # The exceptions are real: each pair is still in the models and still shares.
    assert set(shared) == EXCEPTIONS


def test_no_text_is_a_formula(models, programme):
    names = _class_names(programme)
    for heading in SHEET_HEADINGS:
        assert not bilingual(heading).startswith(FORMULA_STARTS), heading
    for _, model in models:
        for _, name, item in _items(model):
            for text in (
                label_zh(item.label or name, names),
                bilingual(item.label or name),
                unit_zh(item.unit),
            ):
                assert not text or not text.startswith(FORMULA_STARTS), text


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_funds())
def test_random_funds_labels_have_chinese(case):
    fund, flows = case
    model = build_fund_model(fund, flows).model
    missing = [
        item.label or name
        for _, name, item in _items(model)
        if label_zh(item.label or name) is None
    ]
    assert not missing, missing


def test_the_vocabulary_of_the_2006_methods():
    # The terms of 建设项目经济评价方法与参数, 3rd ed. (2006), and the tax law's, where a
    # line says what they name.
    assert "可用于偿债的现金流" in label_zh("Cash flow available for debt service")
    assert "偿债备付率" in label_zh("Debt service cover ratio")
    assert "息税折旧摊销前利润" in label_zh("EBITDA")
    assert label_zh("Output VAT") == "销项税额"
    assert label_zh("VAT credit carried forward") == "期末留抵税额"
    assert "建设期利息" in label_zh("Interest during construction (capitalised)")
    assert "项目投资现金流量" in label_zh("Project cash flow, after tax")
    assert "资本金现金流量" in label_zh("Equity cash flow")
    assert "宽限期" in label_zh("Grace years (interest only, after COD)")
    assert "城市维护建设税" in label_zh("Urban maintenance and construction tax, share of VAT paid")
    assert "教育费附加" in label_zh("Education surcharge, share of VAT paid")


def test_templates_carry_their_variable_part():
    # A loss vintage keeps its age; a fund class its name, in Chinese where given, as
    # written where not; a project id is kept; a nested label is translated.
    assert label_zh("Loss made 4 year(s) before, used") == "4年前亏损，本年弥补"
    assert label_zh("Senior: net IRR", {"Senior": "优先级"}) == "优先级：净内部收益率"
    assert label_zh("Senior: net IRR") == "Senior：净内部收益率"
    assert label_zh("Project pv_phase1: gross IRR") == "项目 pv_phase1：毛内部收益率"
    assert label_zh("If liquidated at NAV: Rank 2: return of capital due") == (
        "若按资产净值清算：第2级：应返还本金"
    )
    assert label_zh("Gas, VAT included") == "燃气费（含增值税）"
    assert label_zh("Electricity saved: chillers") == "节电量：chillers"
    assert label_zh("Nothing the catalogue knows") is None
    assert label_zh("Project x: nothing the catalogue knows") is None


def test_bilingual_and_units():
    assert bilingual("Debt service") == "还本付息 / Debt service"
    assert bilingual("Nothing the catalogue knows") == "Nothing the catalogue knows"
    assert bilingual(None) is None
    assert unit_zh("yuan/kWh incl. VAT") == "元/kWh（含增值税）"
    assert unit_zh("yuan/t steam no VAT") == "元/吨蒸汽（不含增值税）"
    assert unit_zh("t CO2e/yr") == "吨二氧化碳当量/年"
    assert unit_zh("") == ""
    assert unit_zh("furlongs") is None
