"""ChEMBL structure pipeline option: same parent as the pipeline, fragments removed, checker issues."""

from __future__ import annotations

from chembl_structure_pipeline import get_parent_mol, standardizer
from rdkit import Chem

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.chemistry.standardize import parent_mol

WITH_STANDARDIZATION = AuditOptions(include_standardization=True)


def test_parent_equals_the_pipelines_get_parent_mol(nci_records):
    sample = [s for s, _ in nci_records[::15]] + [s for s, _ in nci_records if "." in s][:40]
    compared = multi = 0
    for smiles in sample:
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            continue
        standardized = standardizer.standardize_mol(Chem.Mol(mol))
        expected, expected_flag = get_parent_mol(Chem.Mol(standardized))
        ours, flag = parent_mol(Chem.Mol(standardized))
        assert Chem.MolToSmiles(ours) == Chem.MolToSmiles(expected), smiles
        assert flag == expected_flag
        compared += 1
        multi += "." in smiles
    assert compared > 350 and multi >= 30


def test_a_salt_is_standardised_to_its_parent():
    result = audit("CN1CCC[C@H]1c1cccnc1.Cl", "smiles", WITH_STANDARDIZATION)
    block = result["standardization"]
    assert block["success"] and block["error"] is None
    assert block["standardized_smiles"] == "CN1CCC[C@H]1c1cccnc1"
    assert block["excluded_fragments"] == ["Cl"] and block["changed"]
    assert [s["step_name"] for s in block["steps_applied"]] == ["checker", "standardizer", "get_parent",
                                                                 "tautomer_canonicalization"]


def test_an_already_standard_molecule_is_unchanged():
    block = audit("CC(=O)Oc1ccccc1C(=O)O", "smiles", WITH_STANDARDIZATION)["standardization"]
    assert block["success"] and not block["changed"] and block["excluded_fragments"] == []
    assert block["checker_issues"] == []


def test_charges_are_neutralised():
    block = audit("CN1CCC[C@H]1c1ccc[nH+]c1.[Cl-]", "smiles", WITH_STANDARDIZATION)["standardization"]
    assert block["standardized_smiles"] == "CN1CCC[C@H]1c1cccnc1" and block["changed"]
    assert block["excluded_fragments"] == ["Cl"]
    # A record made only of listed counter-ions is kept whole by the pipeline (sodium acetate).
    block = audit("CC(=O)[O-].[Na+]", "smiles", WITH_STANDARDIZATION)["standardization"]
    assert block["standardized_smiles"] == "CC(=O)[O-].[Na+]" and not block["changed"]


def test_checker_reads_the_submitted_molblock(sdf_records):
    # The pipeline's checker matches "CRO" anywhere in a molfile: an ethanol titled CROMOLYN is a
    # "polymer" to it. Its issues are reported as found; polymer_detection does not repeat the error.
    ethanol = Chem.MolFromSmiles("CCO")
    ethanol.SetProp("_Name", "CROMOLYN")
    result = audit(Chem.MolToMolBlock(ethanol), "mol", WITH_STANDARDIZATION)
    messages = [i["message"] for i in result["standardization"]["checker_issues"]]
    assert "polymer information in mol file" in messages
    assert next(c for c in result["validation"]["all_checks"] if c["check_name"] == "polymer_detection")["passed"]
    record = audit(sdf_records[2], "mol", WITH_STANDARDIZATION)
    assert record["standardization"]["success"]


def test_standardization_is_off_by_default_and_never_raises():
    assert audit("CCO", "smiles")["standardization"] is None
    for smiles in ("*CC*", "[Fe+2].[Cl-].[Cl-]", "C[Hg]Cl", "[2H]C([2H])([2H])O", "c1ccccc1.O.O.O"):
        block = audit(smiles, "smiles", WITH_STANDARDIZATION)["standardization"]
        assert block["success"] or block["error"]
