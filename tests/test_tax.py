"""Income tax, losses carried forward five years at most and used oldest first
(企业所得税法 art. 18), checked by hand and against a FIFO queue written out in Python."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_finance_lines import small
from xlfinance.archetypes.common import add_timeline
from xlfinance.archetypes.finance.assets import add_assets
from xlfinance.archetypes.finance.debt import add_debt
from xlfinance.archetypes.finance.tax import add_tax
from xlfinance.model.core import Model
from xlfinance.model.expr import LineRef


def taxed(ebitda, tax_rate=0.25):
    """A model of one construction year and `len(ebitda)` operating years whose EBITDA is
    the given numbers (no depreciation or interest), through `add_tax`."""
    n = len(ebitda)
    m = Model("tax", 2015, 1 + n)
    terms = {"construction_years": 1, "operating_years": n, "escalation_rate": 0.0}
    terms |= {"tax_rate": tax_rate, "tax_holiday": 0.0, "tax_half_share": 0.5}
    terms |= {"tax_free_years": 3, "tax_half_years": 3}
    f = SimpleNamespace(**{k: m.input(k, v) for k, v in terms.items()})
    t = add_timeline(m, f)
    flow = m.series_input("ebitda_given", [0.0, *ebitda])
    zero = m.line("nothing", 0 * flow)
    add_tax(m, t, f, flow, zero, zero)
    ev = m.evaluate()
    return {name: values[0][1:] for name, values in ev.lines.items()}


def test_a_loss_not_used_in_five_years_expires():
    # Losses of 100, 30 and 20 in operating years 1-3, then profits of 20, 30, 10, 200, 50.
    # Year 1's loss may be set against years 2-6, year 2's against 3-7, year 3's against 4-8,
    # oldest first:
    #   year 4: profit 20, all from year 1's loss (100 -> 80 left)
    #   year 5: profit 30, from year 1's (80 -> 50)
    #   year 6: profit 10, from year 1's (50 -> 40); its fifth year ends: 40 expire
    #   year 7: profit 200 - year 2's 30 (its last year) - year 3's 20 = 150 taxable,
    #           tax 150 x 25% = 37.5
    #   year 8: nothing left to use, tax 50 x 25% = 12.5
    # Carried without a limit, year 7 would set 40 + 30 + 20 = 90 against its 200 (tax 27.5).
    r = taxed([-100, -30, -20, 20, 30, 10, 200, 50])
    np.testing.assert_allclose(r["losses_used"], [0, 0, 0, 20, 30, 10, 50, 0])
    np.testing.assert_allclose(r["losses_expired"], [0, 0, 0, 0, 0, 40, 0, 0])
    np.testing.assert_allclose(r["losses_closing"], [100, 130, 150, 130, 100, 50, 0, 0])
    np.testing.assert_allclose(r["tax"], [0, 0, 0, 0, 0, 0, 37.5, 12.5])


def test_the_oldest_loss_is_used_first():
    # Losses of 10 (year 1) and 50 (year 2); a profit of 30 in year 3 uses year 1's 10 first,
    # then 20 of year 2's: 30 of year 2's is left to carry (vintage of age 2 at year 3's end).
    r = taxed([-10, -50, 30, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(r["loss_used_2"][2], 10)
    np.testing.assert_allclose(r["loss_used_1"][2], 20)
    np.testing.assert_allclose(r["loss_age_2"][2], 30)
    # Year 2's remaining 30 expires in year 7 (its fifth year after year 2).
    np.testing.assert_allclose(r["losses_expired"], [0, 0, 0, 0, 0, 0, 30, 0])


def fifo(taxable):
    """Losses used and expired each year: a queue of [year made, amount left], oldest
    first, a loss usable in the five years after the year it was made."""
    queue, used, expired = [], [], []
    for year, income in enumerate(taxable):
        room, use = max(0.0, income), 0.0
        for item in queue:
            take = min(item[1], room - use)
            item[1] -= take
            use += take
        used.append(use)
        expired.append(sum(a for made, a in queue if year - made == 5))
        queue = [q for q in queue if year - q[0] < 5 and q[1] > 0]
        if income < 0:
            queue.append([year, -income])
    return np.array(used), np.array(expired)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-100, 100).map(float), min_size=1, max_size=14))
def test_losses_as_a_fifo_queue_would_use_them(taxable):
    r = taxed(taxable)
    used, expired = fifo(taxable)
    np.testing.assert_allclose(r["losses_used"], used, atol=1e-9)
    np.testing.assert_allclose(r["losses_expired"], expired, atol=1e-9)
    # In cumulative form: every loss made is used, expired or still carried.
    made = np.cumsum(np.maximum(0, -np.array(taxable)))
    np.testing.assert_allclose(
        made, np.cumsum(used) + np.cumsum(expired) + r["losses_closing"], atol=1e-9
    )
    np.testing.assert_allclose(r["tax"], np.maximum(0, np.array(taxable) - used) * 0.25)
    assert (r["losses_used"] <= np.maximum(0, taxable) + 1e-12).all()


@pytest.mark.parametrize("rate", [0.25, 0.15])
def test_no_loss_no_change(rate):
    # Profits only: tax is the rate on each year's profit, 100 x 25% = 25 (or 15%: 15).
    r = taxed([100, 100], tax_rate=rate)
    np.testing.assert_allclose(r["tax"], [100 * rate, 100 * rate])


def test_interest_during_construction_is_depreciated():
    # 1,000 of capex over two construction years (500 a year), 60% drawn as debt at 5%
    # (300 a year); interest accrues on the opening balance, so year 0 has none and year 1
    # 5% x 300 = 15 on year 0's draw, capitalised: the original value is
    # 1,000 + 15 = 1,015, depreciated over 8 years to 5%: 1,015 x 95% / 8 = 120.53125 a year,
    # for the tax paid. The project's view before financing sees no interest: its
    # depreciation (for the adjusted tax) is 1,000 x 95% / 8 = 118.75, and the residual value
    # recovered is 5% of 1,000 = 50.
    m, t, f, capex, cfads = small(construction=2)
    assets = add_assets(m, t, f, LineRef("interest_capitalised"))
    add_debt(m, t, f, capex, assets.final_year, cfads)
    ev = m.evaluate()
    names = ("interest_capitalised", "depreciation", "depreciation_before_financing")
    idc, depreciation, unfinanced = (ev.lines[n][0] for n in names)
    np.testing.assert_allclose(idc[:2], [0, 15])
    np.testing.assert_allclose(depreciation[2:], 1015 * 0.95 / 8)
    np.testing.assert_allclose(unfinanced[2:], 1000 * 0.95 / 8)
    assert ev.lines["residual_recovery"][0][-1] == pytest.approx(50.0)
