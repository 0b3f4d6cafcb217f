"""The formats table: every list is derived from it, it loads no RDKit, every entry's encoder works."""

from __future__ import annotations

import subprocess
import sys

import pytest

from chemaudit.export import ROW_SHAPES, encoder_class, iter_encode, make_encoder
from chemaudit.export.formats import FORMAT_NAMES, FORMATS, LOCAL_FORMATS, OPTIONS, catalog
from chemaudit_client import EXPORT_FORMATS
from chemaudit_client.local_audit import FORMAT_BY_SUFFIX
from service.openapi.exports import export_operations
from tests.unit.export.rows import smiles_rows


def test_the_table_loads_no_rdkit():
    code = ("import sys, chemaudit.export.formats, chemaudit_client, chemaudit_client.commands;"
            " print(sorted(m for m in sys.modules if m.startswith(('rdkit', 'numpy', 'fpdf'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_list_is_the_table():
    assert EXPORT_FORMATS == FORMAT_NAMES == tuple(ROW_SHAPES)
    assert set(FORMAT_BY_SUFFIX.values()) <= set(LOCAL_FORMATS)
    operations = export_operations({}, [], lambda name, schema, text: {"name": name, "schema": schema},
                                   lambda *codes: {})
    parameters = {p["name"]: p for p in operations["/api/v1/batch/{job_id}/export"]["get"]["parameters"] if p}
    assert parameters["format"]["schema"]["enum"] == list(FORMAT_NAMES)
    assert set(OPTIONS) <= set(parameters)
    assert [fmt["name"] for fmt in catalog()["formats"]] == list(FORMAT_NAMES)


@pytest.mark.parametrize("fmt", [fmt.name for fmt in FORMATS])
def test_every_encoder_writes_a_file(fmt):
    rows = [dict(row, rep_idx=row["idx"], group_size=1, group_id=row["idx"] + 1) for row in smiles_rows(12)]
    encoder = make_encoder(fmt, header={"job_id": "j", "filename": "f.smi"}, row_count=len(rows))
    assert type(encoder) is encoder_class(fmt) and encoder.passes
    data = b"".join(iter_encode(encoder, lambda step: rows, batch_size=5))
    assert len(data) > 100


def test_a_multi_pass_encoder_needs_the_rows_per_pass():
    with pytest.raises(ValueError, match="more than once"):
        list(iter_encode(make_encoder("dedup", row_count=1), smiles_rows(1)))
