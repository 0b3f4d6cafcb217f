"""POST /api/v1/validate (one molecule, synchronous) and GET /api/v1/checks."""

from __future__ import annotations

import asyncio
from functools import partial

from aiohttp import web

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.chemistry import list_checks as all_checks
from chemaudit.errors import BadInput, InvalidOption
from chemaudit.flags import json_flag
from service.json_body import parse_object
from service.keys import SETTINGS
from service.upload import OPTION_FLAGS

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
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, partial(audit, molecule, fmt, options))
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
