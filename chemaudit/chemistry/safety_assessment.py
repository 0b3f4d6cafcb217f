"""The safety assessment block (`include_safety_assessment`): CYP soft spots, hERG risk,
beyond-rule-of-5, REOS and complexity outliers.

Keys and shapes are ChemAudit 2.0's batch `safety_assessment` block (its services/safety/ and
alerts/complexity_filter.py, stored by its batch task: `cyp_softspots` is the list of sites).
It describes the scored molecule, with the descriptors the scoring block uses. Where ChemAudit's
rule is not the published one, the published one is used (docs/compatibility.md): bRo5 is
Doak et al.'s six limits, REOS is Walters' seven properties, and the hERG rule's basic nitrogen
is a basic centre (an aniline, amide or sulfonamide nitrogen is not). Limits are applied to
the figures as reported (rounded).
"""

from __future__ import annotations

from rdkit import Chem
from rdkit.Chem import Descriptors

from chemaudit.chemistry import cyp_softspots, ionization
from chemaudit.chemistry.descriptors import Profile

# Doak, Over, Giordanetto, Kihlberg (Chem. Biol. 2014): oral drugs beyond the rule of 5.
BRO5_LIMITS = (("MW", 1000.0, ">"), ("LogP", 10.0, ">"), ("LogP", -2.0, "<"), ("HBD", 6.0, ">"),
               ("HBA", 15.0, ">"), ("TPSA", 250.0, ">"), ("RotBonds", 20.0, ">"))
# Walters & Murcko (Adv. Drug Deliv. Rev. 2002): REOS property ranges, inclusive.
REOS_RANGES = {"MW": (200.0, 500.0), "LogP": (-5.0, 5.0), "HBD": (0.0, 5.0), "HBA": (0.0, 10.0),
               "Charge": (-2.0, 2.0), "RotBonds": (0.0, 8.0), "HeavyAtoms": (15.0, 50.0)}
# ChemAudit's 5th-95th percentile ranges of commercial screening compounds.
COMPLEXITY_RANGES = {"MW": (150.0, 550.0), "LogP": (-2.0, 5.5), "RotBonds": (0.0, 12.0),
                     "Rings": (1.0, 5.0), "HeavyAtoms": (10.0, 40.0), "BertzCT": (100.0, 1200.0)}


def herg(mol: Chem.Mol, p: Profile) -> dict:
    """The four-factor amphiphile rule: logP > 3.7, 250 < MW < 500, TPSA < 75, a basic centre."""
    basic = bool(ionization.basic_centres(mol))
    logp, mw, tpsa = round(p.logp, 2), round(p.molecular_weight, 2), round(p.tpsa, 2)
    factors = ((logp > 3.7, f"LogP={logp:.2f} > 3.7"),
               (250 < mw < 500, f"MW={mw:.0f} in amphiphilic range 250-500"),
               (tpsa < 75, f"TPSA={tpsa:.0f} < 75 (lipophilic)"),
               (basic, "Contains basic nitrogen"))
    flags = [text for hit, text in factors if hit]
    score = len(flags)
    risk = "low" if score <= 1 else "moderate" if score == 2 else "high"
    return {"herg_risk": risk, "risk_score": score, "max_score": 4, "flags": flags,
            "descriptors": {"logp": logp, "mw": mw, "tpsa": tpsa, "has_basic_nitrogen": basic}}


def bro5(p: Profile) -> dict:
    """Applies above MW 500 (below it the rule of 5 does); passes within every bRo5 limit."""
    if round(p.molecular_weight, 2) <= 500:
        return {"applicable": False, "passed": True, "message": "MW <= 500 -- standard Ro5 applies",
                "violations": [], "values": {}}
    values = {"MW": round(p.molecular_weight, 2), "LogP": round(p.logp, 2), "HBD": p.hbd, "HBA": p.hba,
              "TPSA": round(p.tpsa, 2), "RotBonds": p.rotatable_bonds}
    violations = [{"property": name, "value": values[name], "threshold": limit, "direction": direction}
                  for name, limit, direction in BRO5_LIMITS
                  if (values[name] > limit if direction == ">" else values[name] < limit)]
    return {"applicable": True, "passed": not violations, "message": None, "violations": violations,
            "values": values}


def _ranges(values: dict[str, float], ranges: dict[str, tuple[float, float]]) -> list[tuple[str, float, float, float]]:
    """(property, value, low, high) of every value outside its range."""
    return [(name, values[name], low, high) for name, (low, high) in ranges.items()
            if not low <= values[name] <= high]


def reos(mol: Chem.Mol, p: Profile) -> dict:
    values = {"MW": round(p.molecular_weight, 2), "LogP": round(p.logp, 2), "HBD": p.hbd, "HBA": p.hba,
              "Charge": Chem.GetFormalCharge(mol), "RotBonds": p.rotatable_bonds,
              "HeavyAtoms": mol.GetNumHeavyAtoms()}
    violations = [{"property": name, "value": value, "range": [low, high], "exceeded": value > high}
                  for name, value, low, high in _ranges(values, REOS_RANGES)]
    return {"passed": not violations, "violations": violations, "n_violations": len(violations),
            "descriptors": values}


def complexity(mol: Chem.Mol, p: Profile) -> dict:
    values = {"MW": round(p.molecular_weight, 2), "LogP": round(p.logp, 2), "RotBonds": p.rotatable_bonds,
              "Rings": mol.GetRingInfo().NumRings(), "HeavyAtoms": mol.GetNumHeavyAtoms(),
              "BertzCT": round(Descriptors.BertzCT(mol), 2)}
    outliers = {name: value for name, value, _low, _high in _ranges(values, COMPLEXITY_RANGES)}
    properties = {name: {"value": values[name], "p5": low, "p95": high, "outlier": name in outliers,
                         "direction": ("below" if values[name] < low else "above") if name in outliers else None}
                  for name, (low, high) in COMPLEXITY_RANGES.items()}
    return {"properties": properties, "n_outliers": len(outliers), "outlier_properties": list(outliers),
            "within_range": not outliers}


def assess(mol: Chem.Mol, p: Profile, scored_on: str) -> dict:
    """The block for the scored molecule `mol`, whose descriptors are `p`."""
    return {
        "cyp_softspots": cyp_softspots.screen(mol),
        "herg": herg(mol, p),
        "bro5": bro5(p),
        "reos": reos(mol, p),
        "complexity": complexity(mol, p),
        "scored_on": scored_on,
    }
