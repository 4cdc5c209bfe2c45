"""Labels the renderers share, in Chinese and English: one place for a word that more than
one page or sheet prints."""

from __future__ import annotations

SOURCES_ZH = {
    "market_wan_yuan": "市场资金",
    "policy_grants_wan_yuan": "上级及国际政策资金",
    "town_government_wan_yuan": "镇政府财政资金",
}
SOURCES_EN = {
    "market_wan_yuan": "Market",
    "policy_grants_wan_yuan": "Policy grants",
    "town_government_wan_yuan": "Town government",
}
SOURCE_KEYS = ("market_wan_yuan", "policy_grants_wan_yuan", "town_government_wan_yuan")
"""Table 5-4's funding sources, in its order."""

__all__ = ["SOURCES_EN", "SOURCES_ZH", "SOURCE_KEYS"]
