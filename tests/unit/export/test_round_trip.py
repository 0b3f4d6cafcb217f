"""Every export format, written with hostile text and read back by its real reader (csv,
openpyxl, RDKit's SDMolSupplier, json), gives exactly the rows and values written, once the
documented rule of the format is undone:

- CSV/TSV: a text cell whose first non-apostrophe character is one of = + - @ tab CR has one
  apostrophe in front and is quoted (OWASP); remove one leading apostrophe from such a cell.
  With `raw_text` every cell is as stored.
- XLSX: text is a string cell (never a formula), as stored, except characters XML 1.0 cannot
  carry, which become U+FFFD.
- SDF: one record per row; a title or data value holding CR/LF has its whitespace runs made one
  space (ends trimmed); one whose first non-apostrophe characters are `$$$$`, `>` or `M  END`
  has one apostrophe in front; empty values are left out.
- JSON/NDJSON: exact.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdkit import Chem, RDLogger

from chemaudit.export import HEADERS, iter_encode, make_encoder
from tests.unit.export.rows import flat_row

RDLogger.DisableLog("rdApp.*")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SD_STARTS = ("$$$$", ">", "M  END")
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
HOSTILE = ["$$$$", "$$$$\n$$$$", "=1+1", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "-", "@SUM(A1)",
           "\t", "\r", "\r\n", "\n", "'", "'=1", "''-x", "'$$$$", "> <chemaudit_index>", ">", "M  END",
           '"', ",", ";", "; ", " ", "_x0041_", "\x85", "\u2028", "\x0b", "é", "\U0001f600", "\x01"]
CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")  # PostgreSQL text
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(CHARS, max_size=25),
                 st.builds(lambda a, b, c: a + b + c, st.sampled_from(HOSTILE), st.text(CHARS, max_size=8),
                           st.sampled_from(HOSTILE)))
TEXT_OR_NONE = st.one_of(st.none(), TEXT)
TEXT_COLUMNS = ("name", "smiles", "canonical_smiles", "inchikey", "inchi", "molecular_formula", "error")
LIST_COLUMNS = ("failed_checks", "alert_catalogs", "alert_names")
FORMATS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def hostile_rows(draw) -> list[dict]:
    rows = []
    for idx in range(draw(st.integers(1, 4))):
        texts = {column: draw(TEXT_OR_NONE) for column in TEXT_COLUMNS}
        texts["name"] = texts["name"] or ""
        lists = {column: draw(st.lists(TEXT, max_size=3)) for column in LIST_COLUMNS}
        numbers = {"score": draw(st.one_of(st.none(), st.integers(-5, 100))),
                   "qed": draw(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))),
                   "sa_score": draw(st.floats(-10, 10)),
                   "lipinski_passed": draw(st.one_of(st.none(), st.booleans()))}
        smiles = texts.pop("smiles") or ""
        rows.append(flat_row(idx, smiles, texts.pop("name"), input_kind="smiles", input_text=smiles,
                             **texts, **lists, **numbers))
    return rows


def expected(row: dict) -> dict:
    """Each column's value as stored, in the form of the flat formats (lists joined)."""
    values = {}
    for header, key in zip(HEADERS, _keys()):
        value = row.get(key)
        if key in LIST_COLUMNS:
            value = "; ".join(value) or None
        elif isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            value = None
        values[header] = value
    return values


def _keys() -> list[str]:
    from chemaudit.export import FLAT_COLUMNS
    return [key for _, key in FLAT_COLUMNS]


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def unguard(text: str, starts: tuple[str, ...]) -> str:
    """The documented inverse: one leading apostrophe off a text whose first non-apostrophe
    characters are one of `starts`."""
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(starts) else text


def encode(fmt: str, rows: list[dict], **options) -> bytes:
    return b"".join(iter_encode(make_encoder(fmt, **options), rows, batch_size=2))


@FORMATS
@given(hostile_rows(), st.sampled_from(["csv", "tsv"]))
def test_csv_and_tsv_read_back_exactly_and_never_start_a_formula(rows, fmt):
    data = encode(fmt, rows)
    table = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""),
                            delimiter="," if fmt == "csv" else "\t"))
    assert table[0] == list(HEADERS) and len(table) == 1 + len(rows)
    text = data.decode("utf-8")
    for row, line in zip(rows, table[1:]):
        for (header, value), cell in zip(expected(row).items(), line, strict=True):
            if isinstance(value, str):
                assert not cell.startswith(FORMULA_STARTS), (header, cell)  # OWASP: never a formula
                assert unguard(cell, FORMULA_STARTS) == value, header
                if cell != value:  # guarded: an apostrophe in front, and quoted
                    assert "\"'" + value.replace('"', '""') + '"' in text
            else:
                assert cell == as_text(value), header


@FORMATS
@given(hostile_rows(), st.sampled_from(["csv", "tsv"]))
def test_raw_text_exports_keep_every_cell_as_stored(rows, fmt):
    table = list(csv.reader(io.StringIO(encode(fmt, rows, raw_text=True).decode("utf-8"), newline=""),
                            delimiter="," if fmt == "csv" else "\t"))
    assert [line for line in table[1:]] == [[as_text(v) for v in expected(row).values()] for row in rows]


@FORMATS
@given(hostile_rows())
def test_xlsx_reads_back_as_strings_never_formulas(rows):
    sheet = openpyxl.load_workbook(io.BytesIO(encode("xlsx", rows))).active
    lines = list(sheet.iter_rows())
    assert [cell.value for cell in lines[0]] == list(HEADERS) and len(lines) == 1 + len(rows)
    for row, line in zip(rows, lines[1:]):
        for (header, value), cell in zip(expected(row).items(), line, strict=True):
            if isinstance(value, str):
                assert cell.data_type == "s", (header, cell.value)
                assert cell.value == XML_ILLEGAL.sub("\ufffd", value), header
                assert cell.quotePrefix == value.startswith(FORMULA_STARTS)
            else:
                assert cell.value == value and cell.data_type != "f", header


def one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


@FORMATS
@given(hostile_rows())
def test_sdf_has_one_record_per_row_and_its_values(rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.sdf"
        path.write_bytes(encode("sdf", rows))
        supplier = Chem.SDMolSupplier(str(path), sanitize=False, removeHs=False)  # indexes "$$$$" lines
        assert len(supplier) == len(rows)
        mols = list(supplier)
    for row, mol in zip(rows, mols):
        assert mol is not None
        title = mol.GetProp("_Name")
        assert not title.startswith(SD_STARTS) and unguard(title, SD_STARTS) == one_line(row["name"])
        for header, value in expected(row).items():
            text = one_line(as_text(value))
            name = f"chemaudit_{header}"
            assert mol.HasProp(name) == (text != ""), (name, value)
            if text:
                read = mol.GetProp(name)
                assert not read.startswith(SD_STARTS) and unguard(read, SD_STARTS) == text, name


def stored_row(row: dict) -> dict:
    """The row as the results table holds it (for the JSON item)."""
    detail = {"validation": {"inchi": row["inchi"], "canonical_smiles": row["canonical_smiles"],
                             "molecule_info": {"molecular_formula": row["molecular_formula"]}},
              "alerts": {"alerts": [{"rule_name": name} for name in row["alert_names"]]},
              "scoring": {"failed": row["failed_checks"]}, "standardization": None, "profiling": None,
              "safety_assessment": None}
    return {"idx": row["idx"], "name": row["name"], "smiles": row["smiles"], "status": row["status"],
            "error": row["error"], "detail": detail}


@FORMATS
@given(hostile_rows(), TEXT)
def test_json_and_ndjson_read_back_exactly(rows, filename):
    stored = [stored_row(row) for row in rows]
    items = [{"index": r["idx"], "name": r["name"], "smiles": r["smiles"], "status": r["status"],
              "error": r["error"], **r["detail"]} for r in stored]
    header = {"job_id": "j", "filename": filename, "total_results": len(rows)}
    document = json.loads(encode("json", stored, header=header))
    assert document == {**header, "results": items}
    lines = encode("ndjson", stored).decode("utf-8").split("\n")
    assert lines[-1] == "" and [json.loads(line) for line in lines[:-1]] == items
