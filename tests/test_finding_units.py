"""A finding's numbers carry their units and labels from the check that compares them
(`portfolio.reconciliation`), into results.json (`reconciliation.N.units`, `.labels`); the
pages format and name them from those, never from a key's suffix."""

from __future__ import annotations

import re

import pytest

from xlfinance.cli import main
from xlfinance.definitions import load_programme
from xlfinance.definitions.reconciliation import Rule, value_units
from xlfinance.model import units
from xlfinance.portfolio.reconciliation import DEPLOYMENT_LABELS, words
from xlfinance.render.reports import _finding_kind, finding_label

from .test_reconciliation_rules import XIAOLAN, copy


@pytest.fixture(scope="module")
def xiaolan():
    return load_programme(XIAOLAN)


def units_of(programme, values: dict) -> dict:
    rule = Rule(id="r", kind="equal", title="t", compare=list(values)[:2], values=values)
    return value_units(rule, programme.targets, programme.budget)


def test_each_value_has_the_unit_of_what_it_reads(xiaolan):
    # read: a figure's, an indicator's, a pathway target's unit, the budget's for a cell
    assert units_of(
        xiaolan,
        {
            "gdp": {"figure": "gdp_2013"},
            "intensity": {"indicator": "co2_intensity", "year": 2015},
            "lanes": {"pathway": "slow_travel", "year": 2020},
            "market": {"budget": "8", "column": "market_wan_yuan"},
            "cut": {"figure": "ghg_intensity_2010", "cut_by": "co2_intensity_reduction_2015"},
        },
    ) == {
        "gdp": "wan_yuan",
        "intensity": "t CO2/万元",
        "lanes": "km",
        "market": "wan_yuan",
        "cut": "t CO2e/万元",  # 1.21 t CO2e/万元 x (1 - 19.5%): still t CO2e/万元
    }


def test_a_computed_value_has_the_unit_of_its_arithmetic(xiaolan):
    found = units_of(
        xiaolan,
        {
            "buses_2015": {"pathway": "bus_conversion", "year": 2015},
            "buses_2020": {"pathway": "bus_conversion", "year": 2020},
            "lanes": {"pathway": "slow_travel", "year": 2020},
            "gdp_2013": {"figure": "gdp_2013"},
            "gdp_2015": {"figure": "gdp_2015_target"},
            "share": {"ratio": ["buses_2015", "buses_2020"]},  # vehicles / vehicles
            "per_bus": {"ratio": ["lanes", "buses_2020"]},  # km / vehicles
            "more": {"difference": ["gdp_2015", "gdp_2013"]},  # 万元 - 万元
            "growth": {"growth": ["gdp_2013", "gdp_2015"], "years": 2},  # a year
        },
    )
    assert (found["share"], found["per_bus"]) == ("share", "km/vehicles")
    assert (found["more"], found["growth"]) == ("wan_yuan", "rate")


@pytest.mark.programme
@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        # fund-size: a difference of 万元 and km
        (
            "to_raise_elsewhere_wan_yuan: {difference: [fund_size_2020_wan_yuan, "
            "budget_line_8_market_wan_yuan]",
            "to_raise_elsewhere_wan_yuan: {difference: [fund_size_2020_wan_yuan, "
            "budget_line_8_market_wan_yuan]}\n      lanes: {pathway: slow_travel, year: 2020}\n"
            "      lanes_less: {difference: [fund_size_2020_wan_yuan, lanes]",
            "rules[5].values.lanes_less",
            "a difference of values in two units (wan_yuan and km)",
        ),
        # pv-budget-capacity: a target in km cannot be bought in MW
        (
            "target: {pathway: solar_pv, year: 2020",
            "target: {pathway: slow_travel, year: 2020",
            "rules[6].values.target",
            "the target is in km: a capacity the budget buys is compared in MW",
        ),
    ],
)
def test_values_a_finding_could_not_compare_are_a_problem(tmp_path, capsys, old, new, field, says):
    folder = copy(tmp_path)
    path = folder / "reconciliation.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    (line,) = [e for e in err.splitlines() if f"reconciliation.yaml: {field}:" in e]
    assert says in line and re.search(r"\(line \d+\)$", line), line
    assert "Traceback" not in err


def test_a_label_names_the_unit_a_number_is_shown_in():
    # money and tonnes a year and a unit per unit are named; yuan are shown in 万元, so a
    # number in yuan is labelled 万元 (the old guess read "_yuan" and wrote "yuan" beside a
    # number it had divided by 10,000)
    assert finding_label("Budget", "wan_yuan") == "Budget, 万元"
    assert finding_label("Committed", "yuan") == "Committed, 万元"
    assert finding_label("Claimed", "t CO2e/yr") == "Claimed, t CO2e/yr"
    assert finding_label("Modelled", "yuan/W") == "Modelled, yuan/W"
    assert finding_label("Section 3 text", "t CO2/万元") == "Section 3 text, t CO2/万元"
    # a share or a multiple shows its sign, a count or length its label names, a text none
    assert finding_label("Implied share", "share") == "Implied share"
    assert finding_label("Minimum DSCR", "x") == "Minimum DSCR"
    assert finding_label("Target MW 2020", "MW") == "Target MW 2020"
    assert finding_label("Ratio", "ratio") == "Ratio"
    assert finding_label("Projects", None) == "Projects"


def test_a_number_is_shown_its_units_way_not_its_keys():
    # 539,552,145.77 yuan shown in 万元: / 10,000 = 53,955 (the wan_yuan way)
    kind = _finding_kind(539_552_145.7747, "yuan")
    assert kind == "wan_yuan" and units.fmt(539_552_145.7747, kind) == "53,955"
    # a share in percent: 0.5395 -> 54.0%; a cover as a multiple: 1.234 -> 1.23×
    assert units.fmt(0.5395521, _finding_kind(0.5395521, "share")) == "54.0%"
    assert units.fmt(1.234, _finding_kind(1.234, "x")) == "1.23\u00d7"
    # whole MW, as the plan's targets are written (5 MW, 150 MW): 36.815 -> 37
    assert units.fmt(36.815, _finding_kind(36.815, "MW")) == "37"
    # a text, or a number that is not there, is shown as it is
    assert _finding_kind("pv_phase1, pv_phase2", None) is None
    assert _finding_kind(None, "t CO2e/yr") is None
    # a number whose source states no unit is a pure number: decimals only if it has them
    assert (_finding_kind(20.0, None), _finding_kind(0.25, None)) == ("int", "dec2")


def test_a_label_comes_from_the_check_not_the_keys_suffix():
    # a key that ends as a unit would is not read: its label and unit are the check's
    assert finding_label("Budget", "km") == "Budget"
    assert words("table_3_2_km_2015") == "Table 3-2 km 2015"
    assert words("implied_growth_2014_2015") == "Implied growth 2014 2015"
    assert set(DEPLOYMENT_LABELS) >= set(
        __import__("xlfinance.fund.results").fund.results.DEPLOYMENT
    )


@pytest.mark.programme
def test_every_number_of_xiaolan_s_findings_has_its_unit_and_label(xiaolan_build):
    findings = xiaolan_build.results["reconciliation"]
    assert len(findings) > 30
    for f in findings:
        assert set(f["labels"]) == set(f["numbers"]), f["id"]
        for key, value in f["numbers"].items():
            if isinstance(value, str):
                assert key not in f["units"], (f["id"], key)
            else:
                assert units.check(f["units"][key]), (f["id"], key)
    by_id = {f["id"]: f for f in findings}
    assert by_id["fund-deployment"]["units"]["committed_yuan"] == "yuan"
    assert by_id["fund-deployment"]["units"]["deployment_ratio"] == "share"
    assert by_id["gdp-2015"]["units"] == {
        "gdp_2013_wan_yuan": "wan_yuan",
        "gdp_2015_target_wan_yuan": "wan_yuan",
        "implied_growth_2014_2015": "rate",
        "stated_growth_2011_2015": "rate",
    }
    assert by_id["gdp-2015"]["labels"]["gdp_2013_wan_yuan"] == "GDP 2013"
    # The 2015 CO2 intensity, three ways, each a CO2 intensity: the cut starts from 2010's
    # CO2 intensity, not section 2.2(2)'s GHG intensity (the same 1.21, in t CO2e/万元).
    intensity = by_id["intensity-2015"]
    assert set(intensity["units"].values()) == {"t CO2/万元"}
    # 1.21 x (1 - 0.195) = 0.97405, against 0.96 (section 3 text) and 0.97 (table 3-1)
    assert intensity["numbers"]["implied_by_19_5_pct_cut"] == pytest.approx(0.97405, abs=1e-12)
    assert (intensity["numbers"]["section_3_text"], intensity["numbers"]["table_3_1"]) == (
        0.96,
        0.97,
    )


@pytest.mark.programme
def test_the_proposal_shows_each_number_in_its_unit(xiaolan_build):
    page = (xiaolan_build.out / "proposal.html").read_text(encoding="utf-8")
    i = next(i for i, f in enumerate(xiaolan_build.results["reconciliation"])
             if f["id"] == "fund-deployment")  # fmt: skip
    # committed 1,000,000,000 yuan = 100,000 万元, named 万元 beside the label
    assert "<dt>Committed, 万元</dt>" in page
    assert re.search(
        rf'data-key="reconciliation\.{i}\.numbers\.committed_yuan" data-kind="wan_yuan">'
        r"100,000<",
        page,
    )
    # the deployment ratio is a share: 421,859,716.82 / 1,000,000,000 = 42.2%
    assert re.search(r'numbers\.deployment_ratio" data-kind="pct">42\.2%<', page)
    assert "<dt>GDP 2013, 万元</dt>" in page and "<dt>Text, 万元</dt>" in page
