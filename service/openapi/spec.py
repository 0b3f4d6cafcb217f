"""The OpenAPI 3.1 document: every operation of the service, its parameters and responses.

`OPERATIONS` is the catalog of everything the service can serve; `build_document` keeps the
operations actually registered in an app, so the document never lists a route that is absent.
"""

from __future__ import annotations

import sys

from chemaudit.db.results_queries import RESULT_STATUSES, SORT_DIRECTIONS, SORT_KEYS
from chemaudit.db.schema import JOB_STATUSES
from service.dashboard.routes import STATIC
from service.openapi.exports import export_operations
from service.openapi.schemas import SCHEMAS, ref

VERSION = "1.0.0"
JOB = "/api/v1/batch/{job_id}"
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_ .:+()/-]{0,99}$"
ERRORS = {
    400: "Bad input.", 401: "API keys are enabled and the key is missing or wrong.",
    404: "No such job (unknown, malformed, or another key's job).",
    408: "The upload sent nothing for too long and was cancelled; nothing was stored.", 413: "Upload too large.",
    415: "Unsupported file format.", 422: "An invalid option or parameter value.",
    429: "Rate limited, or too many uploads or exports of this client at once; see Retry-After.",
    503: "A dependency (database, listener) is down, or the node is at its most uploads, exports or"
         " validations at once; see Retry-After.",
}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"},
          "description": "The job id from the upload. A malformed id is an unknown job (404)."}
FILTERS = [
    query("status_filter", {"type": "string", "enum": list(RESULT_STATUSES)}, "Only results of this status."),
    query("min_score", {"type": "integer", "minimum": 0, "maximum": 100}, "Only scores >= this."),
    query("max_score", {"type": "integer", "minimum": 0, "maximum": 100},
          "Only scores <= this (422 when below min_score)."),
    query("issue_filter", {"type": "string", "pattern": NAME_PATTERN}, "Only molecules failing this check."),
    query("alert_filter", {"type": "string", "pattern": NAME_PATTERN},
          "Only molecules flagged by this alert catalog (any case)."),
    query("sort_by", {"type": "string", "enum": list(SORT_KEYS), "default": "index"},
          "Sort key; missing values sort last, ties by index."),
    query("sort_dir", {"type": "string", "enum": list(SORT_DIRECTIONS), "default": "asc"}, "Sort direction."),
]
# Browsers cannot set headers on a socket handshake or a download link.
KEY_IN_URL = [
    query("ticket", {"type": "string"}, "A ticket from POST /api/v1/tickets, in place of the X-API-Key header."),
    {**query("api_key", {"type": "string"}, "Deprecated: the key itself (it lands in logs); use a ticket."),
     "deprecated": True},
]
PAGING = [
    query("page", {"type": "integer", "minimum": 1, "maximum": 10_000_000, "default": 1}, "Page number."),
    query("page_size", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}, "Results per page."),
]


def json_body(schema_name: str, description: str, headers: dict | None = None) -> dict:
    response = {"description": description,
                "content": {"application/json": {"schema": ref(schema_name)}}}
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER = {"Retry-After": {"schema": {"type": "string", "pattern": "^[0-9]+$"},
                              "description": "Seconds to wait before trying again."}}


def errors(*codes: int) -> dict:
    return {str(code): {"$ref": f"#/components/responses/E{code}"} for code in codes}


def text(media: str, description: str) -> dict:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


def websocket(operation_id: str, summary: str, description: str, parameters: list,
              codes: tuple[int, ...]) -> dict:
    return {"summary": summary, "description": description, "tags": ["websocket"], "operationId": operation_id,
            "parameters": parameters,
            "responses": {"101": {"description": "Switching protocols: the socket is open."},
                          **errors(*codes)}}


OPERATIONS: dict[str, dict[str, dict]] = {
    "/api/v1/batch/upload": {"post": {
        "summary": "Upload a file of molecules", "tags": ["batch"], "operationId": "upload",
        "description": "Streams the file in, splitting it into records, and stores and queues the job once the "
                       "whole form has been read: a 4xx stores nothing, a 202 everything. Fields may come in "
                       "any order, except smiles_column and name_column, which must come before the file.",
        "requestBody": {"required": True, "content": {"multipart/form-data": {
            "schema": ref("UploadForm"), "encoding": {"file": {"contentType": "application/octet-stream"}}}}},
        "responses": {"202": json_body("UploadAccepted", "Accepted and queued."),
                      **errors(400, 401, 408, 413, 415, 422, 429, 503)}}},
    "/api/v1/batch": {"get": {
        "summary": "Job history, newest first", "tags": ["batch"], "operationId": "listJobs",
        "parameters": [
            query("status", {"type": "string", "enum": list(JOB_STATUSES)}, "Only jobs of this status."),
            query("since", {"type": "string", "format": "date-time"},
                  "Created at or after (ISO 8601; UTC if no zone)."),
            query("until", {"type": "string", "format": "date-time"}, "Created before (ISO 8601)."),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
                  "Jobs per page."),
            query("cursor", {"type": "string"}, "`next_cursor` of the previous page."),
        ],
        "responses": {"200": json_body("JobHistory", "One page of jobs."), **errors(401, 422, 503)}}},
    JOB + "/status": {"get": {
        "summary": "Progress of one job (the polling fallback)", "tags": ["batch"], "operationId": "jobStatus",
        "parameters": [JOB_ID],
        "responses": {"200": json_body("ProgressMessage", "The progress message."),
                      **errors(401, 404, 503)}}},
    JOB: {
        "get": {
            "summary": "Status, statistics and one page of results", "tags": ["batch"],
            "operationId": "jobResults",
            "parameters": [JOB_ID, *PAGING, *FILTERS],
            "responses": {"200": json_body("ResultsPage", "One page of (filtered, sorted) results."),
                          **errors(401, 404, 422, 503)}},
        "delete": {
            "summary": "Cancel a job, keeping the results so far", "tags": ["batch"],
            "operationId": "cancelJob",
            "parameters": [JOB_ID],
            "responses": {"200": json_body("CancelResponse", "The job's state after the request."),
                          **errors(401, 404, 503)}},
    },
    JOB + "/notifications": {"get": {
        "summary": "The job's webhook and email notifications, with every attempt", "tags": ["batch"],
        "operationId": "jobNotifications", "parameters": [JOB_ID],
        "responses": {"200": json_body("Notifications", "Each target and its delivery."), **errors(401, 404, 503)}}},
    JOB + "/stats": {"get": {
        "summary": "Statistics of a job", "tags": ["batch"], "operationId": "jobStats",
        "description": "Computed now while the job runs; stored once it has ended.",
        "parameters": [JOB_ID],
        "responses": {"200": json_body("Statistics", "The statistics."), **errors(401, 404, 503)}}},
    **export_operations(JOB_ID, FILTERS, query, errors, KEY_IN_URL),
    "/api/v1/validate": {"post": {
        "summary": "Audit one molecule synchronously", "tags": ["molecules"], "operationId": "validate",
        "description": "Rate-limited per API key (else per address: CHEMAUDIT_VALIDATE_RATE_PER_MINUTE), and "
                       "audited in a validation process within CHEMAUDIT_VALIDATE_TIMEOUT seconds: past it the "
                       "answer is 422 `validation_timeout`; with every process busy, 503 `validation_busy`. "
                       "The option flags take true/false or the form's texts (\"false\", \"0\", \"no\", \"off\"...). "
                       "A body nested too deeply or with a non-finite number is a 400.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ValidateRequest")}}},
        "responses": {
            "200": json_body("ResultItem", "The audit result."),
            "400": {"description": "Bad body, or a molecule that could not be read (then with its result).",
                    "content": {"application/json": {
                        "schema": {"anyOf": [ref("InvalidMolecule"), ref("Error")]}}}},
            **errors(401, 413, 422, 429, 503)}}},
    "/api/v1/tickets": {"post": {
        "summary": "A 60-second ticket for sockets and downloads", "tags": ["operations"],
        "operationId": "createTicket",
        "description": "For browsers, which cannot set X-API-Key on a WebSocket handshake or a download link: "
                       "send the key in the header here, then the ticket as `?ticket=` on GET requests only. "
                       "A ticket cannot be traded for another. With keys off every field is null.",
        "security": [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}, {}],
        "responses": {"201": json_body("Ticket", "The ticket."), **errors(401)}}},
    "/api/v1/checks": {"get": {
        "summary": "The list of checks", "tags": ["molecules"], "operationId": "listChecks",
        "security": [],
        "responses": {"200": json_body("Checks", "Every check, by category.")}}},
    "/api/v1/health": {"get": {
        "summary": "Liveness and readiness", "tags": ["operations"], "operationId": "health",
        "security": [],
        "responses": {"200": json_body("Health", "Database and LISTEN connection are up."),
                      "503": json_body("Health", "Something is down.")}}},
    "/metrics": {"get": {
        "summary": "Prometheus metrics", "tags": ["operations"], "operationId": "metrics",
        "description": "Needs an API key only when keys are on and CHEMAUDIT_METRICS_REQUIRE_KEY is true.",
        "responses": {"200": text("text/plain", "Prometheus text exposition format."), **errors(401)}}},
    "/ws/batch/{job_id}": {"get": websocket(
        "jobSocket", "WebSocket: live progress of one job",
        "Sends the current progress message at once, then every change, then closes (1000) after "
        "`complete`, `failed` or `cancelled`. Text from the client (`ping`) is ignored and never "
        "answered. `?after_seq=N` resumes with exactly N+1, N+2, ... to the end; when the job has "
        "ended and N is at or past its last seq, the socket closes with 1000 at once, without a "
        "frame. A client too slow to keep up is closed with 1013. Without a WebSocket upgrade the "
        "answer is 400.",
        [JOB_ID, query("after_seq", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                       "Only messages with a greater seq."),
         *KEY_IN_URL],
        (400, 401, 404, 422, 429, 503))},
    "/ws/jobs": {"get": websocket(
        "jobsSocket", "WebSocket: every job's progress (for dashboards)",
        "Sends the current state of the most recent running jobs at once, then every progress "
        "message of every job (of this API key, when keys are enabled). It stays open; `ping` is "
        "ignored; a client too slow to keep up is closed with 1013. Without a WebSocket upgrade "
        "the answer is 400.",
        KEY_IN_URL,
        (400, 401, 429, 503))},
    "/": {"get": {
        "summary": "The dashboard", "tags": ["dashboard"], "operationId": "dashboard", "security": [],
        "responses": {"200": text("text/html", "The dashboard page.")}}},
    "/static/{name}": {"get": {
        "summary": "A dashboard file", "tags": ["dashboard"], "operationId": "dashboardFile", "security": [],
        "parameters": [{"name": "name", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": sorted(STATIC)}}],
        "responses": {"200": {"description": "The file.", "content": {
            media: {"schema": {"type": "string"}} for media in sorted(set(STATIC.values()))}},
            **errors(404)}}},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document", "tags": ["operations"], "operationId": "openapi", "security": [],
        "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    "/api/v1/docs": {"get": {
        "summary": "This document as a page", "tags": ["operations"], "operationId": "docs", "security": [],
        "responses": {"200": text("text/html", "The API reference page.")}}},
}

from service.openapi.analytics import ANALYTICS_OPERATIONS, ANALYTICS_SCHEMAS  # noqa: E402 (uses the helpers above)

OPERATIONS.update(ANALYTICS_OPERATIONS)

DESCRIPTION = (
    "Batch chemical-structure audit service, API-compatible with ChemAudit 2.0's batch API. "
    "Every error is `{\"error\": code, \"detail\": sentence}` with the status below. "
    "API keys are optional: when the server has keys configured, send one as `X-API-Key` "
    "and each key sees only its own jobs; browsers send a `?ticket=` from `POST /api/v1/tickets` "
    "on sockets and downloads (`?api_key=` is deprecated)."
)


def build_document(registered: set[tuple[str, str]]) -> dict:
    """The document, keeping the operations whose (path, method) is in `registered`."""
    paths: dict[str, dict] = {}
    for path, operations in OPERATIONS.items():
        kept = {method: op for method, op in operations.items() if (path, method) in registered}
        if kept:
            paths[path] = kept
    return {
        "openapi": "3.1.0",
        "info": {"title": "ChemAudit", "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "tags": [{"name": name} for name in ("batch", "molecules", "websocket", "operations", "dashboard")],
        "security": [{}, {"ApiKeyHeader": []}, {"Ticket": []}, {"ApiKeyQuery": []}],
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **ANALYTICS_SCHEMAS},
            "responses": {f"E{code}": json_body("Error", text_, RETRY_AFTER if code in (429, 503) else None)
                          for code, text_ in ERRORS.items()},
            "securitySchemes": {
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "Ticket": {"type": "apiKey", "in": "query", "name": "ticket",
                           "description": "From POST /api/v1/tickets; GET requests only."},
                "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key",
                                "description": "Deprecated: the key in the URL lands in logs."},
            },
        },
    }


# ChemAudit's further batch calls (detect-columns, subsets, profiles, config): their own module.
from service.openapi import parity  # noqa: E402  (it uses the helpers above)

parity.add_to(sys.modules[__name__])
