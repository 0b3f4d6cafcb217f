"""Size guards that run before anything expensive: from the text first, then from an unsanitised parse.

RDKit segfaults writing SMILES for a 20,000-atom chain, spends minutes laying out a 4,000-atom
molblock or splitting 20,000 fragments, and InChI gives up above 1,023 atoms; so nothing past
these limits is ever handed to those steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdkit import Chem

_BRACKET_ATOM = re.compile(r"\[([^\]]*)\]")
_ORGANIC_ATOM = re.compile(r"Cl|Br|[BCNOSPFIbcnosp*]")
_RING_CLOSURE = re.compile(r"%\(\d+\)|%\d\d|\d")
_BRACKET_ELEMENT = re.compile(r"^\d*([A-Za-z][a-z]?)")
_V3000_COUNTS = re.compile(r"^M  V30 COUNTS (\d+) (\d+)", re.MULTILINE)
_INCHI_COMPONENT = re.compile(r"^(\d*)(.*)$")
_FORMULA_ELEMENT = re.compile(r"([A-Z][a-z]?)(\d*)")


@dataclass
class SizeEstimate:
    """Counts of a structure; `exact` once they come from a parsed graph rather than text."""

    heavy_atoms: int = 0
    fragments: int = 0
    rings: int = 0
    exact: bool = False
    notes: list[str] = field(default_factory=list)

    def as_details(self) -> dict:
        return {"heavy_atoms": self.heavy_atoms, "fragments": self.fragments, "rings": self.rings,
                "counted_from": "structure" if self.exact else "text"}


def violations(estimate: SizeEstimate, options) -> list[str]:
    """Human sentences for every limit the estimate exceeds (empty when within limits)."""
    out = []
    if estimate.heavy_atoms > options.max_heavy_atoms:
        out.append(f"{estimate.heavy_atoms} heavy atoms > limit {options.max_heavy_atoms}")
    if estimate.fragments > options.max_fragments:
        out.append(f"{estimate.fragments} fragments > limit {options.max_fragments}")
    if estimate.rings > options.max_rings:
        out.append(f"{estimate.rings} rings > limit {options.max_rings}")
    return out


def limits(options) -> dict:
    return {"max_input_chars": options.max_input_chars, "max_heavy_atoms": options.max_heavy_atoms,
            "max_fragments": options.max_fragments, "max_rings": options.max_rings}


def estimate_smiles(text: str) -> SizeEstimate:
    """Counts from SMILES text alone: atoms are tokens, fragments dots, rings closure pairs."""
    smiles = text.split(None, 1)[0] if text.strip() else ""
    heavy = 0
    for content in _BRACKET_ATOM.findall(smiles):
        match = _BRACKET_ELEMENT.match(content)
        if match is None or match.group(1) != "H":
            heavy += 1
    outside = _BRACKET_ATOM.sub("", smiles)
    heavy += len(_ORGANIC_ATOM.findall(outside))
    closures = len(_RING_CLOSURE.findall(outside))
    fragments = outside.count(".") + 1 if smiles else 0
    return SizeEstimate(heavy_atoms=heavy, fragments=fragments, rings=closures // 2)


def estimate_molblock(text: str) -> SizeEstimate:
    """Counts from a molblock's counts line (V2000) or COUNTS record (V3000); H atoms are not heavy."""
    lines = text.splitlines()
    if len(lines) < 4:
        return SizeEstimate()
    v3000 = _V3000_COUNTS.search(text)
    if v3000:
        atoms, bonds = int(v3000.group(1)), int(v3000.group(2))
        hydrogens = len(re.findall(r"^M  V30 \d+ H ", text, flags=re.MULTILINE))
    else:
        try:
            atoms, bonds = int(lines[3][0:3]), int(lines[3][3:6])
        except ValueError:
            return SizeEstimate(notes=["unreadable counts line"])
        atom_lines = lines[4 : 4 + atoms]
        hydrogens = sum(1 for line in atom_lines if line[31:34].strip() == "H")
    heavy = max(atoms - hydrogens, 0)
    # Without the graph the ring count is only bounded by the cyclomatic number with one fragment.
    return SizeEstimate(heavy_atoms=heavy, fragments=1 if atoms else 0, rings=max(bonds - atoms + 1, 0))


def estimate_inchi(text: str) -> SizeEstimate:
    """Counts from the InChI formula layer, e.g. InChI=1S/2C2H4O2.Ca/... gives 9 heavy atoms, 3 parts."""
    parts = text.strip().split("/")
    if len(parts) < 2:
        return SizeEstimate()
    heavy = fragments = 0
    for component in parts[1].split("."):
        match = _INCHI_COMPONENT.match(component)
        assert match is not None, "the pattern matches every string"
        multiplier, formula = match.groups()
        count = int(multiplier) if multiplier else 1
        fragments += count
        for element, number in _FORMULA_ELEMENT.findall(formula):
            if element != "H":
                heavy += count * (int(number) if number else 1)
    return SizeEstimate(heavy_atoms=heavy, fragments=fragments)


def estimate_graph(mol: Chem.Mol) -> SizeEstimate:
    """Exact counts from an unsanitised molecule; cheap (linear), no ring perception needed."""
    fragments = len(Chem.GetMolFrags(mol, sanitizeFrags=False)) if mol.GetNumAtoms() else 0
    rings = max(mol.GetNumBonds() - mol.GetNumAtoms() + fragments, 0)  # cyclomatic number = SSSR size
    return SizeEstimate(heavy_atoms=mol.GetNumHeavyAtoms(), fragments=fragments, rings=rings, exact=True)
