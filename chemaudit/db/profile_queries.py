"""Named SQL for scoring profiles (table `scoring_profiles`, migration 0008).

A profile is visible to an owner when it is a preset or the owner's own (with API keys off every
request has the owner NULL, so everyone shares them, as in ChemAudit). Deleting is soft
(`is_active = false`), so a job's copy of a deleted profile still names it.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from chemaudit.db.queries import Query

_COLUMNS = "id, name, description, thresholds, weights, is_preset, is_active, created_at, updated_at"
_VISIBLE = "is_active AND (is_preset OR owner IS NOT DISTINCT FROM %(owner)s)"


def list_profiles(owner: str | None) -> Query:
    """Presets first, then by name (ChemAudit's order)."""
    return Query(f"SELECT {_COLUMNS} FROM scoring_profiles WHERE {_VISIBLE}"
                 " ORDER BY is_preset DESC, name, id", {"owner": owner})


def get_profile(profile_id: int, owner: str | None) -> Query:
    return Query(f"SELECT {_COLUMNS} FROM scoring_profiles WHERE id = %(id)s AND {_VISIBLE}",
                 {"id": profile_id, "owner": owner})


def insert_profile(name: str, description: str | None, thresholds: dict, weights: dict,
                   owner: str | None) -> Query:
    return Query(
        "INSERT INTO scoring_profiles (name, description, thresholds, weights, owner)"
        " VALUES (%(name)s, %(description)s, %(thresholds)s, %(weights)s, %(owner)s)"
        f" RETURNING {_COLUMNS}",
        {"name": name, "description": description, "thresholds": Jsonb(thresholds),
         "weights": Jsonb(weights), "owner": owner},
    )


def update_profile(profile_id: int, owner: str | None, changes: dict) -> Query:
    """Set the given fields (name, description, thresholds, weights) of a user profile; no row
    when it is unknown, another owner's or a preset (the caller tells those apart first)."""
    allowed = ("name", "description", "thresholds", "weights")
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    params: dict[str, Any] = {"id": profile_id, "owner": owner}
    sets = []
    for name in allowed:
        if name in changes:
            value = changes[name]
            params[name] = Jsonb(value) if isinstance(value, dict) else value
            sets.append(f"{name} = %({name})s")
    sets.append("updated_at = now()")
    return Query(
        f"UPDATE scoring_profiles SET {', '.join(sets)}"
        f" WHERE id = %(id)s AND NOT is_preset AND {_VISIBLE} RETURNING {_COLUMNS}",
        params,
    )


def deactivate_profile(profile_id: int, owner: str | None) -> Query:
    return Query(
        "UPDATE scoring_profiles SET is_active = false, updated_at = now()"
        f" WHERE id = %(id)s AND NOT is_preset AND {_VISIBLE} RETURNING id",
        {"id": profile_id, "owner": owner},
    )
