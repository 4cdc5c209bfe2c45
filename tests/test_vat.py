"""VAT as it is paid (`archetypes.finance.vat`), year-indexed rates, the surtaxes and the
economic cash flow at resource cost (`archetypes.finance.economic`), each worked by hand.

The projects are the small PV and fleet examples of tests/test_archetype_pv.py and
tests/test_archetype_fleet.py (7,000,000 yuan of PV selling 500,000 kWh at 1.00 and 500,000
at 0.40 yuan/kWh, VAT included: 700,000 a year for 20 years from 2016; 0.42 yuan/kWh of
subsidy; O&M 70,000), with the VAT rates each test gives."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfinance.archetypes import build_model
from xlfinance.archetypes.finance.vat import add_vat
from xlfinance.model.core import Model

from .factories import merged, programme, project, vat_rates
from .test_archetype_fleet import BASE as FLEET
from .test_archetype_pv import BASE as PV

OUTPUT_VAT_17 = 700_000 * 0.17 / 1.17  # 101,709.40 of output VAT in a year's 700,000 of sales


def pv(params=PV, **rates):
    m = build_model(project("pv", params), programme(vat_rates=vat_rates(**rates)))
    return m, m.evaluate()


def row(ev, name):
    return ev.lines[name][0]


def test_a_credit_carried_forward_and_the_refund():
    # Electricity and goods at 17%. 10% of the capex is goods: its VAT is
    # 7,000,000 x 0.1 x 0.17 / 1.17 = 101,709.40, one year of output VAT exactly.
    #   2015 (construction): input 101,709.40, nothing to set it against: carried forward.
    #   2016: output 101,709.40 uses the credit up: VAT paid 0, no refund.
    #   2017, 2018: VAT paid 101,709.40, half refunded at once (财税[2016]81 runs to 2018):
    #               50,854.70.
    #   2019: VAT paid 101,709.40, no refund.
    params = merged(PV, finance__capex_vat_share=0.1)
    _, ev = pv(params, electricity={2014: 0.17}, goods={2014: 0.17})
    paid, credit, refund = (row(ev, n) for n in ("vat_paid", "vat_credit_closing", "vat_refund"))
    assert OUTPUT_VAT_17 == pytest.approx(101_709.40, abs=0.01)
    assert row(ev, "capex_input_vat")[0] == pytest.approx(OUTPUT_VAT_17)
    np.testing.assert_allclose(credit[:3], [OUTPUT_VAT_17, 0, 0], atol=1e-6)
    np.testing.assert_allclose(paid[:5], [0, 0, OUTPUT_VAT_17, OUTPUT_VAT_17, OUTPUT_VAT_17])
    np.testing.assert_allclose(refund[:5], [0, 0, OUTPUT_VAT_17 / 2, OUTPUT_VAT_17 / 2, 0])
    # The surtaxes: 5% (城建税, a town) + 3% + 2% = 10% of the VAT paid: 10,170.94.
    np.testing.assert_allclose(row(ev, "vat_surtaxes")[2], 10_170.94, atol=0.01)
    # Revenue is net of VAT, the subsidy (no VAT) and the refund added:
    # 2017: 700,000 / 1.17 + 420,000 + 50,854.70 = 1,069,145.30.
    assert row(ev, "revenue")[2] == pytest.approx(700_000 / 1.17 + 420_000 + OUTPUT_VAT_17 / 2)
    # The cash: the capex is paid with its VAT (-7,000,000 in 2015); 2016 gets the credit
    # back as VAT collected and not paid: EBITDA + 101,709.40.
    pre_tax, ebitda = row(ev, "project_cash_flow_pre_tax"), row(ev, "ebitda")
    assert pre_tax[0] == pytest.approx(-7_000_000)
    assert pre_tax[1] == pytest.approx(ebitda[1] + OUTPUT_VAT_17)
    assert pre_tax[2] == pytest.approx(ebitda[2])
    # The credited VAT is not part of the asset's cost: 7,000,000 - 101,709.40 depreciated.
    assert row(ev, "depreciable_base")[1] == pytest.approx(7_000_000 - OUTPUT_VAT_17)


def test_a_rate_steps_in_the_year_it_took_effect():
    # Electricity 17%, 16% from 2018 (财税[2018]32), 13% from 2019 (公告2019年第39号):
    # output VAT on 700,000 = 700,000 x r / (1 + r): 2017 101,709.40; 2018 96,551.72;
    # 2019 80,530.97. No capex VAT (goods at 0), so all of it is paid.
    _, ev = pv(electricity={2014: 0.17, 2018: 0.16, 2019: 0.13})
    np.testing.assert_allclose(
        row(ev, "vat_rate_electricity")[:6], [0.17, 0.17, 0.17, 0.16, 0.13, 0.13]
    )
    np.testing.assert_allclose(
        row(ev, "output_vat")[2:5], [101_709.40, 96_551.72, 80_530.97], atol=0.01
    )
    np.testing.assert_allclose(
        row(ev, "vat_paid")[2:5], [101_709.40, 96_551.72, 80_530.97], atol=0.01
    )
    assert row(ev, "sales_host_yuan")[4] == pytest.approx(500_000 / 1.13)


def test_input_vat_on_operating_purchases_is_credited():
    # O&M at 6% (a service): input VAT 70,000 x 0.06 / 1.06 = 3,962.26 a year; electricity
    # at 17%: VAT paid 101,709.40 - 3,962.26 = 97,747.14; O&M in the costs 66,037.74.
    _, ev = pv(electricity={2014: 0.17}, services={2014: 0.06})
    assert row(ev, "operating_input_vat")[1] == pytest.approx(70_000 * 0.06 / 1.06)
    assert row(ev, "vat_paid")[1] == pytest.approx(97_747.14, abs=0.01)
    assert row(ev, "om_yuan")[1] == pytest.approx(66_037.74, abs=0.01)


def test_the_economic_cash_flow_has_no_tax_subsidy_or_financing():
    # Electricity and goods at 17%; the PV default: 80% of the capex is goods.
    #   capex at resource cost: 7,000,000 x (1 - 0.8 x 0.17 / 1.17) = 6,186,324.79
    #   a year: sales net of VAT 700,000 / 1.17 = 598,290.60 less O&M 70,000 = 528,290.60;
    #     no subsidy (420,000), no refund, no surtaxes, no income tax, no VAT cash
    #   final year: the book value left, 5% of 6,186,324.79 = 309,316.24
    # Abatement cost at the social rate (8%): -NPV(economic) / NPV(tonnes), 800 t a year.
    params = merged(PV, finance__debt_share=0.7, finance__capital_grant_yuan=1_000_000)
    _, ev = pv(params, electricity={2014: 0.17}, goods={2014: 0.17})
    capex = 7_000_000 * (1 - 0.8 * 0.17 / 1.17)
    assert capex == pytest.approx(6_186_324.79, abs=0.01)
    flows = np.array([-capex] + [700_000 / 1.17 - 70_000] * 20)
    flows[-1] += 0.05 * capex
    np.testing.assert_allclose(row(ev, "economic_cash_flow"), flows, rtol=1e-12)
    years = np.arange(21)
    tonnes = np.array([0] + [800] * 20)
    cost = -(flows / 1.08**years).sum() / (tonnes / 1.08**years).sum()
    assert ev.outputs["abatement_cost_yuan_per_t"][0] == pytest.approx(cost, rel=1e-12)


def test_the_social_discount_rate_is_its_own():
    # The economic flow discounted at the social rate, not the project's: at 0% the cost is
    # -sum(flows) / sum(tonnes).
    m = build_model(project("pv", PV), programme(social_discount_rate=0.0))
    ev = m.evaluate()
    flows, tonnes = row(ev, "economic_cash_flow"), row(ev, "abatement_t_co2e")
    cost = ev.outputs["abatement_cost_yuan_per_t"][0]
    assert cost == pytest.approx(-flows.sum() / tonnes.sum(), rel=1e-12)


def test_fuel_taxes_are_taken_out_of_the_fleet_economic_flow():
    # 1,500,000 L of diesel at 6 yuan/L with 17% VAT and 1.2 yuan/L of consumption tax
    # (财税[2015]11) replaced by 1,500,000 m3 of CNG at 4 yuan/m3 with 13% VAT:
    #   taxes saved 1,500,000 x (6 x 0.17 / 1.17 + 1.2) = 3,107,692.31
    #   less the VAT in the gas 1,500,000 x 4 x 0.13 / 1.13 = 690,265.49
    #   = 2,417,426.82 a year. Maintenance 200,000 with 17% VAT: 29,059.83 of it is tax.
    # The economic flow of a year: savings 3,000,000 - 2,417,426.82 - maintenance and O&M
    # 700,000 + 29,059.83 = -88,366.99 (the bus operator credits none: its accounts keep it).
    m = build_model(
        project("fleet", FLEET),
        programme(vat_rates=vat_rates(goods={2014: 0.17}, low_rate={2014: 0.13})),
    )
    ev = m.evaluate()
    assert row(ev, "fuel_taxes_saved_yuan")[1] == pytest.approx(2_417_426.82, abs=0.01)
    assert row(ev, "extra_maintenance_vat_yuan")[1] == pytest.approx(29_059.83, abs=0.01)
    assert row(ev, "economic_cash_flow")[1] == pytest.approx(-88_366.99, abs=0.01)
    assert row(ev, "vat_paid").sum() == 0  # no VAT account: not creditable


def account(output, input_, offset=False):
    n = len(output)
    m = Model("vat", 2015, n)
    f = SimpleNamespace(
        vat=SimpleNamespace(
            capex_vat_share=m.input("share", 0.0),
            vat_creditable=m.input("creditable", 1.0),
            goods_rate=m.input("goods", 0.0),
            surtax_rate=m.input("surtax", 0.1),
        )
    )
    out = m.series_input("out", output)
    in_ = m.series_input("in", input_)
    zero = m.line("zero", 0 * out)
    add_vat(m, f, zero, zero, [out], [in_], refund_share=0.5, offset_elsewhere=offset)
    return m.evaluate()


def test_a_business_with_other_sales_uses_the_credit_at_once():
    # A factory's switch: VAT of 50 on the coal no longer bought, 80 on the gas bought:
    # its VAT bill falls by 30 at once (paid -30), nothing is carried forward; surtaxes -3.
    ev = account([50.0], [80.0], offset=True)
    assert row(ev, "vat_paid")[0] == -30 and row(ev, "vat_credit_closing")[0] == 0
    assert row(ev, "vat_surtaxes")[0] == pytest.approx(-3.0)


amounts = st.lists(st.integers(0, 1000).map(float), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_account_balances(data):
    output = data.draw(amounts)
    input_ = data.draw(
        st.lists(st.integers(0, 1000).map(float), min_size=len(output), max_size=len(output))
    )
    ev = account(output, input_)
    paid, credit, refund = (row(ev, n) for n in ("vat_paid", "vat_credit_closing", "vat_refund"))
    # In cumulative form: VAT paid to date less the credit still carried = output less
    # input to date; the refund is half the VAT paid; nothing is paid while a credit is
    # carried.
    np.testing.assert_allclose(
        np.cumsum(paid) - credit, np.cumsum(output) - np.cumsum(input_), atol=1e-9
    )
    np.testing.assert_allclose(np.cumsum(paid - refund), np.cumsum(paid) / 2, atol=1e-9)
    assert (paid >= 0).all() and (credit >= 0).all() and (paid * credit == 0).all()
    np.testing.assert_allclose(row(ev, "vat_surtaxes"), 0.1 * paid)


def test_a_schedule_must_start_by_the_base_year_and_run_in_order(tmp_path):
    from .test_definitions import edited, problems_of, programme_dir

    def late(data):
        data["assumptions"]["vat_rates"]["electricity"].pop("from_2014")

    (problem,) = problems_of(programme_dir(tmp_path / "late", edited(late)))
    assert problem.file.endswith("programme.yaml")
    assert "assumptions.vat_rates.electricity starts in 2018, after the base year 2014" in (
        problem.message
    )

    def backwards(data):
        steps = data["assumptions"]["vat_rates"]["goods"]
        data["assumptions"]["vat_rates"]["goods"] = dict(reversed(list(steps.items())))

    (problem,) = problems_of(programme_dir(tmp_path / "order", edited(backwards)))
    assert problem.field == "assumptions.vat_rates.goods"
    assert "calendar order" in problem.message

    def typo(data):
        data["assumptions"]["vat_rates"]["low_rate"]["since_2017"] = 0.11

    (problem,) = problems_of(programme_dir(tmp_path / "key", edited(typo)))
    assert problem.field.startswith("assumptions.vat_rates.low_rate")
