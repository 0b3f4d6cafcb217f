"""Result rows of real audits: flattened columns and their JSON for PostgreSQL."""

from __future__ import annotations

import json

from chemaudit.chemistry import audit
from chemaudit.result_rows import rows_to_json, to_row

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_rows_round_trip_through_json_with_the_columns_taken_from_the_audit():
    row = to_row("job", 3, "aspirin ✓", ASPIRIN, audit(ASPIRIN, "smiles"))
    assert row["status"] == "success" and 0 <= row["score"] <= 100
    assert row["inchikey"] == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"
    text = rows_to_json([row])
    assert "aspirin ✓" in text  # UTF-8 as is, not \\u escapes
    assert json.loads(text) == [row]


def test_non_finite_numbers_become_null_and_the_rest_is_kept():
    row = to_row("job", 0, "x", ASPIRIN, audit(ASPIRIN, "smiles"))
    row["qed"] = float("nan")
    row["detail"]["scoring"]["admet"]["sa_score"] = float("-inf")
    decoded = json.loads(rows_to_json([row]))[0]
    assert decoded["qed"] is None
    assert decoded["detail"]["scoring"]["admet"]["sa_score"] is None
    assert decoded["detail"]["validation"] == row["detail"]["validation"]
