"""The compound profile block (include_profiling): ChemAudit's fields, each equal to the formula
computed directly with RDKit on RDKit's NCI molecules, and the published Abbott score on drugs."""

from __future__ import annotations

import math

import pytest
from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, Lipinski, rdMolDescriptors

from chemaudit.chemistry import AuditOptions, audit

PROFILING = AuditOptions(include_profiling=True)
KEYS = {"pfi", "stars", "abbott", "consensus_logp", "skin_permeation", "druglikeness", "scored_on"}
# Drugs whose bioavailability score is in SwissADME (which implements Martin 2005).
ABBOTT = {
    "aspirin": ("CC(=O)Oc1ccccc1C(=O)O", 0.85),  # an acid, TPSA 64
    "ibuprofen": ("CC(C)Cc1ccc(cc1)C(C)C(=O)O", 0.85),
    "furosemide": ("NS(=O)(=O)c1cc(C(=O)O)c(NCc2ccco2)cc1Cl", 0.56),  # an acid, TPSA 131
    "methotrexate": ("CN(Cc1cnc2nc(N)nc(N)c2n1)c1ccc(cc1)C(=O)N[C@@H](CCC(=O)O)C(=O)O", 0.11),  # TPSA 211
    "caffeine": ("Cn1cnc2c1c(=O)n(C)c(=O)n2C", 0.55),  # neutral, passes the rule of 5
    "phenylalanine": ("N[C@@H](Cc1ccccc1)C(=O)O", 0.55),  # a zwitterion is not an anion
    "haloperidol": ("O=C(CCCN1CCC(O)(CC1)c1ccc(Cl)cc1)c1ccc(F)cc1", 0.55),  # a base
}
CYCLOSPORIN = ("CC[C@H]1C(=O)N(CC(=O)N([C@H](C(=O)N[C@H](C(=O)N([C@H](C(=O)N[C@H](C(=O)N[C@@H](C(=O)N([C@H]"
               "(C(=O)N([C@H](C(=O)N([C@H](C(=O)N([C@H](C(=O)N1)[C@@H]([C@H](C)C/C=C/C)O)C)C(C)C)C)CC(C)C)C)"
               "CC(C)C)C)C)C)CC(C)C)C)C(C)C)CC(C)C)C)C")


def _profile(text: str, kind: str = "smiles", options: AuditOptions = PROFILING) -> dict:
    result = audit(text, kind, options)
    assert result["status"] == "success", result["error"]
    return result["profiling"]


def _oracle(mol: Chem.Mol) -> dict:
    """The block's figures straight from RDKit's descriptor functions."""
    logp, mw, tpsa = Crippen.MolLogP(mol), Descriptors.MolWt(mol), rdMolDescriptors.CalcTPSA(mol)
    aromatic = rdMolDescriptors.CalcNumAromaticRings(mol)
    star_values = {"MW": round(mw, 2), "LogP": round(logp, 2), "HBA": Lipinski.NumHAcceptors(mol),
                   "HBD": Lipinski.NumHDonors(mol), "TPSA": round(tpsa, 2),
                   "RotBonds": Lipinski.NumRotatableBonds(mol), "Fsp3": round(rdMolDescriptors.CalcFractionCSP3(mol), 3),
                   "NumRings": rdMolDescriptors.CalcNumRings(mol)}
    log_kp = -2.72 + 0.71 * logp - 0.0061 * mw - math.log10(3600)
    xlogp3 = 0.92 * logp + 0.12
    return {"pfi": round(logp + aromatic, 2), "clogp": round(logp, 2), "aromatic_rings": aromatic,
            "stars": star_values, "tpsa": round(tpsa, 1), "log_kp": round(log_kp, 2),
            "consensus": round((logp + xlogp3) / 2, 2), "xlogp3": round(xlogp3, 2), "qed": round(QED.qed(mol), 3),
            "violations": sum((mw > 500, logp > 5, Lipinski.NumHDonors(mol) > 5, Lipinski.NumHAcceptors(mol) > 10))}


def _assert_matches(block: dict, mol: Chem.Mol, label: str) -> None:
    want = _oracle(mol)
    assert set(block) == KEYS, label
    assert block["pfi"] == {"pfi": want["pfi"], "clogp": want["clogp"], "aromatic_rings": want["aromatic_rings"],
                            "risk": "low" if want["pfi"] < 5 else "moderate" if want["pfi"] < 7 else "high"}, label
    details = block["stars"]["details"]
    assert [d["property"] for d in details] == list(want["stars"]), label
    assert {d["property"]: d["value"] for d in details} == want["stars"], label
    assert all(d["violated"] == (not d["range_low"] <= d["value"] <= d["range_high"]) for d in details)
    assert block["stars"]["stars"] == sum(d["violated"] for d in details)
    assert block["abbott"]["tpsa"] == want["tpsa"] and block["abbott"]["lipinski_violations"] == want["violations"]
    assert block["consensus_logp"] == {"consensus_logp": want["consensus"], "wildman_crippen": want["clogp"],
                                       "xlogp3_approx": want["xlogp3"], "xlogp3_is_approximation": True}, label
    skin = block["skin_permeation"]
    assert skin["log_kp"] == want["log_kp"] and skin["units"] == "cm/s", label
    assert skin["classification"] == ("low" if skin["log_kp"] < -6 else "moderate" if skin["log_kp"] < -4 else "high")
    assert block["druglikeness"] == {"lipinski": {"passed": want["violations"] <= 1, "violations": want["violations"]},
                                     "qed": want["qed"], "veber": {"passed": block["druglikeness"]["veber"]["passed"]}}


def test_every_field_equals_rdkits_figures_on_the_nci_sd_records(sdf_records):
    checked = 0
    for record in sdf_records:
        mol = Chem.MolFromMolBlock(record)
        result = audit(record, "mol", PROFILING)
        if mol is None or result["status"] != "success":
            continue
        _assert_matches(result["profiling"], mol, mol.GetProp("_Name"))
        assert result["profiling"]["scored_on"] == result["scoring"]["scored_on"]
        checked += 1
    assert checked >= 190


def test_every_field_equals_rdkits_figures_on_nci_smiles(nci_records):
    for smiles, name in nci_records[:2000:7]:
        mol = Chem.MolFromSmiles(smiles)
        if mol is not None:
            _assert_matches(_profile(smiles), mol, name)


def test_the_druglikeness_summary_agrees_with_the_scoring_block(nci_records):
    for smiles, _ in nci_records[:300:3]:
        result = audit(smiles, "smiles", PROFILING)
        if result["status"] != "success":
            continue
        summary, scoring = result["profiling"]["druglikeness"], result["scoring"]["druglikeness"]
        assert summary["qed"] == scoring["qed_score"] and summary["veber"]["passed"] == scoring["veber_passed"]
        assert summary["lipinski"] == {"passed": scoring["lipinski_passed"], "violations": scoring["lipinski_violations"]}


@pytest.mark.parametrize("name", sorted(ABBOTT))
def test_the_abbott_score_is_martins(name):
    smiles, score = ABBOTT[name]
    abbott = _profile(smiles)["abbott"]
    assert abbott["abbott_score"] == score and abbott["probability_pct"] == round(score * 100), abbott
    assert abbott["anion"] == (score in (0.85, 0.56, 0.11))


def test_a_neutral_compound_failing_the_rule_of_five_scores_017():
    abbott = _profile(CYCLOSPORIN)["abbott"]
    assert abbott == {**abbott, "abbott_score": 0.17, "probability_pct": 17, "anion": False}
    assert abbott["lipinski_violations"] >= 2


def test_the_abbott_classes_over_nci_follow_the_anion_tpsa_and_rule_of_five(nci_records):
    seen = set()
    for smiles, _ in nci_records[:1500:3]:
        result = audit(smiles, "smiles", PROFILING)
        if result["status"] != "success":
            continue
        abbott = result["profiling"]["abbott"]
        if abbott["anion"]:
            tpsa = result["scoring"]["druglikeness"]["tpsa"]
            assert abbott["abbott_score"] == (0.85 if tpsa <= 75 else 0.56 if tpsa < 150 else 0.11), smiles
        else:
            assert abbott["abbott_score"] == (0.55 if abbott["lipinski_violations"] <= 1 else 0.17), smiles
        seen.add(abbott["abbott_score"])
    assert seen == {0.11, 0.17, 0.55, 0.56, 0.85}


def test_the_block_describes_the_parent_with_score_parent_and_is_absent_without_the_option():
    salt, parent = "CN1CCC[C@H]1c1cccnc1.Cl", "CN1CCC[C@H]1c1cccnc1"
    whole = _profile(salt)
    on_parent = _profile(salt, options=AuditOptions(include_profiling=True, score_parent=True))
    assert whole["scored_on"] == "whole_record" and on_parent["scored_on"] == "largest_fragment"
    _assert_matches(on_parent, Chem.MolFromSmiles(parent), "parent")
    _assert_matches(whole, Chem.MolFromSmiles(salt), "salt")
    assert whole["stars"]["details"][0]["value"] != on_parent["stars"]["details"][0]["value"]
    assert audit(salt, "smiles")["profiling"] is None
    unreadable = audit("C1CC", "smiles", PROFILING)
    assert unreadable["status"] == "error" and unreadable["profiling"] is None
