"""One parsed molecule and everything derived from it, computed at most once and shared by all checks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import cast

import numpy as np
from rdkit import Chem
from rdkit.Chem import Descriptors, rdinchi, rdMolDescriptors

from chemaudit.chemistry import screening, stereo, tautomers
from chemaudit.chemistry.parsing import Parsed

INCHI_ATOM_LIMIT = 1023  # above this InChI needs -LargeMolecules or returns nothing


@dataclass(frozen=True)
class InchiInfo:
    inchi: str
    inchikey: str
    code: int
    message: str
    options: str


class MolContext:
    """Lazily computed views of `parsed.mol` (sanitised, H atoms removed) and `parsed.raw` (as read)."""

    def __init__(self, parsed: Parsed, options):
        self.parsed = parsed
        self.kind = parsed.kind
        # None for an unreadable input; only the input checks see that context, and they read
        # `parsed`, so `mol` is typed as every molecule check sees it.
        self.mol = cast(Chem.Mol, parsed.mol)
        self.options = options

    @cached_property
    def raw(self) -> Chem.Mol:
        """The input graph before sanitisation: explicit H atoms and the input's stereo marks."""
        if self.parsed.raw is not None:
            return self.parsed.raw
        return Chem.MolFromSmiles(self.parsed.text, sanitize=False)

    @cached_property
    def canonical_smiles(self) -> str:
        return Chem.MolToSmiles(self.mol)

    @cached_property
    def atoms(self) -> list[Chem.Atom]:
        """The atoms of `mol`, fetched once (RDKit's GetAtoms() iterator is pure Python and slow)."""
        mol = self.mol
        return [mol.GetAtomWithIdx(i) for i in range(mol.GetNumAtoms())]

    @cached_property
    def atomic_numbers(self) -> list[int]:
        return [atom.GetAtomicNum() for atom in self.atoms]

    @cached_property
    def charges(self) -> list[int]:
        return [atom.GetFormalCharge() for atom in self.atoms]

    @cached_property
    def roundtrip_smiles(self) -> str | None:
        """Canonical SMILES of the canonical SMILES read back; None when it does not read back."""
        again = Chem.MolFromSmiles(self.canonical_smiles)
        return None if again is None else Chem.MolToSmiles(again)

    @cached_property
    def heavy_atoms(self) -> int:
        return self.mol.GetNumHeavyAtoms()

    @cached_property
    def fragments(self) -> tuple[tuple[int, ...], ...]:
        return Chem.GetMolFrags(self.mol)

    @cached_property
    def fragment_mols(self) -> tuple[Chem.Mol, ...]:
        if len(self.fragments) == 1:
            return (self.mol,)
        return Chem.GetMolFrags(self.mol, asMols=True, sanitizeFrags=True)

    @cached_property
    def fragment_smiles(self) -> tuple[str, ...]:
        if len(self.fragments) == 1:
            return (self.canonical_smiles,)
        return tuple(Chem.MolToSmiles(frag) for frag in self.fragment_mols)

    @cached_property
    def parent_index(self) -> int:
        """Which fragment is the parent: the one with most heavy atoms (the first of equals)."""
        if len(self.fragments) == 1:
            return 0
        return max(range(len(self.fragments)), key=lambda i: self.fragment_mols[i].GetNumHeavyAtoms())

    @cached_property
    def largest_fragment(self) -> Chem.Mol:
        """The parent fragment as a molecule (tautomers and, on request, the scores describe it)."""
        return self.fragment_mols[self.parent_index]

    @cached_property
    def parent_atoms(self) -> frozenset[int]:
        """Indices in `mol` of the parent fragment's atoms."""
        return frozenset(self.fragments[self.parent_index])

    @cached_property
    def atom_rings(self) -> tuple[tuple[int, ...], ...]:
        return self.mol.GetRingInfo().AtomRings()

    @cached_property
    def inchi(self) -> InchiInfo:
        # -AuxNone: the AuxInfo is not used and costs a quarter of the InChI time.
        options = "-AuxNone -LargeMolecules" if self.mol.GetNumAtoms() > INCHI_ATOM_LIMIT else "-AuxNone"
        inchi, code, message, _log, _aux = rdinchi.MolToInchi(self.mol, options)
        key = rdinchi.InchiToInchiKey(inchi) if inchi else ""
        return InchiInfo(inchi or "", key or "", code, message or "", options)

    @cached_property
    def fingerprint(self) -> np.ndarray:
        return screening.fingerprint_words(self.mol)

    @cached_property
    def stereo(self) -> stereo.StereoAnalysis:
        return stereo.analyse(self.mol, self.canonical_smiles)

    @cached_property
    def stereo_conflicts(self) -> dict:
        if self.kind == "smiles" and not any(mark in self.parsed.text for mark in "@/\\"):
            return stereo.no_conflicts()  # a SMILES without @, / or \\ states no stereo to contradict
        return stereo.conflicts(self.raw, self.mol)

    @cached_property
    def tautomers(self) -> tautomers.TautomerInfo:
        return tautomers.analyse(self.largest_fragment)

    @cached_property
    def input_hydrogens(self) -> int:
        """Hydrogen atoms present as atoms in the input graph (an SDF's explicit H, SMILES [H])."""
        if self.kind == "smiles" and "H" not in self.parsed.text:
            return 0
        raw = self.raw
        return sum(1 for i in range(raw.GetNumAtoms()) if raw.GetAtomWithIdx(i).GetAtomicNum() == 1)

    @cached_property
    def net_charge(self) -> int:
        return sum(self.charges)

    def molecule_info(self) -> dict:
        mol = self.mol
        return {
            "input_format": self.kind,
            "molecular_formula": rdMolDescriptors.CalcMolFormula(mol),
            "molecular_weight": round(Descriptors.MolWt(mol), 2),
            "exact_mass": round(rdMolDescriptors.CalcExactMolWt(mol), 4),
            "num_atoms": mol.GetNumAtoms(),
            "num_heavy_atoms": self.heavy_atoms,
            "num_bonds": mol.GetNumBonds(),
            "num_rings": len(self.atom_rings),
            "num_aromatic_rings": rdMolDescriptors.CalcNumAromaticRings(mol),
            "num_fragments": len(self.fragments),
            "net_charge": self.net_charge,
            "num_stereocenters": self.stereo.total_centers,
            "has_stereochemistry": bool(self.stereo.specified_atoms or self.stereo.specified_bonds),
        }
