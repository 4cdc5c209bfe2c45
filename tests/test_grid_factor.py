"""The grid's combined margin per archetype (CDM Tool 07), worked by hand.

Tool 07 ("Tool to calculate the emission factor for an electricity system", step 6):
EF_CM = w_OM x EF_OM + w_BM x EF_BM, with w_OM = 0.75 and w_BM = 0.25 for wind and solar
power, 0.5 and 0.5 for every other project in its first crediting period. Here OM is 0.9
and BM 0.4 t CO2/MWh:

    solar:  0.75 x 0.9 + 0.25 x 0.4 = 0.675 + 0.100 = 0.775 t CO2/MWh
    other:  0.50 x 0.9 + 0.50 x 0.4 = 0.450 + 0.200 = 0.650 t CO2/MWh
"""

from __future__ import annotations

import pytest

from xlfinance.archetypes import build_model

from . import test_archetype_chp, test_archetype_pv, test_archetype_retrofit
from .factories import programme, project

GRID = {
    "operating_margin_t_per_mwh": 0.9,
    "build_margin_t_per_mwh": 0.4,
    "operating_margin_weight": {"pv": 0.75, "chp": 0.5, "retrofit": 0.5, "fleet": 0.5},
}


def evaluate(archetype, params, grid=GRID, **assumptions):
    model = build_model(
        project(archetype, params), programme(grid_emission_factor=grid, **assumptions)
    )
    return model.evaluate()


@pytest.mark.parametrize(
    ("archetype", "params", "expected"),
    [
        ("pv", test_archetype_pv.BASE, 0.775),
        ("chp", test_archetype_chp.BASE, 0.650),
        ("retrofit", test_archetype_retrofit.BASE, 0.650),
    ],
)
def test_combined_margin_by_archetype(archetype, params, expected):
    frame = evaluate(archetype, params).frame()
    assert frame["grid_emission_factor_t_per_mwh"].tolist() == pytest.approx(
        [expected] * len(frame), rel=1e-12
    )


def test_pv_abatement_at_the_solar_weights():
    # 1 MW x 1,000 kWh/kW = 1,000 MWh a year x 0.775 t/MWh = 775 t CO2e a year.
    out = evaluate("pv", test_archetype_pv.BASE).metrics()
    assert out["abatement_t_co2e_per_year"] == pytest.approx(775, rel=1e-12)


def test_the_weights_are_data():
    # The same PV project weighted as "other" (0.5/0.5): 1,000 MWh x 0.650 = 650 t a year.
    grid = {**GRID, "operating_margin_weight": {**GRID["operating_margin_weight"], "pv": 0.5}}
    out = evaluate("pv", test_archetype_pv.BASE, grid=grid).metrics()
    assert out["abatement_t_co2e_per_year"] == pytest.approx(650, rel=1e-12)


def test_a_weight_outside_0_to_1_is_refused():
    grid = {**GRID, "operating_margin_weight": {**GRID["operating_margin_weight"], "chp": 1.5}}
    with pytest.raises(ValueError, match="must be between 0 and 1"):
        programme(grid_emission_factor=grid)
