"""Mapping between an audit result, its database row and the API's result item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

DETAIL_KEYS = ("validation", "alerts", "scoring", "standardization")


def _get(mapping: Any, *path: str):
    for key in path:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def to_row(job_id: str, idx: int, name: str, smiles: str, result: dict) -> dict:
    """Flatten one audit result into the `results` row (filterable columns + full detail)."""
    validation = result.get("validation") or {}
    alerts = (result.get("alerts") or {}).get("alerts") or []
    issues = validation.get("issues") or []
    return {
        "job_id": job_id,
        "idx": idx,
        "name": name,
        "smiles": smiles,
        "status": result.get("status", "error"),
        "error": result.get("error"),
        "score": validation.get("overall_score"),
        "canonical_smiles": validation.get("canonical_smiles"),
        "inchikey": validation.get("inchikey") or None,
        "qed": _get(result, "scoring", "druglikeness", "qed_score"),
        "sa_score": _get(result, "scoring", "admet", "sa_score"),
        "ml_score": _get(result, "scoring", "ml_readiness", "score"),
        "lipinski_passed": _get(result, "scoring", "druglikeness", "lipinski_passed"),
        "issue_count": len(issues),
        "alert_count": len(alerts),
        "failed_checks": sorted({issue.get("check_name") for issue in issues if issue.get("check_name")}),
        "alert_catalogs": sorted({alert.get("catalog") for alert in alerts if alert.get("catalog")}),
        "detail": {key: result.get(key) for key in DETAIL_KEYS},
    }


def error_row(job_id: str, idx: int, name: str, smiles: str, message: str) -> dict:
    """A row for a record that could not be audited at all (unreadable, crashed, timed out)."""
    return to_row(job_id, idx, name, smiles, {"status": "error", "error": message})


def rows_to_json(rows: list[dict]) -> str:
    """Serialise rows as compact JSON; NaN and infinities (which PostgreSQL rejects) become null.

    msgspec rather than the json module: about 7x less CPU on these 9 kB rows, which the
    workers serialise for every molecule (bench/bench_writes.py prints the figure).
    """
    return msgspec.json.encode(rows).decode()


def to_item(row: Mapping[str, Any]) -> dict:
    """The ChemAudit-compatible result item of one stored row."""
    detail = row.get("detail") or {}
    item = {
        "index": row["idx"],
        "name": row["name"],
        "smiles": row["smiles"],
        "status": row["status"],
        "error": row["error"],
    }
    for key in DETAIL_KEYS:
        item[key] = detail.get(key)
    if row.get("profile") is not None:  # the job's scoring profile, as ChemAudit's scoring.profile
        item["scoring"] = {**(item["scoring"] or {}), "profile": row["profile"]}
    return item
