"""What the parts of a multi-fragment record are: the parent, counter-ions, solvents."""

from __future__ import annotations

import functools
from pathlib import Path

import chembl_structure_pipeline
from rdkit import Chem
from rdkit.Chem import Descriptors

# Common laboratory and crystallisation solvents (name -> SMILES), matched by canonical SMILES.
SOLVENTS = {
    "water": "O", "methanol": "CO", "ethanol": "CCO", "isopropanol": "CC(C)O", "n-butanol": "CCCCO",
    "acetone": "CC(C)=O", "acetonitrile": "CC#N", "DMSO": "CS(C)=O", "DMF": "CN(C)C=O",
    "dimethylacetamide": "CC(=O)N(C)C", "NMP": "CN1CCCC1=O", "THF": "C1CCOC1",
    "1,4-dioxane": "C1COCCO1", "diethyl ether": "CCOCC", "MTBE": "COC(C)(C)C",
    "dichloromethane": "ClCCl", "chloroform": "ClC(Cl)Cl", "carbon tetrachloride": "ClC(Cl)(Cl)Cl",
    "1,2-dichloroethane": "ClCCCl", "ethyl acetate": "CCOC(C)=O", "toluene": "Cc1ccccc1",
    "benzene": "c1ccccc1", "hexane": "CCCCCC", "heptane": "CCCCCCC", "pentane": "CCCCC",
    "cyclohexane": "C1CCCCC1", "nitromethane": "C[N+](=O)[O-]",
}
# Not listed although used as solvents: acetic acid, pyridine and triethylamine are far more often
# the counter-ion of a salt record (acetates, pyridinium and triethylammonium salts).
_SALTS_FILE = Path(chembl_structure_pipeline.__file__).parent / "data" / "salts.smi"


@functools.cache
def _solvents_by_smiles() -> dict[str, str]:
    return {Chem.MolToSmiles(Chem.MolFromSmiles(smiles)): name for name, smiles in SOLVENTS.items()}


@functools.cache
def _salts() -> tuple[tuple[str, Chem.Mol], ...]:
    """ChEMBL's counter-ion list (name, SMARTS), read from the structure pipeline's data folder."""
    out = []
    for line in _SALTS_FILE.read_text().splitlines():
        if not line or line.startswith("#") or "\t" not in line:
            continue
        name, smarts = line.strip().split("\t", 1)
        pattern = Chem.MolFromSmarts(smarts)
        if pattern is not None:
            out.append((name, pattern))
    return tuple(out)


def solvent_name(smiles: str) -> str | None:
    return _solvents_by_smiles().get(smiles)


def salt_name(frag: Chem.Mol) -> str | None:
    """The ChEMBL counter-ion whose pattern covers the whole fragment, if any."""
    atoms, bonds = frag.GetNumAtoms(), frag.GetNumBonds()
    for name, pattern in _salts():
        if pattern.GetNumAtoms() == atoms and pattern.GetNumBonds() == bonds and frag.HasSubstructMatch(pattern):
            return name
    return None


def classify(frags: tuple[Chem.Mol, ...], smiles: tuple[str, ...]) -> list[dict]:
    """One entry per fragment, largest first: the parent ('drug'), 'salt', 'solvent' or 'unknown'."""
    order = sorted(range(len(frags)), key=lambda i: -frags[i].GetNumHeavyAtoms())
    out: list[dict] = []
    organic_ions: list[dict] = []
    for i in order:
        frag, smi = frags[i], smiles[i]
        has_carbon = any(atom.GetAtomicNum() == 6 for atom in frag.GetAtoms())
        pattern = solvent_name(smi)
        if pattern:
            kind = "solvent"
        else:
            pattern = salt_name(frag)
            if pattern or not has_carbon:
                kind = "salt"
            elif not any(f["classification"] == "drug" for f in out):
                kind = "drug"
            else:
                kind = "unknown"
        entry = {"smiles": smi, "molecular_weight": round(Descriptors.MolWt(frag), 2),
                 "heavy_atom_count": frag.GetNumHeavyAtoms(), "classification": kind,
                 "pattern_name": pattern}
        if kind == "salt" and has_carbon:
            organic_ions.append(entry)
        out.append(entry)
    if organic_ions and not any(f["classification"] == "drug" for f in out):
        organic_ions[0]["classification"] = "drug"  # only known ions (sodium benzoate): the largest organic
    return out


def warm_up() -> None:
    _solvents_by_smiles()
    _salts()
