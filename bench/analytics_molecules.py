"""Distinct drug-like molecules by the million: RDKit's real molecules and their analogues.

The ~16,000 real structures RDKit ships (bench/real_molecules.py) are kept as they are; past
them, molecule k is real molecule k mod B with one substituent added at one of its hydrogen-
bearing carbons (the (k div B)-th of its positions x substituents). That is what a screening
library is made of (series of close analogues of many chemotypes), so clusters, scaffolds and
neighbours mean what they would in one. Canonical SMILES, made in a process pool, cached in
bench/out/ (a million take about a minute on 2 cores the first time); so are their scaffolds,
computed by the function the audit stores them with (`library_scaffolds`).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rdkit import Chem, rdBase

from bench.common import OUT
from bench.real_molecules import originals
from chemaudit.analytics import scaffolds

SUBSTITUENTS = ("C", "F", "Cl", "O", "N", "CC", "OC", "C#N", "C(F)(F)F", "Br")
PIECE = 20_000
UNREADABLE = "\\N"  # a scaffold line for a SMILES murcko cannot read (no scaffold is this text)


def _bases() -> list[str]:
    seen, out = set(), []
    with rdBase.BlockLogs():
        for smiles, _ in originals():
            mol = Chem.MolFromSmiles(smiles)
            if mol is not None and mol.GetNumHeavyAtoms() <= 70:
                canonical = Chem.MolToSmiles(mol)
                if canonical not in seen:
                    seen.add(canonical)
                    out.append(canonical)
    return out


def _analogue(base: str, variant: int) -> str | None:
    mol = Chem.MolFromSmiles(base)
    sites = [a.GetIdx() for a in mol.GetAtoms() if a.GetSymbol() == "C" and a.GetTotalNumHs() > 0]
    if not sites:
        return None
    site = sites[variant % len(sites)]
    group = Chem.MolFromSmiles(SUBSTITUENTS[(variant // len(sites)) % len(SUBSTITUENTS)])
    combined = Chem.RWMol(Chem.CombineMols(mol, group))
    combined.AddBond(site, mol.GetNumAtoms(), Chem.BondType.SINGLE)
    atom = combined.GetAtomWithIdx(site)
    atom.SetNoImplicit(False)
    atom.SetNumExplicitHs(max(0, atom.GetNumExplicitHs() - 1))
    try:
        Chem.SanitizeMol(combined)
    except (Chem.rdchem.MolSanitizeException, RuntimeError):
        return None
    return Chem.MolToSmiles(combined)


def _piece(args: tuple[list[str], int, int]) -> list[str]:
    bases, start, stop = args
    out = []
    with rdBase.BlockLogs():
        for k in range(start, stop):
            out.append(_analogue(bases[k % len(bases)], k // len(bases) - 1) or "")
    return out


def library(count: int) -> list[str]:
    """`count` canonical SMILES, distinct, deterministic (the same list every time)."""
    path = OUT / f"analytics_{count}.smi"
    if path.exists():
        return path.read_text().split("\n")[:count]
    bases = _bases()
    seen = set(bases[:count])
    out = list(bases[:count])
    start = len(bases)
    with ProcessPoolExecutor(2) as pool:
        while len(out) < count:
            stops = [(bases, s, s + PIECE) for s in range(start, start + 4 * PIECE, PIECE)]
            start += 4 * PIECE
            for made in pool.map(_piece, stops):
                for smiles in made:
                    if smiles and smiles not in seen and len(out) < count:
                        seen.add(smiles)
                        out.append(smiles)
    OUT.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(out))
    return out


def _scaffold_piece(smiles: list[str]) -> list[str]:
    return [UNREADABLE if (s := scaffolds.murcko(text)) is None else s for text in smiles]


def library_scaffolds(count: int) -> list[str | None]:
    """The scaffold of each of `library(count)`, as the audit stores it (`scaffolds.murcko` of the
    canonical SMILES; None when unreadable): made in a process pool, cached in bench/out/."""
    path = OUT / f"analytics_{count}.scaffolds"
    if path.exists():
        lines = path.read_text().split("\n")[:count]
    else:
        smiles = library(count)
        with ProcessPoolExecutor(2) as pool:
            pieces = pool.map(_scaffold_piece, [smiles[i:i + PIECE] for i in range(0, len(smiles), PIECE)])
            lines = [line for piece in pieces for line in piece]
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines))
    return [None if line == UNREADABLE else line for line in lines]
