"""The OpenAPI document: valid OpenAPI 3.1, complete (every route of the app, nothing more), and
true (real answers of the real app, errors included, validate against it)."""

from __future__ import annotations

import json

import aiohttp
import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31

from service.app import create_app
from tests.integration.helpers import upload, wait_for_status
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def document(client) -> dict:
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200 and response.content_type == "application/json"
    return await response.json()


def refs(value):
    if isinstance(value, dict):
        if isinstance(value.get("$ref"), str):
            yield value["$ref"]
        for item in value.values():
            yield from refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def resolve(document: dict, pointer: str):
    node = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def assert_conforms(document: dict, path: str, method: str, status: int, body, media: str = "application/json"):
    """The answer's body validates against the document's schema for that status."""
    responses = document["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, not documented"
    response = responses[str(status)]
    if "$ref" in response:
        response = resolve(document, response["$ref"])
    schema = {**response["content"][media]["schema"], "components": document["components"]}
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"
              for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(body)]
    assert not errors, f"{method.upper()} {path} {status}: {errors[:5]}"


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    errors = [str(e) for e in jsonschema_rs.Draft202012Validator(OPENAPI_31).iter_errors(document)]
    assert not errors, errors[:5]
    # The meta-schema does not look inside schemas: each must itself be valid JSON Schema 2020-12.
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}), name
    for ref in set(refs(document)):
        resolve(document, ref)  # every $ref points at something
    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))


async def test_every_route_of_the_app_is_in_the_document_and_nothing_else(client, document):
    # The catch-all routes of POST-only URLs exist only to answer 405 (not operations of the API).
    routes = {(route.resource.canonical, route.method.lower())
              for route in client.server.app.router.routes()
              if route.method != "HEAD" and route.handler.__name__ != "post_only"}
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes - documented == set(), "routes missing from the document"
    assert documented - routes == set(), "documented operations the app does not serve"
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == {part[1:-1] for part in path.split("/") if part.startswith("{")}, (method, path)
            assert op["responses"], (method, path)


async def test_the_docs_page_lists_every_operation(client, document):
    response = await client.get("/api/v1/docs")
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    for path, ops in document["paths"].items():
        assert f"<code>{path}</code>" in page, path
        for op in ops.values():
            assert f'id="{op["operationId"]}"' in page
    assert "<script" not in page


async def test_real_answers_conform_to_the_document(client, document, start_worker):
    start_worker()
    accepted = await upload(client, NCI_SDF_200, include_chembl_alerts="true")
    assert_conforms(document, "/api/v1/batch/upload", "post", 202, accepted)
    job = accepted["job_id"]
    await wait_for_status(client, job, lambda body: body["status"] == "complete", timeout=90)
    unknown = "00000000-0000-4000-8000-000000000000"
    calls = [
        ("get", "/api/v1/batch/{job_id}/status", f"/api/v1/batch/{job}/status", {}),
        ("get", "/api/v1/batch/{job_id}", f"/api/v1/batch/{job}", {"page_size": "5", "sort_by": "score"}),
        ("get", "/api/v1/batch/{job_id}", f"/api/v1/batch/{job}", {"min_score": "90", "max_score": "10"}),
        ("get", "/api/v1/batch/{job_id}", f"/api/v1/batch/{unknown}", {}),
        ("get", "/api/v1/batch/{job_id}/stats", f"/api/v1/batch/{job}/stats", {}),
        ("get", "/api/v1/batch/{job_id}/status", "/api/v1/batch/not-a-uuid/status", {}),
        ("get", "/api/v1/batch/{job_id}/export", f"/api/v1/batch/{job}/export", {"format": "json"}),
        ("get", "/api/v1/batch/{job_id}/export", f"/api/v1/batch/{job}/export", {"format": "docx"}),
        ("get", "/api/v1/batch", "/api/v1/batch", {"limit": "1"}),
        ("get", "/api/v1/batch", "/api/v1/batch", {"since": "yesterday"}),
        ("get", "/api/v1/checks", "/api/v1/checks", {}),
        ("get", "/api/v1/health", "/api/v1/health", {}),
        ("delete", "/api/v1/batch/{job_id}", f"/api/v1/batch/{job}", {}),
        ("delete", "/api/v1/batch/{job_id}", f"/api/v1/batch/{unknown}", {}),
        ("get", "/ws/jobs", "/ws/jobs", {}),  # a plain GET, without the WebSocket upgrade
    ]
    for method, template, url, params in calls:
        response = await client.request(method.upper(), url, params=params)
        assert_conforms(document, template, method, response.status, await response.json())
    for body, expected in (({"molecule": "c1ccccc1O"}, 200), ({"molecule": "C1CC"}, 400),
                           ({"molecule": "CCO", "format": "png"}, 422), ("not json", 400)):
        response = await client.post("/api/v1/validate", data=json.dumps(body) if isinstance(body, dict) else body)
        assert response.status == expected
        assert_conforms(document, "/api/v1/validate", "post", response.status, await response.json())
    form = aiohttp.FormData()
    form.add_field("file", b"CCO\n", filename="x.docx")
    response = await client.post("/api/v1/batch/upload", data=form)
    assert_conforms(document, "/api/v1/batch/upload", "post", response.status, await response.json())
    assert response.status == 415
