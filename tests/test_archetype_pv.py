"""Rooftop PV archetype: a hand-worked example and properties.

The example is worked by hand below with plain arithmetic (no xlfinance code): a 1 MW roof,
1,000 kWh/kW, no degradation, half used on site at 1.00 yuan/kWh and half exported at
0.40, the 0.42 yuan/kWh national subsidy (NDRC Price [2013] 1638) for 20 years, capex
7,000,000 yuan (7 yuan/W), O&M 70 yuan/kW, all equity, 25% tax, 5% residual, 8% discount.
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from xlfinance import finance
from xlfinance.archetypes import build_model
from xlfinance.model.sheet import write_model

from .factories import merged, programme, project
from .lo import is_error, needs_libreoffice, no_value, workbooks
from .strategies import examples

BASE = {
    "finance": {"capex_yuan": 7_000_000, "operating_years": 20},
    "capacity_kw": 1000,
    "specific_yield_kwh_per_kw": 1000,
    "first_year_degradation_share": 0,
    "annual_degradation_share": 0,
    "self_consumption_share": 0.5,
    "building_tariff_yuan_per_kwh": 1.0,
    "export_tariff_yuan_per_kwh": 0.4,
    "subsidy_yuan_per_kwh": 0.42,
    "subsidy_years": 20,
    "om_yuan_per_kw_per_year": 70,
}


def evaluate(params, **assumptions):
    # The factories' programme has no VAT: the hand-worked example has none (tests/test_vat.py).
    model = build_model(project("pv", params), programme(**assumptions))
    return model, model.evaluate()


class TestHandWorked:
    # Year 1-20: 1,000,000 kWh; sales 500,000 x 1.00 + 500,000 x 0.40 = 700,000;
    # subsidy 420,000; O&M 70,000; EBITDA 1,050,000.
    # Depreciation 7,000,000 x 0.95 / 20 = 332,500; tax (1,050,000 - 332,500) x 25% = 179,375.
    # Residual book value recovered in year 20: 7,000,000 x 5% = 350,000.
    after_tax = 1_050_000 - 179_375
    flows = np.array([-7_000_000] + [after_tax] * 20, dtype=float)
    flows[-1] += 350_000

    def test_annual_lines(self):
        _, ev = evaluate(BASE)
        frame = ev.frame()
        assert frame["generation_kwh"].tolist() == [0] + [1_000_000] * 20
        assert frame.loc[2016, "revenue"] == pytest.approx(1_120_000)
        assert frame.loc[2016, "ebitda"] == pytest.approx(1_050_000)
        assert frame.loc[2016, "depreciation"] == pytest.approx(332_500)
        assert frame.loc[2016, "tax"] == pytest.approx(179_375)
        np.testing.assert_allclose(frame["project_cash_flow"], self.flows)

    def test_metrics(self):
        _, ev = evaluate(BASE)
        out = ev.metrics()
        annuity = sum(1.08**-t for t in range(1, 21))
        npv = -7_000_000 + self.after_tax * annuity + 350_000 / 1.08**20
        assert out["npv_yuan"] == pytest.approx(npv, rel=1e-12)
        assert out["capex_yuan"] == 7_000_000
        # After 8 years the cumulative flow is -7,000,000 + 8 x 870,625 = -35,000.
        assert out["payback_years"] == pytest.approx(8 + 35_000 / self.after_tax)
        assert out["irr"] == pytest.approx(finance.irr(self.flows), rel=1e-10)
        # Equity: no debt, so the same flows.
        assert out["equity_irr"] == pytest.approx(out["irr"], rel=1e-12)
        # LCOE: (capex + PV of O&M) / PV of kWh.
        lcoe = (7_000_000 + 70_000 * annuity) / (1_000_000 * annuity)
        assert out["lcoe_yuan_per_kwh"] == pytest.approx(lcoe, rel=1e-12)
        # 1,000 MWh x 0.8 t/MWh = 800 t a year.
        assert out["abatement_t_co2e_per_year"] == pytest.approx(800)
        # Economic flows leave out the subsidy: 1,050,000 - 420,000 = 630,000 a year.
        economic = -7_000_000 + 630_000 * annuity + 350_000 / 1.08**20
        assert out["abatement_cost_yuan_per_t"] == pytest.approx(
            -economic / (800 * annuity), rel=1e-12
        )
        assert np.isnan(out["min_dscr"])  # no debt, no cover ratio

    def test_degradation(self):
        # Year 1: 1000 x 1000 x (1 - 2.5%) = 975,000; year 2: 975,000 x (1 - 0.7%) = 968,175.
        _, ev = evaluate(
            merged(BASE, first_year_degradation_share=0.025, annual_degradation_share=0.007)
        )
        gen = ev.lines["generation_kwh"][0]
        assert gen[1] == pytest.approx(975_000)
        assert gen[2] == pytest.approx(968_175)

    def test_subsidy_term(self):
        _, ev = evaluate(merged(BASE, subsidy_years=5))
        subsidy = ev.lines["subsidy_yuan"][0]
        assert subsidy[1:6].tolist() == [420_000] * 5
        assert subsidy[6:].sum() == 0

    def test_inverter_replacement(self):
        # 300 yuan/kW every 10 years: year 10 only (year 20 is the last year, no replacement).
        _, ev = evaluate(merged(BASE, inverter_replacement_yuan_per_kw=300, inverter_life_years=10))
        replacement = ev.lines["replacement"][0]
        assert replacement[10] == 300_000
        assert replacement.sum() == 300_000


class TestDebt:
    def test_annuity_repays_exactly(self):
        params = merged(
            BASE, finance__debt_share=0.7, finance__tenor_years=10, finance__grace_years=1
        )
        _, ev = evaluate(params)
        lines = ev.lines
        # Drawn 4,900,000 in year 0: the balance opens at 0, so interest during construction
        # is nil. A 10-year loan from the first drawdown, with 1 construction year and 1 grace
        # year of interest only, is repaid over 10 - 1 - 1 = 8 years (periods 2-9).
        principal = lines["principal_repaid"][0]
        interest = lines["interest_paid"][0]
        assert principal.sum() == pytest.approx(4_900_000)
        assert principal[1] == 0 and interest[1] == pytest.approx(4_900_000 * 0.06)
        service = (principal + interest)[2:10]
        np.testing.assert_allclose(service, -finance.pmt(0.06, 8, 4_900_000), rtol=1e-12)
        assert not principal[10:].any()
        assert ev.outputs["debt_left_at_end_yuan"][0] == pytest.approx(0, abs=1e-6)
        assert ev.outputs["min_dscr"][0] > 1

    def test_equal_principal(self):
        params = merged(
            BASE,
            finance__debt_share=0.5,
            finance__tenor_years=8,  # from the first drawdown: 1 construction + 7 repayment
            finance__repayment="equal_principal",
        )
        _, ev = evaluate(params)
        principal = ev.lines["principal_repaid"][0]
        np.testing.assert_allclose(principal[1:8], 3_500_000 / 7)
        assert principal[8:].sum() == 0

    def test_interest_during_construction_is_capitalised(self):
        params = merged(
            BASE, finance__debt_share=0.6, finance__construction_years=2, finance__tenor_years=10
        )
        _, ev = evaluate(params)
        # 2,100,000 drawn in each construction year; year 1 accrues 6% on the first draw.
        assert ev.lines["interest_capitalised"][0][1] == pytest.approx(2_100_000 * 0.06)
        assert ev.lines["principal_repaid"][0].sum() == pytest.approx(4_200_000 + 126_000)

    def test_a_loan_sized_to_cover_by_hand(self):
        # Sized on EBITDA less the tax as if unlevered: 1,050,000 - (1,050,000 - 332,500) x
        # 25% = 870,625 a year. An 11-year tenor from the first drawdown, 1 construction
        # year, no grace: 10 annuity payments at 6%, each at most 870,625 / 1.30 = 669,711.54,
        # so B = 669,711.54 x (1 - 1.06^-10) / 0.06 = 669,711.54 x 7.360087 = 4,929,135 (70%
        # of capex, below the 80% cap). The interest shield lowers the tax actually paid, so
        # the cover achieved is above 1.30 every year, least in the last (least interest).
        params = merged(
            BASE,
            finance__debt_sizing="cover",
            finance__target_dscr=1.30,
            finance__max_gearing=0.8,
            finance__tenor_years=11,
        )
        _, ev = evaluate(params)
        loan = 870_625 / 1.30 * (1 - 1.06**-10) / 0.06
        assert loan == pytest.approx(4_929_135, abs=1)
        assert ev.outputs["debt_yuan"][0] == pytest.approx(loan, rel=1e-12)
        service = ev.lines["debt_service"][0][1:11]
        np.testing.assert_allclose(service, 870_625 / 1.30, rtol=1e-12)
        dscr = ev.lines["dscr"][0][1:11]
        assert (dscr > 1.30).all() and dscr.argmin() == 9
        assert ev.outputs["min_dscr"][0] == pytest.approx(dscr.min())
        # The last year's tax: (1,050,000 - 332,500 - 6% x the balance left) x 25%.
        opening = ev.lines["debt_opening"][0][10]
        tax = (1_050_000 - 332_500 - 0.06 * opening) * 0.25
        assert dscr[-1] == pytest.approx((1_050_000 - tax) / (870_625 / 1.30), rel=1e-12)

    def test_the_average_cover_counts_repayment_years_only(self):
        # One grace year of interest only (6% of 4,900,000 = 294,000, cover 2.9) is left out
        # of the average: the mean of the 8 repayment years' cover.
        params = merged(
            BASE, finance__debt_share=0.7, finance__tenor_years=10, finance__grace_years=1
        )
        _, ev = evaluate(params)
        dscr = ev.lines["dscr"][0]
        assert ev.lines["debt_service"][0][1] == pytest.approx(294_000)
        assert ev.outputs["avg_dscr"][0] == pytest.approx(dscr[2:10].mean(), rel=1e-12)
        assert ev.outputs["avg_dscr"][0] < np.nanmean(dscr)  # the grace year would raise it
        assert ev.outputs["min_dscr"][0] == pytest.approx(np.nanmin(dscr[1:10]))

    def test_a_maintenance_reserve_for_the_inverters(self):
        # Inverters of 300 yuan/kW (300,000) every 10 years in 20: replaced in year 10 only
        # (none in the final year), so 300,000 / 10 = 30,000 is set aside in years 1-10 and
        # none after. CFADS of year 10 is its EBITDA less the set-aside and the tax, the
        # reserve paying the replacement; the equity puts in and takes out as much.
        params = merged(
            BASE,
            inverter_replacement_yuan_per_kw=300,
            inverter_life_years=10,
            finance__debt_share=0.5,
            finance__tenor_years=12,
            finance__mra=True,
        )
        _, ev = evaluate(params)
        lines = {k: v[0] for k, v in ev.lines.items()}
        np.testing.assert_allclose(lines["mra_contribution"][1:11], 30_000)
        assert not lines["mra_contribution"][11:].any()
        assert lines["mra_draw"][10] == pytest.approx(300_000)
        assert lines["replacement"][10] == pytest.approx(300_000)
        np.testing.assert_allclose(
            lines["cfads"][1:12], lines["ebitda"][1:12] - lines["tax"][1:12]
            + lines["mra_draw"][1:12] - lines["mra_contribution"][1:12]
        )  # fmt: skip
        assert lines["cfads"][10] == pytest.approx(1_050_000 - 30_000 - lines["tax"][10])
        reserve = lines["mra_draw"] + lines["mra_release"] - lines["mra_contribution"]
        assert reserve.sum() == pytest.approx(0, abs=1e-6)

    def test_tax_holiday(self):
        _, ev = evaluate(merged(BASE, finance__tax_holiday=True))
        tax = ev.lines["tax"][0]
        assert tax[1:4].sum() == 0
        np.testing.assert_allclose(tax[4:7], 179_375 / 2)
        assert tax[7] == pytest.approx(179_375)


@settings(max_examples=examples(25), deadline=None)
@given(
    tariff=st.floats(0.3, 1.5),
    bump=st.floats(0.0, 0.5),
    subsidy=st.floats(0, 0.5),
    debt=st.floats(0, 0.8),
)
def test_higher_tariff_or_subsidy_never_lowers_npv(tariff, bump, subsidy, debt):
    base = merged(
        BASE,
        building_tariff_yuan_per_kwh=tariff,
        subsidy_yuan_per_kwh=subsidy,
        finance__debt_share=debt,
    )
    _, low = evaluate(base)
    _, high_tariff = evaluate(merged(base, building_tariff_yuan_per_kwh=tariff + bump))
    _, high_subsidy = evaluate(merged(base, subsidy_yuan_per_kwh=subsidy + bump))
    for key in ("npv_yuan", "equity_npv_yuan"):
        assert high_tariff.outputs[key][0] >= low.outputs[key][0] - 1e-6
        assert high_subsidy.outputs[key][0] >= low.outputs[key][0] - 1e-6


@settings(max_examples=examples(25), deadline=None)
@given(scale=st.floats(0.01, 100), tariff=st.floats(0.3, 1.5))
def test_no_debt_equity_equals_project_and_abatement_scales(scale, tariff):
    _, one = evaluate(merged(BASE, building_tariff_yuan_per_kwh=tariff))
    _, scaled = evaluate(
        merged(BASE, building_tariff_yuan_per_kwh=tariff, capacity_kw=1000 * scale)
    )
    np.testing.assert_allclose(
        one.lines["equity_cash_flow"], one.lines["project_cash_flow"], rtol=1e-12
    )
    assert scaled.outputs["abatement_t_co2e"][0] == pytest.approx(
        scale * one.outputs["abatement_t_co2e"][0]
    )


# The workbook: every new debt line as a formula, recalculated in LibreOffice -------------

LOANS = {
    "sculpted": dict(
        finance__debt_sizing="cover",
        finance__target_dscr=1.35,
        finance__max_gearing=0.9,
        finance__repayment="sculpted",
        finance__construction_years=2,
        finance__tenor_years=14,
        finance__grace_years=1,
        finance__dsra_months=6,
        finance__mra=True,
        inverter_replacement_yuan_per_kw=300,
        inverter_life_years=8,
    ),
    "equal_principal": dict(
        finance__debt_sizing="cover",
        finance__target_dscr=1.2,
        finance__max_gearing=0.6,
        finance__repayment="equal_principal",
        finance__tenor_years=9,
    ),
    "annuity": dict(
        finance__debt_sizing="cover",
        finance__target_dscr=1.3,
        finance__max_gearing=0.8,
        finance__tenor_years=11,
        finance__grace_years=2,
    ),
}


@workbooks
def loans_workbook(folder, _fixture):
    """Each loan of LOANS on its own sheet: the PV example's model written by write_model."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    maps = {}
    for name, changes in LOANS.items():
        model = build_model(project("pv", merged(BASE, **changes), id=name), programme())
        maps[name] = (model, write_model(wb.create_sheet(name), model))
    path = folder / "loans.xlsx"
    wb.save(path)
    return [path], maps


@needs_libreoffice
@pytest.mark.parametrize("name", sorted(LOANS))
def test_the_loans_workbook_equals_numpy(recalculated_books, name):
    maps, (values,) = recalculated_books(loans_workbook)
    model, sheet_map = maps[name]
    sheet, ev = values[name], model.evaluate()
    assert "debt_share_sized" in sheet_map.line_rows
    cells = [
        ((row, sheet_map.layout.first_col + p), ev.lines[line][0][p], f"{line}[{p}]")
        for line, row in sheet_map.line_rows.items()
        for p in range(model.n_periods)
    ]
    for output, ref in sheet_map.output_cells.items():
        col, row = coordinate_from_string(ref.split("!")[-1].replace("$", ""))
        cells.append(((row, column_index_from_string(col)), ev.outputs[output][0], output))
    for cell, want, where in cells:
        got = sheet.get(cell)
        if np.isnan(want):
            assert no_value(got, scalar=where in sheet_map.output_cells), (where, got)
        else:
            assert not is_error(got) and got == pytest.approx(want, rel=1e-9, abs=1e-6), where


SUBSIDY_SCHEDULE = {
    "from_2013": {"value": 0.42, "source": "assumption: a test"},
    "from_2018": {"value": 0.32, "source": "assumption: a test"},
    "from_2020": {"value": 0.05, "source": "assumption: a test"},
}


class TestSubsidyOfTheCommissioningYear:
    """A project without a subsidy rate of its own takes the programme schedule's step in
    force in its first operating year, and keeps it for its subsidy years."""

    def test_the_step_in_force(self):
        from xlfinance.definitions.schema import step_in_force

        years = {y: step_in_force(SUBSIDY_SCHEDULE, y) for y in (2012, 2016, 2018, 2019, 2025)}
        assert years[2012] is None  # before the first step
        assert {y: (s[0], s[1]["value"]) for y, s in years.items() if s} == {
            2016: (2013, 0.42),
            2018: (2018, 0.32),
            2019: (2018, 0.32),
            2025: (2020, 0.05),
        }

    @pytest.mark.parametrize(("start", "rate", "step"), [(2015, 0.42, 2013), (2018, 0.32, 2018),
                                                         (2019, 0.05, 2020)])  # fmt: skip
    def test_a_project_keeps_the_rate_of_the_year_it_is_commissioned(self, start, rate, step):
        # One construction year: built in `start`, commissioned in start + 1. Each operating
        # year: 1,000 kW x 1,000 kWh/kW = 1,000,000 kWh x the rate.
        params = {k: v for k, v in BASE.items() if k != "subsidy_yuan_per_kwh"}
        model = build_model(
            project("pv", params, start_year=start),
            programme(pv_subsidy_yuan_per_kwh=SUBSIDY_SCHEDULE),
        )
        item = model.inputs["subsidy_yuan_per_kwh"]
        assert (
            item.value == rate and item.link == f"assumptions.pv_subsidy_yuan_per_kwh.from_{step}"
        )
        subsidy = model.evaluate().lines["subsidy_yuan"][0]
        np.testing.assert_allclose(subsidy, [0.0] + [1_000_000 * rate] * 20)

    def test_its_own_rate_wins(self):
        model = build_model(
            project("pv", BASE), programme(pv_subsidy_yuan_per_kwh=SUBSIDY_SCHEDULE)
        )
        item = model.inputs["subsidy_yuan_per_kwh"]
        assert item.value == 0.42 and item.link is None

    def test_no_rate_at_all_is_refused_naming_the_field(self):
        from xlfinance.errors import ParameterError

        params = {k: v for k, v in BASE.items() if k != "subsidy_yuan_per_kwh"}
        with pytest.raises(ParameterError) as caught:
            build_model(
                project("pv", params, start_year=2011),
                programme(pv_subsidy_yuan_per_kwh=SUBSIDY_SCHEDULE),
            )
        assert caught.value.field == "parameters.subsidy_yuan_per_kwh"
        assert "in force in 2012" in str(caught.value)
