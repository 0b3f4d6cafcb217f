"""One record audited exactly as a worker does, as the row an export writes for it.

The result row is the one a worker stores (chemaudit.result_rows.to_row, with the same choice of
the SMILES shown); the extra flat columns are read from its detail the way the service's export
query reads them in SQL (chemaudit.db.results_queries.export_rows), so a local CSV and the
service's CSV of the same file hold the same rows.
"""

from __future__ import annotations

import math

from chemaudit.analytics import scaffolds
from chemaudit.chemistry import AuditOptions, audit
from chemaudit.result_rows import detail_values, error_row, to_row

JOB_ID = "local"
MAX_NAME = 500  # names are cut to this length on upload (service.http.upload), so here too


def result_row(idx: int, name: str, kind: str, text: str, error: str | None, options: AuditOptions) -> dict:
    """The stored row of one record (see tasks.chunk_runner._audit_record)."""
    name = name[:MAX_NAME]
    if error:
        return error_row(JOB_ID, idx, name, "", error)
    result = audit(text, kind, options)
    if kind == "smiles":
        shown = text
    else:
        shown = (result.get("validation") or {}).get("canonical_smiles") or ""
    return to_row(JOB_ID, idx, name, shown, result, scaffolds.of_result(result))


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _text(value) -> str | None:
    return None if value is None else str(value)


def flat_row(row: dict) -> dict:
    """The row plus the columns the export reads from the detail (inchi, formula, weight, alert names,
    the profiling and safety columns)."""
    detail = row.get("detail") or {}
    validation = detail.get("validation") or {}
    info = validation.get("molecule_info") or {}
    alerts = (detail.get("alerts") or {}).get("alerts") or []
    flat = {key: value for key, value in row.items() if key != "detail"}
    flat.update(
        inchi=_text(validation.get("inchi")),
        molecular_formula=_text(info.get("molecular_formula")),
        molecular_weight=_number(info.get("molecular_weight")),
        alert_names=[alert.get("rule_name") for alert in alerts
                     if isinstance(alert, dict) and alert.get("rule_name") is not None],
        profile_score=None,  # the local audit scores no profile
        **detail_values(detail),
    )
    return flat


def export_row(idx: int, name: str, kind: str, text: str, error: str | None, options: AuditOptions,
               shape: str) -> dict:
    """The row an export of `shape` (flat, item, sdf; see chemaudit.export.ROW_SHAPES) needs."""
    row = result_row(idx, name, kind, text, error, options)
    if shape == "item":
        return row
    flat = flat_row(row)
    if shape == "sdf":
        flat.update(input_kind=kind, input_text=text)
    return flat
