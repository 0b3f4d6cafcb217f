"""GET /api/v1/batch/{job_id}: the results page of `results_api`, plus how the upload was read.

`format` and `format_reason` (kept in jobs.options since the upload) are added after the page's
own fields. The page itself, with its owner check (404), is results_api's.
"""

from __future__ import annotations

import json

from aiohttp import web

from chemaudit.db import upload_queries as uq
from service.db import fetchone
from service.http import results_api
from service.keys import POOL
from service.progress.source import parse_job_id


async def job_results(request: web.Request) -> web.Response:
    response = await results_api.job_results(request)
    row = await fetchone(request.app[POOL], uq.job_format(parse_job_id(request.match_info["job_id"])))
    assert isinstance(response.body, bytes), "a json_response holds its body as bytes"
    body = json.loads(response.body)
    if row is not None:
        body.update(format=row["format"], format_reason=row["format_reason"])
    return web.json_response(body, status=response.status)
