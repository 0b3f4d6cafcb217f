"""The results table and status text, from real audit results of real molecules."""

from __future__ import annotations

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.result_rows import to_item, to_row
from chemaudit_client.table import clip, render_table, results_text, status_text
from tests.support.molecules import nci_smiles


def _items() -> list[dict]:
    pairs = nci_smiles(6) + [("C1CC(", "broken_ring"), ("C[C@H](N)C(=O)O.Cl", "alanine_hcl")]
    return [to_item(to_row("j", idx, name, smiles, audit(smiles, "smiles", AuditOptions())))
            for idx, (smiles, name) in enumerate(pairs)]


def test_results_table_has_one_aligned_row_per_molecule():
    items = _items()
    page = {"job_id": "j", "status": "complete", "results": items, "page": 1, "page_size": 20,
            "total_results": len(items), "total_pages": 1}
    lines = results_text(page).splitlines()
    assert lines[0] == f"job j: complete, {len(items)} matching results, page 1 of 1"
    assert lines[1].split() == ["index", "name", "status", "score", "issues", "alerts"]
    rows = lines[3:]
    assert len(rows) == len(items)
    for line, item in zip(rows, items):
        assert line.split()[1] == item["name"] and line.split()[2] == item["status"]
    # Column edges line up: every row's status starts where the header's does.
    status_at = lines[1].index("status")
    assert all(line[status_at:].startswith(("success", "error")) for line in rows)


def test_error_rows_show_the_reason_and_success_rows_their_failed_checks():
    items = _items()
    rows = {item["name"]: line for item, line in zip(items, results_text(
        {"job_id": "j", "status": "complete", "results": items, "page": 1, "total_results": 8,
         "total_pages": 1}).splitlines()[3:])}
    broken = rows["broken_ring"]
    assert " error " in broken and " - " in broken  # no score for an unreadable structure
    mixture = next(item for item in items if item["name"] == "alanine_hcl")
    failed = [issue["check_name"] for issue in mixture["validation"]["issues"]]
    assert failed, "a salt form should fail at least one check"
    assert f"{len(failed)}: {failed[0]}" in rows["alanine_hcl"]
    assert str(mixture["validation"]["overall_score"]) in rows["alanine_hcl"]


def test_empty_page_and_status_text():
    assert results_text({"job_id": "j", "status": "processing", "results": [], "page": 3,
                         "total_results": 0, "total_pages": 0}).endswith("(no results on this page)")
    text = status_text({"job_id": "j", "status": "processing", "progress": 45.5, "processed": 455,
                        "total": 1000, "eta_seconds": 68, "started_at": "2026-01-01T00:00:00+00:00"})
    assert "45.5% (455/1,000 molecules)" in text and "eta       1m08s" in text and "started" in text


def test_clip_and_render():
    assert clip("a  b\nc", 10) == "a b c"
    assert clip("x" * 12, 5) == "xxxx…"
    assert render_table([("1", "n", "s", "9", "-", "-")]).splitlines()[2] == "    1  n     s           9  -       -"
