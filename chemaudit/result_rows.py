"""Mapping between an audit result, its database row and the API's result item."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import msgspec

DETAIL_KEYS = ("validation", "alerts", "scoring", "standardization", "profiling", "safety_assessment")
# Flat export columns read from the detail document: (column, path, kind), kind one of "text",
# "number", "integer", "boolean" or "count" (the length of a list); missing or of another type:
# empty. The service's export reads them in SQL (chemaudit.db.results_queries), the local CLI
# in Python (`detail_values`), with the same result. Names are ChemAudit's export column keys.
DETAIL_COLUMNS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("herg_risk", ("safety_assessment", "herg", "herg_risk"), "text"),
    ("herg_risk_score", ("safety_assessment", "herg", "risk_score"), "integer"),
    ("bro5_passed", ("safety_assessment", "bro5", "passed"), "boolean"),
    ("reos_passed", ("safety_assessment", "reos", "passed"), "boolean"),
    ("reos_violations", ("safety_assessment", "reos", "n_violations"), "integer"),
    ("cyp_softspot_count", ("safety_assessment", "cyp_softspots"), "count"),
    ("complexity_outliers", ("safety_assessment", "complexity", "n_outliers"), "integer"),
    ("pfi_score", ("profiling", "pfi", "pfi"), "number"),
    ("pfi_risk", ("profiling", "pfi", "risk"), "text"),
    ("stars_count", ("profiling", "stars", "stars"), "integer"),
    ("abbott_score", ("profiling", "abbott", "abbott_score"), "number"),
    ("abbott_probability", ("profiling", "abbott", "probability_pct"), "integer"),
    ("consensus_logp", ("profiling", "consensus_logp", "consensus_logp"), "number"),
    ("skin_perm_logkp", ("profiling", "skin_permeation", "log_kp"), "number"),
    ("skin_perm_class", ("profiling", "skin_permeation", "classification"), "text"),
)


def _get(mapping: Any, *path: str):
    for key in path:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def _detail_value(value: Any, kind: str) -> Any:
    if kind == "text":
        return value if isinstance(value, str) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "count":
        return len(value) if isinstance(value, list) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    if kind == "integer":
        return int(value) if float(value).is_integer() else None
    return float(value)


def detail_values(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The DETAIL_COLUMNS of one stored detail document."""
    return {name: _detail_value(_get(detail, *path), kind) for name, path, kind in DETAIL_COLUMNS}


def to_row(job_id: str, idx: int, name: str, smiles: str, result: dict, scaffold: str | None = None) -> dict:
    """Flatten one audit result into the `results` row (filterable columns + full detail).

    `scaffold` is the result's Bemis-Murcko scaffold (chemaudit.analytics.scaffolds.of_result),
    computed by the caller so this module needs no RDKit; None stores it as not computed.
    """
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
        "scaffold": scaffold,
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
