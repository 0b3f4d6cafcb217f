"""Chemotype taxonomy: each molecule matched against named SMARTS rules (it may match many)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdkit import Chem, rdBase


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    description: str
    smarts: str


RULES: tuple[Rule, ...] = (
    Rule("benzene", "aromatic", "a six-membered aromatic carbocycle", "c1ccccc1"),
    Rule("naphthalene", "aromatic", "two fused benzene rings", "c1ccc2ccccc2c1"),
    Rule("pyridine", "heteroaromatic", "a six-membered aromatic ring with one nitrogen", "n1ccccc1"),
    Rule("pyrimidine", "heteroaromatic", "a six-membered aromatic ring with nitrogens 1,3", "c1cncnc1"),
    Rule("pyrrole", "heteroaromatic", "a five-membered aromatic ring with one nitrogen", "n1cccc1"),
    Rule("furan", "heteroaromatic", "a five-membered aromatic ring with one oxygen", "o1cccc1"),
    Rule("thiophene", "heteroaromatic", "a five-membered aromatic ring with one sulfur", "s1cccc1"),
    Rule("imidazole", "heteroaromatic", "an aromatic 1,3-diazole", "c1cncn1"),
    Rule("pyrazole", "heteroaromatic", "an aromatic 1,2-diazole", "c1ccnn1"),
    Rule("oxazole", "heteroaromatic", "an aromatic 1,3-oxazole", "c1cocn1"),
    Rule("thiazole", "heteroaromatic", "an aromatic 1,3-thiazole", "c1cscn1"),
    Rule("triazole", "heteroaromatic", "an aromatic ring of two carbons and three nitrogens", "[#6]1:[#7]:[#7]:[#7]:[#6]:1"),
    Rule("tetrazole", "heteroaromatic", "an aromatic ring of one carbon and four nitrogens", "c1nnnn1"),
    Rule("indole", "heteroaromatic", "benzene fused to pyrrole", "c1ccc2c(c1)ccn2"),
    Rule("quinoline", "heteroaromatic", "benzene fused to pyridine", "c1ccc2ncccc2c1"),
    Rule("benzimidazole", "heteroaromatic", "benzene fused to imidazole", "c1ccc2ncnc2c1"),
    Rule("piperidine", "saturated_heterocycle", "a saturated six-membered ring with one nitrogen", "C1CCNCC1"),
    Rule("piperazine", "saturated_heterocycle", "a saturated six-membered ring with nitrogens 1,4", "C1CNCCN1"),
    Rule("morpholine", "saturated_heterocycle", "a saturated six-membered ring with N and O 1,4", "C1COCCN1"),
    Rule("pyrrolidine", "saturated_heterocycle", "a saturated five-membered ring with one nitrogen", "C1CCNC1"),
    Rule("oxolane", "saturated_heterocycle", "a saturated five-membered ring with one oxygen", "C1CCOC1"),
    Rule("beta_lactam", "saturated_heterocycle", "a four-membered cyclic amide", "O=C1CCN1"),
    Rule("steroid", "ring_system", "the fused 6-6-6-5 ring system of steroids",
         "[#6]1~[#6]~[#6]~[#6]2~[#6](~[#6]~1)~[#6]~[#6]~[#6]1~[#6]~2~[#6]~[#6]~[#6]2~[#6]~[#6]~[#6]~[#6]~1~2"),
    Rule("carboxylic_acid", "functional_group", "a carboxylic acid or carboxylate", "[CX3](=O)[OX2H1,OX1-]"),
    Rule("ester", "functional_group", "a carboxylic ester", "[#6][CX3](=O)[OX2][#6]"),
    Rule("amide", "functional_group", "a carboxamide", "[NX3][CX3](=[OX1])[#6]"),
    Rule("urea", "functional_group", "a urea", "[NX3][CX3](=[OX1])[NX3]"),
    Rule("sulfonamide", "functional_group", "a sulfonamide", "[SX4](=[OX1])(=[OX1])[NX3]"),
    Rule("primary_amine", "functional_group", "an aliphatic primary amine", "[NX3;H2;!$(NC=O)][CX4]"),
    Rule("nitro", "functional_group", "a nitro group", "[NX3+](=O)[O-]"),
    Rule("nitrile", "functional_group", "a nitrile", "[CX2]#[NX1]"),
    Rule("ketone", "functional_group", "a ketone", "[#6][CX3](=O)[#6]"),
    Rule("aldehyde", "functional_group", "an aldehyde", "[CX3H1](=O)[#6]"),
    Rule("alcohol", "functional_group", "an aliphatic hydroxyl", "[OX2H][CX4]"),
    Rule("phenol", "functional_group", "an aromatic hydroxyl", "[OX2H]c"),
    Rule("aryl_halide", "functional_group", "a halogen on an aromatic ring", "c[F,Cl,Br,I]"),
    Rule("trifluoromethyl", "functional_group", "a CF3 group", "[CX4](F)(F)F"),
)


@lru_cache(maxsize=1)
def compiled() -> tuple[tuple[Rule, Chem.Mol], ...]:
    return tuple((rule, Chem.MolFromSmarts(rule.smarts)) for rule in RULES)


def classify(smiles: str) -> list[str] | None:
    """Names of the rules the molecule matches, in rule order; None when RDKit cannot read it."""
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    return [rule.name for rule, pattern in compiled() if mol.HasSubstructMatch(pattern)]


def classify_batch(items: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    out = []
    for idx, smiles in items:
        names = classify(smiles)
        if names is not None:
            out.append((idx, names))
    return out


RULES_BY_NAME = {rule.name: rule for rule in RULES}
