"""The scoring block of a result: drug-likeness, ADMET (SA score, Fsp3) and ML-readiness.

Scores describe the whole record by default, as ChemAudit's do (a hydrochloride's weight includes
the HCl). With AuditOptions(score_parent=True) they describe the parent, the largest fragment:
the better science for salts and solvates (the counter-ion is not the drug), an option so that
default results stay ChemAudit's. `scored_on` says which was scored.

ML-readiness (0-100) keeps ChemAudit's four dimensions. Structural quality (20) and property
profile (35) follow its published tables; complexity (25) uses QED, SA score, Fsp3 and
stereocentres. Representation quality (20) replaces ChemAudit's 451-descriptor / 7-fingerprint /
conformer-embedding tests (tens of ms each) with cheap equivalents: descriptor completeness,
Morgan fingerprint generation and bit density, and identifier round trips. No 3D embedding.
"""

from __future__ import annotations

import functools
import math

from rdkit.Chem import rdFingerprintGenerator

from chemaudit.chemistry import descriptors, screening
from chemaudit.chemistry.checks.composition import METALS

# property -> (ideal low, ideal high, points), as in ChemAudit's property profile table
PROPERTY_RANGES = {
    "molecular_weight": (200.0, 500.0, 6), "logp": (0.5, 4.0, 6), "tpsa": (40.0, 120.0, 5),
    "hbd": (0, 3, 4), "hba": (2, 8, 4), "rotatable_bonds": (1, 8, 5), "aromatic_rings": (1, 3, 5),
}
LABELS = ((85, "Excellent"), (70, "Good"), (50, "Moderate"), (30, "Limited"), (0, "Poor"))


@functools.cache
def _morgan():
    return rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


def desirability(value: float, low: float, high: float) -> float:
    """1 inside [low, high], falling linearly to 0 one range-width outside it."""
    if low <= value <= high:
        return 1.0
    width = high - low
    distance = low - value if value < low else value - high
    return max(0.0, 1.0 - distance / width)


def _sa_points(sa: float | None) -> float:
    if sa is None:
        return 0.0
    if sa <= 3:
        return 8.0
    if sa <= 5:
        return 8.0 - (sa - 3) * 2.0
    return max(0.0, 4.0 - (sa - 5) * 2.0)


def _stereo_points(total: int, undefined: int) -> float:
    base = 5.0 if total <= 4 else max(0.0, 5.0 - (total - 4) * 0.75) if total <= 8 else 0.0
    return base * 0.5 if total and undefined / total > 0.5 else base


def _section(items: dict, maximum: int) -> dict:
    return {"score": round(sum(items.values()), 2), "max": maximum,
            "items": {k: round(v, 2) for k, v in items.items()}}


def ml_readiness(ctx, profile, smiles_stable: bool) -> dict:
    """Score, label and per-dimension breakdown (no 3D embedding)."""
    structural = {
        "single_component": 5.0 if len(ctx.fragments) == 1 else 0.0,
        "no_metals": 0.0 if METALS.intersection(ctx.atomic_numbers) else 5.0,
        "no_radicals": 0.0 if any(a.GetNumRadicalElectrons() for a in ctx.atoms) else 3.0,
        "reasonable_charge": 3.0 if abs(ctx.net_charge) <= 2 else 0.0,
        "no_dummy_atoms": 0.0 if 0 in ctx.atomic_numbers else 4.0,
    }
    properties = {name: desirability(getattr(profile, name), low, high) * points
                  for name, (low, high, points) in PROPERTY_RANGES.items()}
    stereo = ctx.stereo
    complexity = {
        "qed": (profile.qed or 0.0) * 8.0,
        "sa_score": _sa_points(profile.sa_score),
        "fsp3": desirability(profile.fsp3, 0.2, 0.6) * 4.0,
        "stereocenters": _stereo_points(stereo.total_centers, len(stereo.undefined_atoms)),
    }
    values = [profile.molecular_weight, profile.logp, profile.tpsa, profile.fsp3, profile.qed, profile.sa_score]
    finite = sum(1 for v in values if v is not None and math.isfinite(v))
    fingerprint = _morgan().GetFingerprint(scored_mol(ctx))
    density = fingerprint.GetNumOnBits() / fingerprint.GetNumBits()
    if 0.01 <= density <= 0.30:
        informative = 5.0
    elif density < 0.01:
        informative = 5.0 * density / 0.01
    else:
        informative = max(0.0, 5.0 * (1.0 - (density - 0.30) / 0.15))
    representation = {
        "descriptor_completeness": 5.0 * finite / len(values),
        "fingerprint_generation": 5.0 if fingerprint.GetNumOnBits() else 0.0,
        "fingerprint_informativeness": informative,
        "identifier_roundtrip": (2.5 if smiles_stable else 0.0) + (2.5 if ctx.inchi.inchi else 0.0),
    }
    breakdown = {
        "structural_quality": _section(structural, 20),
        "property_profile": _section(properties, 35),
        "complexity_feasibility": _section(complexity, 25),
        "representation_quality": _section(representation, 20),
    }
    score = round(sum(section["score"] for section in breakdown.values()), 1)
    label = next(name for threshold, name in LABELS if score >= threshold)
    return {"score": score, "label": label, "breakdown": breakdown}

def _rounded(value, digits):
    return None if value is None else round(value, digits)


def _on_parent(ctx) -> bool:
    return ctx.options.score_parent and len(ctx.fragments) > 1


def scored_mol(ctx):
    return ctx.largest_fragment if _on_parent(ctx) else ctx.mol


def scored_on(ctx) -> str:
    if len(ctx.fragments) == 1:
        return "whole_molecule"
    return "largest_fragment" if _on_parent(ctx) else "whole_record"


def scored_profile(ctx) -> descriptors.Profile:
    """The descriptors of the scored molecule (see `scored_mol`); the profiling and safety
    blocks describe the same molecule with the same figures."""
    if _on_parent(ctx):
        mol = ctx.largest_fragment
        has_h = any(mol.GetAtomWithIdx(i).GetAtomicNum() == 1 for i in range(mol.GetNumAtoms()))
        return descriptors.compute(mol, screening.fingerprint_words(mol), has_h)
    return descriptors.compute(ctx.mol, ctx.fingerprint, 1 in ctx.atomic_numbers)


def lipinski_violations(p: descriptors.Profile) -> int:
    return sum((p.molecular_weight > 500, p.logp > 5, p.hbd > 5, p.hba > 10))


def compute(ctx, smiles_stable: bool, p: descriptors.Profile | None = None) -> dict:
    if p is None:
        p = scored_profile(ctx)
    violations = lipinski_violations(p)
    return {
        "druglikeness": {
            "qed_score": _rounded(p.qed, 3),
            "lipinski_passed": violations <= 1,
            "lipinski_violations": violations,
            "veber_passed": p.rotatable_bonds <= 10 and p.tpsa <= 140,
            "molecular_weight": round(p.molecular_weight, 2),
            "logp": round(p.logp, 2),
            "tpsa": round(p.tpsa, 2),
            "hbd": p.hbd,
            "hba": p.hba,
            "rotatable_bonds": p.rotatable_bonds,
            "aromatic_rings": p.aromatic_rings,
        },
        "admet": {"sa_score": _rounded(p.sa_score, 2), "fsp3": round(p.fsp3, 3)},
        "ml_readiness": ml_readiness(ctx, p, smiles_stable),
        "scored_on": scored_on(ctx),
    }
