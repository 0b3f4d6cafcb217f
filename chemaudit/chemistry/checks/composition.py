"""What the record is made of: mixtures, solvents, inorganics, radicals, isotopes, tiny molecules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chemaudit.chemistry import fragments
from chemaudit.chemistry.checks.base import ERROR, INFO, WARNING, Check, Outcome, plural

if TYPE_CHECKING:  # only the type: checks never build a context
    from chemaudit.chemistry.context import MolContext


# Metals (alkali, alkaline earth, transition, post-transition, lanthanides, actinides); the
# metalloids B, Si, Ge, As, Sb, Te are not in it.
METALS = frozenset(
    [3, 4, 11, 12, 13, 31, 49, 50, 55, 56, 81, 82, 83, 84, 87, 88]
    + list(range(19, 31)) + list(range(37, 49)) + list(range(57, 81)) + list(range(89, 113))
)
ISOTOPE_NAMES = {(1, 2): "deuterium", (1, 3): "tritium", (6, 11): "carbon-11", (6, 13): "carbon-13",
                 (6, 14): "carbon-14", (7, 15): "nitrogen-15", (8, 17): "oxygen-17", (8, 18): "oxygen-18",
                 (9, 18): "fluorine-18", (15, 32): "phosphorus-32", (16, 35): "sulfur-35",
                 (53, 123): "iodine-123", (53, 125): "iodine-125", (53, 131): "iodine-131"}
TRIVIAL_HEAVY_ATOMS = 3


class MixtureDetection(Check):
    name = "mixture_detection"
    category = "chemical_composition"
    severity = WARNING
    explanation = "Input is one compound; each fragment of a mixture is classified (drug, salt, solvent)"

    def check(self, ctx: MolContext) -> Outcome:
        if len(ctx.fragments) == 1:
            return Outcome(True, "Input is a single connected molecule", details={"num_fragments": 1})
        parts = fragments.classify(ctx.fragment_mols, ctx.fragment_smiles)
        counts: dict[str, int] = {}
        for part in parts:
            counts[part["classification"]] = counts.get(part["classification"], 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        return Outcome(False, f"Input contains {len(parts)} fragments: {summary}.",
                       details={"num_fragments": len(parts), "fragments": parts})


class SolventContamination(Check):
    name = "solvent_contamination"
    category = "chemical_composition"
    severity = WARNING
    explanation = "No common laboratory solvent is recorded alongside the compound"

    def check(self, ctx: MolContext) -> Outcome:
        found = []
        for smiles in dict.fromkeys(ctx.fragment_smiles):
            name = fragments.solvent_name(smiles)
            if name:
                found.append({"name": name, "smiles": smiles})
        pure = len(ctx.fragments) == 1 and bool(found)
        details = {"solvents_found": found, "is_pure_solvent": pure}
        if not found:
            return Outcome(True, "No solvent contamination detected", details=details)
        if pure:
            return Outcome(True, f"The structure is itself a common solvent ({found[0]['name']}).",
                           details=details)
        names = ", ".join(s["name"] for s in found)
        return Outcome(False, f"Detected solvent contaminant(s): {names}.", details=details)


class InorganicFilter(Check):
    name = "inorganic_filter"
    category = "chemical_composition"
    severity = ERROR
    explanation = "Molecule is organic: error without carbon, warning for carbon with metals"

    def check(self, ctx: MolContext) -> Outcome:
        counts: dict[str, int] = {}
        for atom in ctx.atoms:
            counts[atom.GetSymbol()] = counts.get(atom.GetSymbol(), 0) + 1
        metals = [i for i, z in enumerate(ctx.atomic_numbers) if z in METALS]
        has_carbon = "C" in counts
        bonded = [i for i in metals if any(n.GetAtomicNum() == 6 for n in ctx.atoms[i].GetNeighbors())]
        details = {"has_carbon": has_carbon, "is_inorganic": not has_carbon,
                   "is_organometallic": bool(bonded),
                   "metal_atoms": [{"atom_idx": i, "symbol": ctx.atoms[i].GetSymbol(),
                                    "bonded_to_carbon": i in bonded} for i in metals],
                   "element_counts": counts}
        elements = ", ".join(f"{symbol}({n})" for symbol, n in counts.items())
        if not has_carbon:
            return Outcome(False, f"Molecule is inorganic: no carbon atoms. Elements: {elements}.",
                           metals, details, severity=ERROR)
        if metals:
            symbols = ", ".join(sorted({ctx.atoms[i].GetSymbol() for i in metals}))
            kind = ("organometallic: metal-carbon bond(s)" if bonded
                    else "a metal compound or salt: no metal-carbon bond")
            return Outcome(False, f"Molecule contains metal(s) {symbols} alongside carbon ({kind}). "
                           f"Elements: {elements}.", metals, details, severity=WARNING)
        return Outcome(True, "Molecule is organic (contains carbon, no metals)", details=details)


class RadicalDetection(Check):
    name = "radical_detection"
    category = "chemical_composition"
    severity = WARNING
    explanation = "No atom carries unpaired (radical) electrons"

    def check(self, ctx: MolContext) -> Outcome:
        radicals: list[dict[str, Any]] = [
            {"atom_idx": a.GetIdx(), "symbol": a.GetSymbol(), "num_radical_electrons": a.GetNumRadicalElectrons()}
            for a in ctx.atoms if a.GetNumRadicalElectrons()]
        total = sum(r["num_radical_electrons"] for r in radicals)
        details = {"radical_atoms": radicals, "total_radical_electrons": total}
        if not radicals:
            return Outcome(True, "No radical electrons detected", details=details)
        listed = ", ".join(f"{r['symbol']}(idx={r['atom_idx']}, radicals={r['num_radical_electrons']})"
                           for r in radicals)
        return Outcome(False, f"Detected {plural(total, 'radical electron')} on {listed}.",
                       [r["atom_idx"] for r in radicals], details)


class IsotopeLabelDetection(Check):
    name = "isotope_label_detection"
    category = "chemical_composition"
    severity = INFO
    explanation = "Whether atoms carry isotope labels (deuterium, 13C, ...)"

    def check(self, ctx: MolContext) -> Outcome:
        labelled: list[dict[str, Any]] = []
        for atom in ctx.atoms:
            if atom.GetIsotope():
                key = (atom.GetAtomicNum(), atom.GetIsotope())
                labelled.append({"atom_idx": atom.GetIdx(), "symbol": atom.GetSymbol(),
                                 "isotope_mass": atom.GetIsotope(), "common_name": ISOTOPE_NAMES.get(key)})
        details = {"labeled_atoms": labelled, "total_labeled": len(labelled)}
        if not labelled:
            return Outcome(True, "No isotope labels detected", details=details)
        names = ", ".join(la["common_name"] or f"{la['isotope_mass']}{la['symbol']}" for la in labelled)
        return Outcome(False, f"Found {plural(len(labelled), 'isotope-labeled atom')}: {names}.",
                       [la["atom_idx"] for la in labelled], details)


class TrivialMolecule(Check):
    name = "trivial_molecule"
    category = "chemical_composition"
    severity = ERROR
    explanation = f"Molecule has more than {TRIVIAL_HEAVY_ATOMS} heavy atoms (enough to be meaningful)"

    def check(self, ctx: MolContext) -> Outcome:
        heavy = ctx.heavy_atoms
        details = {"heavy_atom_count": heavy, "num_bonds": ctx.mol.GetNumBonds(),
                   "is_single_atom": heavy <= 1 and ctx.mol.GetNumBonds() == 0,
                   "threshold": TRIVIAL_HEAVY_ATOMS}
        if heavy > TRIVIAL_HEAVY_ATOMS:
            return Outcome(True, f"Molecule has {plural(heavy, 'heavy atom')}: sufficient for validation",
                           details=details)
        return Outcome(False, f"Molecule has only {plural(heavy, 'heavy atom')}: too small for "
                       "meaningful validation.", details=details)
