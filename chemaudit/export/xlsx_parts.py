"""The fixed XML parts of a minimal SpreadsheetML package (workbook, styles, relationships)."""

from __future__ import annotations

from xml.sax.saxutils import escape

QUOTE = {'"': "&quot;"}

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

PNG_DEFAULT = '<Default Extension="png" ContentType="image/png"/>'
DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"


def sheet_start(columns: str = "") -> str:
    """A worksheet up to its first row. The header row stays in view (frozen pane) and is bold
    (cell style 1); style 2 marks text that looks like a formula as text ("quote prefix"), so
    editing the cell keeps it text. `columns`: a <cols> element (widths), if any."""
    return (
        f'{DECLARATION}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        f"</sheetView></sheetViews>{columns}<sheetData>"
    )


def sheet_end(tail: str = "") -> str:
    """The end of a worksheet; `tail`: what follows the rows (a <drawing> reference)."""
    return f"</sheetData>{tail}</worksheet>"


def relationships(targets: list[tuple[str, str]]) -> str:
    """A .rels part: (relationship type under REL_NS, target) as rId1, rId2, ..."""
    rels = "".join(f'<Relationship Id="rId{n}" Type="{REL_NS}/{kind}" Target="{target}"/>'
                   for n, (kind, target) in enumerate(targets, 1))
    return f'{DECLARATION}<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>'

STYLES = (
    f'{DECLARATION}<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def package_parts(names: list[str], defaults: str = "", overrides: str = "") -> dict[str, str]:
    """The parts that list the sheets `names` (sheet n is xl/worksheets/sheet{n}.xml), with more
    content types (`defaults`, `overrides`) for parts such as drawings."""
    sheets = len(names)
    numbers = range(1, sheets + 1)
    overrides += "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>' for n in numbers
    )
    content_types = (
        f'{DECLARATION}<Types xmlns="{CT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{defaults}'
        '<Override PartName="/xl/workbook.xml"'
        ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml"'
        ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )
    root_rels = (
        f'{DECLARATION}<Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    sheet_list = "".join(f'<sheet name="{escape(name, QUOTE)}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, name in enumerate(names, 1))
    workbook = (
        f'{DECLARATION}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"<sheets>{sheet_list}</sheets></workbook>"
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in numbers
    )
    workbook_rels = (
        f'{DECLARATION}<Relationships xmlns="{PKG_REL_NS}">{sheet_rels}'
        f'<Relationship Id="rId{sheets + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    return {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/styles.xml": STYLES,
    }
