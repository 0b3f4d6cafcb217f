"""Tautomers, aromatic systems and coordinates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chemaudit.chemistry import tautomers
from chemaudit.chemistry.checks.base import INFO, WARNING, Check, Outcome, plural

if TYPE_CHECKING:  # only the type: checks never build a context
    from chemaudit.chemistry.context import MolContext


# Charged aromatic heteroatoms that are ordinary chemistry: pyridinium/imidazolium/N-oxide n+,
# deprotonated azoles (tetrazolate) n-. Any other charged aromatic atom is flagged.
_ACCEPTED_CHARGED_AROMATIC = {(7, 1), (7, -1)}


class TautomerDetection(Check):
    name = "tautomer_detection"
    category = "stereo_tautomer"
    severity = INFO
    explanation = "Tautomer count and whether the structure is drawn as its canonical tautomer (informational)"

    def check(self, ctx: MolContext) -> Outcome:
        t = ctx.tautomers
        details = {"tautomer_count": t.count, "complete": t.complete, "status": t.status,
                   "canonical_smiles": t.canonical_smiles, "is_canonical_form": t.is_canonical_form,
                   "tautomer_smiles": t.smiles, "max_tautomers": tautomers.MAX_TAUTOMERS,
                   "max_transforms": tautomers.MAX_TRANSFORMS}
        if t.error:
            details["error"] = t.error
            return Outcome(True, f"Tautomers not enumerated: {t.error}", details=details)
        count = f"{t.count}" if t.complete else f"at least {t.count}"
        # Informational, as in ChemAudit: RDKit's canonical tautomer is a convention, and a record drawn
        # as another tautomer (2-hydroxypyridine for 2-pyridone) is the same compound, not an error.
        if t.is_canonical_form is False:
            return Outcome(True, f"Molecule has {count} tautomeric form(s). Is not the canonical tautomer.",
                           details=details)
        if t.is_canonical_form is None:
            return Outcome(True, f"Molecule has {count} tautomeric forms (enumeration capped; canonical "
                           "form not judged).", details=details)
        return Outcome(True, f"Molecule has {count} tautomeric form(s). Is the canonical tautomer.",
                       details=details)


class AromaticSystemValidation(Check):
    name = "aromatic_system_validation"
    category = "stereo_tautomer"
    severity = WARNING
    explanation = "Aromatic rings have usual sizes (5, 6) and no unusual charged aromatic atoms"

    def check(self, ctx: MolContext) -> Outcome:
        mol = ctx.mol
        unusual: list[dict[str, Any]] = []
        charged: list[dict[str, Any]] = []
        affected: set[int] = set()
        for ring in ctx.atom_rings:
            if len(ring) not in (5, 6) and all(mol.GetAtomWithIdx(i).GetIsAromatic() for i in ring):
                unusual.append({"ring_size": len(ring), "atom_indices": list(ring)})
                affected.update(ring)
        for atom, charge in zip(ctx.atoms, ctx.charges):
            if charge and atom.GetIsAromatic():
                usual = (atom.GetAtomicNum(), atom.GetFormalCharge()) in _ACCEPTED_CHARGED_AROMATIC
                charged.append({"atom_idx": atom.GetIdx(), "symbol": atom.GetSymbol(),
                                "charge": atom.GetFormalCharge(), "usual": usual})
                if not usual:
                    affected.add(atom.GetIdx())
        details = {"unusual_ring_sizes": unusual, "charged_aromatics": charged}
        flagged = [c for c in charged if not c["usual"]]
        if not unusual and not flagged:
            return Outcome(True, "Aromatic systems have standard ring sizes and no unusual charged atoms.",
                           details=details)
        parts = []
        if unusual:
            parts.append(f"Found {plural(len(unusual), 'unusual aromatic ring')} with size(s): "
                         f"{[r['ring_size'] for r in unusual]}.")
        if flagged:
            listed = ", ".join(f"{c['symbol']}({c['charge']:+d}) at idx {c['atom_idx']}" for c in flagged)
            parts.append(f"Found {plural(len(flagged), 'charged aromatic atom')}: {listed}.")
        return Outcome(False, " ".join(parts), sorted(affected), details)


class CoordinateDimension(Check):
    name = "coordinate_dimension"
    category = "stereo_tautomer"
    severity = INFO
    explanation = "Coordinates given with the input: 2D, 3D, none, or degenerate (informational)"

    def check(self, ctx: MolContext) -> Outcome:
        mol = ctx.mol
        if mol.GetNumConformers() == 0:
            return Outcome(True, f"Molecule has no coordinates ({ctx.kind} input).",
                           details={"dimension": "no_coordinates", "num_conformers": 0})
        conf = mol.GetConformer()
        points = {tuple(round(v, 4) for v in conf.GetAtomPosition(i)) for i in range(mol.GetNumAtoms())}
        details: dict[str, Any] = {"num_conformers": mol.GetNumConformers(), "flagged_3d": conf.Is3D()}
        if mol.GetNumAtoms() > 1 and len(points) == 1:
            details["dimension"] = "degenerate"  # reported, not failed (as in ChemAudit)
            return Outcome(True, "Molecule has degenerate coordinates (all atoms at one position).",
                           details=details)
        if any(z != 0.0 for _x, _y, z in points):
            details["dimension"] = "3d"
            return Outcome(True, "Molecule has 3D coordinates.", details=details)
        details["dimension"] = "2d"
        return Outcome(True, "Molecule has 2D coordinates (all z-coordinates are zero).", details=details)
