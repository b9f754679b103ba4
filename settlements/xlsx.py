"""Excel workbooks written as XML straight into the zip: the one cell factory of every export.

A row is one string, not a cell object per value (see docs/benchmarks/README.md). A cell's type follows its
Python value: `str` is text (an inline string, never a formula), `int` a number, `Decimal` an amount in pounds
(£#,##0.00), `date` a date (dd/mm/yyyy), `None` an empty cell. Headings and totals can be bold. Each column is
as wide as its widest value.
"""

import re
import shutil
import tempfile
import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse

from settlements.filetypes import XLSX

MONEY_FORMAT = "£#,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
EXCEL_EPOCH = date(1899, 12, 30)
MAX_WIDTH = 80

# Cell formats by index in styles.xml: plain, date, money; then the same in bold.
PLAIN, DATE, MONEY, BOLD = 0, 1, 2, 3
NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# What XML cannot hold, and what Excel would read as an escape of its own (_x0041_), is escaped the way Excel
# escapes it, as _xHHHH_: the control characters, and the underscore that starts such a sequence.
NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
XML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _escape_character(match: re.Match) -> str:
    character = match.group()
    return XML_ENTITIES.get(character) or f"_x{ord(character):04X}_"


def escape_text(text: str) -> str:
    """Text as it may stand in a cell's XML."""
    return NEEDS_ESCAPE.sub(_escape_character, text) if NEEDS_ESCAPE.search(text) else text


def header_label(name: str) -> str:
    """A column's machine name as a person reads it: financial_year -> Financial year."""
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def shown_width(value) -> int:
    """How many characters a value takes in its cell once formatted."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(f"£{value:,.2f}")
    if isinstance(value, date):
        return len("dd/mm/yyyy")
    return len(str(value))


def column_width(characters: int) -> float:
    """An Excel column width that shows `characters` without cutting them off or showing ####."""
    return min(characters, MAX_WIDTH) + 2


def column_letters(count: int) -> list[str]:
    letters = []
    for n in range(1, count + 1):
        name = ""
        while n:
            n, remainder = divmod(n - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


class Sheet:
    """One worksheet: rows are written to a temporary file as they come, then placed behind the column widths.

    Cells carry no reference (Excel and openpyxl number them in order), so that the XML of a text or a date
    is made once per column and value and reused: reports repeat their names, years and statuses.
    """

    def __init__(self, title: str, columns: int):
        self.title = title
        self.columns = columns
        self.made = [{} for _ in range(columns)]  # per column: value -> its cell's XML, for text, dates and blanks
        self.made_bold = [{} for _ in range(columns)]
        self.longest = [None] * columns  # per column, the number whose text is longest so far
        self.rows = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115 - closed by write_to
        self.count = 0
        self.frozen = 0

    def freeze(self) -> None:
        """Keep the rows written so far in view when scrolling."""
        self.frozen = self.count

    def append(self, values, bold: bool | set[int] = False, fit: bool = True) -> None:
        """Add a row, bold or with the columns in `bold` bold; `fit=False` leaves the column widths to the other
        rows (a heading may spill across)."""
        self.count += 1
        if isinstance(bold, bool):
            cells = self._cells(enumerate(values), bold, fit)
        else:
            cells = [cell for pair in enumerate(values) for cell in self._cells([pair], pair[0] in bold, fit)]
        self.rows.write(f'<row r="{self.count}">{"".join(cells)}</row>'.encode())

    def _cells(self, columns_and_values, bold: bool, fit: bool) -> list[str]:
        cells = []
        made, longest, offset = (self.made_bold if bold else self.made), self.longest, BOLD if bold else PLAIN
        for column, value in columns_and_values:
            kind = type(value)
            if kind is Decimal or kind is int:
                text = str(value)
                widest = longest[column]
                if fit and (widest is None or len(text) > len(str(widest))):
                    longest[column] = value
                style = MONEY + offset if kind is Decimal else offset
                cells.append(f'<c s="{style}"><v>{text}</v></c>' if style else f"<c><v>{text}</v></c>")
            else:
                cell = made[column].get(value) if fit else None
                if cell is None:
                    cell = self._cell(value, offset)
                    if fit:
                        made[column][value] = cell
                cells.append(cell)
        return cells

    @staticmethod
    def _cell(value, offset: int) -> str:
        style = f' s="{offset}"' if offset else ""
        if value is None:
            return "<c/>"
        if isinstance(value, str):
            text = escape_text(value)
            space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
            return f'<c t="inlineStr"{style}><is><t{space}>{text}</t></is></c>'
        if type(value) is date:
            return f'<c s="{DATE + offset}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
        raise TypeError(f"an Excel cell cannot hold {type(value).__name__} {value!r}")

    def widths(self) -> list[int]:
        """Per column, the characters its widest value takes."""
        return [
            max(map(shown_width, [*made, *made_bold, longest]))
            for made, made_bold, longest in zip(self.made, self.made_bold, self.longest, strict=True)
        ]

    def write_to(self, archive: zipfile.ZipFile, name: str) -> None:
        with archive.open(name, "w", force_zip64=True) as part:
            part.write(self._head().encode())
            self.rows.seek(0)
            shutil.copyfileobj(self.rows, part, 2**20)
            part.write(b"</sheetData></worksheet>")
        self.rows.close()

    def _head(self) -> str:
        pane = ""
        if self.frozen:
            below = f"A{self.frozen + 1}"
            pane = (
                f'<pane ySplit="{self.frozen}" topLeftCell="{below}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="{below}" sqref="{below}"/>'
            )
        columns = "".join(
            f'<col min="{n}" max="{n}" width="{column_width(width)}" customWidth="1"/>'
            for n, width in enumerate(self.widths(), start=1)
        )
        return (
            f'{HEAD}<worksheet xmlns="{NAMESPACE}"><sheetViews><sheetView workbookViewId="0">{pane}</sheetView>'
            f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols><sheetData>'
        )


def heading(sheet: Sheet, title: str, filters: list[tuple[str, str]], header: list[str], fit_filters=True) -> None:
    """A bold title, the filters, a blank row and the header in words, kept in view when scrolling; the title
    may spill across, and `fit_filters=False` leaves the widths to the columns' own values too."""
    sheet.append([title], bold=True, fit=False)
    for name, value in filters:
        sheet.append([name, value], fit=fit_filters)
    sheet.append([])
    sheet.append([header_label(name) for name in header], bold=True)
    sheet.freeze()


def response(workbook: "Workbook", filename: str) -> HttpResponse:
    """The workbook as a download named `filename`.xlsx."""
    response = HttpResponse(workbook.content(), content_type=XLSX.content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{XLSX.extension}"'
    return response


class Workbook:
    """Sheets in the order they are added; `content()` is the .xlsx file."""

    def __init__(self):
        self.sheets: list[Sheet] = []

    def add_sheet(self, title: str, columns: int) -> Sheet:
        sheet = Sheet(title, columns)
        self.sheets.append(sheet)
        return sheet

    def content(self) -> bytes:
        buffer = BytesIO()
        # Level 1: the sheet's XML is repetitive enough that it still compresses about ten to one.
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", self._content_types())
            archive.writestr("_rels/.rels", ROOT_RELATIONSHIPS)
            archive.writestr("xl/workbook.xml", self._workbook())
            archive.writestr("xl/_rels/workbook.xml.rels", self._relationships())
            archive.writestr("xl/styles.xml", STYLES)
            for n, sheet in enumerate(self.sheets, start=1):
                sheet.write_to(archive, f"xl/worksheets/sheet{n}.xml")
        return buffer.getvalue()

    def _each_sheet(self, template: str) -> str:
        """`template` once a sheet, its {n} the sheet's number from 1, as the parts of the file are named."""
        return "".join(template.format(n=n) for n in range(1, len(self.sheets) + 1))

    def _content_types(self) -> str:
        sheets = self._each_sheet(
            '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="' + SPREADSHEETML + '.worksheet+xml"/>'
        )
        return (
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEETML}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{SPREADSHEETML}.styles+xml"/>{sheets}</Types>'
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name="{escape_text(sheet.title)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in enumerate(self.sheets, start=1)
        )
        return f'{HEAD}<workbook xmlns="{NAMESPACE}" xmlns:r="{RELATIONSHIPS}"><sheets>{sheets}</sheets></workbook>'

    def _relationships(self) -> str:
        sheets = self._each_sheet(
            '<Relationship Id="rId{n}" Type="' + RELATIONSHIPS + '/worksheet" Target="worksheets/sheet{n}.xml"/>'
        )
        return (
            f'{HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{sheets}'
            f'<Relationship Id="rIdStyles" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>'
        )


SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
ROOT_RELATIONSHIPS = (
    f'{HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_FORMATS = [(0, 0), (165, 0), (164, 0), (0, 1), (165, 1), (164, 1)]  # (number format, font) of each index above
STYLES = (
    f'{HEAD}<styleSheet xmlns="{NAMESPACE}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{MONEY_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    f'<cellXfs count="{len(_FORMATS)}">'
    + "".join(
        f'<xf numFmtId="{number}" fontId="{font}" fillId="0" borderId="0" xfId="0"'
        + (' applyNumberFormat="1"' if number else "")
        + (' applyFont="1"' if font else "")
        + "/>"
        for number, font in _FORMATS
    )
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
