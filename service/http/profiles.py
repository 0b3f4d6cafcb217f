"""Scoring profiles under /api/v1/profiles, with ChemAudit's routes and response shape.

Presets (seeded by migration 0008) can be read, duplicated and exported, never changed or
deleted (400, as in ChemAudit). With API keys on, a key sees the presets and its own profiles;
another key's profile is a 404. A job keeps a copy of its profile (`snapshot`), so changing or
deleting a profile never changes a job already scored with it.
"""

from __future__ import annotations

from aiohttp import web

from chemaudit.db import profile_queries as pq
from chemaudit.errors import BadInput, NotFound
from service.db import fetchall, fetchone, fetchrow
from service.http.auth import request_owner
from service.http.json_body import parse_object
from service.http.middleware import post_only
from service.http.profile_body import check_name, new_profile, profile_changes
from service.keys import POOL

API = "/api/v1"
EXAMPLE = '{"name": "My profile", "thresholds": {"mw": {"min": 200, "max": 500}}, "weights": {"mw": 1.0}}'
_FIELDS = ("name", "description", "thresholds", "weights", "id", "is_preset", "is_active",
           "created_at", "updated_at")


def setup_profile_routes(app: web.Application) -> None:
    app.router.add_get(f"{API}/profiles", list_profiles)
    app.router.add_post(f"{API}/profiles", create_profile)
    # ChemAudit's import takes its export shape, which is what creating takes.
    imports = app.router.add_resource(f"{API}/profiles/import")
    imports.add_route("POST", create_profile)
    imports.add_route("*", post_only)  # else PUT/DELETE/GET reach /profiles/{profile_id} as id "import"
    app.router.add_get(f"{API}/profiles/{{profile_id}}", get_profile)
    app.router.add_put(f"{API}/profiles/{{profile_id}}", update_profile)
    app.router.add_delete(f"{API}/profiles/{{profile_id}}", delete_profile)
    app.router.add_post(f"{API}/profiles/{{profile_id}}/duplicate", duplicate_profile)
    app.router.add_get(f"{API}/profiles/{{profile_id}}/export", export_profile)


def parse_profile_id(raw: object) -> int:
    """A profile id from a URL or a form; anything but a positive integer is an unknown profile."""
    text = str(raw).strip()
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise NotFound(f"No profile with id {text[:40]!r}.", code="profile_not_found")
    return int(text)


def response_item(row: dict) -> dict:
    """ChemAudit's ScoringProfileResponse."""
    item = {name: row[name] for name in _FIELDS}
    item["created_at"] = row["created_at"].isoformat()
    item["updated_at"] = row["updated_at"].isoformat()
    return item


def snapshot(row: dict) -> dict:
    """What a job keeps of its profile (jobs.options -> 'profile'), read by the scoring function."""
    return {"profile_id": row["id"], "profile_name": row["name"], "thresholds": row["thresholds"],
            "weights": row["weights"]}


async def find_profile(pool, profile_id: int, owner: str | None) -> dict:
    row = await fetchone(pool, pq.get_profile(profile_id, owner))
    if row is None:
        raise NotFound(f"Profile {profile_id} not found.", code="profile_not_found")
    return row


async def _body(request: web.Request) -> dict:
    return parse_object(await request.read(), EXAMPLE)


def _read_only(row: dict, verb: str) -> BadInput:
    advice = " Duplicate it first." if verb == "modify" else ""
    return BadInput(f"Cannot {verb} a preset profile ({row['name']!r}).{advice}", code="preset_read_only")


async def list_profiles(request: web.Request) -> web.Response:
    rows = await fetchall(request.app[POOL], pq.list_profiles(request_owner(request)))
    return web.json_response([response_item(row) for row in rows])


async def get_profile(request: web.Request) -> web.Response:
    profile_id = parse_profile_id(request.match_info["profile_id"])
    return web.json_response(response_item(await find_profile(request.app[POOL], profile_id, request_owner(request))))


async def _create(request: web.Request, fields: dict) -> web.Response:
    query = pq.insert_profile(fields["name"], fields["description"], fields["thresholds"], fields["weights"],
                              request_owner(request))
    return web.json_response(response_item(await fetchrow(request.app[POOL], query)), status=201)


async def create_profile(request: web.Request) -> web.Response:
    return await _create(request, new_profile(await _body(request)))


async def update_profile(request: web.Request) -> web.Response:
    pool, owner = request.app[POOL], request_owner(request)
    profile_id = parse_profile_id(request.match_info["profile_id"])
    body = await _body(request)
    current = await find_profile(pool, profile_id, owner)
    if current["is_preset"]:
        raise _read_only(current, "modify")
    row = await fetchone(pool, pq.update_profile(profile_id, owner, profile_changes(body, current)))
    if row is None:  # deleted between the two statements
        raise NotFound(f"Profile {profile_id} not found.", code="profile_not_found")
    return web.json_response(response_item(row))


async def delete_profile(request: web.Request) -> web.Response:
    pool, owner = request.app[POOL], request_owner(request)
    profile_id = parse_profile_id(request.match_info["profile_id"])
    current = await find_profile(pool, profile_id, owner)
    if current["is_preset"]:
        raise _read_only(current, "delete")
    await fetchone(pool, pq.deactivate_profile(profile_id, owner))
    return web.Response(status=204)


async def duplicate_profile(request: web.Request) -> web.Response:
    pool, owner = request.app[POOL], request_owner(request)
    profile_id = parse_profile_id(request.match_info["profile_id"])
    name = check_name((await _body(request)).get("name"))
    source = await find_profile(pool, profile_id, owner)
    fields = {"name": name, "description": f"Copy of {source['name']}", "thresholds": source["thresholds"],
              "weights": source["weights"]}
    return await _create(request, fields)


async def export_profile(request: web.Request) -> web.Response:
    profile_id = parse_profile_id(request.match_info["profile_id"])
    row = await find_profile(request.app[POOL], profile_id, request_owner(request))
    return web.json_response({name: row[name] for name in ("name", "description", "thresholds", "weights")})
