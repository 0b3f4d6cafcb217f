"""The safety assessment block (include_safety_assessment): ChemAudit's fields; hERG, bRo5, REOS
and complexity equal to their published rules computed directly with RDKit on NCI molecules;
CYP soft spots and basic centres on drugs whose metabolism and ionisation are known."""

from __future__ import annotations

import pytest
from rdkit import Chem
from rdkit.Chem import Crippen, Descriptors, Lipinski, rdMolDescriptors

from chemaudit.chemistry import AuditOptions, audit

SAFETY = AuditOptions(include_safety_assessment=True)
KEYS = {"cyp_softspots", "herg", "bro5", "reos", "complexity", "scored_on"}
ERYTHROMYCIN = ("CC[C@@H]1[C@@]([C@@H]([C@H](C(=O)[C@@H](C[C@@]([C@@H]([C@H]([C@@H]([C@H](C(=O)O1)C)"
                "O[C@H]2C[C@@]([C@H]([C@@H](O2)C)O)(C)OC)C)O[C@H]3[C@@H]([C@H](C[C@H](O3)C)N(C)C)O)(C)O)C)C)O)(C)O")


def _block(smiles: str) -> dict:
    result = audit(smiles, "smiles", SAFETY)
    assert result["status"] == "success", result["error"]
    return result["safety_assessment"]


def _assert_rules(block: dict, mol: Chem.Mol, label: str) -> None:
    """hERG's three descriptor factors, bRo5, REOS and complexity from RDKit's own functions."""
    logp, mw, tpsa = round(Crippen.MolLogP(mol), 2), round(Descriptors.MolWt(mol), 2), round(rdMolDescriptors.CalcTPSA(mol), 2)
    hbd, hba, rot = Lipinski.NumHDonors(mol), Lipinski.NumHAcceptors(mol), Lipinski.NumRotatableBonds(mol)
    heavy, rings = mol.GetNumHeavyAtoms(), Descriptors.RingCount(mol)
    assert set(block) == KEYS, label
    herg = block["herg"]
    basic = herg["descriptors"]["has_basic_nitrogen"]
    assert herg["descriptors"] == {"logp": logp, "mw": mw, "tpsa": tpsa, "has_basic_nitrogen": basic}, label
    assert herg["risk_score"] == (logp > 3.7) + (250 < mw < 500) + (tpsa < 75) + basic == len(herg["flags"])
    assert herg["herg_risk"] == ("low", "low", "moderate", "high", "high")[herg["risk_score"]]
    bro5 = block["bro5"]
    assert bro5["applicable"] == (mw > 500), label
    if bro5["applicable"]:
        broken = {n for n, hit in (("MW", mw > 1000), ("LogP", not -2 <= logp <= 10), ("HBD", hbd > 6),
                                   ("HBA", hba > 15), ("TPSA", tpsa > 250), ("RotBonds", rot > 20)) if hit}
        assert {v["property"] for v in bro5["violations"]} == broken and bro5["passed"] == (not broken), label
    reos = block["reos"]
    want = {"MW": mw, "LogP": logp, "HBD": hbd, "HBA": hba, "Charge": Chem.GetFormalCharge(mol), "RotBonds": rot,
            "HeavyAtoms": heavy}
    assert reos["descriptors"] == want, label
    ranges = {"MW": (200, 500), "LogP": (-5, 5), "HBD": (0, 5), "HBA": (0, 10), "Charge": (-2, 2),
              "RotBonds": (0, 8), "HeavyAtoms": (15, 50)}
    outside = [n for n, (low, high) in ranges.items() if not low <= want[n] <= high]
    assert [v["property"] for v in reos["violations"]] == outside and reos["n_violations"] == len(outside), label
    complexity = block["complexity"]
    values = {"MW": mw, "LogP": logp, "RotBonds": rot, "Rings": rings, "HeavyAtoms": heavy,
              "BertzCT": round(Descriptors.BertzCT(mol), 2)}
    assert {n: p["value"] for n, p in complexity["properties"].items()} == values, label
    flagged = [n for n, p in complexity["properties"].items() if not p["p5"] <= p["value"] <= p["p95"]]
    assert complexity["outlier_properties"] == flagged and complexity["n_outliers"] == len(flagged), label
    assert complexity["within_range"] == (not flagged)


def test_the_rules_equal_rdkits_figures_on_the_nci_sd_records(sdf_records):
    checked = 0
    for record in sdf_records:
        mol = Chem.MolFromMolBlock(record)
        result = audit(record, "mol", SAFETY)
        if mol is None or result["status"] != "success":
            continue
        _assert_rules(result["safety_assessment"], mol, mol.GetProp("_Name"))
        checked += 1
    assert checked >= 190


def test_the_rules_equal_rdkits_figures_on_nci_smiles(nci_records):
    applicable = 0
    for smiles, name in nci_records[:3000:5]:
        mol = Chem.MolFromSmiles(smiles)
        if mol is not None:
            block = _block(smiles)
            _assert_rules(block, mol, name)
            applicable += block["bro5"]["applicable"]
    assert applicable >= 5  # some NCI molecules are above MW 500


def test_bro5_judges_a_macrolide_on_doaks_limits():
    bro5 = _block(ERYTHROMYCIN)["bro5"]
    assert bro5["applicable"] and bro5["passed"] and bro5["message"] is None, bro5
    assert set(bro5["values"]) == {"MW", "LogP", "HBD", "HBA", "TPSA", "RotBonds"}
    small = _block("CCO")["bro5"]
    assert small == {"applicable": False, "passed": True, "message": "MW <= 500 -- standard Ro5 applies",
                     "violations": [], "values": {}}


BASIC = {"haloperidol": "O=C(CCCN1CCC(O)(CC1)c1ccc(Cl)cc1)c1ccc(F)cc1", "amphetamine": "CC(N)Cc1ccccc1",
         "metformin": "CN(C)C(=N)N=C(N)N", "benzamidine": "NC(=N)c1ccccc1", "tetramethylammonium": "C[N+](C)(C)C"}
NOT_BASIC = {"aniline": "Nc1ccccc1", "acetanilide": "CC(=O)Nc1ccccc1", "sulfanilamide": "Nc1ccc(cc1)S(N)(=O)=O",
             "nitrobenzene": "O=[N+]([O-])c1ccccc1", "pyridine": "c1ccncc1", "caffeine": "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
             "N-methylpyrrolidone": "CN1CCCC1=O", "acetonitrile": "CC#N", "pyridine N-oxide": "[O-][n+]1ccccc1"}


@pytest.mark.parametrize("name", sorted(BASIC) + sorted(NOT_BASIC))
def test_the_herg_basic_nitrogen_is_a_basic_centre(name):
    herg = _block(BASIC.get(name) or NOT_BASIC[name])["herg"]
    assert herg["descriptors"]["has_basic_nitrogen"] == (name in BASIC), herg
    assert ("Contains basic nitrogen" in herg["flags"]) == (name in BASIC)


def _sites(smiles: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for site in _block(smiles)["cyp_softspots"]:
        assert site["atom"] == site["matched_atoms"][0]
        out.setdefault(site["site_name"], []).append(site["atom"])
    return out


@pytest.mark.parametrize("smiles, expected", [
    ("Cc1ccccc1", {"benzylic_CH": [0], "aromatic_para_H": [4]}),  # toluene: benzylic and para oxidation
    ("COc1ccccc1", {"O_dealkylation": [0], "aromatic_para_H": [5]}),  # anisole: O-demethylation
    ("CN(C)c1ccccc1", {"N_dealkylation": [0, 2], "aromatic_para_H": [6]}),  # N,N-dimethylaniline
    ("COC(=O)c1ccccc1", {"ester_hydrolysis": [2], "aromatic_para_H": [7]}),  # an ester is not an ether
    ("CC(=O)Nc1ccccc1", {"amide_hydrolysis": [1], "aromatic_para_H": [7]}),  # an amide is not an amine
    ("CCCCCC", {"omega_CH3": [0, 5], "omega1_CH2": [1, 4]}),  # hexane: omega and omega-1
    ("CSc1ccccc1", {"S_oxidation": [1], "aromatic_para_H": [5]}),  # thioanisole
    ("c1ccncc1", {"N_oxidation": [3]}),  # pyridine; an imidazole N is not oxidised
    ("Cn1ccnc1", {}),
    ("C=CC", {"allylic_CH": [2]}),
])
def test_cyp_soft_spots_are_where_these_compounds_are_metabolised(smiles, expected):
    assert _sites(smiles) == expected


def test_benzylic_and_pyridine_sites_equal_a_walk_over_the_atoms(nci_records):
    for smiles, name in nci_records[:2000:9]:
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            continue
        sites = _sites(smiles)
        benzylic = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == 6 and not a.GetIsAromatic()
                    and a.GetTotalDegree() == 4 and a.GetTotalNumHs() > 0
                    and any(n.GetIsAromatic() and n.GetAtomicNum() == 6 for n in a.GetNeighbors())]
        pyridine_n = [a.GetIdx() for a in mol.GetAtoms() if a.GetAtomicNum() == 7 and a.GetIsAromatic()
                      and a.GetDegree() == 2 and a.GetTotalNumHs() == 0 and a.GetFormalCharge() == 0
                      and mol.GetRingInfo().MinAtomRingSize(a.GetIdx()) == 6]
        assert sites.get("benzylic_CH", []) == benzylic, name
        assert sites.get("N_oxidation", []) == pyridine_n, name


def test_the_block_is_absent_without_the_option_and_for_unreadable_input():
    assert audit("CCO", "smiles")["safety_assessment"] is None
    assert audit("C1CC", "smiles", SAFETY)["safety_assessment"] is None
    salt = AuditOptions(include_safety_assessment=True, score_parent=True)
    assert audit("CN1CCC[C@H]1c1cccnc1.Cl", "smiles", salt)["safety_assessment"]["scored_on"] == "largest_fragment"
