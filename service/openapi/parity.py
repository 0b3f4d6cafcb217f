"""The OpenAPI operations and shapes of ChemAudit's further batch calls: detect-columns, subsets,
scoring profiles and /config (service/http/detect_columns.py, subsets.py, profiles.py, config.py).

`add_to(spec)` is called by service/openapi/spec.py once its helpers exist; it adds these
operations to its catalog and their shapes to the document's schemas.
"""

from __future__ import annotations

from typing import Any

from service.http.detect_columns import DETECT_BYTES
from service.http.profile_body import PROPERTIES
from service.http.subsets import INLINE_MAX, SUBSET_MAX
from service.openapi.schemas import INT0, NUMBER_OR_NULL, UUID, _object, ref

PROFILE_ID: dict[str, Any] = {"name": "profile_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1},
              "description": "A profile id from GET /api/v1/profiles; anything else is an unknown profile (404)."}
RANGE = {"type": "object", "properties": {"min": NUMBER_OR_NULL, "max": NUMBER_OR_NULL},
         "description": "At least one bound; min <= max."}
THRESHOLDS = {"type": "object", "propertyNames": {"enum": list(PROPERTIES)}, "additionalProperties": RANGE,
              "description": "A range per property: " + ", ".join(f"`{k}` ({v})" for k, v in PROPERTIES.items())}
WEIGHTS = {"type": "object", "additionalProperties": {"type": "number", "minimum": 0},
           "description": "A weight per property that has a range (default 1)."}
PROFILE_FIELDS = {"name": {"type": "string", "minLength": 1, "maxLength": 100},
                  "description": {"type": ["string", "null"], "maxLength": 1000},
                  "thresholds": THRESHOLDS, "weights": WEIGHTS}
INDICES = {"type": "array", "minItems": 1, "items": INT0,
           "description": "Result indices of the job (the `index` of each result); repeats count once."}

SCHEMAS = {
    "DetectColumnsForm": {"type": "object", "required": ["file"], "properties": {
        "file_size": {"type": "string", "pattern": "^[0-9]+$",
                      "description": "The whole file's size in bytes, when only its first piece is sent "
                                     "(for the row estimate). Send it before the file."},
        "file": {"type": "string", "contentMediaType": "application/octet-stream",
                 "description": f"A CSV, TSV or SMILES file (optionally gzipped); only its first "
                                f"{DETECT_BYTES // 1024} KiB and header line are read."}}},
    "CSVColumns": _object(["columns", "suggested_smiles", "suggested_name", "column_samples",
                           "row_count_estimate", "file_size_mb"], {
        "columns": {"type": "array", "items": {"type": "string"},
                    "description": "The header's names; for a file without a header `SMILES, col_1, ...`."},
        "suggested_smiles": {"type": ["string", "null"]},
        "suggested_name": {"type": ["string", "null"], "description": "Null for a file without a header."},
        "column_samples": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "The first value of each of the first 20 columns."},
        "row_count_estimate": INT0,
        "file_size_mb": {"type": "number", "minimum": 0},
        "row_count_exact": {"type": "boolean", "description": "The whole file was read and its rows counted."},
        "has_header": {"type": "boolean"},
        "format": {"type": "string", "enum": ["csv", "tsv", "smiles"], "description": "How an upload reads it."},
        "delimiter": {"type": "string"},
        "sampled_bytes": INT0,
    }, "ChemAudit's CSVColumnsResponse, then how it was judged."),
    "SubsetRequest": _object(["indices"], {"indices": INDICES}),
    "SubsetRescoreRequest": _object(["indices"], {
        "indices": INDICES, "profile_id": {"type": ["integer", "null"], "minimum": 1,
                                           "description": "The profile to score with; null: none."}}),
    "SubsetJob": _object(["new_job_id", "source_job_id", "molecule_count", "action"], {
        "new_job_id": UUID, "source_job_id": UUID,
        "molecule_count": {**INT0, "description": "Molecules in the new job (distinct indices)."},
        "action": {"type": "string", "enum": ["revalidate", "rescore"]},
        "profile_id": {"type": ["integer", "null"], "description": "rescore only."},
        "job_id": UUID, "status": {"type": "string", "const": "processing"}, "message": {"type": "string"},
    }, "The new job: follow it on /ws/batch/{new_job_id} like an upload; its status names its parent."),
    "ProfileBlock": _object(["profile_id", "profile_name", "score", "properties"], {
        "profile_id": {"type": "integer"}, "profile_name": {"type": "string"},
        "score": {**NUMBER_OR_NULL, "description": "0-100; null when no property could be scored."},
        "properties": {"type": "object", "additionalProperties": _object(
            ["value", "min", "max", "in_range", "desirability"], {
                "value": NUMBER_OR_NULL, "min": NUMBER_OR_NULL, "max": NUMBER_OR_NULL,
                "in_range": {"type": ["boolean", "null"]}, "desirability": NUMBER_OR_NULL})},
    }, "ChemAudit's scoring.profile of one molecule."),
    "ScoreInline": _object(["profile_name", "profile_id", "molecules"], {
        "profile_name": {"type": "string"}, "profile_id": {"type": "integer"},
        "molecules": {"type": "array", "items": _object(["index", "name", "smiles", "profile"], {
            "index": INT0, "name": {"type": "string"}, "smiles": {"type": "string"}, "profile": ref("ProfileBlock")})},
        "not_found": {"type": "array", "items": INT0, "description": "Selected but not audited yet."},
    }),
    "ProfileCreate": _object(["name", "thresholds"], PROFILE_FIELDS),
    "ProfileUpdate": {"type": "object", "properties": PROFILE_FIELDS,
                      "description": "Fields left out (or null) are kept."},
    "ProfileExport": _object(["name", "thresholds", "weights"], PROFILE_FIELDS),
    "DuplicateRequest": _object(["name"], {"name": PROFILE_FIELDS["name"]}),
    "Profile": _object(["name", "description", "thresholds", "weights", "id", "is_preset", "is_active",
                        "created_at", "updated_at"], {
        **PROFILE_FIELDS, "id": {"type": "integer"}, "is_preset": {"type": "boolean"},
        "is_active": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"}}),
    "Profiles": {"type": "array", "items": ref("Profile")},
    "Config": _object(["app_name", "app_version", "deployment_profile", "limits"], {
        "app_name": {"type": "string"}, "app_version": {"type": "string"},
        "deployment_profile": {"type": "string"},
        "limits": _object(["max_batch_size", "max_file_size_mb", "max_file_size_bytes"], {
            "max_batch_size": INT0, "max_file_size_mb": INT0, "max_file_size_bytes": INT0},
            "ChemAudit's three limits first, then the service's others."),
        "api_version": {"type": "string"}, "export_formats": {"type": "array", "items": {"type": "string"}},
        "api_keys_required": {"type": "boolean"},
    }),
}


def add_to(spec) -> None:
    """Add the operations to `spec.OPERATIONS` and the shapes to the document's schemas."""
    body = lambda name: {"required": True, "content": {"application/json": {"schema": ref(name)}}}  # noqa: E731
    ok = spec.json_body
    errors = spec.errors
    job = spec.JOB
    spec.SCHEMAS.update(SCHEMAS)
    operations: dict[str, dict[str, Any]] = {
        "/api/v1/batch/detect-columns": {"post": {
            "summary": "The columns of a delimited file, from its first bytes", "tags": ["batch"],
            "operationId": "detectColumns",
            "description": "Reads the form up to the file and the file only until its header line and "
                           f"{DETECT_BYTES // 1024} KiB of text have arrived, so a 1 GB file answers as fast as "
                           "a small one. The row count is exact when the whole file was read, else estimated "
                           "from the mean line length over `file_size` (else the request's length).",
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": ref("DetectColumnsForm"), "encoding": {"file": {"contentType": "application/octet-stream"}}}}},
            "responses": {"200": ok("CSVColumns", "The columns."), **errors(400, 401, 408, 415, 422)}}},
        job + "/subset/revalidate": {"post": {
            "summary": "Audit a selection again, as a new job", "tags": ["batch"], "operationId": "subsetRevalidate",
            "description": "The selected records (original text and names, numbered 0..n-1 in the job's order) "
                           "become a new job of the caller's, with the parent's options, audited afresh "
                           f"(never from the result cache). At most {SUBSET_MAX:,} indices.",
            "parameters": [spec.JOB_ID], "requestBody": body("SubsetRequest"),
            "responses": {"200": ok("SubsetJob", "The new job, queued."),
                          **errors(400, 401, 404, 413, 422, 429, 503)}}},
        job + "/subset/rescore": {"post": {
            "summary": "Score a selection with a profile, as a new job", "tags": ["batch"],
            "operationId": "subsetRescore",
            "description": "Like revalidate, but reusing the stored audits, with `profile_id`'s scoring profile "
                           "(or none).",
            "parameters": [spec.JOB_ID], "requestBody": body("SubsetRescoreRequest"),
            "responses": {"200": ok("SubsetJob", "The new job, queued."),
                          **errors(400, 401, 404, 413, 422, 429, 503)}}},
        job + "/subset/score-inline": {"post": {
            "summary": "Profile scores of a selection, at once", "tags": ["batch"], "operationId": "subsetScoreInline",
            "description": f"profile_id is required. At most {INLINE_MAX:,} indices (413 beyond).",
            "parameters": [spec.JOB_ID], "requestBody": body("SubsetRescoreRequest"),
            "responses": {"200": ok("ScoreInline", "Each molecule's profile block."),
                          **errors(400, 401, 404, 413, 422, 503)}}},
        "/api/v1/profiles": {
            "get": {"summary": "Scoring profiles: the presets, then yours", "tags": ["batch"],
                    "operationId": "listProfiles",
                    "responses": {"200": ok("Profiles", "The profiles."), **errors(401, 503)}},
            "post": {"summary": "Create a scoring profile", "tags": ["batch"], "operationId": "createProfile",
                     "requestBody": body("ProfileCreate"),
                     "responses": {"201": ok("Profile", "Created."), **errors(400, 401, 422, 503)}}},
        "/api/v1/profiles/import": {"post": {
            "summary": "Create a profile from an exported one", "tags": ["batch"], "operationId": "importProfile",
            "requestBody": body("ProfileExport"),
            "responses": {"201": ok("Profile", "Created."), **errors(400, 401, 422, 503)}}},
        "/api/v1/profiles/{profile_id}": {
            "get": {"summary": "One scoring profile", "tags": ["batch"], "operationId": "getProfile",
                    "parameters": [PROFILE_ID],
                    "responses": {"200": ok("Profile", "The profile."), **errors(401, 404, 503)}},
            "put": {"summary": "Change a profile (not a preset)", "tags": ["batch"], "operationId": "updateProfile",
                    "description": "A job keeps the copy it was scored with.", "parameters": [PROFILE_ID],
                    "requestBody": body("ProfileUpdate"),
                    "responses": {"200": ok("Profile", "The profile."), **errors(400, 401, 404, 422, 503)}},
            "delete": {"summary": "Delete a profile (not a preset)", "tags": ["batch"],
                       "operationId": "deleteProfile", "parameters": [PROFILE_ID],
                       "responses": {"204": {"description": "Deleted."}, **errors(400, 401, 404, 503)}}},
        "/api/v1/profiles/{profile_id}/duplicate": {"post": {
            "summary": "Copy any profile (presets too) as a new one", "tags": ["batch"],
            "operationId": "duplicateProfile", "parameters": [PROFILE_ID], "requestBody": body("DuplicateRequest"),
            "responses": {"201": ok("Profile", "Created."), **errors(400, 401, 404, 422, 503)}}},
        "/api/v1/profiles/{profile_id}/export": {"get": {
            "summary": "A profile as JSON to share", "tags": ["batch"], "operationId": "exportProfile",
            "parameters": [PROFILE_ID],
            "responses": {"200": ok("ProfileExport", "The profile's fields."), **errors(401, 404, 503)}}},
        "/api/v1/config": {"get": {
            "summary": "Name, version and limits", "tags": ["operations"], "operationId": "config",
            "security": [], "responses": {"200": ok("Config", "The configuration.")}}},
    }
    spec.OPERATIONS.update(operations)
