"""`chemaudit audit` without a server: same rows in any number of processes, export columns, refusals."""

from __future__ import annotations

import csv
import io
import json

import pytest

from chemaudit.chemistry import AuditOptions
from chemaudit.export import FLAT_COLUMNS, FORMATS, HEADERS
from chemaudit.settings import Settings
from chemaudit_client import EXPORT_FORMATS, local_audit
from chemaudit_client.api import ClientFailure
from chemaudit_client.local_audit import LocalAudit
from chemaudit_client.local_rows import export_row, flat_row, result_row
from chemaudit_client.progress import ProgressDisplay
from tests.support.molecules import NCI_SDF_200, nci_smiles


def _csv_file(path, count: int):
    rows = ["SMILES,Name"] + [f"{smiles},{name}" for smiles, name in nci_smiles(count)]
    rows.insert(3, "C1CC(,unclosed_ring")
    rows.insert(6, "F[Cl](F)(F)(F)F,bad_valence")
    path.write_text("\n".join(rows) + "\n")
    return path


def _run(source, out, fmt="csv", jobs=1, **kwargs) -> tuple[int, str]:
    stream = io.StringIO()
    audit = LocalAudit(source, out, fmt, jobs=jobs, settings=Settings(), **kwargs)
    written = audit.run(ProgressDisplay(stream, label="audit", tty=False, plain_interval=1.0))
    return written, stream.getvalue()


def test_the_cli_offers_every_export_format():
    assert EXPORT_FORMATS == FORMATS


def test_a_flat_row_has_every_export_column():
    row = flat_row(result_row(0, "aspirin", "smiles", "CC(=O)Oc1ccccc1C(=O)O", None, AuditOptions()))
    assert {key for _, key in FLAT_COLUMNS} <= set(row)
    assert row["molecular_formula"] == "C9H8O4" and row["inchikey"] == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"
    assert row["smiles"] == "CC(=O)Oc1ccccc1C(=O)O" and isinstance(row["molecular_weight"], float)


def test_records_as_the_worker_stores_them():
    unusable = result_row(4, "x" * 600, "smiles", "CCO", "The SMILES is too long.", AuditOptions())
    assert unusable["status"] == "error" and unusable["smiles"] == "" and len(unusable["name"]) == 500
    block = NCI_SDF_200.read_text().split("$$$$\n")[0]
    from_sdf = export_row(0, "first", "mol", block, None, AuditOptions(), "sdf")
    assert from_sdf["smiles"] == from_sdf["canonical_smiles"] != ""  # an SD record shows its canonical SMILES
    assert from_sdf["input_kind"] == "mol" and from_sdf["input_text"] == block


def test_many_processes_write_exactly_what_one_does(tmp_path, monkeypatch):
    source = _csv_file(tmp_path / "nci.csv", 120)
    monkeypatch.setattr(local_audit, "WINDOW_CHUNKS", 1)  # several windows, to cross their edges
    one, _ = _run(source, tmp_path / "one.csv", jobs=1)
    many, progress = _run(source, tmp_path / "many.csv", jobs=3)
    assert one == many == 122
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "many.csv").read_bytes()
    rows = list(csv.DictReader((tmp_path / "many.csv").open()))
    assert list(rows[0]) == list(HEADERS)
    assert [int(row["index"]) for row in rows] == list(range(122))
    names = [row["name"] for row in rows]
    assert names[2] == "unclosed_ring" and names[5] == "bad_valence" and names[0] == nci_smiles(1)[0][1]
    assert {row["name"]: row["status"] for row in rows}["unclosed_ring"] == "error"
    assert sum(row["status"] == "success" for row in rows) >= 115
    assert progress.splitlines()[-1].startswith("audit: complete 100.0% 122/122")
    assert not list(tmp_path.glob("*.part"))


def test_json_and_ndjson_hold_the_api_items(tmp_path):
    source = _csv_file(tmp_path / "nci.csv", 10)
    _run(source, tmp_path / "out.ndjson", "ndjson", jobs=2)
    items = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert [item["index"] for item in items] == list(range(12))
    assert list(items[0])[:5] == ["index", "name", "smiles", "status", "error"]
    assert items[0]["validation"]["all_checks"]
    _run(source, tmp_path / "out.json", "json", jobs=1)
    document = json.loads((tmp_path / "out.json").read_text())
    assert document["filename"] == "nci.csv" and document["total_results"] == 12
    assert document["results"] == items


def test_column_options_apply_as_on_upload(tmp_path):
    source = tmp_path / "named.csv"
    source.write_text("id;structure\nethanol;CCO\nbenzene;c1ccccc1\n")
    written, _ = _run(source, tmp_path / "out.csv", smiles_column="structure", name_column="id")
    rows = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert written == 2 and [row["name"] for row in rows] == ["ethanol", "benzene"]


@pytest.mark.parametrize("name, content, words", [
    ("empty.smi", b"", "empty"),
    ("picture.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not supported"),
])
def test_a_refused_file_is_one_line_and_leaves_no_output(tmp_path, name, content, words):
    source = tmp_path / name
    source.write_bytes(content)
    with pytest.raises(ClientFailure, match=words):
        _run(source, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == [source]


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(ClientFailure, match="No such file"):
        _run(tmp_path / "nope.sdf", tmp_path / "out.csv")
