"""Excel: the XLSX export with ChemAudit's Excel options, streamed like it.

- `sheet_layout=single`: one "Results" sheet with the flat columns (as `xlsx`); `multi`: one
  sheet per section (Validation, Scoring with the compound profile, Alerts with the safety
  assessment), each with index, name and smiles first.
  Each sheet is one pass over the rows (a zip's entries follow one another).
- A "Summary" sheet at the end: the figures of the exported rows (chemaudit/export/summary.py),
  the score bands, and the molecules per alert catalog and per failed check.
- `include_images=true`: a `structure` column (B) on the first sheet with a drawing of each
  molecule, made in a pass of its own. At most IMAGE_LIMIT rows get one (every drawing is a
  part of the package, listed in its directory until the end); the Summary sheet says when
  rows were left without.
"""

from __future__ import annotations

from collections.abc import Sequence

from chemaudit.export import depict, xlsx_parts
from chemaudit.export.base import HEADERS, ExportContext, Pass, Row, StreamEncoder, flat_values
from chemaudit.export.summary import RowSummary
from chemaudit.export.xlsx import Workbook
from chemaudit.export.zipstream import ZipStream, is_large
from chemaudit.result_rows import DETAIL_COLUMNS

IMAGE_LIMIT = 10_000
IMAGE_PX = 150
ROW_HEIGHT_PT = 118  # an image of 150 px (about 113 pt) and a margin
EMU_PER_PX = 9525
IDENTITY = ("index", "name", "smiles")
SECTIONS = {
    "Validation": ("canonical_smiles", "inchikey", "inchi", "molecular_formula", "molecular_weight",
                   "status", "error", "validation_score", "issue_count", "failed_checks"),
    "Scoring": ("ml_readiness_score", "qed", "sa_score", "lipinski_passed", "profile_score",
                *(name for name, path, _kind in DETAIL_COLUMNS if path[0] == "profiling")),
    "Alerts": ("alert_count", "alert_catalogs", "alert_names",
               *(name for name, path, _kind in DETAIL_COLUMNS if path[0] == "safety_assessment")),
}
assert set(HEADERS) == set(IDENTITY).union(*SECTIONS.values())
_POSITION = {header: n for n, header in enumerate(HEADERS)}
_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _anchor(row: int, image: int) -> str:
    size = IMAGE_PX * EMU_PER_PX
    return (f"<xdr:oneCellAnchor><xdr:from><xdr:col>1</xdr:col><xdr:colOff>38100</xdr:colOff>"
            f"<xdr:row>{row}</xdr:row><xdr:rowOff>38100</xdr:rowOff></xdr:from>"
            f'<xdr:ext cx="{size}" cy="{size}"/><xdr:pic><xdr:nvPicPr>'
            f'<xdr:cNvPr id="{image + 1}" name="structure {image}"/><xdr:cNvPicPr>'
            '<a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>'
            f'<xdr:blipFill><a:blip r:embed="rId{image}"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
            f'<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{size}" cy="{size}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/>'
            "</xdr:oneCellAnchor>")


class ExcelEncoder(StreamEncoder):
    def __init__(self, include_images: bool = False, sheet_layout: str = "single", large: bool = True):
        self.images = include_images
        if sheet_layout == "multi":
            self.sheets = {name: IDENTITY + columns for name, columns in SECTIONS.items()}
        else:
            self.sheets = {"Results": HEADERS}
        self.passes = tuple(Pass(name) for name in self.sheets) + ((Pass("images"),) if include_images else ())
        self._stream = ZipStream(large)
        self.book = Workbook(self._stream.zip, large)
        self.summary = RowSummary()
        self._pass = ""
        self._seen = 0  # rows of the current pass
        self._anchors: list[tuple[int, int]] = []  # (sheet row, image number), at most IMAGE_LIMIT

    @classmethod
    def from_context(cls, ctx: ExportContext):
        return cls(bool(ctx.options.get("include_images")), ctx.options.get("sheet_layout", "single"),
                   is_large(ctx.row_count))

    def _first(self) -> bool:
        return self._pass == self.passes[0].name

    def start_pass(self, name: str) -> bytes:
        self._pass, self._seen = name, 0
        if name == "images":
            self.book.end_sheet()
            return self._stream.drain()
        headers = self.sheets[name]
        if self._first() and self.images:
            self.book.start_sheet(name, (headers[0], "structure", *headers[1:]),
                                  columns='<cols><col min="2" max="2" width="22" customWidth="1"/></cols>',
                                  tail='<drawing r:id="rId1"/>')
        else:
            self.book.start_sheet(name, headers)
        return self._stream.drain()

    def _values(self, row: Row) -> list:
        values = flat_values(row)
        picked = [values[_POSITION[header]] for header in self.sheets[self._pass]]
        if self._first() and self.images:
            picked.insert(1, None)
        return picked

    def encode(self, rows: Sequence[Row]) -> bytes:
        if self._pass == "images":
            self._draw(rows)
        else:
            if self._first():
                for row in rows:
                    self.summary.add(row)
            drawn = max(0, min(len(rows), IMAGE_LIMIT - self._seen)) if self.images and self._first() else 0
            if drawn:
                self.book.add_rows([self._values(row) for row in rows[:drawn]], ROW_HEIGHT_PT)
            self.book.add_rows([self._values(row) for row in rows[drawn:]])
        self._seen += len(rows)
        return self._stream.drain()

    def _draw(self, rows: Sequence[Row]) -> None:
        for offset, row in enumerate(rows):
            position = self._seen + offset
            if position >= IMAGE_LIMIT:
                return
            picture = depict.png(row.get("canonical_smiles") or row.get("smiles"), IMAGE_PX, IMAGE_PX)
            if picture is not None:
                number = len(self._anchors) + 1
                self._stream.zip.writestr(f"xl/media/image{number}.png", picture)
                self._anchors.append((position + 1, number))

    def _summary_rows(self) -> list[list]:
        s = self.summary
        rows: list[list] = [[label, value] for label, value in s.metrics()]
        rows += [[], ["Validation score band", "Molecules"]] + [[name, n] for name, n in s.bands.items()]
        rows += [[], ["Alert catalog", "Molecules"]] + [[name, n] for name, n in s.catalogs.most_common()]
        rows += [[], ["Failed check", "Molecules"]] + [[name, n] for name, n in s.checks.most_common()]
        if self.images and s.total > IMAGE_LIMIT:
            rows += [[], [f"Structure drawings: the first {IMAGE_LIMIT:,} of {s.total:,} rows have one."]]
        return rows

    def end(self) -> bytes:
        self.book.start_sheet("Summary", ("Metric", "Value"))
        self.book.add_rows(self._summary_rows())
        defaults = overrides = ""
        if self.images:
            self.book.end_sheet()
            self._write_drawing()
            defaults = xlsx_parts.PNG_DEFAULT
            overrides = f'<Override PartName="/xl/drawings/drawing1.xml" ContentType="{xlsx_parts.DRAWING_TYPE}"/>'
        self.book.finish(defaults, overrides)
        return self._stream.close()

    def _write_drawing(self) -> None:
        zip_ = self._stream.zip
        zip_.writestr("xl/worksheets/_rels/sheet1.xml.rels",
                      xlsx_parts.relationships([("drawing", "../drawings/drawing1.xml")]))
        with zip_.open("xl/drawings/drawing1.xml", "w", force_zip64=self._stream.large) as part:
            part.write(f'{xlsx_parts.DECLARATION}<xdr:wsDr xmlns:xdr="{_XDR}" xmlns:a="{_A}" '
                       f'xmlns:r="{xlsx_parts.REL_NS}">'.encode())
            for row, number in self._anchors:
                part.write(_anchor(row, number).encode())
            part.write(b"</xdr:wsDr>")
        zip_.writestr("xl/drawings/_rels/drawing1.xml.rels", xlsx_parts.relationships(
            [("image", f"../media/image{number}.png") for _, number in self._anchors]))
