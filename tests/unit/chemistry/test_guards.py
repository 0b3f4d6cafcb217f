"""Pathological sizes come back as CRITICAL input_too_large results, before anything expensive runs."""

from __future__ import annotations

from rdkit import Chem

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.chemistry.guards import estimate_inchi, estimate_molblock, estimate_smiles
from tests.unit.chemistry.conftest import check


def _too_large(result: dict) -> dict:
    assert result["status"] == "error"
    assert result["error"].startswith("input_too_large:")
    entry = check(result, "input_too_large")
    assert entry["passed"] is False and entry["severity"] == "critical"
    assert [c["check_name"] for c in result["validation"]["issues"]] == ["input_too_large"]
    assert result["validation"]["overall_score"] == 0
    return entry


def _chain_molblock(atoms: int) -> str:
    """A V3000 linear alkane written directly (RDKit's own writer would lay it out: minutes)."""
    lines = ["chain", "  hand-written", "", "  0  0  0     0  0            999 V3000",
             "M  V30 BEGIN CTAB", f"M  V30 COUNTS {atoms} {atoms - 1} 0 0 0", "M  V30 BEGIN ATOM"]
    lines += [f"M  V30 {i + 1} C {1.5 * i:.4f} 0.0 0.0 0" for i in range(atoms)]
    lines += ["M  V30 END ATOM", "M  V30 BEGIN BOND"]
    lines += [f"M  V30 {i + 1} 1 {i + 1} {i + 2}" for i in range(atoms - 1)]
    lines += ["M  V30 END BOND", "M  V30 END CTAB", "M  END", ""]
    return "\n".join(lines)


def test_the_chain_molblock_is_a_real_molblock():
    mol = Chem.MolFromMolBlock(_chain_molblock(12))
    assert mol is not None and Chem.MolToSmiles(mol) == "C" * 12
    assert audit(_chain_molblock(12), "mol")["status"] == "success"


def test_a_20000_atom_chain_is_refused_from_its_text():
    # RDKit segfaults writing SMILES for this; it must never reach MolToSmiles.
    entry = _too_large(audit("C" * 20000, "smiles"))
    assert entry["details"]["heavy_atoms"] == 20000


def test_20000_fragments_are_refused():
    entry = _too_large(audit(".".join(["C"] * 20000), "smiles"))
    assert entry["details"]["fragments"] == 20000


def test_too_many_rings_are_refused():
    entry = _too_large(audit("C1CC1" * 300, "smiles"))
    assert entry["details"]["rings"] == 300


def test_more_characters_than_allowed_are_refused_unread():
    entry = _too_large(audit("C" * 100_001, "smiles"))
    assert "characters" in entry["message"]


def test_a_4000_atom_molblock_is_refused():
    block = _chain_molblock(4000)
    assert len(block) > 100_000
    _too_large(audit(block, "mol"))
    roomy = AuditOptions(max_input_chars=10_000_000)
    entry = _too_large(audit(block, "mol", roomy))
    assert entry["details"]["heavy_atoms"] == 4000


def test_a_large_inchi_is_refused_from_its_formula():
    inchi = "InChI=1S/C1100H2202/c1-3-5-7"
    entry = _too_large(audit(inchi, "inchi"))
    assert entry["details"]["heavy_atoms"] == 1100


def test_above_1023_atoms_inchi_needs_large_molecules_which_is_passed():
    roomy = AuditOptions(max_heavy_atoms=2000)
    result = audit("C" * 1100, "smiles", roomy)
    assert result["status"] == "success"
    generation = check(result, "inchi_generation")
    assert generation["passed"] and generation["details"]["inchi_options"] == "-LargeMolecules"
    # InChI marks large-molecule output as its beta layer ("1B") rather than standard "1S".
    assert result["validation"]["inchi"].startswith("InChI=1B/C1100H2202/")


def test_text_estimates():
    assert estimate_smiles("[2H]C([H])(Cl)c1ccccc1Br").heavy_atoms == 9
    estimate = estimate_smiles("C1CC2CC1CC2.[Na+].O %10")
    assert (estimate.heavy_atoms, estimate.fragments, estimate.rings) == (9, 3, 2)
    assert estimate_smiles("C%10CCCCC%10").rings == 1
    inchi = estimate_inchi("InChI=1S/2C2H4O2.Ca/c2*1-2(3)4;/h2*1H3,(H,3,4);/q;;+2/p-2")
    assert (inchi.heavy_atoms, inchi.fragments) == (9, 3)
    mol = Chem.AddHs(Chem.MolFromSmiles("CCO"))
    v2000 = estimate_molblock(Chem.MolToMolBlock(mol))
    v3000 = estimate_molblock(Chem.MolToV3KMolBlock(mol))
    assert v2000.heavy_atoms == v3000.heavy_atoms == 3
