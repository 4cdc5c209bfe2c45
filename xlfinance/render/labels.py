"""Labels the renderers share, in Chinese and English: one place for a word that more than
one page or sheet prints.

`label_zh(label)` is the Chinese of a model's label (an input's, a line's or an output's)
or of a text of the workbook's own, from the one catalogue of `xlfinance.render.labels_zh`;
`bilingual(label)` the cell text "中文 / English"; `unit_zh(unit)` the Chinese of a unit;
`assumption`, `severity` and `word` the cell text of a programme assumption, a finding's
severity and a definition's key. Each returns text, to be written
into a cell as a value: none begins with a character a spreadsheet reads as a formula.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from xlfinance.model import units
from xlfinance.render import labels_zh as catalogue

SOURCES_ZH = {key: zh for key, (zh, _) in catalogue.FUNDING_SOURCES.items()}
SOURCES_EN = {key: en for key, (_, en) in catalogue.FUNDING_SOURCES.items()}
SOURCE_KEYS = tuple(catalogue.FUNDING_SOURCES)
"""Table 5-4's funding sources, in its order."""

SHEET_HEADINGS = ("Inputs", "Timeline", "Period", "Year", "Calculation", "Outputs")
"""What a model's sheet writes beside its labels (`model/sheet.py`): its sections and the
timeline's two rows."""

FORMULA_STARTS = ("=", "+", "-", "@")
"""What a spreadsheet reads as the start of a formula: no label or unit text begins so."""

_FREE = {
    "n": r"\d+",
    "label": r".+",
    "name": r".+?",
    "deal": r"[a-z][a-z0-9_]*",
    "measure": r"[a-z][a-z0-9_ ]*",
    "value": r"-?[0-9][0-9.,e+-]*%?",
    "count": r"[0-9][0-9,]*",
    "line": r"[0-9A-Za-z][0-9A-Za-z_.-]*",
    "path": r"[a-z][a-z0-9_.]*",
    "field": r"[a-z][a-z0-9_]*",
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts, end = [], 0
    for match in _PLACEHOLDER.finditer(template):
        key = match.group(1)
        parts.append(re.escape(template[end : match.start()]))
        if key in _FREE:
            parts.append(f"(?P<{key}>{_FREE[key]})")
        else:
            words = sorted(catalogue.TABLES[key], key=len, reverse=True)
            parts.append(f"(?P<{key}>{'|'.join(map(re.escape, words))})")
        end = match.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts))


_TEMPLATES = tuple(
    (_pattern(en), zh) for en, zh in (*catalogue.TEMPLATES, *catalogue.SHEET_TEMPLATES)
)


def label_zh(label: str | None, names: Mapping[str, str] | None = None) -> str | None:
    """The Chinese of a model's label, or None when the catalogue has none.

    `label` is the text a sheet shows for an input, line or output (`item.label or
    item.name`), one of a model sheet's own headings (`SHEET_HEADINGS`), or a text of the
    workbook's other sheets (`labels_zh.SHEET_TEXTS`, `SHEET_TEMPLATES`).

    `names` gives the Chinese of the names a definition gives that labels carry: a fund
    class's English name (`name.en` -> `name.zh`) and a project id (-> its Chinese name);
    a name it does not give is kept as written.
    """
    if not label:
        return None
    return _zh(label, names if isinstance(names, Names) else Names(names or {}))


class Names(units.Frozen):
    """The names labels carry (`label_zh`'s `names`), frozen and hashed once: the key of
    its cache beside the label. A workbook's has every project id, so sorting and hashing
    it at each of its labels made writing the workbook quadratic in the projects (57,000
    labels at 250 projects, each sorting 250 names)."""

    __slots__ = ("_hash",)

    def __init__(self, names: Mapping[str, str]):
        super().__init__(dict(sorted(dict(names).items())))
        self._hash = hash(tuple(self._items.items()))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return isinstance(other, Names) and self._items == other._items


@lru_cache(maxsize=8192)
def _zh(label: str, names: Names) -> str | None:
    fixed = catalogue.FIXED.get(label) or catalogue.SHEET_TEXTS.get(label)
    if fixed is not None:
        return fixed
    given = names
    for pattern, zh in _TEMPLATES:
        match = pattern.fullmatch(label)
        if match is None:
            continue
        values: dict[str, str] = {}
        for key, text in match.groupdict().items():
            if key == "label":
                text = _zh(text, names)
                if text is None:
                    break
            elif key in ("name", "deal"):
                text = given.get(text, text)
            elif key == "measure":
                text = catalogue.MEASURES.get(text, text)
            elif key not in _FREE:
                text = catalogue.TABLES[key][text]
            values[key] = text
        else:
            return zh.format(**values)
    return None


def bilingual(label: str | None, names: Mapping[str, str] | None = None) -> str | None:
    """ "中文 / English" for a label cell; the English alone where the catalogue has no
    Chinese; None for no label."""
    if not label:
        return None
    zh = label_zh(label, names)
    return label if zh is None else f"{zh} / {label}"


def bilingual_unit(unit: str | None) -> str | None:
    """ "中文 / English" for a unit cell where the two differ ("元 / yuan"); the unit as it is
    where they do not (kWh) or the catalogue has no Chinese; None or "" as given."""
    if not unit:
        return unit
    zh = unit_zh(unit)
    return unit if zh is None or zh == unit else f"{zh} / {unit}"


def names(zh: str | None, en: str) -> str:
    """A name a definition gives in both languages as a cell shows it, "中文 / English"; the
    English alone where it gives no Chinese."""
    return f"{zh} / {en}" if zh else en


def word(key: str) -> str:
    """A key a definition or the engine writes (a distribution's kind, a solve's status) as a
    cell shows it, "三角分布 / triangular"; the key alone where the catalogue has no word."""
    zh = catalogue.WORDS.get(key)
    return f"{zh} / {key}" if zh else key


def severity(key: str) -> str:
    """A finding's severity as a cell shows it, "矛盾 / error" (its Chinese beside the key
    results.json gives)."""
    zh = catalogue.SEVERITIES.get(key, (None,))[0]
    return f"{zh} / {key}" if zh else key


def assumption(path: str) -> str:
    """A programme assumption's name by its path below `assumptions.` as a cell shows it:
    "电力增值税税率（2014年起） / VAT on electricity, from 2014" for a schedule's step; its path
    with spaces for one the catalogue does not name."""
    base, _, step = path.rpartition(".from_")
    if not base or not step.isdigit():
        base, step = path, ""
    named = catalogue.ASSUMPTIONS.get(base)
    if named is None:
        return path.replace("_", " ")
    zh, en = named
    if step:
        zh, en = f"{zh}（{step}年起）", f"{en}, from {step}"
    return f"{zh} / {en}"


def unit_zh(unit: str | None) -> str | None:
    """The Chinese of a unit ("yuan/kWh incl. VAT" -> "元/kWh（含增值税）", `model.units`), ""
    for none, None for a text that is not a unit of the table (a unit a definition writes
    as free text, such as a target's)."""
    if unit is None or unit == "":
        return unit
    try:
        return units.unit_zh(unit)
    except units.UnknownUnit:
        return None


__all__ = [
    "FORMULA_STARTS",
    "SHEET_HEADINGS",
    "SOURCES_EN",
    "SOURCES_ZH",
    "SOURCE_KEYS",
    "bilingual",
    "assumption",
    "bilingual_unit",
    "label_zh",
    "names",
    "severity",
    "unit_zh",
    "word",
]
