"""Scores: drug-likeness, SA score and Fsp3, ML-readiness; equal to RDKit's references where they exist."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from rdkit import Chem, RDConfig
from rdkit.Chem import QED, Crippen, Descriptors, rdMolDescriptors

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.chemistry.descriptors import compute
from chemaudit.chemistry.scoring import LABELS, desirability
from chemaudit.chemistry.screening import fingerprint_words

ERYTHROMYCIN = ("CC[C@@H]1[C@@]([C@@H]([C@H](C(=O)[C@@H](C[C@@]([C@@H]([C@H]([C@@H]([C@H](C(=O)O1)C)"
                "O[C@H]2C[C@@]([C@H]([C@@H](O2)C)O)(C)OC)C)O[C@H]3[C@@H]([C@H](C[C@H](O3)C)N(C)C)O)(C)O)C)C)O)(C)O")


def _reference_sascorer():
    path = Path(RDConfig.RDContribDir) / "SA_Score" / "sascorer.py"
    spec = importlib.util.spec_from_file_location("reference_sascorer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_qed_sa_and_descriptors_equal_rdkits_on_nci(nci_records):
    sascorer = _reference_sascorer()
    checked = 0
    for smiles, _ in nci_records[::12]:
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            continue
        profile = compute(mol, fingerprint_words(mol), False)
        assert profile.qed == pytest.approx(QED.qed(mol), abs=1e-12), smiles
        assert profile.sa_score == pytest.approx(sascorer.calculateScore(mol), abs=1e-12), smiles
        assert profile.logp == pytest.approx(Crippen.MolLogP(mol))
        assert profile.rotatable_bonds == Descriptors.NumRotatableBonds(mol)
        assert profile.hbd == Descriptors.NumHDonors(mol) and profile.hba == Descriptors.NumHAcceptors(mol)
        checked += 1
    assert checked > 400


def test_druglikeness_block():
    scoring = audit("CC(=O)Oc1ccccc1C(=O)O", "smiles")["scoring"]
    drug = scoring["druglikeness"]
    assert set(drug) == {"qed_score", "lipinski_passed", "lipinski_violations", "veber_passed",
                         "molecular_weight", "logp", "tpsa", "hbd", "hba", "rotatable_bonds", "aromatic_rings"}
    assert drug["molecular_weight"] == 180.16 and drug["tpsa"] == 63.6
    assert drug["lipinski_passed"] and drug["lipinski_violations"] == 0 and drug["veber_passed"]
    assert drug["aromatic_rings"] == 1
    assert drug["qed_score"] == round(QED.qed(Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O")), 3)
    assert set(scoring["admet"]) == {"sa_score", "fsp3"}
    assert 1.0 <= scoring["admet"]["sa_score"] <= 3.0 and scoring["admet"]["fsp3"] == round(1 / 9, 3)
    big = audit(ERYTHROMYCIN, "smiles")["scoring"]["druglikeness"]
    assert big["lipinski_violations"] >= 2 and not big["lipinski_passed"] and not big["veber_passed"]


def test_scores_describe_the_whole_record_by_default_and_the_parent_on_request():
    nicotine, hydrochloride = "CN1CCC[C@H]1c1cccnc1", "CN1CCC[C@H]1c1cccnc1.Cl"
    free_base = audit(nicotine, "smiles")["scoring"]
    salt = audit(hydrochloride, "smiles")["scoring"]  # ChemAudit's default: the whole record
    assert free_base["scored_on"] == "whole_molecule" and salt["scored_on"] == "whole_record"
    whole = Chem.MolFromSmiles(hydrochloride)
    assert salt["druglikeness"]["molecular_weight"] == round(Descriptors.MolWt(whole), 2)
    assert salt["druglikeness"]["qed_score"] == round(QED.qed(whole), 3)
    assert salt["admet"]["sa_score"] == round(_reference_sascorer().calculateScore(whole), 2)
    parent = audit(hydrochloride, "smiles", AuditOptions(score_parent=True))["scoring"]
    assert parent["scored_on"] == "largest_fragment"
    assert parent["druglikeness"] == free_base["druglikeness"] and parent["admet"] == free_base["admet"]
    assert audit(nicotine, "smiles", AuditOptions(score_parent=True))["scoring"] == free_base
    for scoring in (salt, parent):
        assert scoring["ml_readiness"]["breakdown"]["structural_quality"]["items"]["single_component"] == 0.0


def test_ml_readiness_is_a_0_to_100_score_with_label_and_breakdown():
    for smiles in ("CC(=O)Oc1ccccc1C(=O)O", ERYTHROMYCIN, "[Na+].[Cl-]", "C[Hg]Cl", "*CC*"):
        ml = audit(smiles, "smiles")["scoring"]["ml_readiness"]
        breakdown = ml["breakdown"]
        assert set(breakdown) == {"structural_quality", "property_profile", "complexity_feasibility",
                                  "representation_quality"}
        assert [b["max"] for b in breakdown.values()] == [20, 35, 25, 20]
        for section in breakdown.values():
            assert 0 <= section["score"] <= section["max"]
            assert section["score"] == pytest.approx(sum(section["items"].values()), abs=0.05)
        assert 0 <= ml["score"] <= 100
        assert ml["score"] == pytest.approx(sum(b["score"] for b in breakdown.values()), abs=0.05)
        assert ml["label"] == next(name for threshold, name in LABELS if ml["score"] >= threshold)
    good = audit("CC(=O)Nc1ccc(O)cc1", "smiles")["scoring"]["ml_readiness"]["score"]
    poor = audit("[Na+].[Cl-]", "smiles")["scoring"]["ml_readiness"]["score"]
    assert good > 70 > poor


def test_desirability_is_trapezoidal():
    assert desirability(300, 200, 500) == 1.0
    assert desirability(650, 200, 500) == pytest.approx(0.5)
    assert desirability(1000, 200, 500) == 0.0
    assert desirability(50, 200, 500) == pytest.approx(0.5)


def test_fsp3_and_aromatic_rings_match_rdkit(sdf_records):
    for record in sdf_records[:20]:
        mol = Chem.MolFromMolBlock(record)
        result = audit(record, "mol")
        if result["scoring"]["scored_on"] != "whole_molecule":
            continue
        assert result["scoring"]["admet"]["fsp3"] == round(rdMolDescriptors.CalcFractionCSP3(mol), 3)
        assert result["scoring"]["druglikeness"]["aromatic_rings"] == rdMolDescriptors.CalcNumAromaticRings(mol)
