"""Result rows of real audits: flattened columns and their JSON for PostgreSQL."""

from __future__ import annotations

import json

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.result_rows import DETAIL_COLUMNS, detail_values, rows_to_json, to_row

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
DETAIL_COLUMNS_NAMES = [name for name, _path, _kind in DETAIL_COLUMNS]


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


def test_the_profiling_and_safety_columns_are_read_from_the_stored_blocks():
    options = AuditOptions(include_profiling=True, include_safety_assessment=True)
    result = audit("CN1CCC[C@H]1c1cccnc1", "smiles", options)
    row = to_row("job", 0, "nicotine", "", result)
    assert row["detail"]["profiling"] == result["profiling"] and row["detail"]["safety_assessment"]
    values = detail_values(json.loads(rows_to_json([row]))[0]["detail"])
    profile, safety = result["profiling"], result["safety_assessment"]
    assert values == {
        "herg_risk": safety["herg"]["herg_risk"], "herg_risk_score": safety["herg"]["risk_score"],
        "bro5_passed": True, "reos_passed": safety["reos"]["passed"], "reos_violations": safety["reos"]["n_violations"],
        "cyp_softspot_count": len(safety["cyp_softspots"]), "complexity_outliers": safety["complexity"]["n_outliers"],
        "pfi_score": profile["pfi"]["pfi"], "pfi_risk": profile["pfi"]["risk"], "stars_count": profile["stars"]["stars"],
        "abbott_score": 0.55, "abbott_probability": 55, "consensus_logp": profile["consensus_logp"]["consensus_logp"],
        "skin_perm_logkp": profile["skin_permeation"]["log_kp"],
        "skin_perm_class": profile["skin_permeation"]["classification"]}
    assert values["cyp_softspot_count"] >= 3 and isinstance(values["herg_risk_score"], int)
    assert set(DETAIL_COLUMNS_NAMES) == set(values)


def test_missing_blocks_and_values_of_another_type_give_empty_columns():
    plain = to_row("job", 0, "aspirin", ASPIRIN, audit(ASPIRIN, "smiles"))
    assert set(detail_values(plain["detail"]).values()) == {None}
    odd = {"safety_assessment": {"herg": {"herg_risk": 3, "risk_score": 2.5}, "bro5": {"passed": "yes"},
                                 "cyp_softspots": {"n_sites": 2}},
           "profiling": {"pfi": {"pfi": float("nan"), "risk": None}, "stars": {"stars": True}, "abbott": "error"}}
    assert set(detail_values(odd).values()) == {None}
    assert detail_values({"profiling": {"stars": {"stars": 3.0}}})["stars_count"] == 3


def test_a_worker_stores_the_scaffold_of_a_successful_results_canonical_smiles():
    from chemaudit.analytics.scaffolds import murcko
    from chemaudit.db.queries import DOC_COLUMNS
    from chemaudit_client.local_rows import result_row
    from tasks.record_audit import FaultDrill, audit_record

    def worker_row(text: str, error: str | None = None) -> dict:
        record = {"idx": 0, "name": "m", "kind": "smiles", "text": text, "error": error}
        return audit_record("job", record, AuditOptions(), FaultDrill())

    aspirin, ethanol, unclosed, unsplit = worker_row(ASPIRIN), worker_row("CCO"), worker_row("C1CC"), worker_row("", "bad")
    assert aspirin["scaffold"] == "c1ccccc1" == murcko(aspirin["canonical_smiles"])
    assert ethanol["scaffold"] == ""  # no rings
    assert unclosed["status"] == unsplit["status"] == "error" and unclosed["scaffold"] is unsplit["scaffold"] is None
    assert all(set(DOC_COLUMNS) <= set(row) for row in (aspirin, unclosed, unsplit))  # what a document stores
    assert result_row(0, "m", "smiles", ASPIRIN, None, AuditOptions())["scaffold"] == "c1ccccc1"  # the local CLI's
