"""The compound profile block (`include_profiling`): PFI, #stars, Abbott bioavailability score,
consensus logP, skin permeation and a drug-likeness summary.

Keys and shapes are ChemAudit 2.0's batch `profiling` block (its compound_profile.py, stored
by its batch task for every molecule). It describes the scored molecule (the whole record, or
its parent with `score_parent`), with the descriptors the scoring block uses. Where ChemAudit's
rule is not the published one, the published one is used (docs/compatibility.md): the Abbott
score is Martin's (2005) and skin permeation is in cm/s. Every band and limit is applied to the
figure as reported (rounded), so a value and its verdict never disagree.
"""

from __future__ import annotations

import math

from rdkit import Chem
from rdkit.Chem import rdMolDescriptors

from chemaudit.chemistry import ionization
from chemaudit.chemistry.descriptors import Profile

# The 95th-percentile ranges of oral drugs that ChemAudit's #stars counts outliers of (a
# QikProp-like count over 8 properties; Fsp3 is always within its range).
STAR_RANGES: dict[str, tuple[float, float]] = {
    "MW": (130, 725), "LogP": (-2, 6.5), "HBA": (2, 20), "HBD": (0, 6), "TPSA": (7, 200),
    "RotBonds": (0, 15), "Fsp3": (0, 1), "NumRings": (0, 6),
}
PFI_BANDS = ((5.0, "low"), (7.0, "moderate"))  # below 5 low, below 7 moderate, else high
SKIN_BANDS = ((-6.0, "low"), (-4.0, "moderate"))  # log Kp in cm/s: below -6 low, below -4 moderate
LOG10_SECONDS_PER_HOUR = math.log10(3600.0)


def _band(value: float, bands: tuple[tuple[float, str], ...], top: str = "high") -> str:
    return next((name for limit, name in bands if value < limit), top)


def pfi(p: Profile) -> dict:
    """Property Forecast Index (Young et al. 2011) with Crippen logP for the measured logD."""
    value = round(p.logp + p.aromatic_rings, 2)
    return {"pfi": value, "clogp": round(p.logp, 2), "aromatic_rings": p.aromatic_rings,
            "risk": _band(value, PFI_BANDS)}


def stars(mol: Chem.Mol, p: Profile) -> dict:
    values = {"MW": round(p.molecular_weight, 2), "LogP": round(p.logp, 2), "HBA": p.hba, "HBD": p.hbd,
              "TPSA": round(p.tpsa, 2), "RotBonds": p.rotatable_bonds, "Fsp3": round(p.fsp3, 3),
              "NumRings": rdMolDescriptors.CalcNumRings(mol)}
    details = [{"property": name, "value": values[name], "range_low": low, "range_high": high,
                "violated": not low <= values[name] <= high} for name, (low, high) in STAR_RANGES.items()]
    return {"stars": sum(d["violated"] for d in details), "details": details}


def abbott(mol: Chem.Mol, p: Profile, lipinski_violations: int) -> dict:
    """Martin's bioavailability score (J. Med. Chem. 2005, 48, 3164): the probability of F > 10 %
    in rat. Anions by TPSA (<= 75: 0.85, < 150: 0.56, else 0.11); other compounds by the rule of
    five (at most one violation: 0.55, else 0.17)."""
    anion = ionization.is_anion(mol)
    tpsa = round(p.tpsa, 1)
    if anion:
        score = 0.85 if tpsa <= 75 else 0.56 if tpsa < 150 else 0.11
    else:
        score = 0.55 if lipinski_violations <= 1 else 0.17
    return {"abbott_score": score, "probability_pct": round(score * 100), "tpsa": tpsa,
            "lipinski_violations": lipinski_violations, "anion": anion}


def consensus_logp(p: Profile) -> dict:
    """ChemAudit's consensus of Crippen's logP and its linear "XLOGP3 approximation"
    (0.92 x + 0.12): not an independent estimate, hence `xlogp3_is_approximation`."""
    xlogp3 = 0.92 * p.logp + 0.12
    return {"consensus_logp": round((p.logp + xlogp3) / 2, 2), "wildman_crippen": round(p.logp, 2),
            "xlogp3_approx": round(xlogp3, 2), "xlogp3_is_approximation": True}


def skin_permeation(p: Profile) -> dict:
    """Potts & Guy (1992): log Kp (cm/h) = -2.72 + 0.71 log P - 0.0061 MW, given in cm/s (as
    SwissADME gives it), the unit the classification's bands are in."""
    log_kp_cm_h = -2.72 + 0.71 * p.logp - 0.0061 * p.molecular_weight
    log_kp = round(log_kp_cm_h - LOG10_SECONDS_PER_HOUR, 2)
    return {"log_kp": log_kp, "classification": _band(log_kp, SKIN_BANDS), "units": "cm/s"}


def druglikeness(p: Profile, lipinski_violations: int) -> dict:
    return {"lipinski": {"passed": lipinski_violations <= 1, "violations": lipinski_violations},
            "qed": None if p.qed is None else round(p.qed, 3),
            "veber": {"passed": p.rotatable_bonds <= 10 and p.tpsa <= 140}}


def profile(mol: Chem.Mol, p: Profile, lipinski_violations: int, scored_on: str) -> dict:
    """The block for the scored molecule `mol`, whose descriptors are `p`."""
    return {
        "pfi": pfi(p),
        "stars": stars(mol, p),
        "abbott": abbott(mol, p, lipinski_violations),
        "consensus_logp": consensus_logp(p),
        "skin_permeation": skin_permeation(p),
        "druglikeness": druglikeness(p, lipinski_violations),
        "scored_on": scored_on,
    }
