"""Matched molecular pairs by single-cut fragmentation (the Hussain-Rea index).

Every acyclic single bond between heavy atoms (RDKit's rdMMPA rule) cuts a molecule into two
pieces; the larger one (by heavy atoms, strictly) is the constant part, the other the variable
part. Molecules sharing a constant part with different variable parts are matched pairs. Pairs
come from index groups, never from comparing all pairs, so the work grows with the pairs found.
"""

from __future__ import annotations

from collections import defaultdict

from rdkit import Chem, rdBase
from rdkit.Chem import rdMMPA

MAX_GROUP = 200  # molecules per constant part whose pairs are listed (200 -> 19,900 pairs)
MAX_HEAVY_ATOMS = 80  # larger molecules are not fragmented (the cuts grow with the bonds)


def cuts(smiles: str) -> list[tuple[str, str]]:
    """(constant, variable) for each single cut of the molecule."""
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
        if mol is None or mol.GetNumHeavyAtoms() > MAX_HEAVY_ATOMS:
            return []
        out = []
        for _core, chains in rdMMPA.FragmentMol(mol, maxCuts=1, resultsAsMols=True):
            pieces = Chem.GetMolFrags(chains, asMols=True, sanitizeFrags=False)
            if len(pieces) != 2:  # a salt or mixture: its pieces are no pair of parts
                continue
            first, second = pieces
            a, b = first.GetNumHeavyAtoms(), second.GetNumHeavyAtoms()
            if a > b:
                out.append((Chem.MolToSmiles(first), Chem.MolToSmiles(second)))
            elif b > a:
                out.append((Chem.MolToSmiles(second), Chem.MolToSmiles(first)))
        return out


def cuts_batch(items: list[tuple[int, str]]) -> list[tuple[int, list[tuple[str, str]]]]:
    return [(idx, cuts(smiles)) for idx, smiles in items]


def candidate_pairs(fragments: list[tuple[int, list[tuple[str, str]]]]) -> dict[tuple[int, int], tuple[str, str, str]]:
    """(idx_a, idx_b) with idx_a < idx_b -> (constant, variable of a, variable of b), one entry
    per pair (the one with the largest constant part)."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for idx, pieces in fragments:
        for constant, variable in pieces:
            groups[constant].append((idx, variable))
    pairs: dict[tuple[int, int], tuple[str, str, str]] = {}
    for constant, members in groups.items():
        if len(members) < 2:
            continue
        members = sorted(members)[:MAX_GROUP]
        for i, (idx_a, var_a) in enumerate(members):
            for idx_b, var_b in members[i + 1:]:
                if idx_a == idx_b or var_a == var_b:
                    continue
                key = (idx_a, idx_b)
                known = pairs.get(key)
                if known is None or len(constant) > len(known[0]):
                    pairs[key] = (constant, var_a, var_b)
    return pairs
