"""Routes of the dashboard: the page at `/`, its files under `/static/`, and `WS /ws/jobs`.

The files ship inside the package (no build step, no CDN). Only the files listed in STATIC are
served, so no request path ever reaches the file system. Every answer carries a strict Content
Security Policy: the page loads scripts and styles from this origin only, and talks to this
origin's HTTP API and WebSockets only.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from aiohttp import web

from chemaudit.errors import NotFound
from chemaudit.job_options import OPTION_FLAGS
from service.dashboard.firehose import jobs_socket

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC = {
    "app.css": "text/css",
    "app.js": "text/javascript",
    "api.js": "text/javascript",
    "analytics.js": "text/javascript",
    "charts.js": "text/javascript",
    "columns.js": "text/javascript",
    "home.js": "text/javascript",
    "job.js": "text/javascript",
    "profiles.js": "text/javascript",
    "subset.js": "text/javascript",
}
INDEX = "index.html"
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def setup_dashboard_routes(app: web.Application) -> None:
    app.router.add_get("/", index, name="dashboard")
    app.router.add_get("/static/{name}", static_file, name="dashboard_static")
    app.router.add_get("/ws/jobs", jobs_socket, name="jobs_socket")


def _file_response(path: Path, content_type: str) -> web.FileResponse:
    response = web.FileResponse(path, headers=HEADERS)
    response.content_type = content_type
    response.charset = "utf-8"
    return response


OPTION_PLACEHOLDER = "<!-- option-flags:"


@cache
def index_page() -> str:
    """index.html with the upload form's option checkboxes, one per job option flag."""
    lines = []
    for line in (STATIC_DIR / INDEX).read_text(encoding="utf-8").splitlines(keepends=True):
        if OPTION_PLACEHOLDER not in line:
            lines.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        lines.extend(f'{indent}<label title="{html.escape(flag.help)}"><input type="checkbox" name="{flag.name}" '
                     f'data-option> {html.escape(flag.label)}</label>\n' for flag in OPTION_FLAGS)
    return "".join(lines)


async def index(request: web.Request) -> web.Response:
    return web.Response(text=index_page(), content_type="text/html", charset="utf-8", headers=HEADERS)


async def static_file(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    content_type = STATIC.get(name)
    if content_type is None:
        raise NotFound(f"No dashboard file named {name[:64]!r}.", code="not_found")
    return _file_response(STATIC_DIR / name, content_type)
