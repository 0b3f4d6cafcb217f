"""Checking a scoring profile's fields (POST/PUT /api/v1/profiles): 422 naming what is wrong.

ChemAudit stores any thresholds it is given, so a misspelt property or a range with min above max
silently scores nothing. Here every threshold must name a property the service scores, every
range must be a real one, and every weight belongs to a threshold.
"""

from __future__ import annotations

import math

from chemaudit.errors import InvalidOption

# The properties a profile can score, as `chemaudit_profile_properties` (migration 0008) reads
# them from a result. refractivity is accepted for ChemAudit's Ghose preset but is not computed:
# its rows show it with value null, and the score leaves it out, as ChemAudit's does.
PROPERTIES = {
    "mw": "molecular weight (g/mol)", "logp": "Crippen logP", "hbd": "H-bond donors",
    "hba": "H-bond acceptors", "tpsa": "topological polar surface area", "rotatable_bonds": "rotatable bonds",
    "aromatic_rings": "aromatic rings", "fsp3": "fraction of sp3 carbons", "qed": "QED",
    "sa_score": "synthetic accessibility score", "rings": "rings", "num_atoms": "atoms, hydrogens included",
    "refractivity": "molar refractivity (not computed)",
}
MAX_NAME = 100
MAX_DESCRIPTION = 1000


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise InvalidOption(f"name must be a text of 1 to {MAX_NAME} characters.")
    return value.strip()


def check_description(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise InvalidOption(f"description must be a text of at most {MAX_DESCRIPTION} characters, or null.")
    return value


def check_thresholds(value: object) -> dict:
    if not isinstance(value, dict) or not value:
        raise InvalidOption('thresholds must be an object with at least one property range, like '
                            '{"mw": {"min": 200, "max": 500}}.')
    unknown = sorted(set(value) - set(PROPERTIES))
    if unknown:
        raise InvalidOption(f"thresholds name {', '.join(map(repr, unknown))}, which this service does not "
                            f"score; the properties are {', '.join(PROPERTIES)}.", code="unknown_property")
    out = {}
    for name, bounds in value.items():
        if not isinstance(bounds, dict):
            raise InvalidOption(f'thresholds.{name} must be an object like {{"min": 0, "max": 500}}.')
        low, high = bounds.get("min"), bounds.get("max")
        for key, bound in (("min", low), ("max", high)):
            if bound is not None and not _number(bound):
                raise InvalidOption(f"thresholds.{name}.{key} must be a finite number or null.")
        if low is None and high is None:
            raise InvalidOption(f"thresholds.{name} needs a min, a max or both.")
        if low is not None and high is not None and low > high:
            raise InvalidOption(f"thresholds.{name}.min ({low}) is greater than its max ({high}).")
        out[name] = {"min": low, "max": high}
    return out


def check_weights(value: object, thresholds: dict) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidOption('weights must be an object like {"mw": 1.0}.')
    for name, weight in value.items():
        if name not in thresholds:
            raise InvalidOption(f"weights has {name!r}, which has no threshold; weight only properties "
                                "the profile has a range for.")
        if not _number(weight) or weight < 0:
            raise InvalidOption(f"weights.{name} must be a finite number of 0 or more.")
    return {name: float(weight) for name, weight in value.items()}


def new_profile(body: dict) -> dict:
    """The checked fields of a profile to create (ChemAudit's ScoringProfileCreate)."""
    thresholds = check_thresholds(body.get("thresholds"))
    return {"name": check_name(body.get("name")), "description": check_description(body.get("description")),
            "thresholds": thresholds, "weights": check_weights(body.get("weights"), thresholds)}


def profile_changes(body: dict, current: dict) -> dict:
    """The checked fields of an update (ChemAudit's ScoringProfileUpdate: absent or null keeps a
    field), judged together with the fields kept."""
    changes: dict = {}
    if body.get("name") is not None:
        changes["name"] = check_name(body["name"])
    if body.get("description") is not None:
        changes["description"] = check_description(body["description"])
    thresholds = current["thresholds"]
    if body.get("thresholds") is not None:
        thresholds = changes["thresholds"] = check_thresholds(body["thresholds"])
    weights = body["weights"] if body.get("weights") is not None else current["weights"]
    if body.get("weights") is not None or "thresholds" in changes:
        kept = {name: w for name, w in weights.items() if name in thresholds}
        changes["weights"] = check_weights(weights if body.get("weights") is not None else kept, thresholds)
    return changes
