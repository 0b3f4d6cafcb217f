"""Structural features that complicate analysis: hypervalence, polymers, strained and large rings,
charges, explicit hydrogens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rdkit import Chem
from rdkit.Chem import rdMolDescriptors

from chemaudit.chemistry.checks.base import INFO, WARNING, Check, Outcome, plural
from chemaudit.chemistry.checks.composition import METALS

if TYPE_CHECKING:  # only the type: checks never build a context
    from chemaudit.chemistry.context import MolContext


# Main-group element -> periodic group; normal (octet) valence = 18 - group, shifted by the charge
# (N+ is valence 4 like C, I+ valence 2 like Te).
_GROUP = {5: 13, 6: 14, 7: 15, 8: 16, 9: 17, 13: 13, 14: 14, 15: 15, 16: 16, 17: 17, 31: 13, 32: 14,
          33: 15, 34: 16, 35: 17, 50: 14, 51: 15, 52: 16, 53: 17, 54: 18, 36: 18, 86: 18}
# Expanded octets that are ordinary in drugs: S/Se(IV, VI) and P/As(V) carrying =O, =S or =N
# (sulfoxides, sulfones, sulfonamides, sulfates, phosphates, phosphine oxides).
_OXO_EXPANDED = {15, 16, 33, 34}
_OXO_PARTNERS = {7, 8, 16}
POLYMER_SGROUPS = {"SRU", "MON", "MER", "COP", "CRO", "GRA", "ANY"}
POLYMER_MW = 1500.0
MACROCYCLE_SIZE = 12


def _octet_valence(atom: Chem.Atom) -> int | None:
    group = _GROUP.get(atom.GetAtomicNum())
    if group is None:
        return None
    effective = group - atom.GetFormalCharge()
    if effective < 13 or effective > 18:
        return None
    return effective - 10 if effective <= 14 else 18 - effective


def _oxo_expanded(atom: Chem.Atom) -> bool:
    return atom.GetAtomicNum() in _OXO_EXPANDED and any(
        bond.GetBondType() == Chem.BondType.DOUBLE and bond.GetOtherAtom(atom).GetAtomicNum() in _OXO_PARTNERS
        for bond in atom.GetBonds())


class HypervalentAtoms(Check):
    name = "hypervalent_atoms"
    category = "structural_complexity"
    severity = WARNING
    explanation = "No main-group atom exceeds its octet valence (ordinary S=O / P=O groups excepted)"

    def check(self, ctx: MolContext) -> Outcome:
        found: list[dict[str, Any]] = []
        for atom in ctx.atoms:
            if atom.GetAtomicNum() in METALS:
                continue
            normal = _octet_valence(atom)
            valence = atom.GetTotalValence()
            if normal is not None and valence > normal and not _oxo_expanded(atom):
                found.append({"atom_idx": atom.GetIdx(), "symbol": atom.GetSymbol(),
                              "actual_valence": valence, "octet_valence": normal,
                              "formal_charge": atom.GetFormalCharge()})
        details = {"hypervalent_atoms": found}
        if not found:
            return Outcome(True, "No hypervalent atoms detected", details=details)
        listed = ", ".join(f"{a['symbol']}({a['actual_valence']})" for a in found[:5])
        if len(found) > 5:
            listed += f", ... (+{len(found) - 5} more)"
        return Outcome(False, f"Found {plural(len(found), 'hypervalent atom')}: {listed}.",
                       [a["atom_idx"] for a in found], details)


class PolymerDetection(Check):
    name = "polymer_detection"
    category = "structural_complexity"
    severity = INFO
    explanation = "Whether the record is a polymer: polymer SGroups (SRU, COP, ...), attachment atoms, MW > 1500"

    def check(self, ctx: MolContext) -> Outcome:
        mol = ctx.mol
        types = [sg.GetProp("TYPE") for sg in Chem.GetMolSubstanceGroups(mol) if sg.HasProp("TYPE")]
        polymer_types = sorted({t for t in types if t.upper() in POLYMER_SGROUPS})
        weight = rdMolDescriptors.CalcExactMolWt(mol)  # ChemAudit's convention: monoisotopic mass
        dummies = [i for i, z in enumerate(ctx.atomic_numbers) if z == 0]
        details = {"has_sgroup_markers": bool(polymer_types), "sgroup_types": types,
                   "molecular_weight": round(weight, 4), "exceeds_mw_threshold": weight > POLYMER_MW,
                   "has_dummy_atoms": bool(dummies), "dummy_atom_count": len(dummies)}
        reasons = []
        if polymer_types:
            reasons.append(f"polymer SGroup(s): {', '.join(polymer_types)}")
        if dummies:
            reasons.append(f"{plural(len(dummies), 'dummy atom')} (attachment points)")
        if weight > POLYMER_MW:
            reasons.append(f"MW {weight:.1f} Da exceeds {POLYMER_MW:.0f} Da")
        if not reasons:
            return Outcome(True, "No polymer indicators detected", details=details)
        return Outcome(False, f"Possible polymer detected: {'; '.join(reasons)}.", dummies, details)


class RingStrain(Check):
    name = "ring_strain"
    category = "structural_complexity"
    severity = WARNING
    explanation = "No strained 3- or 4-membered rings"

    def check(self, ctx: MolContext) -> Outcome:
        rings: list[dict[str, Any]] = [{"ring_size": len(r), "atom_indices": list(r)}
                                       for r in ctx.atom_rings if len(r) in (3, 4)]
        details = {"strained_rings": rings, "total_strained_rings": len(rings)}
        if not rings:
            return Outcome(True, "No strained rings detected", details=details)
        sizes = ", ".join(str(r["ring_size"]) for r in rings)
        return Outcome(False, f"Found {plural(len(rings), 'strained ring')}: {sizes}-membered.",
                       [a for r in rings for a in r["atom_indices"]], details)


class MacrocycleDetection(Check):
    name = "macrocycle_detection"
    category = "structural_complexity"
    severity = INFO
    explanation = f"Whether the molecule has a ring of more than {MACROCYCLE_SIZE} atoms"

    def check(self, ctx: MolContext) -> Outcome:
        rings: list[dict[str, Any]] = [{"ring_size": len(r), "atom_indices": list(r)}
                                       for r in ctx.atom_rings if len(r) > MACROCYCLE_SIZE]
        details = {"macrocycles": rings, "total_macrocycles": len(rings)}
        if not rings:
            return Outcome(True, "No macrocyclic rings detected", details=details)
        return Outcome(False, f"Found {plural(len(rings), 'macrocyclic ring')} with > {MACROCYCLE_SIZE} atoms.",
                       [a for r in rings for a in r["atom_indices"]], details)


class ChargedSpecies(Check):
    name = "charged_species"
    category = "structural_complexity"
    severity = INFO
    explanation = "Whether atoms carry formal charges; net charge and zwitterions reported"

    def check(self, ctx: MolContext) -> Outcome:
        charged: list[dict[str, Any]] = [{"atom_idx": i, "symbol": ctx.atoms[i].GetSymbol(), "charge": q}
                                          for i, q in enumerate(ctx.charges) if q]
        positive = [c for c in charged if c["charge"] > 0]
        negative = [c for c in charged if c["charge"] < 0]
        net = ctx.net_charge
        zwitterion = net == 0 and bool(positive) and bool(negative)
        details = {"net_charge": net, "positive_atoms": positive, "negative_atoms": negative,
                   "is_zwitterion": zwitterion, "total_charged_atoms": len(charged)}
        if not charged:
            return Outcome(True, "No charged atoms detected. Net charge: 0.", details=details)
        kind = "Is a zwitterion." if zwitterion else "Is not a zwitterion."
        return Outcome(False, f"Net charge {net}. {kind} {plural(len(charged), 'charged atom')}.",
                       [c["atom_idx"] for c in charged], details)


class ExplicitHydrogenAudit(Check):
    """ChemAudit's meaning: hydrogens specified explicitly, either as a count on a heavy atom (a SMILES
    bracket atom such as [CH], [nH], [C@@H], [NH3+]) or as hydrogen atoms in the structure."""

    name = "explicit_hydrogen_audit"
    category = "structural_complexity"
    severity = INFO
    explanation = "Whether hydrogens are specified explicitly (bracket-atom H counts, H atoms in the input)"

    def check(self, ctx: MolContext) -> Outcome:
        counted: list[dict[str, Any]] = [
            {"atom_idx": a.GetIdx(), "symbol": a.GetSymbol(), "explicit_h_count": a.GetNumExplicitHs()}
            for a in ctx.atoms if a.GetAtomicNum() != 1 and a.GetNumExplicitHs()]
        kept = ctx.atomic_numbers.count(1)
        drawn = max(ctx.input_hydrogens, kept)
        details = {"atoms_with_explicit_h": counted[:50],
                   "total_explicit_h": sum(c["explicit_h_count"] for c in counted),
                   "has_h_atom_objects": bool(drawn), "h_atom_object_count": drawn, "h_atoms_kept": kept}
        if not counted and not drawn:
            return Outcome(True, "No explicit hydrogen specification detected", details=details)
        parts = []
        if counted:
            parts.append(f"Found {plural(len(counted), 'atom')} with explicit hydrogen specification.")
        if drawn:
            parts.append(f"Input contains {plural(drawn, 'hydrogen atom')} drawn as atoms "
                         f"({plural(kept, 'kept')} in the structure, the rest folded into hydrogen counts).")
        return Outcome(False, " ".join(parts), [c["atom_idx"] for c in counted], details)
