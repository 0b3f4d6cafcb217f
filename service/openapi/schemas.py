"""The data shapes of the OpenAPI document (`components.schemas`), as JSON Schema 2020-12.

Each shape is what the handlers really send: fields the clients rely on are required, extra
fields are allowed (progress messages and result items may grow fields, never lose them).
"""

from __future__ import annotations

from chemaudit.db.results_queries import RESULT_STATUSES
from chemaudit.db.schema import JOB_STATUSES
from chemaudit.ingest.parsers import FORMATS as UPLOAD_FORMATS
from chemaudit.job_options import OPTION_FLAGS
from chemaudit.progress_fields import CORE_FIELDS
from chemaudit.progress_fields import schema_properties as progress_properties
from service.openapi.notifications import NOTIFICATIONS
from service.openapi.notifications import UPLOAD_FIELDS as NOTIFY_FIELDS

UUID = {"type": "string", "format": "uuid"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
INT0 = {"type": "integer", "minimum": 0}
NUMBER_OR_NULL = {"type": ["number", "null"]}
OBJECT_OR_NULL = {"type": ["object", "null"]}
COUNTS = {"type": "object", "additionalProperties": INT0}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: list[str], properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "required": required, "properties": properties}
    if description:
        schema["description"] = description
    return schema


ERROR = _object(["error", "detail"], {
    "error": {"type": "string", "description": "A stable machine-readable code, e.g. job_not_found."},
    "detail": {"type": "string", "description": "A sentence for a person."},
}, "The one error shape of every endpoint.")

PROGRESS = _object(list(CORE_FIELDS), {
    **progress_properties(),
    "started_at": TIME_OR_NULL,
    "finished_at": TIME_OR_NULL,
    "parent_job_id": {**UUID, "description": "/status of a subset job only: the job it was made from."},
}, "The progress message, identical on WebSockets and on /status.")

CANCELLED = {"allOf": [ref("ProgressMessage"), _object(["message"], {"message": {"type": "string"}})]}

FORMAT_FIELDS = {
    "format": {"type": "string", "enum": list(UPLOAD_FORMATS),
               "description": "How the upload was read."},
    "format_reason": {"type": ["string", "null"], "description": "Why it was read so, in one sentence."},
}

UPLOAD_ACCEPTED = _object(["job_id", "status", "total_molecules", "message"], {
    "job_id": UUID,
    "status": {"type": "string", "const": "processing"},
    "total_molecules": INT0,
    "message": {"type": "string"},
    **FORMAT_FIELDS,
})

UPLOAD_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "smiles_column": {"type": "string", "maxLength": 1024,
                          "description": "CSV/TSV column holding the SMILES (default `SMILES`). "
                                         "Send it before the file field."},
        "name_column": {"type": "string", "maxLength": 1024,
                        "description": "CSV/TSV column holding the molecule names. Send it before the file."},
        **{flag.name: {"type": "string", "enum": ["true", "false"], "default": "false",
                       "description": f"{flag.help[0].upper()}{flag.help[1:]}. Also 1/0, yes/no, on/off."}
           for flag in OPTION_FLAGS},
        "priority": {"type": "string", "enum": ["low", "normal", "high"], "description": "Default `normal`."},
        "reuse": {"type": "string", "enum": ["true", "false"],
                  "description": "Default true: a record whose result is stored already (same input, "
                                 "options and engine version) takes it instead of being audited again. "
                                 "false audits every record afresh."},
        **NOTIFY_FIELDS,
        "profile_id": {"type": "string", "pattern": "^[0-9]+$",
                       "description": "A scoring profile (GET /api/v1/profiles): each molecule gets its "
                                      "`scoring.profile` block; unknown: 404."},
        "file": {"type": "string", "contentMediaType": "application/octet-stream",
                 "description": "SDF (.sdf .sd .mol), SMILES (.smi .smiles .txt), CSV or TSV; "
                                "optionally gzip-compressed (.gz)."},
    },
}

CHECK_RESULT = _object(["check_name", "passed", "severity", "message"], {
    "check_name": {"type": "string"},
    "passed": {"type": "boolean"},
    "severity": {"type": "string"},
    "message": {"type": "string"},
    "affected_atoms": {"type": "array", "items": {"type": "integer"}},
    "details": {"type": "object"},
})

ALERT = _object(["catalog", "rule_name"], {
    "catalog": {"type": "string"},
    "rule_name": {"type": "string"},
    "severity": {"type": "string"},
    "matched_atoms": {"type": "array", "items": {"type": "integer"}},
})

RESULT_ITEM = _object(["index", "name", "smiles", "status", "error"], {
    "index": INT0,
    "name": {"type": "string"},
    "smiles": {"type": "string", "description": "The input as given."},
    "status": {"type": "string", "enum": list(RESULT_STATUSES),
               "description": "`success`: audited (it may still have issues); `error`: could not be audited."},
    "error": {"type": ["string", "null"]},
    "validation": {"type": ["object", "null"], "properties": {
        "overall_score": NUMBER_OR_NULL,
        "canonical_smiles": {"type": ["string", "null"]},
        "inchi": {"type": ["string", "null"]},
        "inchikey": {"type": ["string", "null"]},
        "molecule_info": OBJECT_OR_NULL,
        "all_checks": {"type": "array", "items": ref("CheckResult")},
        "issues": {"type": "array", "items": ref("CheckResult")},
    }},
    "alerts": {"type": ["object", "null"], "properties": {
        "has_alerts": {"type": "boolean"},
        "alert_count": INT0,
        "alerts": {"type": "array", "items": ref("Alert")},
    }},
    "scoring": OBJECT_OR_NULL,
    "standardization": OBJECT_OR_NULL,
    "profiling": {"type": ["object", "null"], "description": "With `include_profiling` (else null): "
                  "ChemAudit's compound profile.", "properties": {
        key: {"type": "object"} for key in ("pfi", "stars", "abbott", "consensus_logp", "skin_permeation",
                                            "druglikeness")}},
    "safety_assessment": {"type": ["object", "null"], "description": "With `include_safety_assessment` "
                          "(else null): ChemAudit's safety assessment.", "properties": {
        "cyp_softspots": {"type": "array", "items": {"type": "object"}},
        **{key: {"type": "object"} for key in ("herg", "bro5", "reos", "complexity")}}},
}, "One molecule's audit, in ChemAudit's result shape.")

INVALID_MOLECULE = _object(["error", "detail", "result"], {
    "error": {"type": "string", "const": "invalid_molecule"},
    "detail": {"type": "string"},
    "result": ref("ResultItem"),
})

STATISTICS = _object(["total", "successful", "errors"], {
    "total": INT0,
    "successful": INT0,
    "errors": INT0,
    "avg_validation_score": NUMBER_OR_NULL,
    "avg_ml_readiness_score": NUMBER_OR_NULL,
    "avg_qed_score": NUMBER_OR_NULL,
    "avg_sa_score": NUMBER_OR_NULL,
    "lipinski_pass_rate": {**NUMBER_OR_NULL, "description": "Percent of successful molecules."},
    "safety_pass_rate": {**NUMBER_OR_NULL, "description": "Percent of successful molecules with no alert."},
    "score_distribution": _object(["excellent", "good", "moderate", "poor"], {
        "excellent": {**INT0, "description": "score >= 90"},
        "good": {**INT0, "description": "70 <= score < 90"},
        "moderate": {**INT0, "description": "50 <= score < 70"},
        "poor": {**INT0, "description": "score < 50"},
    }),
    "alert_summary": {**COUNTS, "description": "Molecules flagged by each alert catalog."},
    "issue_summary": {**COUNTS, "description": "Molecules failing each check."},
    "duplicates": _object(["groups", "molecules"], {"groups": INT0, "molecules": INT0}),
    "processing_time_seconds": NUMBER_OR_NULL,
    "molecules_per_second": NUMBER_OR_NULL,
    "reused": {**INT0, "description": "Results taken from the result cache instead of audited again."},
    "avg_profile_score": {**NUMBER_OR_NULL, "description": "Jobs with a scoring profile only."},
    "profile_compliance_rate": {**NUMBER_OR_NULL,
                                "description": "Percent of scored molecules with a profile score >= 80."},
})

RESULTS_PAGE = {"allOf": [ref("ProgressMessage"), _object(
    ["statistics", "results", "page", "page_size", "total_results", "total_pages"], {
        "statistics": {"oneOf": [ref("Statistics"), {"type": "null"}]},
        "results": {"type": "array", "items": ref("ResultItem")},
        "page": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1},
        "total_results": {**INT0, "description": "Results matching the filters."},
        "total_pages": INT0,
        **FORMAT_FIELDS,
    })]}

HISTORY_ITEM = _object(["job_id", "filename", "status", "total", "processed", "created_at"], {
    "job_id": UUID,
    "filename": {"type": "string"},
    "format": {"type": ["string", "null"]},
    "compressed": {"type": ["boolean", "null"]},
    "upload_bytes": {"type": ["integer", "null"]},
    "status": {"type": "string", "enum": list(JOB_STATUSES)},
    "total": INT0,
    "processed": INT0,
    "successful": {"type": "integer"},
    "errors": INT0,
    "created_at": {"type": "string", "format": "date-time"},
    "started_at": TIME_OR_NULL,
    "finished_at": TIME_OR_NULL,
    "duration_seconds": NUMBER_OR_NULL,
    "molecules_per_second": NUMBER_OR_NULL,
    "error_message": {"type": ["string", "null"]},
    "parent_job_id": {"type": ["string", "null"], "format": "uuid",
                      "description": "The job a subset job was made from."},
})

HISTORY = _object(["jobs", "limit", "next_cursor"], {
    "jobs": {"type": "array", "items": ref("JobSummary")},
    "limit": {"type": "integer", "minimum": 1},
    "next_cursor": {"type": ["string", "null"],
                    "description": "Pass as `cursor` for the next (older) page; null on the last page."},
})

VALIDATE_REQUEST = {
    "type": "object",
    "required": ["molecule"],
    "properties": {
        "molecule": {"type": "string", "description": "A SMILES, InChI or molblock."},
        "format": {"type": "string", "enum": ["auto", "smiles", "mol", "inchi"], "default": "auto"},
        "name": {"type": "string"},
        "checks": {"type": "array", "items": {"type": "string"},
                   "description": "Check names from GET /api/v1/checks, or [\"all\"] (the default)."},
        **{flag.name: {"type": "boolean", "default": False, "description": flag.help} for flag in OPTION_FLAGS},
    },
}

CHECK_INFO = _object(["name", "category", "severity", "explanation"], {
    "name": {"type": "string"},
    "category": {"type": "string"},
    "severity": {"type": "string"},
    "explanation": {"type": "string"},
})

CHECKS = _object(["checks", "total"], {
    "checks": {"type": "object", "additionalProperties": {"type": "array", "items": ref("CheckInfo")},
               "description": "Checks by category."},
    "total": INT0,
})

HEALTH = _object(["status", "database", "listener"], {
    "status": {"type": "string", "enum": ["healthy", "degraded"]},
    "database": {"type": "string", "enum": ["up", "down"]},
    "listener": {"type": "string", "enum": ["up", "down"]},
    "listener_reconnects": INT0,
    "schema_revision": {"type": ["string", "null"],
                        "description": "The database's Alembic revision (null when it cannot be read)."},
    "schema_head": {"type": "string", "description": "The revision this node's code expects."},
    "pid": {"type": "integer", "description": "Process id of the web process that answered (one of"
            " `--processes N` on the node)."},
})

TICKET = _object(["ticket", "expires_in", "expires_at"], {
    "ticket": {"type": ["string", "null"], "description": "Send as ?ticket= on GET (null: keys are off)."},
    "expires_in": {"type": ["integer", "null"], "description": "Seconds it is valid for."},
    "expires_at": {"type": ["integer", "null"], "description": "When it expires, in Unix seconds."},
})

SCHEMAS = {
    "Error": ERROR,
    "ProgressMessage": PROGRESS,
    "CancelResponse": CANCELLED,
    "UploadForm": UPLOAD_FORM,
    "UploadAccepted": UPLOAD_ACCEPTED,
    "CheckResult": CHECK_RESULT,
    "Alert": ALERT,
    "ResultItem": RESULT_ITEM,
    "InvalidMolecule": INVALID_MOLECULE,
    "Statistics": STATISTICS,
    "ResultsPage": RESULTS_PAGE,
    "JobSummary": HISTORY_ITEM,
    "JobHistory": HISTORY,
    "ValidateRequest": VALIDATE_REQUEST,
    "CheckInfo": CHECK_INFO,
    "Checks": CHECKS,
    "Health": HEALTH,
    "Ticket": TICKET,
    "Notifications": NOTIFICATIONS,
}
