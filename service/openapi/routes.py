"""GET /api/v1/openapi.json (the OpenAPI 3.1 document) and GET /api/v1/docs (it as a page).

The document lists the operations registered in this app (and only those), so it cannot
promise a route the process does not serve. Both are built on the first request, once the
router is frozen, and kept.
"""

from __future__ import annotations

import json

from aiohttp import web

from service.openapi.docs import render
from service.openapi.spec import build_document

API = "/api/v1"
DOCUMENT = web.AppKey("openapi_document", dict)
DOCS_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"


def setup_openapi_routes(app: web.Application) -> None:
    app.router.add_get(f"{API}/openapi.json", openapi_json, name="openapi")
    app.router.add_get(f"{API}/docs", docs_page, name="api_docs")
    app[DOCUMENT] = {}


def registered_operations(app: web.Application) -> set[tuple[str, str]]:
    """(path template, lower-case method) of every route, without the HEADs aiohttp adds to GETs."""
    operations = set()
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        canonical = route.resource.canonical if route.resource is not None else None
        if canonical:
            operations.add((canonical, route.method.lower()))
    return operations


def document(app: web.Application) -> dict:
    cache = app[DOCUMENT]
    if not cache:
        spec = build_document(registered_operations(app))
        cache["spec"] = spec
        cache["json"] = json.dumps(spec, ensure_ascii=False)
        cache["html"] = render(spec)
    return cache


async def openapi_json(request: web.Request) -> web.Response:
    return web.Response(text=document(request.app)["json"], content_type="application/json")


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=document(request.app)["html"], content_type="text/html",
                        headers={"Content-Security-Policy": DOCS_POLICY})
