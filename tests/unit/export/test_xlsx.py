"""The streamed XLSX read back with the standard library (zip + XML), as a spreadsheet would."""

import io
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile

from chemaudit.export import HEADERS, iter_encode, make_encoder
from chemaudit.export.xlsx import XlsxEncoder
from tests.unit.export.rows import flat_row, smiles_rows

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _cell_value(cell):
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(cell.find("m:is", NS).itertext())
    value = cell.find("m:v", NS)
    if value is None:
        return None
    if kind == "b":
        return value.text == "1"
    number = float(value.text)
    return int(number) if number.is_integer() and "." not in value.text else number


def read_xlsx(data: bytes) -> dict[str, list[list]]:
    """Sheet name -> rows, following the workbook's relationships the way Excel does."""
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    types = ET.fromstring(package.read("[Content_Types].xml"))
    overrides = {o.get("PartName") for o in types}
    workbook = ET.fromstring(package.read("xl/workbook.xml"))
    rels = {rel.get("Id"): rel.get("Target")
            for rel in ET.fromstring(package.read("xl/_rels/workbook.xml.rels")).findall("p:Relationship", NS)}
    sheets = {}
    for sheet in workbook.find("m:sheets", NS):
        target = "xl/" + rels[sheet.get(f"{{{NS['r']}}}id")]
        assert "/" + target in overrides
        root = ET.fromstring(package.read(target))
        sheets[sheet.get("name")] = [[_cell_value(c) for c in row.findall("m:c", NS)]
                                     for row in root.find("m:sheetData", NS)]
    return sheets


def test_one_row_per_molecule_with_typed_cells():
    rows = smiles_rows(2_000)
    sheets = read_xlsx(b"".join(iter_encode(make_encoder("xlsx", row_count=2_000), rows, batch_size=333)))
    assert list(sheets) == ["Results"]
    table = sheets["Results"]
    assert table[0] == list(HEADERS) and len(table) == 2_001
    first = dict(zip(table[0], table[1]))
    assert first["index"] == 0 and first["smiles"] == rows[0]["smiles"]
    assert first["lipinski_passed"] is False and first["qed"] == rows[0]["qed"]
    assert first["failed_checks"] == "stereo_undefined" and first["error"] is None


def test_rows_beyond_a_sheet_continue_on_the_next():
    rows = smiles_rows(25)
    encoder = XlsxEncoder(rows_per_sheet=10, large=False)
    sheets = read_xlsx(b"".join(iter_encode(encoder, rows, batch_size=4)))
    assert list(sheets) == ["Results", "Results 2", "Results 3"]
    assert [len(table) - 1 for table in sheets.values()] == [10, 10, 5]
    assert [row[0] for table in sheets.values() for row in table[1:]] == list(range(25))


def test_text_that_xml_cannot_hold_is_escaped_or_replaced():
    row = flat_row(0, "C&C", " <name> & \x01 control ", error="x" * 40_000)
    table = read_xlsx(b"".join(iter_encode(make_encoder("xlsx"), [row])))["Results"]
    values = dict(zip(table[0], table[1]))
    assert values["name"] == " <name> & \ufffd control " and values["smiles"] == "C&C"
    assert len(values["error"]) == 32_767


def test_memory_stays_flat_however_many_rows():
    def peak(count: int) -> int:
        rows = (flat_row(i, "c1ccccc1O", f"NSC{i}") for i in range(count))
        tracemalloc.start()
        size = sum(len(piece) for piece in iter_encode(make_encoder("xlsx"), rows))
        current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert size > 0
        return top

    small, large = peak(1_000), peak(10_000)
    assert large < small * 2 + 512 * 1024, (small, large)
