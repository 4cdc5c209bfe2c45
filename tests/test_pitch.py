"""`xlfinance.render.pitch`: what a pitch says besides its figures, on small results worked by
hand (standing, cover warning, the asks and their terms, the key risks, the sponsor)."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from pydantic import ValidationError

from xlfinance.assemble import sponsor_of
from xlfinance.definitions.schema import ProjectDef
from xlfinance.model import units
from xlfinance.render import pitch
from xlfinance.results import (
    Exit,
    FundInvestment,
    FundTerms,
    Loan,
    ProjectResults,
    Quantity,
    Text,
)


class StandIn:
    """A stand-in for `figures.Figures`: the path and the way it is shown, to see which
    figure is shown where; `shown` the way the path's unit says, as results.json's `units`
    map would give it (`UNITS`)."""

    def __call__(self, path: str, kind: str = "int", unit: str = "") -> Markup:
        return Markup("<{}:{}>").format(path, kind)

    def shown(self, path: str) -> Markup:
        return self(path, units.display(UNITS[path]))


UNITS = {
    "structuring.viability_gaps.projects.p.value": "yuan",
    "projects.p.min_dscr": "x",
    "projects.p.debt_yuan": "yuan",
    "fund.investments.p.invested_yuan": "yuan",
    "structuring.bankable_debt.projects.p.loan_yuan": "yuan",
    **{f"risk.tornado.{i}.{end}": "yuan" for i in range(6) for end in ("at_low", "at_high")},
}
"""The units of the figures the pitch's parts show here: yuan, shown in 万元; the cover a
multiple."""
fig = StandIn()


def results(**project) -> dict:
    base = {"debt_yuan": 0.0, "min_dscr": None, "npv_yuan": 1.0}
    return {"projects": {"p": {**base, **project}}}


class TestStanding:
    def test_a_project_with_a_viability_gap_needs_that_support(self):
        r = results()
        r["structuring"] = {"viability_gaps": {"projects": {"p": {"value": 6_153_700.9}}}}
        s = pitch.standing(r, "p", fig)
        assert s["kind"] == "support"
        # the amount is results.json's figure, in 万元, tagged with its path
        assert "<structuring.viability_gaps.projects.p.value:wan_yuan>" in s["zh"]
        assert "<structuring.viability_gaps.projects.p.value:wan_yuan>" in s["en"]

    def test_a_gap_no_grant_can_fill_is_not_investable(self):
        r = results()
        r["structuring"] = {"viability_gaps": {"projects": {}, "unreachable": ["p"]}}
        assert pitch.standing(r, "p", fig)["kind"] == "not_viable"

    def test_without_a_gap_or_structuring_it_is_investable(self):
        assert pitch.standing(results(), "p", fig)["kind"] == "investable"
        r = results()
        r["structuring"] = {"viability_gaps": {"projects": {"q": {"value": 1.0}}}}
        assert pitch.standing(r, "p", fig)["kind"] == "investable"


class TestCoverWarning:
    def test_a_loan_under_its_target_is_warned_of(self):
        w = pitch.cover_warning(results(debt_yuan=7.6e6, min_dscr=1.12), "p", 1.30, fig)
        assert "<projects.p.min_dscr:x>" in w["en"] and "1.30" in w["en"]
        assert "1.30" in w["zh"]

    @pytest.mark.parametrize(
        "project, target",
        [
            (dict(debt_yuan=7.6e6, min_dscr=1.30), 1.30),  # at the target: no warning
            (dict(debt_yuan=7.6e6, min_dscr=2.5), 1.30),
            (dict(debt_yuan=0.0, min_dscr=None), 1.30),  # no loan
            (dict(debt_yuan=7.6e6, min_dscr=1.1), None),  # no target
        ],
    )
    def test_no_warning_otherwise(self, project, target):
        assert pitch.cover_warning(results(**project), "p", target, fig) is None


def project(archetype="chp", sponsor=None, **terms) -> ProjectResults:
    """A project `p` whose loan is 6.15% a year over 10 years, 2 of construction and 1 of
    grace, in equal instalments, sized to cover a DSCR of 1.30 at most 60% of capex."""
    loan = dict(
        rate=Quantity(0.0615, "rate"),
        tenor_years=10,
        construction_years=2,
        grace_years=1,
        repayment="annuity",
        sizing="cover",
        target_dscr=Quantity(1.3, "x"),
        max_gearing=Quantity(0.6, "share"),
        debt_share=Quantity(0.0, "share"),
    )
    loan.update(terms)
    return ProjectResults(
        id="p",
        name=Text("项目", "Project"),
        archetype=archetype,
        archetype_label=Text("", archetype),
        colour="",
        archetype_investable=True,
        budget_line="1",
        start_year=2015,
        metrics={},
        sponsor=sponsor,
        loan=Loan(**loan),
    )


FUND = FundTerms(
    name=Text("低碳基金", "Low-carbon fund"),
    description=None,
    investment_period=Quantity(5, "years"),
    term=Quantity(12, "years"),
    closes=(),
    classes=(),
    fee_rate=Quantity(0.02, "rate"),
    carry_rate=Quantity(0.2, "rate"),
    catch_up_share=Quantity(1.0, "share"),
    waterfall_style="european",
    hurdle_compounding="compound",
    investments=(FundInvestment("p", Quantity(0.49, "share"), "s", Exit("hold", None, None)),),
)


class TestAsks:
    def test_the_fund_the_banks_and_the_loan_lenders_would_size(self):
        r = results(debt_yuan=7_595_459.05)
        r["fund"] = {"investments": {"p": {"invested_yuan": 8_038_225.06}}}
        r["structuring"] = {"bankable_debt": {"projects": {"p": {"loan_yuan": 9_000_000.0}}}}
        fund, bank, bankable = pitch.asks(r, project(), FUND, fig)
        assert fund["to_en"] == "Low-carbon fund"
        assert "<fund.investments.p.invested_yuan:wan_yuan>" in fund["en"]
        assert "49% of the equity" in fund["en"] and "49%" in fund["zh"]
        assert "<projects.p.debt_yuan:wan_yuan>" in bank["en"]
        # the terms as a bank quotes them: 6.15% a year, 10 years from the first drawdown,
        # 2 of them construction and 1 grace, so 7 of repayment; sized to cover 1.30, <= 60%
        assert (
            "6.15% a year, 10 years from first drawdown (2 of construction, 1 of grace), equal "
            "instalments, sized to a DSCR of 1.30, at most 60% of capex"
        ) in bank["en"]
        assert "年利率 6.15%" in bank["zh"] and "宽限期 1 年" in bank["zh"]
        assert "<structuring.bankable_debt.projects.p.loan_yuan:wan_yuan>" in bankable["en"]

    def test_a_fixed_share_loan_and_an_esco(self):
        r = results(debt_yuan=7_200_000.0)
        d = project("retrofit", sizing="share", grace_years=0, debt_share=Quantity(0.3, "share"))
        bank, esco = pitch.asks(r, d, None, fig)
        assert "(2 of construction), equal instalments, 30% of capex" in bank["en"]
        assert "宽限期" not in bank["zh"]
        assert esco["to_en"] == "Energy service companies"

    def test_a_bankable_loan_no_larger_than_the_loan_is_not_asked_again(self):
        r = results(debt_yuan=7_595_459.05)
        r["structuring"] = {"bankable_debt": {"projects": {"p": {"loan_yuan": 7_595_459.05}}}}
        assert len(pitch.asks(r, project(), None, fig)) == 1

    def test_nothing_to_ask_of_anyone(self):
        assert pitch.asks(results(), project(), None, fig) == []


def test_key_risks_are_the_largest_swings_of_the_projects_npv():
    tornado = [
        {"output": "projects.p.npv_yuan", "label": "small", "swing": 1.0},
        {"output": "projects.q.npv_yuan", "label": "other project", "swing": 99.0},
        {"output": "projects.p.npv_yuan", "label": "largest", "label_zh": "最大", "swing": 9.0},
        {"output": "projects.p.irr", "label": "another output", "swing": 50.0},
        {"output": "projects.p.npv_yuan", "label": "second", "swing": 5.0},
        {"output": "projects.p.npv_yuan", "label": "third", "swing": 2.0},
    ]
    r = {**results(), "risk": {"tornado": tornado}}
    risks = pitch.key_risks(r, "p", fig)
    assert [x["en"] for x in risks] == ["largest", "second", "third"]
    assert [x["zh"] for x in risks] == ["最大", "second", "third"]  # English without a zh
    assert risks[0]["npv"] == "<risk.tornado.2.at_low:wan_yuan> ~ <risk.tornado.2.at_high:wan_yuan>"
    assert pitch.key_risks(results(), "p", fig) == []


PROJECT = {
    "id": "p",
    "name": {"zh": "项目", "en": "Project"},
    "archetype": "programme",
    "budget_line": "9b",
    "start_year": 2015,
    "parameters": {
        "total_cost_yuan": {"value": 2_100_000, "source": "s"},
        "capital_cost_yuan": {"value": 0, "source": "s"},
        "cost_years": {"value": 1, "source": "s"},
    },
    "sponsor": {
        "name": {"zh": "小榄镇发改局", "en": "Xiaolan Development and Reform Bureau"},
        "arrangement": {"zh": "模式", "en": "model"},
        "source": "[xiaolan-plan-2014] table 5-2",
    },
}


class TestSponsor:
    def test_shown_with_its_arrangement_and_contact_through_the_lead_agency(self):
        d = ProjectDef.model_validate(PROJECT)
        s = pitch.sponsor(project(sponsor=sponsor_of(d.sponsor)))
        assert s["name_en"] == "Xiaolan Development and Reform Bureau"
        assert s["arrangement_zh"] == "模式"
        assert s["contact_zh"] == "" and s["source"] == "[xiaolan-plan-2014] table 5-2"
        assert ProjectDef.model_validate({**PROJECT, "sponsor": None}).sponsor is None
        assert pitch.sponsor(project(sponsor=None)) is None

    @pytest.mark.parametrize(
        "sponsor",
        [
            {"name": {"zh": "局", "en": "Bureau"}},  # no source
            {"name": {"zh": "局", "en": "Bureau"}, "source": "s", "phone": "1"},  # unknown field
            {"name": "Bureau", "source": "s"},  # not bilingual
        ],
    )
    def test_a_sponsor_without_its_source_or_with_unknown_fields_is_refused(self, sponsor):
        ProjectDef.model_validate(PROJECT)  # valid but for the sponsor
        with pytest.raises(ValidationError) as raised:
            ProjectDef.model_validate({**PROJECT, "sponsor": sponsor})
        assert {e["loc"][0] for e in raised.value.errors()} == {"sponsor"}
