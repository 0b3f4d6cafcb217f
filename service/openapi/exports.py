"""The export operations of the OpenAPI document, derived from the formats table (chemaudit/export/formats.py).

`export_operations` takes the document's shared pieces (the job id parameter, the filters, and
the `query` and `errors` helpers of service/openapi/spec.py) so that module can include these
operations without either module importing the other's internals at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chemaudit.export.formats import FORMAT_NAMES, FORMATS, MEDIA_TYPES, OPTIONS
from service.http.export_params import MAX_INDICES
from service.openapi.schemas import ref

JOB = "/api/v1/batch/{job_id}"
_JSON_EXPORT = {"type": "object", "required": ["job_id", "results"], "properties": {
    "job_id": {"type": "string", "format": "uuid"}, "filename": {"type": "string"},
    "status": {"type": "string"}, "total_results": {"type": "integer", "minimum": 0},
    "statistics": {"oneOf": [ref("Statistics"), {"type": "null"}]},
    "results": {"type": "array", "items": ref("ResultItem")}}}
_INDEX = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_INDICES = {"type": "array", "items": _INDEX, "minItems": 1, "maxItems": MAX_INDICES}
_FORMAT = {"type": "string", "enum": list(FORMAT_NAMES), "default": "csv"}


def _option_schema(name: str) -> dict:
    option = OPTIONS[name]
    if option.kind == "boolean":
        return {"type": "boolean", "default": option.default}
    return {"type": "string", "enum": list(option.choices), "default": option.default}


def _formats_text() -> str:
    return " ".join(f"`{fmt.name}`: {fmt.description}" for fmt in FORMATS)


def _download() -> dict:
    return {
        "description": "The file, as an attachment.",
        "headers": {"Content-Disposition": {"schema": {"type": "string"}},
                    "X-Total-Results": {"schema": {"type": "string", "pattern": "^[0-9]+$"}}},
        "content": {media: {"schema": _JSON_EXPORT if media == "application/json" else {"type": "string"}}
                    for media in MEDIA_TYPES},
    }


def export_operations(job_id: dict, filters: list, query: Callable, errors: Callable,
                      key_in_url: Sequence = ()) -> dict:
    """`key_in_url`: the parameters of a download link's credentials (GET only)."""
    options = [query(name, _option_schema(name), OPTIONS[name].description) for name in OPTIONS]
    parameters = [job_id, query("format", _FORMAT, "File format. " + _formats_text()), *options,
                  query("indices", {"type": "string", "pattern": "^[0-9]+(,[0-9]+)*$"},
                        "Only these record indexes (comma list). An index beyond the job is a 422."),
                  *filters]
    common = {"tags": ["batch"], "parameters": parameters,
              "responses": {"200": _download(), **errors(400, 401, 404, 422, 429, 503)}}
    description = ("Streamed, never truncated; every format applies the filters, the sort and `indices`. "
                   "The row count is in X-Total-Results. A client that reads nothing for "
                   "CHEMAUDIT_EXPORT_STALL_TIMEOUT seconds is cut off.")
    subset_body = {"type": "object", "required": ["indices"], "properties": {
        "indices": _INDICES, "format": _FORMAT, **{name: _option_schema(name) for name in OPTIONS}}}
    return {
        JOB + "/export": {
            "get": {"summary": "Download all (filtered) results", "operationId": "exportResults",
                    "description": description, **common, "parameters": [*parameters, *key_in_url]},
            "post": {"summary": "Download the results of a list of indexes", "operationId": "exportResultsPost",
                     "description": description + " The body's `indices` (ChemAudit's POST form) has no URL "
                                                  "length limit.",
                     "requestBody": {"required": False, "content": {"application/json": {"schema": {
                         "type": "object", "properties": {"indices": _INDICES}}}}}, **common},
        },
        JOB + "/subset/export": {"post": {
            "summary": "Download a subset of the results", "tags": ["batch"], "operationId": "exportSubset",
            "description": "ChemAudit's subset export: the body names the indexes, the format and its options; "
                           "the filters and sort of the query apply as well. " + _formats_text(),
            "parameters": [job_id, *filters],
            "requestBody": {"required": True, "content": {"application/json": {"schema": subset_body}}},
            "responses": {"200": _download(), **errors(400, 401, 404, 422, 429, 503)}}},
        "/api/v1/export-formats": {"get": {
            "summary": "The export formats and their options", "tags": ["batch"], "operationId": "exportFormats",
            "security": [],
            "responses": {"200": {"description": "Every format (name, label, media type, extension, options) "
                                                 "and every option (type, default, choices).",
                                  "content": {"application/json": {"schema": {"type": "object",
                                              "required": ["formats", "options"]}}}}}}},
    }
