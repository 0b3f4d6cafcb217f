"""Stereo perception shared by the four stereo checks: undefined centres confirmed, isomers counted.

RDKit's potential-stereo perception flags the bridgeheads of symmetric cages (adamantane, cubane)
as undefined centres. A ring candidate is kept only if inverting it, from one full assignment of the
candidates, gives a different canonical isomer (the comparison RDKit's stereoisomer enumerator
uses to drop duplicates): linear in the candidates, where full enumeration is 2^n. Enumeration of
the isomers themselves is capped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdkit import Chem
from rdkit.Chem.EnumerateStereoisomers import EnumerateStereoisomers, StereoEnumerationOptions

ENUMERATION_CAP = 16  # isomers enumerated at most (2^n <= cap); above it only the bound 2^n is reported
# The inversion test writes one canonical SMILES per ring candidate; above this many candidate-atoms
# (e.g. 40 candidates in a 100-atom molecule) it is skipped and perception is reported as is.
CONFIRMATION_BUDGET = 4000

_UNDEFINED = (Chem.StereoSpecified.Unspecified, Chem.StereoSpecified.Unknown)
_DIRECTIONAL = (Chem.BondDir.ENDUPRIGHT, Chem.BondDir.ENDDOWNRIGHT)
_NO_STEREO = (Chem.BondStereo.STEREONONE, Chem.BondStereo.STEREOANY)


@dataclass
class StereoAnalysis:
    specified_atoms: list[int] = field(default_factory=list)
    undefined_atoms: list[int] = field(default_factory=list)
    not_stereogenic: list[int] = field(default_factory=list)  # ring candidates that do not matter
    specified_bonds: list[int] = field(default_factory=list)
    undefined_bonds: list[int] = field(default_factory=list)
    confirmed_by: str = "perception"
    isomer_smiles: list[str] = field(default_factory=list)
    isomer_count: int | None = None
    max_possible: int = 1
    cap_exceeded: bool = False

    @property
    def total_centers(self) -> int:
        return len(self.specified_atoms) + len(self.undefined_atoms)


def analyse(mol: Chem.Mol, canonical_smiles: str, cap: int = ENUMERATION_CAP) -> StereoAnalysis:
    out = StereoAnalysis()
    candidates: list[int] = []
    for element in Chem.FindPotentialStereo(Chem.Mol(mol)):
        undefined = element.specified in _UNDEFINED
        if element.type == Chem.StereoType.Atom_Tetrahedral:
            (candidates if undefined else out.specified_atoms).append(element.centeredOn)
        elif element.type == Chem.StereoType.Bond_Double:
            if not undefined:
                out.specified_bonds.append(element.centeredOn)
            elif _substituted_both_ends(mol.GetBondWithIdx(element.centeredOn)):
                out.undefined_bonds.append(element.centeredOn)
    in_ring = [a for a in candidates if mol.GetAtomWithIdx(a).IsInRing()]
    if in_ring and len(in_ring) * mol.GetNumAtoms() <= CONFIRMATION_BUDGET:
        out.confirmed_by = "inversion"
        out.not_stereogenic = _not_stereogenic(mol, in_ring)
    elif in_ring:
        out.confirmed_by = "perception (too many ring candidates to confirm)"
    real = set(candidates) - set(out.not_stereogenic)
    out.undefined_atoms = sorted(real)
    _enumerate(mol, canonical_smiles, out, cap)
    return out


def _enumerate(mol: Chem.Mol, canonical_smiles: str, out: StereoAnalysis, cap: int) -> None:
    n = len(out.undefined_atoms) + len(out.undefined_bonds)
    out.max_possible = 2**n
    if n == 0:
        out.isomer_smiles, out.isomer_count = [canonical_smiles], 1
        return
    if out.max_possible > cap:
        out.cap_exceeded = True
        return
    work = Chem.Mol(mol)
    for idx in out.not_stereogenic:  # pin them so the enumerator leaves them alone
        work.GetAtomWithIdx(idx).SetChiralTag(Chem.ChiralType.CHI_TETRAHEDRAL_CW)
    # unique=False: the enumerator would write each isomer's SMILES to drop duplicates, and so do
    # we (after unpinning); doing it once halves the cost.
    options = StereoEnumerationOptions(onlyUnassigned=True, unique=False, tryEmbedding=False,
                                       maxIsomers=cap)
    seen = set()
    for isomer in EnumerateStereoisomers(work, options=options):
        for idx in out.not_stereogenic:
            isomer.GetAtomWithIdx(idx).SetChiralTag(Chem.ChiralType.CHI_UNSPECIFIED)
        seen.add(_canonical_isomer(isomer))
    out.isomer_smiles = sorted(seen)
    out.isomer_count = len(seen)


def _substituted_both_ends(bond: Chem.Bond) -> bool:
    """Both ends carry an atom besides the partner: an imine's =NH (an exchangeable H, tautomeric in
    amidines and guanidines) is not an E/Z configuration a record must define (as in ChemAudit)."""
    return bond.GetBeginAtom().GetDegree() > 1 and bond.GetEndAtom().GetDegree() > 1


def _not_stereogenic(mol: Chem.Mol, ring_candidates: list[int]) -> list[int]:
    """Ring candidates whose inversion leaves the canonical isomer unchanged."""
    base = Chem.Mol(mol)
    for idx in ring_candidates:
        base.GetAtomWithIdx(idx).SetChiralTag(Chem.ChiralType.CHI_TETRAHEDRAL_CW)
    reference = _canonical_isomer(base)
    out = []
    for idx in ring_candidates:
        variant = Chem.Mol(base)
        variant.GetAtomWithIdx(idx).SetChiralTag(Chem.ChiralType.CHI_TETRAHEDRAL_CCW)
        if _canonical_isomer(variant) == reference:
            out.append(idx)
    return out


def _canonical_isomer(mol: Chem.Mol) -> str:
    Chem.AssignStereochemistry(mol, cleanIt=True, force=True, flagPossibleStereoCenters=True)
    return Chem.MolToSmiles(mol)


def no_conflicts() -> dict:
    return {"dropped_atoms": [], "dropped_bonds": [], "count": 0}


def conflicts(raw: Chem.Mol, mol: Chem.Mol) -> dict:
    """Stereo written in the input that RDKit had to drop: contradictory or on non-stereogenic sites."""
    tagged = [a.GetIdx() for a in raw.GetAtoms() if a.GetChiralTag() != Chem.ChiralType.CHI_UNSPECIFIED]
    directed = [b.GetIdx() for b in raw.GetBonds()
                if b.GetBondType() == Chem.BondType.DOUBLE and _both_ends_directed(b)]
    if not tagged and not directed:
        return no_conflicts()
    mapping = _raw_to_mol(raw, mol)
    dropped_atoms, dropped_bonds = [], []
    for idx in tagged:
        target = mapping.get(idx) if mapping is not None else None
        if target is not None and mol.GetAtomWithIdx(target).GetChiralTag() == Chem.ChiralType.CHI_UNSPECIFIED:
            dropped_atoms.append(target)
    for idx in directed:
        if not mapping:
            break
        bond = raw.GetBondWithIdx(idx)
        begin, end = mapping.get(bond.GetBeginAtomIdx()), mapping.get(bond.GetEndAtomIdx())
        if begin is None or end is None:
            continue
        target = mol.GetBondBetweenAtoms(begin, end)
        if target is not None and target.GetStereo() in _NO_STEREO:
            dropped_bonds.append(sorted((begin, end)))
    if mapping is None:  # fall back to totals when indices cannot be matched
        kept_atoms = sum(a.GetChiralTag() != Chem.ChiralType.CHI_UNSPECIFIED for a in mol.GetAtoms())
        kept_bonds = sum(b.GetStereo() not in _NO_STEREO for b in mol.GetBonds())
        count = max(len(tagged) - kept_atoms, 0) + max(len(directed) - kept_bonds, 0)
    else:
        count = len(dropped_atoms) + len(dropped_bonds)
    return {"dropped_atoms": sorted(dropped_atoms), "dropped_bonds": dropped_bonds, "count": count}


def _both_ends_directed(bond: Chem.Bond) -> bool:
    ends = (bond.GetBeginAtom(), bond.GetEndAtom())
    return all(any(nb.GetBondDir() in _DIRECTIONAL for nb in atom.GetBonds() if nb.GetIdx() != bond.GetIdx())
               for atom in ends)


def _raw_to_mol(raw: Chem.Mol, mol: Chem.Mol) -> dict[int, int] | None:
    """Input atom index -> sanitised atom index, when the H-stripped input lines up with `mol`."""
    if raw.GetNumAtoms() == mol.GetNumAtoms():
        return {i: i for i in range(raw.GetNumAtoms())}
    probe = Chem.Mol(raw)
    for atom in probe.GetAtoms():
        atom.SetIntProp("_ca_input_idx", atom.GetIdx())
    stripped = Chem.RemoveHs(probe, sanitize=False)
    if stripped.GetNumAtoms() != mol.GetNumAtoms():
        return None
    if any(a.GetAtomicNum() != b.GetAtomicNum() for a, b in zip(stripped.GetAtoms(), mol.GetAtoms())):
        return None
    return {a.GetIntProp("_ca_input_idx"): a.GetIdx() for a in stripped.GetAtoms()}
