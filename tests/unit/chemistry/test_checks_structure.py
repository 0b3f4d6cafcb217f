"""Each structural check passes and fails on real molecules (drugs, reagents, RDKit's data)."""

from __future__ import annotations

import pytest
from rdkit import Chem

from chemaudit.chemistry import audit
from tests.unit.chemistry.conftest import check

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
PARACETAMOL = "CC(=O)Nc1ccc(O)cc1"


def outcome(smiles: str, name: str, kind: str = "smiles") -> dict:
    result = audit(smiles, kind)
    assert result["status"] == "success", result["error"]
    return check(result, name)


@pytest.mark.parametrize("name, good, bad", [
    ("connectivity", ASPIRIN, "CN1CCC[C@H]1c1cccnc1.Cl"),                      # nicotine hydrochloride
    ("mixture_detection", ASPIRIN, "CN1CCC[C@H]1c1cccnc1.Cl"),
    ("solvent_contamination", PARACETAMOL, PARACETAMOL + ".CS(C)=O"),          # DMSO solvate
    ("radical_detection", "CC1(C)CCCC(C)(C)N1O", "CC1(C)CCCC(C)(C)N1[O]"),      # TEMPO-H vs TEMPO
    ("isotope_label_detection", "COC(=O)c1ccccc1", "[2H]C([2H])([2H])OC(=O)c1ccccc1"),
    ("trivial_molecule", "CCCC", "CCO"),
    ("hypervalent_atoms", "Cc1cc(NS(=O)(=O)c2ccc(N)cc2)no1", "CC(=O)OI(OC(C)=O)c1ccccc1"),
    ("ring_strain", "C1CCCCC1c1ccccc1", "C1CC1c1ccccc1"),
    ("charged_species", "NCC(=O)O", "[NH3+]CC(=O)[O-]"),
    ("explicit_hydrogen_audit", "CCO", "[H]OC([H])([H])C([H])([H])[H]"),
    ("aromatic_system_validation", "O=c1cccc[nH]1", "c1ccc2cccc2cc1"),         # pyridone vs azulene
])
def test_check_passes_and_fails(name, good, bad):
    assert outcome(good, name)["passed"] is True
    failing = outcome(bad, name)
    assert failing["passed"] is False
    assert failing["message"]


def test_mixture_fragments_are_classified():
    details = outcome("CN1CCC[C@H]1c1cccnc1.Cl.O", "mixture_detection")["details"]
    kinds = {f["smiles"]: f["classification"] for f in details["fragments"]}
    assert kinds == {"CN1CCC[C@H]1c1cccnc1": "drug", "Cl": "salt", "O": "solvent"}


def test_a_pure_solvent_is_not_contamination():
    entry = outcome("CS(C)=O", "solvent_contamination")
    assert entry["passed"] and entry["details"]["is_pure_solvent"]
    hydrate = outcome(PARACETAMOL + ".O", "solvent_contamination")
    assert not hydrate["passed"] and hydrate["details"]["solvents_found"][0]["name"] == "water"


def test_inorganic_filter_error_without_carbon_warning_with_metals():
    cisplatin = outcome("N.N.Cl[Pt]Cl", "inorganic_filter")
    assert not cisplatin["passed"] and cisplatin["severity"] == "error"
    methylmercury = outcome("C[Hg]Cl", "inorganic_filter")
    assert not methylmercury["passed"] and methylmercury["severity"] == "warning"
    assert methylmercury["details"]["is_organometallic"] and methylmercury["affected_atoms"] == [1]
    sodium_salt = outcome("CC(=O)[O-].[Na+]", "inorganic_filter")
    assert sodium_salt["severity"] == "warning" and not sodium_salt["details"]["is_organometallic"]
    assert outcome(ASPIRIN, "inorganic_filter")["passed"]


def test_trivial_molecule_threshold_is_three_heavy_atoms():
    assert not outcome("CCO", "trivial_molecule")["passed"]
    assert outcome("CCCO", "trivial_molecule")["passed"]
    assert outcome("CCO", "trivial_molecule")["severity"] == "error"


def test_hypervalence_ignores_ordinary_charged_and_oxo_groups():
    for smiles in ("C[N+](=O)[O-]", "[O-][n+]1ccccc1", "C[N+](C)(C)C", "OP(=O)(O)O", "CS(C)=O",
                   "Cc1cc(NS(=O)(=O)c2ccc(N)cc2)no1"):
        assert outcome(smiles, "hypervalent_atoms")["passed"], smiles
    sf5 = outcome("FS(F)(F)(F)(F)c1ccccc1", "hypervalent_atoms")
    assert not sf5["passed"] and sf5["details"]["hypervalent_atoms"][0]["actual_valence"] == 6


def test_macrocycle_detection_on_erythromycin():
    erythromycin = ("CC[C@@H]1[C@@]([C@@H]([C@H](C(=O)[C@@H](C[C@@]([C@@H]([C@H]([C@@H]([C@H](C(=O)O1)C)"
                    "O[C@H]2C[C@@]([C@H]([C@@H](O2)C)O)(C)OC)C)O[C@H]3[C@@H]([C@H](C[C@H](O3)C)N(C)C)O)"
                    "(C)O)C)C)O)(C)O")
    entry = outcome(erythromycin, "macrocycle_detection")
    assert not entry["passed"] and entry["details"]["macrocycles"][0]["ring_size"] == 14
    assert outcome(ASPIRIN, "macrocycle_detection")["passed"]


def test_charged_species_reports_zwitterions():
    details = outcome("[NH3+]CC(=O)[O-]", "charged_species")["details"]
    assert details["is_zwitterion"] and details["net_charge"] == 0
    assert not outcome("C[N+](C)(C)C", "charged_species")["details"]["is_zwitterion"]


def test_aromatic_charges_that_are_ordinary_chemistry_pass():
    assert outcome("[O-][n+]1ccccc1", "aromatic_system_validation")["passed"]
    tropylium = outcome("c1cc[cH+]ccc1", "aromatic_system_validation")
    assert not tropylium["passed"] and tropylium["details"]["unusual_ring_sizes"][0]["ring_size"] == 7


def test_polymer_from_sgroups_not_from_text():
    peg = "*OCC* |$_AP1;;;;_AP2$,Sg:n:1,2,3::ht|"
    entry = outcome(peg, "polymer_detection")
    assert not entry["passed"] and entry["details"]["has_sgroup_markers"] and "SRU" in entry["details"]["sgroup_types"]
    # ChEMBL's checker flags this ethanol as a polymer because its title contains "CRO".
    ethanol = Chem.MolFromSmiles("CCO")
    ethanol.SetProp("_Name", "CROMOLYN")
    block = Chem.MolToMolBlock(ethanol)
    assert block.startswith("CROMOLYN")
    result = audit(block, "mol")
    assert check(result, "polymer_detection")["passed"]
    srus = Chem.MolToMolBlock(Chem.MolFromSmiles(peg))
    assert "SRU" in srus and not check(audit(srus, "mol"), "polymer_detection")["passed"]


def test_coordinate_dimension_for_smiles_input():
    entry = outcome(ASPIRIN, "coordinate_dimension")
    assert entry["passed"] and entry["details"]["dimension"] == "no_coordinates"


def test_basic_checks_pass_on_a_good_molecule():
    result = audit(ASPIRIN, "smiles")
    for name in ("input_too_large", "parsability", "sanitization", "valence", "aromaticity"):
        assert check(result, name)["passed"], name
    assert check(result, "aromaticity")["details"]["aromatic_atoms"] == 6


def test_representation_checks():
    result = audit(ASPIRIN, "smiles")
    for name in ("smiles_roundtrip", "inchi_generation", "inchi_roundtrip"):
        assert check(result, name)["passed"], name
    dummy = audit("*c1ccccc1", "smiles")
    assert not check(dummy, "inchi_generation")["passed"]       # InChI has no dummy atoms
    assert not check(dummy, "inchi_roundtrip")["passed"]
    assert check(dummy, "smiles_roundtrip")["passed"]


def test_smiles_roundtrip_fails_when_canonical_smiles_is_unstable(nci_records):
    # One stereoisomer of NCI record "C1CN2CN1CN3CCN(C2)C3" (found by enumerating the NCI set):
    # RDKit's canonical SMILES of it is not a fixed point.
    parent = dict((name, smiles) for smiles, name in nci_records)
    isomer = "C1C[N@]2C[N@@]1C[N@@]1CC[N@](C2)C1"
    assert Chem.CanonSmiles(Chem.MolToSmiles(Chem.MolFromSmiles(isomer), isomericSmiles=False)) in {
        Chem.CanonSmiles(s) for s in parent.values() if s == "C1CN2CN1CN3CCN(C2)C3"}
    entry = outcome(isomer, "smiles_roundtrip")
    assert not entry["passed"] and entry["severity"] == "warning"
    assert entry["details"]["smiles"] != entry["details"]["roundtrip_smiles"]
    assert outcome(parent[next(iter(parent))], "smiles_roundtrip")["passed"]


def test_tautomer_detection():
    canonical = outcome("O=c1cccc[nH]1", "tautomer_detection")
    assert canonical["passed"] and canonical["details"]["is_canonical_form"] is True
    other = outcome("Oc1ccccn1", "tautomer_detection")
    # Informational, as in ChemAudit: another tautomer is the same compound, not a failed check.
    assert other["passed"] and other["details"]["is_canonical_form"] is False
    assert "Is not the canonical tautomer" in other["message"]
    assert other["details"]["canonical_smiles"] == "O=c1cccc[nH]1"
    assert other["details"]["tautomer_count"] >= 2
