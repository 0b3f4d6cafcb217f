"""CYP450 metabolism soft spots: where a molecule is likely to be oxidised or hydrolysed.

ChemAudit's eleven site names and reaction types, each found by a SMARTS pattern whose first
atom is the atom that reacts (`atom`); `matched_atoms` is the whole match, as in ChemAudit.
Each reacting atom is reported once per site kind. The patterns are ours (ChemAudit's differ
where they miss or misplace the site; docs/compatibility.md): the para position is really
para to a substituent, omega-1 is the carbon next to the terminal methyl, dealkylations start
at an alpha C-H of an amine or ether (never an amide, sulfonamide or ester), and N-oxidation
is a six-ring aromatic nitrogen.
"""

from __future__ import annotations

import functools

from rdkit import Chem

_AMINE_N = "[NX3;+0;!$(N-[#6,#16,#15]=[#8,#16]);!$(N-[#16,#15]=[#8])]"
# (site_name, SMARTS with the reacting atom first, reaction_type)
SITES: tuple[tuple[str, str, str], ...] = (
    ("benzylic_CH", "[CX4;!H0]-c", "C-hydroxylation"),
    ("allylic_CH", "[CX4;!H0]-[CX3]=[CX3]", "C-hydroxylation"),
    ("omega_CH3", "[CH3X4]-[CH2X4]-[CH2X4]", "omega-hydroxylation"),
    ("omega1_CH2", "[CH2X4](-[CH3X4])-[CX4]", "omega-1-hydroxylation"),
    ("N_dealkylation", f"[CX4;!H0]-{_AMINE_N}-[#6]", "N-dealkylation"),
    ("O_dealkylation", "[CX4;!H0]-[OX2]-[#6;!$([#6]=[#7,#8,#16])]", "O-dealkylation"),
    ("S_oxidation", "[SX2;+0](-[#6])-[#6]", "S-oxidation"),
    ("ester_hydrolysis", "[CX3](=[OX1])-[OX2]-[#6]", "ester-hydrolysis"),
    ("amide_hydrolysis", "[CX3;$(C-[#6]),$([CH1])](=[OX1])-[NX3]-[#6]", "amide-hydrolysis"),
    ("N_oxidation", "[nX2;+0;r6]", "N-oxidation"),
    ("aromatic_para_H", "[cH]1:c:c:c(-*):c:c:1", "aromatic-hydroxylation"),
)


@functools.cache
def _compiled() -> tuple[tuple[str, Chem.Mol, str], ...]:
    compiled = []
    for name, smarts, reaction in SITES:
        pattern = Chem.MolFromSmarts(smarts)
        if pattern is None:
            raise ValueError(f"the {name} SMARTS does not parse: {smarts}")
        compiled.append((name, pattern, reaction))
    return tuple(compiled)


def screen(mol: Chem.Mol) -> list[dict]:
    """Every soft spot, in the order of SITES, then by the reacting atom's index."""
    found: list[dict] = []
    for name, pattern, reaction in _compiled():
        seen: dict[int, tuple[int, ...]] = {}
        for match in mol.GetSubstructMatches(pattern, uniquify=False, maxMatches=10_000):
            seen.setdefault(match[0], match)
        found.extend({"site_name": name, "reaction_type": reaction, "atom": atom,
                      "matched_atoms": list(seen[atom])} for atom in sorted(seen))
    return found


def warm_up() -> None:
    _compiled()
