"""The analytics operations and shapes of the OpenAPI document (merged by service/openapi/spec.py)."""

from __future__ import annotations

from chemaudit.analytics.params import TRIGGERED_TYPES
from chemaudit.db.analytics_schema import ANALYSIS_TYPES, RUN_STATUSES
from service.openapi.schemas import INT0, OBJECT_OR_NULL, UUID, _object, ref
from service.openapi.spec import JOB, JOB_ID, KEY_IN_URL, errors, json_body, websocket

RUN_ID = {"name": "run_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1},
          "description": "The run id from POST .../analytics/{analysis_type}."}
STATUS = {"type": "string", "enum": list(RUN_STATUSES)}

ANALYTICS_MESSAGE = _object(
    ["type", "run_id", "job_id", "analysis_type", "status", "progress", "processed", "total", "seq", "error"], {
        "type": {"const": "analytics"}, "run_id": {"type": "integer"}, "job_id": UUID,
        "analysis_type": {"type": "string", "enum": list(ANALYSIS_TYPES)}, "status": STATUS,
        "progress": {"type": "number", "minimum": 0, "maximum": 100}, "processed": INT0, "total": INT0,
        "seq": INT0, "error": {"type": ["string", "null"]}},
    "An analytics run's progress (WS /ws/analytics/{run_id}, GET /api/v1/analytics/{run_id}).")

TYPE_STATUS = _object(["status", "computed_at", "error", "run_id"], {
    "status": STATUS, "computed_at": {"type": ["number", "null"], "description": "Unix seconds."},
    "error": {"type": ["string", "null"]}, "run_id": {"type": "integer"}, "params": {"type": "object"},
    "processed": INT0, "total": INT0})

OVERVIEW = _object(["job_id", "status"], {
    "job_id": UUID,
    "status": {"type": "object", "additionalProperties": ref("AnalysisStatus"),
               "description": "The newest run of each type the job has (types never started are absent)."},
    **{name: {**OBJECT_OR_NULL, "description": "The result of the newest run, once complete (ChemAudit's shape)."}
       for name in ANALYSIS_TYPES}},
    "GET /batch/{job_id}/analytics (ChemAudit's BatchAnalyticsResponse).")

TRIGGER = _object(["job_id", "analysis_type", "status", "run_id"], {
    "job_id": UUID, "analysis_type": {"type": "string", "enum": list(ANALYSIS_TYPES)},
    "status": {"type": "string", "enum": ["queued", "already_computing", "already_complete"]},
    "run_id": {"type": "integer"}, "socket": {"type": "string"}},
    "ChemAudit's AnalyticsTriggerResponse, with the run to follow.")

PARAMS = {"type": "object", "description": "Optional; by type: clustering `cutoff` (alias `threshold`, Tanimoto "
          "distance 0-1, default 0.35); similarity_search `query_smiles` or `query_index`, `top_k` (1-1000, "
          "default 10); chemical_space `method` (`pca`, or `tsne`: at most 5,000 molecules, a seeded sample above); rgroup `core_smarts` (required).",
          "properties": {"cutoff": {"type": "number", "minimum": 0, "maximum": 1},
                         "threshold": {"type": "number", "minimum": 0, "maximum": 1},
                         "query_smiles": {"type": "string"}, "query_index": INT0,
                         "top_k": {"type": "integer", "minimum": 1, "maximum": 1000},
                         "method": {"type": "string", "enum": ["pca", "tsne"]}, "core_smarts": {"type": "string"}}}

MCS_REQUEST = _object(["index_a", "index_b"], {"index_a": INT0, "index_b": INT0})
MCS_RESULT = _object(["mcs_smarts", "num_atoms", "num_bonds", "timed_out", "tanimoto", "property_deltas",
                      "smiles_a", "smiles_b"], {
    "mcs_smarts": {"type": "string"}, "num_atoms": INT0, "num_bonds": INT0, "timed_out": {"type": "boolean"},
    "tanimoto": {"type": "number"}, "smiles_a": {"type": "string"}, "smiles_b": {"type": "string"},
    "property_deltas": {"type": "array", "items": _object(["property", "mol_a", "mol_b", "delta"], {
        "property": {"type": "string"}, "mol_a": {"type": "number"}, "mol_b": {"type": "number"},
        "delta": {"type": "number"}})}}, "ChemAudit's MCSComparisonResult.")

RUN = {"allOf": [ref("AnalyticsMessage"), _object(["params", "result"], {
    "params": {"type": "object"}, "attempts": INT0, "result": OBJECT_OR_NULL,
    "created_at": {"type": "string"}, "started_at": {"type": ["string", "null"]},
    "finished_at": {"type": ["string", "null"]}})]}

ANALYTICS_SCHEMAS = {"AnalyticsMessage": ANALYTICS_MESSAGE, "AnalysisStatus": TYPE_STATUS,
                     "AnalyticsOverview": OVERVIEW, "AnalyticsTrigger": TRIGGER, "AnalyticsParams": PARAMS,
                     "MCSRequest": MCS_REQUEST, "MCSComparison": MCS_RESULT, "AnalyticsRun": RUN}

TYPE = {"name": "analysis_type", "in": "path", "required": True,
        "schema": {"type": "string", "enum": list(TRIGGERED_TYPES)}, "description": "What to compute."}
JSON = "application/json"

ANALYTICS_OPERATIONS: dict[str, dict[str, dict]] = {
    JOB + "/analytics": {"get": {
        "summary": "Analytics of a job: status per type and the results that are ready", "tags": ["batch"],
        "operationId": "jobAnalytics", "parameters": [JOB_ID],
        "responses": {"200": json_body("AnalyticsOverview", "Status and results."), **errors(401, 404, 503)}}},
    JOB + "/analytics/{analysis_type}": {"post": {
        "summary": "Start an analysis of an ended job", "tags": ["batch"], "operationId": "startAnalysis",
        "description": "A durable run computed by the analytics workers; the same type with the same params "
                       "is not started twice (200 with `already_computing` or `already_complete`). 409 while "
                       "the job is still being audited; 429 with 20 analyses of the job waiting or running.",
        "parameters": [JOB_ID, TYPE],
        "requestBody": {"required": False, "content": {JSON: {"schema": ref("AnalyticsParams")}}},
        "responses": {"202": json_body("AnalyticsTrigger", "Queued."),
                      "200": json_body("AnalyticsTrigger", "Already under way or complete."),
                      "409": json_body("Error", "The job is still being audited."),
                      **errors(400, 401, 404, 422, 429, 503)}}},
    JOB + "/mcs": {"post": {
        "summary": "Maximum common substructure of two molecules of a job", "tags": ["batch"],
        "operationId": "compareMolecules",
        "description": "Waits up to 30 s for the run (FindMCS stops at 10 s); later, 202 with the run to follow.",
        "parameters": [JOB_ID],
        "requestBody": {"required": True, "content": {JSON: {"schema": ref("MCSRequest")}}},
        "responses": {"200": json_body("MCSComparison", "The comparison."),
                      "202": json_body("AnalyticsTrigger", "Still computing."),
                      "409": json_body("Error", "The job is still being audited."),
                      **errors(400, 401, 404, 422, 429, 503)}}},
    "/api/v1/analytics/{run_id}": {"get": {
        "summary": "One analytics run: progress, params and result", "tags": ["batch"], "operationId": "analyticsRun",
        "parameters": [RUN_ID],
        "responses": {"200": json_body("AnalyticsRun", "The run."), **errors(401, 404, 503)}}},
    "/ws/analytics/{run_id}": {"get": websocket(
        "analyticsSocket", "WebSocket: live progress of one analytics run",
        "Sends the run's current AnalyticsMessage at once, then every change, then closes (1000) after "
        "`complete` or `failed`. `ping` is ignored. The latest state is what counts: progress lost while "
        "the node's LISTEN connection was down is not replayed. A client too slow is closed with 1013.",
        [RUN_ID, *KEY_IN_URL], (400, 401, 404, 429, 503))},
}
