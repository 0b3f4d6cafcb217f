"""ChemAudit's profile score recomputed in Python from a result item: the tests' independent check
of the SQL scoring function (migration 0008)."""

from __future__ import annotations

from math import prod

# profile property -> where a result item holds it
ITEM_PATHS = {
    "mw": ("scoring", "druglikeness", "molecular_weight"), "logp": ("scoring", "druglikeness", "logp"),
    "hbd": ("scoring", "druglikeness", "hbd"), "hba": ("scoring", "druglikeness", "hba"),
    "tpsa": ("scoring", "druglikeness", "tpsa"),
    "rotatable_bonds": ("scoring", "druglikeness", "rotatable_bonds"),
    "aromatic_rings": ("scoring", "druglikeness", "aromatic_rings"), "fsp3": ("scoring", "admet", "fsp3"),
    "qed": ("scoring", "druglikeness", "qed_score"), "sa_score": ("scoring", "admet", "sa_score"),
    "rings": ("validation", "molecule_info", "num_rings"),
}


def item_properties(item: dict) -> dict:
    out = {}
    for name, path in ITEM_PATHS.items():
        value = item
        for key in path:
            value = (value or {}).get(key)
        out[name] = value
    return out


def expected_score(properties: dict, thresholds: dict, weights: dict) -> float | None:
    """ChemAudit's profile_score (services/scoring/profile_scoring.py) for two-sided ranges."""
    scores, total = [], 0.0
    for name, bounds in thresholds.items():
        value = properties.get(name)
        if value is None:
            continue
        low, high = bounds["min"], bounds["max"]
        if low <= value <= high:
            d = 1.0
        else:
            distance = (low - value) if value < low else (value - high)
            d = max(0.0, 1.0 - distance / max(high - low, 1e-6))
        weight = weights.get(name, 1.0)
        scores.append(d ** weight)
        total += weight
    if not scores or total == 0:
        return None
    return round(prod(scores) ** (1.0 / total) * 100, 1)
