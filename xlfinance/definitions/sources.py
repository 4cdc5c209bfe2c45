"""`sources.yaml`: the programme's bibliography, and the citations of every `source:`.

    references:
      - id: ndrc-2013-1638
        title: 国家发展改革委关于发挥价格杠杆作用促进光伏产业健康发展的通知
        title_en: NDRC notice on using price leverage ...      # optional
        publisher: 国家发展和改革委员会 (NDRC)
        year: 2013
        number: 发改价格〔2013〕1638号                           # null when it has none
        found: where it was read, or that it was not
        reliability: unverified                                # RELIABILITY
        note: ...                                              # optional

A `source:` anywhere in the definitions (programme.yaml, projects/*.yaml, fund.yaml,
risk.yaml, structuring.yaml, reconciliation.yaml) is one of

    "[ndrc-2013-1638] 0.42 yuan/kWh on all distributed PV output"   cites entries by id
    "[id-a, id-b] what the two give"                                 (at its start)
    "assumption: why, and what it rests on"                          a judgement
    "derived: how, from which inputs of the definitions"             worked out here

and a cited source may go on to say `assumption:` (a judgement resting on the documents it
cites). When the programme has a `sources.yaml`, each source is checked: an id it does
not hold and a source that neither cites nor says `assumption:` or `derived:` are
problems naming the file, the field and the line; an entry that no source cites is a
warning (`validate` and `build` print it), since an optional file that cites it (risk.yaml)
may be left out. A programme without one has no bibliography, and its sources are free
text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from xlfinance.citations import MAX_ID, REFERENCE_ID, Citation, parse_source
from xlfinance.definitions.schema import LAST_YEAR, Model, Text, show, validate_model
from xlfinance.definitions.yamlio import YamlDocument, join_path, read_yaml
from xlfinance.errors import DefinitionError, Problem

PublishedYear = Annotated[int, Field(strict=True, ge=1900, le=LAST_YEAR)]
"""The year a document was issued: laws in force today go back to the 1980s (城市维护建设税
暂行条例, 1985), before the years a model may run (`schema.Year`)."""

SOURCES_FILE = "sources.yaml"
RELIABILITY = {
    "official": "issued by a government, a standards body or an intergovernmental body, and "
    "its title, number and the figure cited read in it or in a copy",
    "peer-reviewed": "a journal article, read",
    "trade": "industry press, statistics, manufacturers' or software documentation, read",
    "secondary": "read only through a copy or summary that cannot be traced to its issuer, "
    "or quoted through another document",
    "unverified": "not read here: cited from memory or from notes; the figure has not been "
    "checked against the document",
}
"""The reliability of an entry: what kind of document it is, and whether it was read."""

ReferenceId = Annotated[str, Field(strict=True, max_length=MAX_ID, pattern=REFERENCE_ID.pattern)]


class Reference(Model):
    """One document of the bibliography."""

    id: ReferenceId
    title: Text
    """In the document's own language."""
    publisher: Text
    """Who issued or published it (authors and journal for an article)."""
    year: PublishedYear
    number: Text | None
    """Its document or standard number (发改价格〔2013〕1638号, GB/T 2589-2008); written as
    null when it has none, never left out."""
    found: Text
    """Where it was read (a copy, a page), or that it was not."""
    reliability: Literal[tuple(RELIABILITY)]  # type: ignore[valid-type]
    title_en: Text | None = None
    note: Text | None = None


class SourcesFile(Model):
    """The bibliography of a programme."""

    references: Annotated[list[Reference], Field(min_length=1)]

    def reference(self, ref_id: str) -> Reference:
        for item in self.references:
            if item.id == ref_id:
                return item
        raise KeyError(f"no reference {ref_id!r}")


def source_fields(data: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every value under a key named `source`, with its dotted path, in file order."""
    if isinstance(data, dict):
        for key, value in data.items():
            step = join_path(path, str(key))
            if key == "source":
                yield step, value
            else:
                yield from source_fields(value, step)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from source_fields(value, join_path(path, index))


def read_sources(
    path: Path, display: str
) -> tuple[SourcesFile | None, YamlDocument | None, list[Problem]]:
    """Read and validate `sources.yaml`: (the file, its document, []) or (None, the
    document if it was read, every problem)."""
    try:
        doc = read_yaml(path, display)
    except DefinitionError as exc:
        return None, None, exc.problems
    parsed, problems = validate_model(SourcesFile, doc.data, display, line_of=doc.line_of)
    if parsed is None:
        return None, doc, problems
    seen: dict[str, int] = {}
    for index, item in enumerate(parsed.references):
        field = f"references[{index}].id"
        if item.id in seen:
            message = f"duplicate id {show(item.id)} (also references[{seen[item.id]}])"
            problems.append(Problem(display, field, message, doc.line_of(field)))
        seen.setdefault(item.id, index)
    return (None if problems else parsed), doc, problems


def check_citations(
    docs: Iterable[tuple[str, YamlDocument]],
    sources: SourcesFile,
    sources_doc: YamlDocument,
    sources_display: str,
) -> tuple[list[Problem], list[Problem]]:
    """Every `source:` of `docs` (display name, document) against the bibliography: the
    problems (each source that does not parse, each id it does not hold) and the warnings
    (each entry no source cites: a stale entry, or one cited by an optional file that is
    not there, such as risk.yaml)."""
    known = {item.id for item in sources.references}
    cited: set[str] = set()
    problems = []
    for display, doc in docs:
        for path, value in source_fields(doc.data):
            if not isinstance(value, str):
                continue  # the file's schema says what a source must be
            try:
                citation = parse_source(value)
            except ValueError as exc:
                problems.append(Problem(display, path, str(exc), doc.line_of(path)))
                continue
            for ref in citation.refs:
                if ref in known:
                    cited.add(ref)
                    continue
                message = (
                    f"unknown reference {show(ref)}: no entry of {sources_display} has that id"
                )
                problems.append(Problem(display, path, message, doc.line_of(path)))
    unused = []
    for index, item in enumerate(sources.references):
        if item.id not in cited:
            field = f"references[{index}].id"
            message = f"{show(item.id)} is cited by no source: cite it, or remove it"
            unused.append(Problem(sources_display, field, message, sources_doc.line_of(field)))
    return problems, unused


__all__ = [
    "RELIABILITY",
    "SOURCES_FILE",
    "Citation",
    "Reference",
    "SourcesFile",
    "check_citations",
    "parse_source",
    "read_sources",
    "source_fields",
]
