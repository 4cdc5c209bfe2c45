"""The pieces of `archetypes.finance`, each built alone on a small model and checked by
hand or against numpy-financial (the annuity against `npf.pmt`).

The loans here are worked by hand in the comments: the tenor counts from the first drawdown
(construction, grace and repayment years), as a Chinese bank quotes 贷款期限."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xlfinance import finance
from xlfinance.archetypes.common import add_timeline
from xlfinance.archetypes.finance.assets import add_assets
from xlfinance.archetypes.finance.debt import add_debt
from xlfinance.archetypes.finance.reserves import (
    add_debt_service_reserve,
    add_maintenance_reserve,
)
from xlfinance.model.core import Model
from xlfinance.model.expr import MOD, eq

from .strategies import examples

STRUCTURE = ("debt_sizing", "repayment", "mra")
"""Choices made when the model is built, not model inputs."""


def small(construction=1, operating=8, cfads=None, **values):
    """A model with the timeline and the inputs the debt, reserve and asset lines read;
    `cfads` (one number an operating year) is what a sized or sculpted loan is sized on."""
    m = Model("small", 2015, construction + operating)
    defaults = dict(
        construction_years=construction,
        operating_years=operating,
        escalation_rate=0.0,
        capex_yuan=1000.0,
        capital_grant_yuan=0.0,
        residual_value_share=0.05,
        depreciation_years=operating,
        debt_share=0.6,
        debt_rate=0.05,
        tenor_years=6,
        grace_years=0,
        repayment_annuity=1.0,
        target_dscr=1.25,
        max_gearing=0.9,
        replacement_cost_yuan=0.0,
        replacement_interval_years=100,
        debt_sizing="share",
        repayment="annuity",
        mra=False,
        dsra_months=None,
    )
    defaults.update(values)
    f = SimpleNamespace(
        **{k: v if k in STRUCTURE or v is None else m.input(k, v) for k, v in defaults.items()}
    )
    t = add_timeline(m, f)
    capex = m.line("capex", f.capex_yuan / f.construction_years * t.in_construction, "yuan")
    m.line(
        "replacement",
        f.replacement_cost_yuan
        * t.in_operation
        * eq(MOD(t.operating_year, f.replacement_interval_years), 0)
        * (t.operating_year < f.operating_years),
        "yuan",
    )
    flows = ([0.0] * construction + list(cfads or []) + [0.0] * operating)[: m.n_periods]
    given_cfads = m.series_input("given_cfads", flows)
    return m, t, f, capex, given_cfads


def loan(**kw):
    """The debt lines of `small(**kw)`, evaluated: a dict of rows."""
    m, t, f, capex, cfads = small(**kw)
    assets = add_assets(m, t, f)
    debt = add_debt(m, t, f, capex, assets.final_year, cfads)
    if kw.get("dsra_months"):
        add_debt_service_reserve(m, f, debt)
    ev = m.evaluate()
    return {n: v[0] for n, v in ev.lines.items()}


def test_an_annuity_loan_is_paid_as_pmt():
    # 600 drawn with the capex in year 0 (no interest: it accrues on the opening balance).
    # A 6-year tenor from the first drawdown, 1 of construction, no grace: 5 repayments,
    # years 1-5 pay PMT(5%, 5, 600) = 600 x 0.05 / (1 - 1.05^-5) = 138.58 each.
    rows = loan()
    service, interest, closing = rows["debt_service"], rows["interest_paid"], rows["debt_closing"]
    payment = -finance.pmt(0.05, 5, 600)
    assert payment == pytest.approx(-npf.pmt(0.05, 5, 600)) == pytest.approx(138.5849, abs=1e-4)
    np.testing.assert_allclose(service[1:6], payment, rtol=1e-12)
    assert interest[1] == pytest.approx(30.0) and closing[0] == pytest.approx(600.0)
    np.testing.assert_allclose(closing[5:], 0.0, atol=1e-9)
    np.testing.assert_allclose(service[6:], 0.0, atol=1e-9)


def test_the_tenor_counts_construction_and_grace():
    # A 10-year loan with 1 year of construction and 1 grace year of interest only after COD
    # is repaid over 10 - 1 - 1 = 8 years: operating years 2-9 (periods 2-9), the last
    # instalment 9 years after COD, 10 after the first drawdown. Equal principal: 600 / 8 = 75.
    rows = loan(operating=12, tenor_years=10, grace_years=1, repayment_annuity=0.0)
    principal, service = rows["principal_repaid"], rows["debt_service"]
    assert service[1] == pytest.approx(600 * 0.05) and principal[1] == 0
    np.testing.assert_allclose(principal[2:10], 75.0)
    assert not principal[10:].any() and not principal[:2].any()
    # Interest on what is left: 600, 525, ..., 75 at 5%.
    np.testing.assert_allclose(service[2:10], 75 + 0.05 * (600 - 75 * np.arange(8)))
    np.testing.assert_array_equal(rows["debt_term_year"], [0] + [1] * 9 + [0] * 3)
    np.testing.assert_array_equal(rows["repayment_year"], [0, 0] + [1] * 8 + [0] * 3)


def test_equal_principal_and_grace():
    # One grace year of interest only (30), then 600 / 4 = 150 of principal a year over the
    # 6 - 1 - 1 = 4 repayment years (years 2-5), interest on what is left.
    rows = loan(repayment_annuity=0.0, grace_years=1)
    service, principal = rows["debt_service"], rows["principal_repaid"]
    assert service[1] == pytest.approx(30.0) and principal[1] == 0
    np.testing.assert_allclose(principal[2:6], 150.0)
    np.testing.assert_allclose(service[2:6], [150 + 30, 150 + 22.5, 150 + 15, 150 + 7.5])


CFADS = [500.0, 400.0, 450.0, 0, 0]
"""Sizing CFADS of operating years 1-5; the loans below: 10%, tenor 4 from the first
drawdown, 1 construction year, no grace: 3 repayment years, target DSCR 1.25."""
SIZED = dict(debt_sizing="cover", cfads=CFADS, operating=5, tenor_years=4, debt_rate=0.10)


def test_an_annuity_sized_to_cover():
    # Annuity factor over 3 years at 10%: 0.1 / (1 - 1.1^-3) = 0.4021148; the same as
    # -npf.pmt(0.1, 3, 1). Each year allows a balance of CFADS / 1.25 / 0.4021148:
    # 400 / 1.25 = 320 is the least cover, so B = 320 / 0.4021148 = 795.7926; one
    # construction year draws it at the end of year 0 with no interest, so the share is
    # 795.7926 / 1,000. Service 320 a year: DSCR 500/320, 400/320 = 1.25, 450/320.
    factor = 0.1 / (1 - 1.1**-3)
    assert factor == pytest.approx(-npf.pmt(0.1, 3, 1))
    rows = loan(**SIZED)
    assert rows["debt_share_sized"][0] == pytest.approx(320 / factor / 1000, rel=1e-12)
    assert rows["debt_draw"][0] == pytest.approx(795.7926, abs=1e-4)
    np.testing.assert_allclose(rows["debt_service"][1:4], 320.0, rtol=1e-12)
    np.testing.assert_allclose(
        rows["debt_capacity_by_year"][1:4], np.array(CFADS[:3]) / 1.25 / factor
    )
    assert abs(rows["debt_closing"][4]) < 1e-9


def test_the_gearing_caps_the_sized_loan():
    # Cover alone allows 795.79 (above); a 50% cap draws 500 and serves it with
    # PMT(10%, 3, 500) = 201.06 a year: DSCR 400 / 201.06 = 1.99 > 1.25.
    rows = loan(**SIZED, max_gearing=0.5)
    assert rows["debt_draw"][0] == pytest.approx(500.0)
    np.testing.assert_allclose(rows["debt_service"][1:4], -npf.pmt(0.1, 3, 500), rtol=1e-12)


def test_equal_principal_sized_to_cover():
    # A yuan of balance at COD costs (1 + 10% x periods left) / 3 a year: 1.3/3, 1.2/3,
    # 1.1/3. Balances allowed: 400/0.43333 = 923.08, 320/0.4 = 800, 360/0.36667 = 981.82;
    # B = 800. Service: 266.67 + 80 = 346.67, 266.67 + 53.33 = 320 (DSCR 1.25), 266.67 +
    # 26.67 = 293.33.
    rows = loan(**SIZED, repayment_annuity=0.0)
    assert rows["debt_draw"][0] == pytest.approx(800.0)
    np.testing.assert_allclose(rows["debt_service"][1:4], [346.6667, 320.0, 293.3333], atol=1e-4)


def test_a_sculpted_loan():
    # Service = CFADS / 1.25 = 400, 320, 360; the loan their value at 10% at COD:
    # 400 / 1.1 + 320 / 1.21 + 360 / 1.331 = 363.636 + 264.463 + 270.473 = 898.573.
    # Balance: 898.573 x 1.1 - 400 = 588.43; x 1.1 - 320 = 327.27; x 1.1 - 360 = 0.
    rows = loan(**SIZED, repayment="sculpted")
    loan_at_cod = 400 / 1.1 + 320 / 1.21 + 360 / 1.331
    assert loan_at_cod == pytest.approx(npf.npv(0.1, [0, 400, 320, 360]))
    assert rows["debt_draw"][0] == pytest.approx(loan_at_cod, rel=1e-12)
    np.testing.assert_allclose(rows["debt_service"][1:4], [400, 320, 360], rtol=1e-12)
    np.testing.assert_allclose(rows["debt_closing"][1:3], [588.4298, 327.2727], atol=1e-4)
    assert abs(rows["debt_closing"][3]) < 1e-9


def test_a_fixed_share_sculpted():
    # 60% of 1,000 drawn; service in proportion to CFADS 500 : 400 : 450 with value 600 at
    # 10%: k = 600 / (500/1.1 + 400/1.21 + 450/1.331) = 600 / 1,123.216, service 500k, ...
    rows = loan(**{**SIZED, "debt_sizing": "share"}, repayment="sculpted")
    k = 600 / (500 / 1.1 + 400 / 1.21 + 450 / 1.331)
    np.testing.assert_allclose(rows["debt_service"][1:4], np.array(CFADS[:3]) * k, rtol=1e-12)
    assert abs(rows["debt_closing"][3]) < 1e-9


def test_interest_during_construction_in_the_sized_loan():
    # Two construction years draw half each; the first draw accrues a year's interest by
    # COD: the balance at COD per unit of share is 500 x 1.1 + 500 = 1,050. Sculpted as
    # above, the share is 898.573 / 1,050 and the balance at COD 898.573.
    rows = loan(**{**SIZED, "tenor_years": 5}, repayment="sculpted", construction=2)
    assert rows["debt_share_sized"][0] == pytest.approx(
        (400 / 1.1 + 320 / 1.21 + 360 / 1.331) / 1050, rel=1e-12
    )
    assert rows["debt_closing"][1] == pytest.approx(400 / 1.1 + 320 / 1.21 + 360 / 1.331)


def test_a_grace_year_caps_the_sized_loan():
    # With a grace year (tenor 5), interest only in year 1 on CFADS of 50: at 1.25 it pays at
    # most 40, 10% of a balance of 400. The repayment years (CFADS 400, 450, 500) allow more
    # (320 / 0.4021148 = 795.79), so the loan is 400.
    rows = loan(**{**SIZED, "cfads": [50, 400, 450, 500, 0], "tenor_years": 5}, grace_years=1)
    assert rows["debt_draw"][0] == pytest.approx(400.0)
    assert rows["debt_service"][1] == pytest.approx(40.0)


def test_negative_cash_flow_allows_no_loan():
    rows = loan(**{**SIZED, "cfads": [500, -10, 450, 0, 0]})
    assert rows["debt_share_sized"][0] == 0 and not rows["debt_service"].any()


def test_the_debt_service_reserve():
    # Six months of the largest year's debt service (the annuity of 320 above): 160, funded
    # in period 0 (COD closes it), held through the term, released in the final repayment
    # year (period 3, operating year 3).
    rows = loan(**SIZED, dsra_months=6)
    np.testing.assert_allclose(rows["dsra_balance"], [160, 160, 160, 0, 0, 0], rtol=1e-12)
    np.testing.assert_allclose(rows["dsra_movement"], [160, 0, 0, -160, 0, 0], rtol=1e-12)


def test_the_maintenance_reserve():
    # A replacement of 90 every 3 years in 8 operating years falls in operating years 3 and
    # 6 (none in the final year). 90 / 3 = 30 is set aside in years 1-6, the reserve drawn
    # to pay each: balances 30, 60, 0, 30, 60, 0, 0, 0; nothing left to release.
    m, t, f, capex, _ = small(replacement_cost_yuan=90.0, replacement_interval_years=3, mra=True)
    assets = add_assets(m, t, f)
    reserve = add_maintenance_reserve(m, t, f, assets.final_year)
    m.line("reserve_cfads", reserve.cfads, "yuan")
    rows = {n: v[0] for n, v in m.evaluate().lines.items()}
    np.testing.assert_allclose(rows["mra_contribution"], [0] + [30] * 6 + [0, 0])
    np.testing.assert_allclose(rows["mra_draw"], [0, 0, 0, 90, 0, 0, 90, 0, 0])
    np.testing.assert_allclose(rows["mra_balance"], [0, 30, 60, 0, 30, 60, 0, 0, 0])
    # What CFADS gains from the reserve: the draw less the contribution, nil over the life.
    np.testing.assert_allclose(rows["reserve_cfads"], [0, -30, -30, 60, -30, -30, 60, 0, 0])
    assert not rows["mra_release"].any()


def test_no_reserve_is_built_after_the_last_replacement():
    # Every 4 years in 7 operating years: one replacement, in year 4 (year 8 is beyond the
    # life). 100 / 4 = 25 set aside in years 1-4 pays it in full; none is set aside after
    # the last replacement, so nothing is left to release.
    m, t, f, capex, _ = small(
        operating=7, replacement_cost_yuan=100.0, replacement_interval_years=4, mra=True
    )
    assets = add_assets(m, t, f)
    add_maintenance_reserve(m, t, f, assets.final_year)
    rows = {n: v[0] for n, v in m.evaluate().lines.items()}
    np.testing.assert_allclose(rows["mra_contribution"], [0, 25, 25, 25, 25, 0, 0, 0])
    assert rows["mra_draw"][4] == pytest.approx(100)
    np.testing.assert_allclose(rows["mra_balance"], [0, 25, 50, 75, 0, 0, 0, 0])
    assert not rows["mra_release"].any()


def test_depreciation_and_the_residual_value():
    # 1,000 x (1 - 5%) / 8 = 118.75 a year for 8 years; 5% (50) recovered in the last year.
    m, t, f, capex, _ = small(debt_share=0.0)
    add_assets(m, t, f)
    depreciation, residual = (
        m.evaluate().lines[n][0] for n in ("depreciation", "residual_recovery")
    )
    np.testing.assert_allclose(depreciation[1:], 118.75)
    assert residual[-1] == pytest.approx(50.0) and not residual[:-1].any()


@settings(max_examples=examples(40), deadline=None)
@given(
    rate=st.sampled_from([0.0]) | st.floats(1e-4, 0.2),
    tenor=st.integers(2, 9),
    share=st.floats(0.05, 0.9),
)
def test_every_annuity_repays_the_loan_by_pmt(rate, tenor, share):
    rows = loan(debt_rate=rate, tenor_years=tenor, debt_share=share)
    payment = -finance.pmt(rate, tenor - 1, 1000 * share)
    np.testing.assert_allclose(rows["debt_service"][1:tenor], payment, rtol=1e-9)
    np.testing.assert_allclose(rows["debt_closing"][tenor - 1 :], 0.0, atol=1e-6 * 1000)


def test_a_negligible_rate_repays_straight_line_not_nan():
    """At 1e-200, 1 + r is 1 and the annuity formula is 0 / 0: the loan is repaid as its
    balance over the periods left (hypothesis found the NaN)."""
    rows = loan(debt_rate=2.6e-200, tenor_years=2, debt_share=0.5)
    assert rows["debt_service"][1] == pytest.approx(500.0)
    assert not np.isnan(rows["debt_service"]).any()


@settings(max_examples=examples(60), deadline=None)
@given(
    cfads=st.lists(st.floats(50, 2000), min_size=8, max_size=8),
    rate=st.sampled_from([0.0]) | st.floats(1e-3, 0.15),
    construction=st.integers(1, 3),
    grace=st.integers(0, 2),
    repay=st.integers(1, 6),
    target=st.floats(1.0, 2.0),
    gearing=st.floats(0.05, 1.0),
    style=st.sampled_from(["annuity", "equal_principal", "sculpted"]),
)
def test_a_sized_loan_is_the_largest_the_cover_allows(
    cfads, rate, construction, grace, repay, target, gearing, style
):
    """Sized to cover: the target is met in every year of the term (on the CFADS it is
    sized on); either the gearing binds or a yuan more breaks the target; the loan is repaid
    to nil by maturity."""
    assume(grace + repay <= 8)
    tenor = construction + grace + repay
    terms = dict(
        construction=construction,
        cfads=cfads,
        debt_rate=rate,
        tenor_years=tenor,
        grace_years=grace,
        target_dscr=target,
        max_gearing=gearing,
        repayment="sculpted" if style == "sculpted" else "annuity",
        repayment_annuity=float(style == "annuity"),
        capex_yuan=1_000_000.0,
    )
    rows = loan(debt_sizing="cover", **terms)
    share = rows["debt_share_sized"][0]
    term = slice(construction, construction + grace + repay)
    service = rows["debt_service"][term]
    flows = np.array(cfads[: grace + repay])
    covered = service > 0  # a grace year at a rate of 0 serves nothing
    assert (flows[covered] / service[covered] >= target * (1 - 1e-9)).all()
    assert abs(rows["debt_closing"][construction + grace + repay - 1]) < 1e-6
    if share < gearing * (1 - 1e-12):
        # One yuan more drawn (share + 1 / capex, a fixed loan) no longer meets the target.
        more = loan(debt_sizing="share", debt_share=share + 1 / 1_000_000, **terms)
        more_service = more["debt_service"][term]
        served = more_service > 0
        assert (flows[served] / more_service[served]).min() < target
    else:
        assert share == pytest.approx(gearing)
