"""A worksheet's cells (its `<sheetData>`) serialised as one string, byte for byte as
openpyxl's own writer does with lxml, and the `ExcelWriter` that uses it.

openpyxl writes each cell through lxml's incremental writer: three or four nested
elements, their attributes and the style lookup, a Python call each (0.87 of the 1.52 s a
profiled save of the Xiaolan workbook took, for its 63,500 cells). Here each row is
joined as text and escaped as lxml escapes it:

- in text (`<t>`, `<f>`, `<v>`): `&`, `<`, `>` as entities and a carriage return as
  `&#13;`; tab and line feed as they are;
- in attribute values also `"`, and tab, line feed and carriage return as `&#9;`, `&#10;`,
  `&#13;`;
- every character beyond ASCII as a decimal character reference (`&#20013;`), since the
  stream is written without an encoding declaration, in ASCII;
- characters XML 1.0 cannot hold (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone
  surrogates) refused with ValueError, as lxml refuses them.

Cells this does not know how to write (dates, rich text, array and data-table formulas,
text cells holding something other than a str) are written by openpyxl's own cell writer,
so what it writes stays openpyxl's. The cells' side effects are kept: hyperlinks and
comments are collected in cell order, and style ids are given in cell order, so styles.xml
is the same too. `tests/test_sheetdata.py` holds the two writers to the same bytes.

Only with lxml: without it openpyxl writes with et_xmlfile, and `write` is openpyxl's.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any, Protocol, cast
from zipfile import ZipFile, ZipInfo

from openpyxl import LXML
from openpyxl.cell._writer import lxml_write_cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.packaging.relationship import RelationshipList
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import xmlfile

if TYPE_CHECKING:
    from _typeshed import SizedBuffer
    from openpyxl.cell import _CellGetValue
    from openpyxl.comments.comments import Comment
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.dimensions import DimensionHolder, RowDimension
    from openpyxl.worksheet.hyperlink import Hyperlink
    from openpyxl.worksheet.worksheet import Worksheet

_TEXT_SPECIAL = re.compile(r"[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile(r'[&<>"\t\n\r]')
_TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ATTRIBUTE_ESCAPES = {**_TEXT_ESCAPES, '"': "&quot;", "\t": "&#9;", "\n": "&#10;"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""What XML 1.0 cannot hold: lxml refuses it with ValueError (UnicodeEncodeError, a
ValueError, for a lone surrogate)."""


def escape_text(text: str) -> str:
    """Text content as lxml writes it, before the non-ASCII characters become references."""
    if _TEXT_SPECIAL.search(text) is None:
        return text
    return _TEXT_SPECIAL.sub(lambda m: _TEXT_ESCAPES[m.group()], text)


def escape_attribute(text: str) -> str:
    """An attribute value as lxml writes it, before the non-ASCII characters become
    references."""
    if _ATTRIBUTE_SPECIAL.search(text) is None:
        return text
    return _ATTRIBUTE_SPECIAL.sub(lambda m: _ATTRIBUTE_ESCAPES[m.group()], text)


def to_ascii(xml: str) -> bytes:
    """The serialised text as lxml's ASCII stream holds it: refused if XML cannot hold a
    character of it, non-ASCII characters as decimal references."""
    bad = _NOT_XML.search(xml)
    if bad is not None:
        raise ValueError(
            "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control "
            f"characters (found {bad.group()!r})"
        )
    return xml.encode("ascii", "xmlcharrefreplace")


_OWN_KINDS = {"n", "b", "e"}
"""Cell types `sheet_data` writes itself, whatever the value; text and formulas too when
they hold a str."""


class _Cell(Protocol):
    """A cell as `sheet_data` reads it: openpyxl's `Cell`, with the slots `_value`, `_style`
    and `_comment` that types-openpyxl leaves out."""

    row: int
    column: int
    data_type: str
    _value: _CellGetValue
    _style: StyleArray | None
    _comment: Comment | None

    @property
    def hyperlink(self) -> Hyperlink | None: ...


class _Styles(Protocol):
    """A workbook as `sheet_data` reads it: the list of cell styles it gives ids from."""

    _cell_styles: IndexedList[StyleArray]


class _Sheet(Protocol):
    """A worksheet as `sheet_data` reads and fills it: its rows' dimensions, and the
    comments and hyperlinks openpyxl's writer collects on it (private lists types-openpyxl
    leaves out)."""

    @property
    def parent(self) -> _Styles: ...

    row_dimensions: DimensionHolder[int, RowDimension]
    _comments: list[CommentRecord]
    _hyperlinks: list[Hyperlink]


def _openpyxl_cell(ws: _Sheet, cell: _Cell, styled: bool) -> str:
    """A cell as openpyxl's lxml writer writes it, on its own."""
    out = BytesIO()
    with xmlfile(out) as xf:
        lxml_write_cell(xf, ws, cell, styled)  # type: ignore[arg-type]  # the _Cell is openpyxl's Cell, which types-openpyxl spells without its private slots
    return out.getvalue().decode("ascii")


def sheet_data(ws: _Sheet, rows: Iterable[tuple[int, Sequence[_Cell]]]) -> bytes:
    """`<sheetData>` of `rows` ((row number, cells) as `WorksheetWriter.rows` gives them),
    as openpyxl's `WorksheetWriter.write_rows` writes it with lxml; hyperlinks and comments
    are collected on `ws` as that does."""
    styles = ws.parent._cell_styles
    style_ids: dict[bytes, int] = {}  # a style's ids as bytes -> its index in `styles`
    dimensions = ws.row_dimensions
    letters: dict[int, str] = {}
    parts = ["<sheetData>"]
    append = parts.append
    for row_idx, cells in rows:
        attrs = {"r": f"{row_idx}"}
        attrs.update(dimensions.get(row_idx, {}))
        append(
            "<row"
            + "".join(f' {key}="{escape_attribute(value)}"' for key, value in attrs.items())
            + ">"
        )
        for cell in cells:
            if cell._comment is not None:
                ws._comments.append(CommentRecord.from_cell(cell))  # type: ignore[arg-type]  # openpyxl's Cell, as types-openpyxl spells it
            style = cell._style
            styled = style is not None and any(style)
            value = cell._value
            if value is None and not styled and not cell._comment:
                continue
            kind = cell.data_type
            if kind not in _OWN_KINDS and not (kind in ("s", "f") and type(value) is str):
                append(_openpyxl_cell(ws, cell, styled))
                continue
            column = cell.column
            letter = letters.get(column)
            if letter is None:
                letter = letters[column] = get_column_letter(column)
            head = f'<c r="{letter}{cell.row}"'
            if styled and style is not None:  # (styled is never true of no style)
                # StyleArray hashes in Python; its bytes in C. The first of equal styles is
                # added to the workbook's list, as openpyxl adds it, so the ids are its.
                key = style.tobytes()
                style_id = style_ids.get(key)
                if style_id is None:
                    style_id = style_ids[key] = styles.add(style)
                head += f' s="{style_id}"'
            if kind == "s":
                head += ' t="inlineStr"'
            elif kind != "f":
                head += f' t="{kind}"'
            link = cell.hyperlink
            if link:
                ws._hyperlinks.append(link)
            if value is None or value == "":
                append(head + "></c>")
            elif kind == "f" and isinstance(value, str):  # (a formula or text is a str here)
                append(f"{head}><f>{escape_text(value[1:])}</f><v></v></c>")
            elif kind == "s" and isinstance(value, str):
                space = ' xml:space="preserve"' if value != value.strip() else ""
                append(f"{head}><is><t{space}>{escape_text(value)}</t></is></c>")
            else:
                append(f"{head}><v>{escape_text(safe_string(value))}</v></c>")
        append("</row>")
    append("</sheetData>")
    return to_ascii("".join(parts))


class SheetDataWriter(WorksheetWriter):
    """openpyxl's worksheet writer with its cells written by `sheet_data`; the rest of the
    worksheet (views, columns, merged cells, conditional formats, page setup, drawings) is
    openpyxl's. `out` must be a binary file object: the cells go into it between what lxml
    writes before and after them."""

    def __init__(self, ws: Worksheet, out: BytesIO) -> None:
        super().__init__(ws, out)
        self.buffer = out

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        assert xf is not None  # the stream's writer, which lxml yields when sent True
        xf.flush()
        # openpyxl's Worksheet and Cell are the _Sheet and _Cell sheet_data reads; types-openpyxl
        # spells them without the private lists and slots it reads.
        self.buffer.write(sheet_data(self.ws, self.rows()))  # type: ignore[arg-type]
        self.xf.send(None)


class FastExcelWriter(ExcelWriter):
    """`ExcelWriter` whose worksheets are written by `SheetDataWriter` into memory rather
    than a temporary file; each part is stored as openpyxl stores it (deflated, with a
    temporary file's mode), so the workbook's parts are openpyxl's, byte for byte."""

    def __init__(
        self, workbook: Workbook, archive: ZipFile, frozen: Mapping[str, FrozenSheet] = {}
    ) -> None:
        super().__init__(workbook, archive)
        self.archive = archive
        self.frozen = frozen
        """Sheet title -> the sheet as `freeze` serialised it, its cells let go since."""

    def write_worksheet(self, ws: Worksheet) -> None:
        if not LXML or self.workbook.write_only:
            return super().write_worksheet(ws)
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        # types-openpyxl leaves out Worksheet's _drawing, _charts, _images and _rels, which
        # openpyxl's own write_worksheet sets as these lines do.
        drawing = ws._drawing = SpreadsheetDrawing()  # type: ignore[attr-defined]
        drawing.charts = ws._charts  # type: ignore[attr-defined]
        drawing.images = ws._images  # type: ignore[attr-defined]
        frozen = self.frozen.get(ws.title)
        if frozen is None:
            writer = SheetDataWriter(ws, out=BytesIO())
            writer.write()
            ws._rels = writer._rels  # type: ignore[attr-defined]
            data = writer.read()
        else:
            late = [cell.coordinate for cell in list(ws._cells.values())[:3]]
            assert not late, f"{ws.title}: {', '.join(late)} written after the sheet froze"
            ws._rels = frozen.rels  # type: ignore[attr-defined]
            data = thaw(frozen, self.workbook._cell_styles)  # type: ignore[attr-defined]
        archive = self.archive
        info = ZipInfo(ws.path[1:], date_time=time.localtime()[:6])  # AreasFirst re-dates it
        info.external_attr = 0o100600 << 16  # a temporary file's, as openpyxl's parts have
        archive.writestr(
            info,
            data,
            compress_type=archive.compression,
            compresslevel=archive.compresslevel,
        )
        self.manifest.append(ws)


_PRINT_AREA = re.compile(rb'<definedName name="_xlnm\.Print_Area"[^>]*>[^<]*</definedName>')
_DEFINED_NAMES = b"<definedNames>"


def print_areas_first(workbook_xml: bytes) -> bytes:
    """xl/workbook.xml with its print areas moved to the head of its defined names, in
    their order, every other name in its own. openpyxl writes each sheet's print titles
    and print area together, sheet by sheet; LibreOffice applies them in the order it
    reads them, and lays out the pages of every sheet at each print title, over the
    sheet's print area where it has read one and over the whole sheet (16,384 columns
    by 1,048,576 rows) where not: with the areas first, every such layout is of a print
    area. Excel reads the names as a set; the order means nothing to it."""
    areas = _PRINT_AREA.findall(workbook_xml)
    if not areas or _DEFINED_NAMES not in workbook_xml:
        return workbook_xml
    rest = _PRINT_AREA.sub(b"", workbook_xml)
    return rest.replace(_DEFINED_NAMES, _DEFINED_NAMES + b"".join(areas), 1)


ZipTime = tuple[int, int, int, int, int, int]


class AreasFirst(ZipFile):
    """A zip archive whose xl/workbook.xml goes in through `print_areas_first`; every
    other part is written as `ZipFile` writes it, except that each is dated `stamp` when
    one is given (the workbook's own modified date) rather than the moment it was
    written, so that the same definitions built on the same date give the same file, byte
    for byte (reproducible builds: SOURCE_DATE_EPOCH)."""

    def __init__(self, *args: Any, stamp: ZipTime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stamp = stamp

    def writestr(
        self,
        zinfo_or_arcname: str | ZipInfo,
        data: SizedBuffer | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        name = zinfo_or_arcname if isinstance(zinfo_or_arcname, str) else zinfo_or_arcname.filename
        if name == "xl/workbook.xml":
            data = print_areas_first(data.encode("utf-8") if isinstance(data, str) else bytes(data))
        if self.stamp is not None and isinstance(zinfo_or_arcname, str):
            # As ZipFile.writestr makes a name's entry, with the stamp for the time.
            zinfo_or_arcname = ZipInfo(name, date_time=self.stamp)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
            if compresslevel is None:
                compresslevel = self.compresslevel
        elif self.stamp is not None and isinstance(zinfo_or_arcname, ZipInfo):
            zinfo_or_arcname.date_time = self.stamp
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


_STYLE_ID = re.compile(rb'(<(?:c|row)\s[^>]*?\ss="|<col\s[^>]*?\sstyle=")(\d+)"')
"""A cell's, row's or column's style id in a worksheet's XML. Text cannot match it: in
content `<` is always `&lt;`, and in an attribute value `>` is always `&gt;`."""


@dataclass(frozen=True)
class FrozenSheet:
    """A worksheet serialised once it is written (`freeze`), so that its cells can be let
    go; `FastExcelWriter` writes it at the save as it would have written the sheet then.

    The one thing the XML cannot know before the save is the cell styles' ids: the workbook
    gives each style its id as the save first meets it, sheet by sheet in the sheets'
    order, and the sheets before this one (the Cover, written last) are not written yet.
    So the XML is written with ids of its own (`styles[id]` the style), and each is given
    its workbook id at the save, in the order the XML first uses them, which is the order
    the save would have met them in."""

    xml: bytes
    """The worksheet's XML, zlib-compressed (a sheet's XML is a tenth of its cells' memory,
    and compresses about tenfold again)."""
    styles: Sequence[StyleArray]
    rels: RelationshipList
    """The sheet's relationships (its drawing, its hyperlinks), as its writer made them."""


def freeze(ws: Worksheet) -> FrozenSheet | None:
    """`ws` serialised as `FastExcelWriter` would write it now, or None where this cannot
    stand for the sheet written at the save: a sheet with something its writer numbers
    across the workbook (conditional formats' differential styles, tables, comments), or
    without lxml. The caller lets the sheet's cells go and hands the result to the writer."""
    if not LXML or ws.conditional_formatting or ws.tables:
        return None
    # The workbook's list of cell styles and the sheet's lists its writer fills, which
    # types-openpyxl leaves out (`_Styles`, `_Sheet`).
    book = cast("_Styles", ws.parent)
    sheet = cast("_Sheet", ws)
    given = book._cell_styles
    own: IndexedList[StyleArray] = IndexedList(given)  # the ids given so far kept
    hyperlinks, comments = len(sheet._hyperlinks), len(sheet._comments)
    book._cell_styles = own
    try:
        writer = SheetDataWriter(ws, out=BytesIO())
        writer.write()
        xml = writer.read()
    finally:
        book._cell_styles = given
    if len(sheet._comments) != comments:
        del sheet._comments[comments:]
        del sheet._hyperlinks[hyperlinks:]
        return None
    rels: RelationshipList = writer._rels  # type: ignore[attr-defined]  # as write_worksheet reads it
    return FrozenSheet(zlib.compress(xml, 1), list(own), rels)


def thaw(frozen: FrozenSheet, styles: IndexedList[StyleArray]) -> bytes:
    """The frozen sheet's XML with the workbook's style ids, each style added to `styles`
    (the workbook's list) as the XML first uses it."""
    ids: dict[bytes, bytes] = {}

    def given(match: re.Match[bytes]) -> bytes:
        own = match.group(2)
        style_id = ids.get(own)
        if style_id is None:
            style_id = ids[own] = b"%d" % styles.add(frozen.styles[int(own)])
        return match.group(1) + style_id + b'"'

    return _STYLE_ID.sub(given, zlib.decompress(frozen.xml))
