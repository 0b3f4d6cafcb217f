import json

from chemaudit.export import iter_encode, make_encoder


def _stored_row(idx: int) -> dict:
    return {"idx": idx, "name": f"NSC{idx}", "smiles": "c1ccccc1O", "status": "success", "error": None,
            "detail": {"validation": {"overall_score": 95, "inchikey": "ISWSIDIOOBJBQZ-UHFFFAOYSA-N"},
                       "alerts": {"has_alerts": False, "alert_count": 0, "alerts": []},
                       "scoring": {"druglikeness": {"qed_score": 0.47}}, "standardization": None}}


def test_json_document_holds_the_header_and_every_item_in_order():
    rows = [_stored_row(i) for i in range(1_001)]
    header = {"job_id": "550e8400-e29b-41d4-a716-446655440000", "status": "complete", "total_results": 1_001}
    document = json.loads(b"".join(iter_encode(make_encoder("json", header=header), rows, batch_size=97)))
    assert document["job_id"] == header["job_id"] and document["total_results"] == 1_001
    results = document["results"]
    assert [item["index"] for item in results] == list(range(1_001))
    assert list(results[0]) == ["index", "name", "smiles", "status", "error", "validation", "alerts",
                                "scoring", "standardization", "profiling", "safety_assessment"]
    assert results[5]["validation"]["inchikey"] == "ISWSIDIOOBJBQZ-UHFFFAOYSA-N"


def test_pre_serialised_items_pass_through_untouched():
    rows = [{"idx": i, "item_json": json.dumps({"index": i, "name": "x\ny"})} for i in range(3)]
    document = json.loads(b"".join(iter_encode(make_encoder("json"), rows)))
    assert document == {"results": [{"index": i, "name": "x\ny"} for i in range(3)]}
    lines = b"".join(iter_encode(make_encoder("ndjson"), rows)).decode().splitlines()
    assert [json.loads(line)["index"] for line in lines] == [0, 1, 2]


def test_empty_exports_are_still_valid():
    assert json.loads(b"".join(iter_encode(make_encoder("json", header={"job_id": "j"}), []))) == {
        "job_id": "j", "results": []}
    assert b"".join(iter_encode(make_encoder("ndjson"), [])) == b""


def test_non_finite_numbers_become_null():
    row = _stored_row(0)
    row["detail"]["scoring"]["druglikeness"]["qed_score"] = float("nan")
    line = b"".join(iter_encode(make_encoder("ndjson"), [row]))
    assert json.loads(line)["scoring"]["druglikeness"]["qed_score"] is None
