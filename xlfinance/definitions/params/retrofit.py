"""Parameters of a building retrofit under an energy performance contract (archetype `retrofit`).

合同能源管理, shared savings (节能效益分享型): the energy service company (ESCO) pays for the
measures, takes `esco_savings_share` of the value of the electricity saved for
`contract_years`, and hands the equipment to the owner at the end of the term for nothing;
the owner keeps all savings after it. The ESCO's income tax has the 三免三减半 holiday and
the transfer of the assets is not income of the ESCO (Caishui [2010] 110).
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from xlfinance.definitions.params.finance import FinanceParams, Share, debt_term_problem
from xlfinance.definitions.schema import (
    Model,
    SnakeId,
    Sourced,
    SourcedNonNegative,
    SourcedPositive,
    Unit,
)

Years = Annotated[int, Field(strict=True, ge=1, le=100), Unit("years")]
RewardYears = Annotated[int, Field(strict=True, ge=0, le=100), Unit("years")]

REWARD_SOURCE = "MOF/NDRC Caijian [2010] 249 (合同能源管理项目财政奖励资金管理暂行办法)"


class RetrofitParams(Model):
    """Floor area, baseline electricity use, savings by measure, tariff, contract terms, reward."""

    finance: FinanceParams
    """`operating_years` is the life of the measures (the owner keeps the savings after the
    term); `capex_yuan` is the ESCO's investment."""
    floor_area_m2: Annotated[SourcedPositive, Unit("m2")]
    baseline_kwh_per_m2_per_year: Annotated[SourcedPositive, Unit("kWh/m2/yr")]
    """Electricity use before the retrofit, per m2 of floor area and year."""
    savings_shares: dict[SnakeId, Share] = Field(min_length=1)
    """Measure (hvac, lighting, hot_water, motors, ...) -> share of the whole baseline it saves."""
    annual_savings_decay_share: Share = Sourced(value=0)
    """Loss of savings a year after the first operating year (persistence)."""
    tariff_yuan_per_kwh: Annotated[SourcedNonNegative, Unit("yuan/kWh")]
    """Price of the electricity the building no longer buys."""
    esco_savings_share: Share
    """The ESCO's share of the savings during the contract term."""
    contract_years: Years
    """Operating years in which the ESCO shares the savings."""
    reward_central_yuan_per_tce: Annotated[SourcedNonNegative, Unit("yuan/tce")] = Sourced(
        value=240, source=REWARD_SOURCE + ": central reward 240 yuan/tce of annual savings"
    )
    reward_provincial_yuan_per_tce: Annotated[SourcedNonNegative, Unit("yuan/tce")] = Sourced(
        value=60, source=REWARD_SOURCE + ": provincial reward at least 60 yuan/tce"
    )
    reward_years: RewardYears = 1
    """Operating years in which the reward is paid on that year's savings; the rule pays once
    (一次性奖励) on the audited annual savings, hence 1."""
    om_capex_share: Share
    """O&M of the measures a year, as a share of capex: the ESCO pays it in the term, the owner
    after."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        total = sum(share.value for share in self.savings_shares.values())
        if total > 1:
            raise ValueError(
                f"savings_shares add up to {total:g}: more than the whole baseline (1)"
            )
        if self.annual_savings_decay_share.value >= 1:
            raise ValueError(
                "annual_savings_decay_share must be below 1 (all savings lost in a year)"
            )
        if self.reward_years > self.contract_years:
            raise ValueError(
                f"reward_years ({self.reward_years}) exceeds contract_years "
                f"({self.contract_years}): the reward is paid to the ESCO"
            )
        fin = self.finance
        if self.contract_years > fin.operating_years:
            raise ValueError(
                f"contract_years ({self.contract_years}) exceeds finance.operating_years "
                f"({fin.operating_years}), the life of the measures"
            )
        if fin.residual_value_share.value != 0:
            raise ValueError(
                "finance.residual_value_share must be 0: the ESCO hands the equipment to the owner "
                "at the end of the term for nothing (Caishui [2010] 110)"
            )
        if fin.depreciation_years is None or fin.depreciation_years > self.contract_years:
            raise ValueError(
                "finance.depreciation_years must be given and at most contract_years "
                f"({self.contract_years}): the ESCO depreciates the assets over the term it "
                "owns them"
            )
        problem = debt_term_problem(fin, self.contract_years, "contract_years", "the contract term")
        if problem:
            raise ValueError(problem)
        return self
