"""Stereochemistry checks, all reading one shared analysis (chemaudit.chemistry.stereo)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chemaudit.chemistry.checks.base import ERROR, WARNING, Check, Outcome, plural
from chemaudit.chemistry.stereo import ENUMERATION_CAP

if TYPE_CHECKING:  # only the type: checks never build a context
    from chemaudit.chemistry.context import MolContext


class UndefinedStereocenters(Check):
    name = "undefined_stereocenters"
    category = "stereochemistry"
    severity = WARNING
    explanation = "Every stereocentre has a defined configuration (symmetric cage atoms are not centres)"

    def check(self, ctx: MolContext) -> Outcome:
        s = ctx.stereo
        details = {"undefined_count": len(s.undefined_atoms), "total_centers": s.total_centers,
                   "specified_count": len(s.specified_atoms), "not_stereogenic": s.not_stereogenic,
                   "confirmed_by": s.confirmed_by}
        if s.undefined_atoms:
            return Outcome(False, f"Found {plural(len(s.undefined_atoms), 'undefined stereocenter')}",
                           s.undefined_atoms, details)
        if s.total_centers:
            return Outcome(True, f"All {plural(s.total_centers, 'stereocenter')} properly defined", details=details)
        return Outcome(True, "No chiral centers present", details=details)


class UndefinedDoubleBondStereo(Check):
    name = "undefined_doublebond_stereo"
    category = "stereochemistry"
    severity = WARNING
    explanation = "Every stereogenic double bond has a defined E/Z configuration"

    def check(self, ctx: MolContext) -> Outcome:
        s = ctx.stereo
        total = len(s.undefined_bonds) + len(s.specified_bonds)
        details = {"undefined_count": len(s.undefined_bonds), "total_stereo_double_bonds": total}
        if s.undefined_bonds:
            atoms = []
            for idx in s.undefined_bonds:
                bond = ctx.mol.GetBondWithIdx(idx)
                atoms += [bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()]
            return Outcome(False, f"Found {plural(len(s.undefined_bonds), 'double bond')} with undefined "
                           "E/Z stereo", atoms, details)
        if total:
            return Outcome(True, f"All {plural(total, 'stereogenic double bond')} properly defined",
                           details=details)
        return Outcome(True, "No stereogenic double bonds present", details=details)


class ConflictingStereo(Check):
    name = "conflicting_stereo"
    category = "stereochemistry"
    severity = ERROR
    explanation = "Stereo given in the input is consistent (no contradictory bond directions, no stereo " \
                  "marks on atoms or bonds that cannot be stereogenic)"

    def check(self, ctx: MolContext) -> Outcome:
        found = ctx.stereo_conflicts
        if not found["count"]:
            return Outcome(True, "No stereochemistry conflicts detected", details=found)
        atoms = found["dropped_atoms"] + [a for pair in found["dropped_bonds"] for a in pair]
        parts = []
        if found["dropped_atoms"]:
            parts.append(f"{plural(len(found['dropped_atoms']), 'atom')} with stereo that cannot be a centre")
        if found["dropped_bonds"]:
            parts.append(f"{plural(len(found['dropped_bonds']), 'double bond')} with contradictory or "
                         "meaningless E/Z marks")
        summary = "; ".join(parts) or f"{found['count']} stereo mark(s) dropped by RDKit"
        return Outcome(False, f"Found conflicting stereochemistry: {summary}", atoms, found)


class StereoisomerEnumeration(Check):
    """ChemAudit's meaning: the parent has undefined stereocentres (E/Z is undefined_doublebond_stereo's);
    the isomers of every undefined element, double bonds included, are enumerated for the details."""

    name = "stereoisomer_enumeration"
    category = "stereo_tautomer"
    severity = WARNING
    explanation = "The parent (largest fragment) has no undefined stereocentre; its isomers are enumerated"

    def check(self, ctx: MolContext) -> Outcome:
        s = ctx.stereo
        parent = ctx.parent_atoms
        undefined = [i for i in s.undefined_atoms if i in parent]
        total_centers = sum(1 for i in s.specified_atoms if i in parent) + len(undefined)
        details: dict[str, Any] = {
            "undefined_count": len(undefined), "undefined_double_bonds": len(s.undefined_bonds),
            "total_centers": total_centers, "atom_indices": undefined, "isomer_count": s.isomer_count,
            "max_possible_isomers": s.max_possible, "stereoisomer_smiles": s.isomer_smiles,
            "enumeration_cap": ENUMERATION_CAP, "cap_exceeded": s.cap_exceeded}
        count = (f"{s.isomer_count} stereoisomer(s) enumerated" if s.isomer_count is not None
                 else f"up to {s.max_possible} stereoisomers (not enumerated, above the cap of {ENUMERATION_CAP})")
        if not undefined:
            message = (f"All {plural(details['total_centers'], 'stereocenter')} properly defined."
                       if details["total_centers"] else "No chiral centers present.")
            if s.undefined_bonds:
                message += f" {plural(len(s.undefined_bonds), 'undefined double bond')}: {count}."
            return Outcome(True, message, details=details)
        return Outcome(False, f"Found {plural(len(undefined), 'undefined stereocenter')} at atom indices "
                       f"{', '.join(map(str, undefined))}. {count}.", undefined, details)
