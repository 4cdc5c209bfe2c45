"""Every label of every model xlfinance builds has its Chinese, from the one catalogue
(`xlfinance.render.labels_zh`): the Xiaolan projects and fund; the same projects with each
finance option that adds lines (debt sized to cover, every repayment kind, DSRA and MRA, the
tax holiday, production subsidies, carbon revenue and grants) and each fuel an archetype
accepts; funds of both waterfalls, every exit method and random terms. No two English labels
share a Chinese text unless they say one thing (EXCEPTIONS), and no text begins as a formula.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from xlfinance.archetypes import build_model
from xlfinance.definitions.schema import ProjectDef
from xlfinance.fund import evaluate
from xlfinance.fund.model import build_fund_model, project_flows
from xlfinance.render import labels_zh as catalogue
from xlfinance.render.labels import (
    FORMULA_STARTS,
    SHEET_HEADINGS,
    Names,
    assumption,
    bilingual,
    label_zh,
    severity,
    unit_zh,
    word,
)
from xlfinance.render.workbook import _sourced_fields

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
def programme(xiaolan_build):
    """Xiaolan as the shared build loaded it (conftest.py)."""
    return xiaolan_build.build.programme


@pytest.fixture(scope="module")
def models(programme, xiaolan_build):
    """(what, model) for every model of the module's docstring but the random funds."""
    results = xiaolan_build.build.projects
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


def test_names_frozen_give_the_same_chinese_as_a_dict(models, programme):
    # A workbook passes its names (every project id, the classes) frozen, hashed once;
    # every label must read them as it reads the plain mapping they were made from.
    names = _class_names(programme)
    frozen = Names(names)
    assert dict(frozen) == names and len(frozen) == len(names)
    assert Names(dict(reversed(names.items()))) == frozen  # order does not matter
    assert hash(Names(names)) == hash(frozen)
    for _, model in models:
        for _, name, item in _items(model):
            label = item.label or name
            assert label_zh(label, frozen) == label_zh(label, names), label


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


HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_workbooks_own_texts_have_one_chinese_each_and_are_never_formulas():
    # The sheets' own words sit in the catalogue beside the models' labels, keyed by the
    # English: none is in both, none shares its Chinese with another English text, and
    # neither language begins as a formula.
    assert not set(catalogue.SHEET_TEXTS) & set(catalogue.FIXED)
    by_zh: dict[str, set[str]] = {}
    for en, zh in (*catalogue.FIXED.items(), *catalogue.SHEET_TEXTS.items()):
        by_zh.setdefault(zh, set()).add(en)
    shared = [en for en in by_zh.values() if len(en) > 1 and en & set(catalogue.SHEET_TEXTS)]
    assert shared == []
    pairs = [
        *catalogue.SHEET_TEXTS.items(),
        *catalogue.SHEET_TEMPLATES,
        *((en, zh) for zh, en in catalogue.ASSUMPTIONS.values()),
        *((en, zh) for zh, en in catalogue.SEVERITIES.values()),
        *catalogue.WORDS.items(),
        *catalogue.RELIABILITIES.items(),
    ]
    for en, zh in pairs:
        assert HAN.search(zh), en
        assert not en.startswith(FORMULA_STARTS) and not zh.startswith(FORMULA_STARTS), en


def test_the_sheets_texts_as_cells_show_them():
    # Worked by hand: the Chinese the catalogue gives, " / ", the English as written; a
    # project id by its sheet tab's Chinese, numbers, lines and paths kept.
    assert bilingual(
        "pv_phase1: Operating years is as the model was built (20; it fixes the periods and rows)",
        {"pv_phase1": "光伏一期"},
    ) == (
        "光伏一期：运营期与建模时一致（20；它决定期次和行） / pv_phase1: Operating years is as "
        "the model was built (20; it fixes the periods and rows)"
    )
    assert bilingual("Line 7a: modelled capex differs from the budget by more than 10%") == (
        "预算行7a：建模建设投资与预算相差超过10% / "
        "Line 7a: modelled capex differs from the budget by more than 10%"
    )
    assert bilingual("Budget: the Market column adds up to the plan's total") == (
        "预算：市场资金列之和等于方案所列合计 / "
        "Budget: the Market column adds up to the plan's total"
    )
    assert bilingual("programme assumption assumptions.lending_rate") == (
        "取自方案假设 assumptions.lending_rate / programme assumption assumptions.lending_rate"
    )
    assert bilingual("10,000 trials, seed 1") == "10,000次模拟，随机种子1 / 10,000 trials, seed 1"
    assert bilingual(
        "Archetype pv; budget line 4; inputs on the Inputs sheet; yuan unless stated"
    ).startswith("项目类型：光伏；预算行4；")
    # A text the catalogue lacks stays as written: no Chinese is made up.
    assert bilingual("Line 7a: something else") == "Line 7a: something else"
    assert severity("warning") == "差异 / warning" and severity("odd") == "odd"
    assert word("triangular") == "三角分布 / triangular" and word("odd_key") == "odd_key"


def test_every_programme_assumption_is_named_from_the_catalogue(programme):
    # The Inputs sheet named them by their keys ("emission factors t co2 per tj.coal"); each
    # now has the Chinese and English the pages' table of assumptions gives, a schedule's
    # step with its year.
    for path, _ in _sourced_fields(programme.assumptions, "assumptions"):
        text = assumption(path.removeprefix("assumptions."))
        assert HAN.search(text.split(" / ")[0]) and " / " in text, path
    assert (
        assumption("emission_factors_t_co2_per_tj.coal") == "煤炭排放因子 / Emission factor, coal"
    )
    assert assumption("vat_rates.goods.from_2018") == (
        "货物增值税税率（2018年起） / VAT on goods (standard rate), from 2018"
    )
    assert assumption("not_an_assumption") == "not an assumption"
