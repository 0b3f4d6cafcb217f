"""Which groups of a molecule carry a charge near pH 7: acids that are ionised and basic centres.

A rule-of-thumb pKa classification by substructure, for the rules that need to know whether a
compound is an anion (the Abbott bioavailability score) or has a basic amine (the hERG
amphiphile rule). It is not a pKa predictor:

- acidic (pKa below about 5): carboxylic acids, 1H/2H-tetrazoles, acyl sulfonamides, sulfonic
  and sulfuric acids, phosphonic and phosphoric acids (once per P), and their anions;
- basic (conjugate acid pKa above about 8): aliphatic amines (not amides, anilines,
  sulfonamides, hydrazines, hydroxylamines, enamines or cyanamides), amidines and guanidines,
  and nitrogen cations that are not part of a nitro group, an N-oxide or an azide/diazo group.

Aromatic nitrogens (pyridine, imidazole) are not counted: they are mostly neutral at pH 7.4.
Each group is counted once, by the first atom of its pattern.
"""

from __future__ import annotations

import functools

from rdkit import Chem

ACIDIC = {
    "carboxylic_acid": "[CX3](=[OX1])[OX2H1,OX1-]",
    "tetrazole": "[#6]1:[#7]:[#7]:[#7]:[#7;H1,-1]:1",
    "tetrazole_2h": "[#6]1:[#7]:[#7]:[#7;H1,-1]:[#7]:1",
    "acyl_sulfonamide": "[NX3H1,NX2-]([CX3]=[OX1])[SX4](=[OX1])=[OX1]",
    "sulfonic_acid": "[SX4](=[OX1])(=[OX1])[OX2H1,OX1-]",
    "phosphonic_acid": "[PX4](=[OX1])[OX2H1,OX1-]",
}
_NOT_BASIC_N = ("!$(N-a)", "!$(N-[#6,#16,#15]=[#7,#8,#16])", "!$(N-[#16,#15](=[#8]))", "!$(N-[#7,#8])",
                "!$(N-C#N)", "!$(N-C=[#6])", "!$(N-[CX4](F)(F)F)")
BASIC = {
    "amine": f"[NX3;+0;{';'.join(_NOT_BASIC_N)}]",
    "amidine": "[CX3;!$(C-[#8,#16])](=[NX2;+0;!$(N-[#7,#8]);!$(N-[CX3]=[#8,#16]);!$(N-[#16]=[#8]);!$(N-a)])"
               "-[NX3;+0;!$(N-[CX3]=[#8,#16]);!$(N-[#16]=[#8])]",
    "cation": "[#7+;!$([#7+]-[#8-]);!$([#7+]=[#8]);!$([#7+]=[#7-]);!$([#7+]#[#7]);!$([#7+]-[#7-])]",
}


@functools.cache
def _patterns(group: str) -> tuple[tuple[str, Chem.Mol], ...]:
    table = ACIDIC if group == "acidic" else BASIC
    compiled = []
    for name, smarts in table.items():
        pattern = Chem.MolFromSmarts(smarts)
        if pattern is None:
            raise ValueError(f"the {name} SMARTS does not parse: {smarts}")
        compiled.append((name, pattern))
    return tuple(compiled)


def _key_atoms(mol: Chem.Mol, group: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for name, pattern in _patterns(group):
        for match in mol.GetSubstructMatches(pattern):
            found.setdefault(match[0], name)
    return found


def acidic_groups(mol: Chem.Mol) -> dict[int, str]:
    """Ionised acidic groups: key atom index -> group name."""
    return _key_atoms(mol, "acidic")


def basic_centres(mol: Chem.Mol) -> dict[int, str]:
    """Basic (protonated near pH 7) or permanently cationic nitrogen centres: atom index -> kind.
    An amidine or guanidine counts once, by its central carbon, not by its nitrogens."""
    found = _key_atoms(mol, "basic")
    amidine_nitrogens = {n.GetIdx() for idx, kind in found.items() if kind == "amidine"
                         for n in mol.GetAtomWithIdx(idx).GetNeighbors() if n.GetAtomicNum() == 7}
    return {idx: kind for idx, kind in found.items() if kind == "amidine" or idx not in amidine_nitrogens}


def is_anion(mol: Chem.Mol) -> bool:
    """More ionised acidic groups than basic centres: the compound is an anion near pH 7
    (a zwitterion such as an amino acid is not)."""
    return len(acidic_groups(mol)) > len(basic_centres(mol))


def warm_up() -> None:
    _patterns("acidic")
    _patterns("basic")
