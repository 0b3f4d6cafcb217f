"""POST /api/v1/validate (one molecule, synchronous) and GET /api/v1/checks.

A validation needs the API key when keys are on, takes a token from the caller's bucket
(`validate_rate_per_minute`, per key or address), and runs in the node's validation processes
(`service/http/validate_pool.py`), never in the web process: a slow molecule costs its caller time,
not everybody else's.
"""

from __future__ import annotations

from aiohttp import web

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.chemistry import list_checks as all_checks
from chemaudit.errors import BadInput, InvalidOption
from chemaudit.flags import json_flag
from service.http.auth import request_owner
from service.http.budgets import VALIDATE_LIMITER, VALIDATE_POOL
from service.http.json_body import parse_object
from service.http.rate_limit import client_id
from service.http.upload import OPTION_FLAGS
from service.keys import SETTINGS

FORMATS = {"auto", "smiles", "mol", "inchi"}
EXAMPLE = '{"molecule": "CCO"}'


def _checks(body: dict) -> tuple[str, ...] | None:
    requested = body.get("checks", ["all"])
    if not isinstance(requested, list) or not all(isinstance(name, str) for name in requested):
        raise InvalidOption("checks must be a list of check names, or [\"all\"].")
    if not requested or "all" in requested:
        return None
    known = {check["name"] for check in all_checks()}
    unknown = sorted(set(requested) - known)
    if unknown:
        raise InvalidOption(f"Unknown checks: {', '.join(unknown)}. GET /api/v1/checks lists them.")
    return tuple(requested)


async def validate_one(request: web.Request) -> web.Response:
    request.app[VALIDATE_LIMITER].take(client_id(request, request_owner(request)))
    body = parse_object(await request.read(), EXAMPLE)
    molecule = body.get("molecule")
    if not isinstance(molecule, str):
        raise BadInput("Field 'molecule' (a SMILES, InChI or molblock string) is required.")
    fmt = body.get("format", "auto")
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise InvalidOption(f"format must be one of {', '.join(sorted(FORMATS))}, not {str(fmt)[:20]!r}.")
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidOption("name must be a string (the molecule's name, echoed back).")
    flags = {flag: json_flag(flag, body[flag], False) for flag in OPTION_FLAGS if flag in body}
    options = AuditOptions.from_settings(request.app[SETTINGS], checks=_checks(body), **flags)
    result = await request.app[VALIDATE_POOL].run(audit, molecule, fmt, options)
    item = {"index": 0, "name": name or "molecule", "smiles": molecule, **result}
    if result["status"] != "success":
        return web.json_response(
            {"error": "invalid_molecule", "detail": result.get("error") or "The molecule could not be read.",
             "result": item},
            status=400,
        )
    return web.json_response(item)


async def list_checks(request: web.Request) -> web.Response:
    by_category: dict[str, list[dict]] = {}
    for check in all_checks():
        by_category.setdefault(check["category"], []).append(check)
    return web.json_response({"checks": by_category, "total": sum(map(len, by_category.values()))})
