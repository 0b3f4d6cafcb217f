"""ChemAudit 2.0's check rules, re-stated for comparison only (not used by the service).

Each function below states, in our own code, the rule one ChemAudit 2.0 check applies
(Kohulan/ChemAudit, backend/app/services/validation/checks/*.py) and returns (passed, severity
when failed). It runs on the molecule ChemAudit's batch worker audits: `Chem.MolFromSmiles` of the
record's SMILES (an SDF record is first written as SMILES by its file parser). Scores follow its
engine (100 - 50 per failed critical, 20 per error, 5 per warning) and its scorers, which take the
whole record. bench/chemaudit_agreement.py and tests/unit/chemistry/test_chemaudit_agreement.py
count where our checks and these rules disagree.
"""

from __future__ import annotations

from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, rdMolDescriptors

PENALTY = {"critical": 50, "error": 20, "warning": 5, "info": 0}
PASS = (True, None)

# ChemAudit's metal list (deep_composition.METAL_ATOMIC_NUMS).
_METALS = frozenset([3, 11, 19, 37, 55, 4, 12, 20, 38, 56] + list(range(21, 31)) + list(range(39, 49))
                    + list(range(72, 81)) + [13, 31, 49, 50, 81, 82, 83] + list(range(57, 72)) + [89, 90, 92, 94])
# Its 15 solvents (matched by canonical SMILES or mutual substructure), and the MolVS fragment
# patterns whose names hold water / hydroxide / ammonia / ammonium, matched at equal heavy-atom count.
_SOLVENTS = ("O", "CS(=O)C", "CN(C)C=O", "CC#N", "CO", "CCO", "CC(=O)C", "C1CCCO1", "ClCCl", "ClC(Cl)Cl",
             "Cc1ccccc1", "CCCCCC", "CCOCC", "CCOC(=O)C", "CC(O)C")
_MOLVS_SOLVENT_SMARTS = ("N", "O", "C1CCCCC1[NH]C1CCCCC1")


def read(text: str, kind: str = "smiles") -> Chem.Mol | None:
    """The molecule ChemAudit's batch worker checks for one record (SMILES, or an SD record, which
    its file parser writes as SMILES first)."""
    if kind == "mol":
        mol = Chem.MolFromMolBlock(text)
        return None if mol is None else Chem.MolFromSmiles(Chem.MolToSmiles(mol))
    return Chem.MolFromSmiles(text)


def largest_fragment(mol: Chem.Mol) -> Chem.Mol:
    frags = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False)
    return max(frags, key=lambda f: f.GetNumAtoms()) if frags else mol


def undefined_centres(mol: Chem.Mol) -> list[int]:
    centres = Chem.FindMolChiralCenters(mol, includeUnassigned=True, useLegacyImplementation=False)
    return [idx for idx, label in centres if label == "?"]


def connectivity(mol):
    return (False, "warning") if len(Chem.GetMolFrags(mol)) > 1 else PASS


def undefined_stereocenters(mol):
    return (False, "warning") if undefined_centres(mol) else PASS


def undefined_double_bonds(mol) -> list[int]:
    """Acyclic double bonds without E/Z marks and with a neighbour besides the partner at each end."""
    out = []
    for bond in mol.GetBonds():
        if bond.GetBondType() != Chem.BondType.DOUBLE or bond.IsInRing():
            continue
        if bond.GetStereo() != Chem.BondStereo.STEREONONE:
            continue
        if bond.GetBeginAtom().GetDegree() > 1 and bond.GetEndAtom().GetDegree() > 1:
            out.append(bond.GetIdx())
    return out


def undefined_doublebond_stereo(mol):
    return (False, "warning") if undefined_double_bonds(mol) else PASS


def smiles_roundtrip(mol):
    key = Chem.MolToInchiKey(mol)
    again = Chem.MolFromSmiles(Chem.MolToSmiles(mol))
    if not key or again is None or Chem.MolToInchiKey(again) != key:
        return False, "warning"
    return PASS


def inchi_generation(mol):
    return PASS if Chem.MolToInchi(mol) and Chem.MolToInchiKey(mol) else (False, "warning")


def inchi_roundtrip(mol):
    inchi = Chem.MolToInchi(mol)
    again = Chem.MolFromInchi(inchi) if inchi else None
    if again is None or not Chem.MolToInchi(again) or Chem.MolToInchiKey(again) != Chem.MolToInchiKey(mol):
        return False, "info"
    return PASS


def stereoisomer_enumeration(mol):
    return (False, "warning") if undefined_centres(largest_fragment(mol)) else PASS


def aromatic_system_validation(mol):
    for ring in mol.GetRingInfo().AtomRings():
        if len(ring) not in (5, 6) and all(mol.GetAtomWithIdx(i).GetIsAromatic() for i in ring):
            return False, "warning"
    if any(a.GetIsAromatic() and a.GetFormalCharge() for a in mol.GetAtoms()):
        return False, "warning"
    return PASS


def mixture_detection(mol):
    return (False, "warning") if len(Chem.GetMolFrags(mol)) > 1 else PASS


def _is_solvent(frag: Chem.Mol) -> bool:
    smiles = Chem.MolToSmiles(frag)
    heavy = frag.GetNumHeavyAtoms()
    for text in _SOLVENTS:
        solvent = Chem.MolFromSmiles(text)
        if smiles == Chem.MolToSmiles(solvent):
            return True
        if heavy == solvent.GetNumHeavyAtoms() and frag.HasSubstructMatch(solvent) and solvent.HasSubstructMatch(frag):
            return True
    for smarts in _MOLVS_SOLVENT_SMARTS:
        pattern = Chem.MolFromSmarts(smarts)
        if pattern.GetNumHeavyAtoms() == heavy and frag.HasSubstructMatch(pattern):
            return True
    return False


def solvent_contamination(mol):
    frags = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=True)
    return (False, "warning") if any(_is_solvent(f) for f in frags) else PASS


def inorganic_filter(mol):
    numbers = [a.GetAtomicNum() for a in mol.GetAtoms()]
    if 6 not in numbers:
        return False, "error"
    return (False, "warning") if _METALS.intersection(numbers) else PASS


def radical_detection(mol):
    return (False, "warning") if any(a.GetNumRadicalElectrons() for a in mol.GetAtoms()) else PASS


def isotope_label_detection(mol):
    return (False, "info") if any(a.GetIsotope() for a in mol.GetAtoms()) else PASS


def trivial_molecule(mol):
    return PASS if mol.GetNumHeavyAtoms() > 3 else (False, "error")


def hypervalent_atom_indices(mol) -> list[int]:
    """Atoms whose valence exceeds the largest in RDKit's list for the neutral element, whatever their
    charge (elements with an open list, -1, such as transition metals, are skipped)."""
    table = Chem.GetPeriodicTable()
    out = []
    for atom in mol.GetAtoms():
        if atom.GetAtomicNum() == 0:
            continue
        allowed = list(table.GetValenceList(atom.GetAtomicNum()))
        if allowed and -1 not in allowed and atom.GetTotalValence() > max(allowed):
            out.append(atom.GetIdx())
    return out


def hypervalent_atoms(mol):
    return (False, "warning") if hypervalent_atom_indices(mol) else PASS


def polymer_detection(mol):
    types = [sg.GetProp("TYPE") for sg in Chem.GetMolSubstanceGroups(mol) if sg.HasProp("TYPE")]
    flagged = (any("SRU" in t.upper() or "COP" in t.upper() for t in types)
               or rdMolDescriptors.CalcExactMolWt(mol) > 1500.0
               or any(a.GetAtomicNum() == 0 for a in mol.GetAtoms()))
    return (False, "info") if flagged else PASS


def ring_strain(mol):
    return (False, "warning") if any(len(r) in (3, 4) for r in mol.GetRingInfo().AtomRings()) else PASS


def macrocycle_detection(mol):
    return (False, "info") if any(len(r) > 12 for r in mol.GetRingInfo().AtomRings()) else PASS


def charged_species(mol):
    return (False, "info") if any(a.GetFormalCharge() for a in mol.GetAtoms()) else PASS


def explicit_hydrogen_audit(mol):
    explicit = any(a.GetAtomicNum() != 1 and a.GetNumExplicitHs() for a in mol.GetAtoms())
    h_atoms = any(a.GetAtomicNum() == 1 for a in mol.GetAtoms())
    return (False, "info") if explicit or h_atoms else PASS


def _never_fails(_mol):
    return PASS


# parsability, sanitization, valence, aromaticity and conflicting_stereo run on a molecule RDKit has
# already sanitised, where their RDKit probes (SanitizeMol, Kekulize, DetectChemistryProblems) find
# nothing; tautomer_detection and coordinate_dimension always pass (informational).
RULES = {
    "parsability": _never_fails, "sanitization": _never_fails, "valence": _never_fails,
    "aromaticity": _never_fails, "connectivity": connectivity,
    "undefined_stereocenters": undefined_stereocenters, "undefined_doublebond_stereo": undefined_doublebond_stereo,
    "conflicting_stereo": _never_fails, "smiles_roundtrip": smiles_roundtrip, "inchi_generation": inchi_generation,
    "inchi_roundtrip": inchi_roundtrip, "stereoisomer_enumeration": stereoisomer_enumeration,
    "tautomer_detection": _never_fails, "aromatic_system_validation": aromatic_system_validation,
    "coordinate_dimension": _never_fails, "mixture_detection": mixture_detection,
    "solvent_contamination": solvent_contamination, "inorganic_filter": inorganic_filter,
    "radical_detection": radical_detection, "isotope_label_detection": isotope_label_detection,
    "trivial_molecule": trivial_molecule, "hypervalent_atoms": hypervalent_atoms,
    "polymer_detection": polymer_detection, "ring_strain": ring_strain,
    "macrocycle_detection": macrocycle_detection, "charged_species": charged_species,
    "explicit_hydrogen_audit": explicit_hydrogen_audit,
}


def failed_checks(mol: Chem.Mol) -> dict[str, str]:
    """check name -> severity, for every ChemAudit check that fails on `mol`."""
    out = {}
    for name, rule in RULES.items():
        passed, severity = rule(mol)
        if not passed:
            out[name] = severity
    return out


def overall_score(failed: dict[str, str]) -> int:
    return max(0, min(100, 100 - sum(PENALTY[s] for s in failed.values())))


def druglikeness(mol: Chem.Mol) -> dict:
    """QED and Lipinski as ChemAudit's batch reports them: on the whole record."""
    violations = sum((Descriptors.MolWt(mol) > 500, Crippen.MolLogP(mol) > 5,
                      rdMolDescriptors.CalcNumHBD(mol) > 5, rdMolDescriptors.CalcNumHBA(mol) > 10))
    return {"qed_score": round(QED.qed(mol), 3), "lipinski_passed": violations <= 1,
            "lipinski_violations": violations}
