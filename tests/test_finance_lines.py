"""The pieces of `archetypes.finance`, each built alone on a small model and checked by
hand or against `xlfinance.finance` (the debt against `finance.pmt`)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfinance import finance
from xlfinance.archetypes.common import add_timeline
from xlfinance.archetypes.finance.assets import add_assets
from xlfinance.archetypes.finance.debt import add_debt
from xlfinance.model.core import Model

from .strategies import examples


def small(construction=1, operating=8, **values):
    """A model with the timeline and the inputs the debt and asset lines read."""
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
        tenor_years=5,
        grace_years=0,
        repayment_annuity=1.0,
    )
    defaults.update(values)
    f = SimpleNamespace(**{k: m.input(k, v) for k, v in defaults.items()})
    t = add_timeline(m, f)
    capex = m.line("capex", f.capex_yuan / f.construction_years * t.in_construction, "yuan")
    return m, t, f, capex


def lines(m, *names):
    ev = m.evaluate()
    return [ev.lines[n][0] for n in names]


def test_an_annuity_loan_is_paid_as_pmt():
    # 600 drawn with the capex in year 0 (no interest: it accrues on the opening balance);
    # years 1-5 pay PMT(5%, 5, 600) = 138.58 each, interest 5% of the opening balance.
    m, t, f, capex = small()
    assets = add_assets(m, t, f)
    add_debt(m, t, f, capex, assets.final_year)
    service, interest, closing = lines(m, "debt_service", "interest_paid", "debt_closing")
    payment = -finance.pmt(0.05, 5, 600)
    assert payment == pytest.approx(-npf.pmt(0.05, 5, 600)) == pytest.approx(138.5849, abs=1e-4)
    np.testing.assert_allclose(service[1:6], payment, rtol=1e-12)
    assert interest[1] == pytest.approx(30.0) and closing[0] == pytest.approx(600.0)
    np.testing.assert_allclose(closing[5:], 0.0, atol=1e-9)
    np.testing.assert_allclose(service[6:], 0.0, atol=1e-9)


def test_equal_principal_and_grace():
    # One grace year of interest only (30), then 600 / 4 = 150 of principal a year over the
    # rest of a 5-year tenor counted after grace (years 2-5), interest on what is left.
    m, t, f, capex = small(repayment_annuity=0.0, grace_years=1, tenor_years=4)
    assets = add_assets(m, t, f)
    add_debt(m, t, f, capex, assets.final_year)
    service, principal = lines(m, "debt_service", "principal_repaid")
    assert service[1] == pytest.approx(30.0) and principal[1] == 0
    np.testing.assert_allclose(principal[2:6], 150.0)
    np.testing.assert_allclose(service[2:6], [150 + 30, 150 + 22.5, 150 + 15, 150 + 7.5])


def test_depreciation_and_the_residual_value():
    # 1,000 x (1 - 5%) / 8 = 118.75 a year for 8 years; 5% (50) recovered in the last year.
    m, t, f, capex = small(debt_share=0.0)
    add_assets(m, t, f)
    depreciation, residual = lines(m, "depreciation", "residual_recovery")
    np.testing.assert_allclose(depreciation[1:], 118.75)
    assert residual[-1] == pytest.approx(50.0) and not residual[:-1].any()


@settings(max_examples=examples(40), deadline=None)
@given(
    rate=st.sampled_from([0.0]) | st.floats(1e-4, 0.2),
    tenor=st.integers(1, 8),
    share=st.floats(0.05, 0.9),
)
def test_every_annuity_repays_the_loan_by_pmt(rate, tenor, share):
    m, t, f, capex = small(debt_rate=rate, tenor_years=tenor, debt_share=share)
    assets = add_assets(m, t, f)
    add_debt(m, t, f, capex, assets.final_year)
    service, closing = lines(m, "debt_service", "debt_closing")
    payment = -finance.pmt(rate, tenor, 1000 * share)
    np.testing.assert_allclose(service[1 : 1 + tenor], payment, rtol=1e-9)
    np.testing.assert_allclose(closing[tenor:], 0.0, atol=1e-6 * 1000)


def test_a_negligible_rate_repays_straight_line_not_nan():
    """At 1e-200, 1 + r is 1 and the annuity formula is 0 / 0: the loan is repaid as its
    balance over the periods left (hypothesis found the NaN)."""
    m, t, f, capex = small(debt_rate=2.6e-200, tenor_years=1, debt_share=0.5)
    assets = add_assets(m, t, f)
    add_debt(m, t, f, capex, assets.final_year)
    (service,) = lines(m, "debt_service")
    assert service[1] == pytest.approx(500.0) and not np.isnan(service).any()
