"""The unsubsidised IRR: the project after tax with no capital grant and no production
subsidy, worked by hand for a three-period flow and checked against numpy-financial.

A 1 MW roof, 1,000 kWh/kW, half used on site at 1.00 yuan/kWh and half exported at 0.40
(sales 700,000 yuan a year), the 0.42 yuan/kWh national subsidy (420,000 a year), O&M
70 yuan/kW (70,000), capex 1,000,000 yuan with a 500,000 grant, one construction year and
two operating years (depreciated over both), 5% residual, 25% tax, no VAT, all equity.

Unsubsidised: EBITDA 700,000 - 70,000 = 630,000; depreciation of the whole capex
1,000,000 x 0.95 / 2 = 475,000; tax (630,000 - 475,000) x 25% = 38,750; flow after tax
591,250; the residual 1,000,000 x 5% = 50,000 comes back in the last year:

    [-1,000,000, 591,250, 641,250]

With the support (the IRR shown today): depreciation on 500,000 is 237,500; tax
(1,050,000 - 237,500) x 25% = 203,125; flow 846,875; residual 25,000:

    [-500,000, 846,875, 871,875]
"""

from __future__ import annotations

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfinance.archetypes import build_model

from .factories import merged, programme, project, vat_rates
from .strategies import examples
from .test_archetype_pv import BASE

PARAMS = merged(
    BASE,
    finance={"capex_yuan": 1_000_000, "operating_years": 2, "capital_grant_yuan": 500_000},
)


def evaluate(params, **assumptions):
    model = build_model(project("pv", params), programme(**assumptions))
    return model.evaluate()


def test_three_period_flow_by_hand():
    ev = evaluate(PARAMS)
    frame = ev.frame()
    assert frame["project_cash_flow_unsubsidised"].tolist() == pytest.approx(
        [-1_000_000, 591_250, 641_250], rel=1e-12
    )
    assert frame["project_cash_flow"].tolist() == pytest.approx(
        [-500_000, 846_875, 871_875], rel=1e-12
    )
    out = ev.metrics()
    assert out["irr_unsubsidised"] == pytest.approx(
        npf.irr([-1_000_000, 591_250, 641_250]), rel=1e-9
    )
    assert out["irr"] == pytest.approx(npf.irr([-500_000, 846_875, 871_875]), rel=1e-9)
    # By hand, a quadratic in x = 1 + r: 1,000,000 x^2 - 591,250 x - 641,250 = 0, so
    # x = (591,250 + sqrt(591,250^2 + 4 x 1,000,000 x 641,250)) / 2,000,000
    #   = (591,250 + 1,707,213.098) / 2,000,000 = 1.149232, an IRR of 14.92%;
    # with the support: 500,000 x^2 - 846,875 x - 871,875 = 0, x = 2.415616, 141.6%.
    assert out["irr_unsubsidised"] == pytest.approx(0.1492315, abs=1e-6)
    assert out["irr"] == pytest.approx(1.4156157, abs=1e-6)


@pytest.mark.parametrize("vat", [{}, {"vat_rates": vat_rates(electricity={2014: 0.17})}])
def test_without_support_the_two_agree(vat):
    """With VAT too: the VAT cash and the 50% refund (a tax rule, kept) are in both flows."""
    params = merged(
        PARAMS, subsidy_yuan_per_kwh=0, finance={**PARAMS["finance"], "capital_grant_yuan": 0}
    )
    ev = evaluate(params, **vat)
    out = ev.metrics()
    assert out["irr_unsubsidised"] == pytest.approx(out["irr"], rel=1e-12)
    if vat:
        assert ev.frame()["vat_refund"].sum() > 0  # the refund was there to keep


def test_a_loss_pays_no_tax():
    # Capex 2,000,000: depreciation 950,000 > EBITDA 630,000, so no tax (the adjusted tax is
    # on EBIT, floored at 0): [-2,000,000, 630,000, 630,000 + 100,000].
    params = merged(PARAMS, finance={**PARAMS["finance"], "capex_yuan": 2_000_000})
    ev = evaluate(params)
    assert ev.frame()["project_cash_flow_unsubsidised"].tolist() == pytest.approx(
        [-2_000_000, 630_000, 730_000], rel=1e-12
    )
    assert ev.metrics()["irr_unsubsidised"] == pytest.approx(
        npf.irr([-2_000_000, 630_000, 730_000]), rel=1e-9
    )


@settings(max_examples=examples(40), deadline=None)
@given(
    capex=st.floats(200_000, 5_000_000),
    grant_share=st.floats(0, 1),
    subsidy=st.floats(0, 0.6),
    tax_rate=st.floats(0, 0.4),
    years=st.integers(1, 25),
)
def test_support_never_lowers_the_value(capex, grant_share, subsidy, tax_rate, years):
    # Taking the support away costs the grant at once and gives back at most its tax shield
    # (rate x grant x (1 - residual)) and its residual (grant x residual), which add up to
    # no more than the grant; each yuan of subsidy costs at least (1 - rate) yuan after tax.
    # So at any rate r >= 0 the unsubsidised flow is worth no more than the project flow.
    params = merged(
        PARAMS,
        subsidy_yuan_per_kwh=subsidy,
        finance={"capex_yuan": capex, "operating_years": years,
                 "capital_grant_yuan": capex * grant_share},
    )  # fmt: skip
    model = build_model(project("pv", params), programme(corporate_tax_rate=tax_rate))
    frame = model.evaluate().frame()
    for rate in (0.0, 0.08, 0.3):
        unsubsidised = npf.npv(rate, frame["project_cash_flow_unsubsidised"])
        subsidised = npf.npv(rate, frame["project_cash_flow"])
        assert unsubsidised <= subsidised + 1e-6 * capex
