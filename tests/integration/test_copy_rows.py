"""COPY text rows made by chemaudit.db.copy_rows, read back from a real PostgreSQL unchanged."""

from __future__ import annotations

import uuid

import psycopg
from rdkit import Chem

from chemaudit.db import queries as q
from chemaudit.db.copy_rows import job_input_rows
from chemaudit.ingest.records import Record
from tests.support.molecules import NCI_SDF_200


def copy_and_read(url: str, records: list[Record], max_name: int = 500) -> list[tuple]:
    job_key = str(uuid.uuid4())
    with psycopg.connect(url) as conn:
        with conn.cursor().copy(q.copy_job_inputs()) as copy:
            copy.write(job_input_rows(job_key, records, max_name))
        return conn.execute("SELECT idx, name, kind, text, error FROM job_inputs WHERE job_id = %s ORDER BY idx",
                            (job_key,)).fetchall()


def test_awkward_fields_survive_the_round_trip(database_url):
    records = [
        Record(0, "trans-dichloroethene", "smiles", "Cl/C=C\\Cl"),
        Record(1, "tab\there, back\\slash", "smiles", "C\\C=C/C"),
        Record(2, "line\nbreak\r\nwindows", "smiles", "CCO", "could not parse: \\N is not NULL"),
        Record(3, "ünïcödé ☃ \\N", "smiles", "c1ccccc1"),
        Record(4, "", "smiles", "", "empty record"),
    ]
    rows = copy_and_read(database_url, records)
    assert rows == [(r.idx, r.name, r.kind, r.text, r.error) for r in records]


def test_real_sdf_records_with_their_newlines(database_url):
    blocks = NCI_SDF_200.read_text().split("$$$$\n")[:50]
    records = [Record(i, f"mol_{i}", "mol", block) for i, block in enumerate(blocks)]
    rows = copy_and_read(database_url, records)
    assert [row[3] for row in rows] == blocks
    assert Chem.MolFromMolBlock(rows[7][3]) is not None


def test_names_are_cut_to_the_limit(database_url):
    rows = copy_and_read(database_url, [Record(0, "x" * 20, "smiles", "C")], max_name=8)
    assert rows[0][1] == "x" * 8
