"""Reading inputs: SMILES, molblocks/SDF records, InChI; what is refused and with which text."""

from __future__ import annotations

import re
import threading

import pytest
from rdkit import Chem

from chemaudit.chemistry import AuditOptions, audit
from tests.unit.chemistry.conftest import check, failed

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
ASPIRIN_INCHI = "InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)"


def _error(result: dict, reason: str, check_name: str = "parsability") -> None:
    assert result["status"] == "error"
    assert result["error"].startswith(reason + ":")
    assert result["validation"]["overall_score"] == 0
    assert check(result, check_name)["passed"] is False
    assert check(result, check_name)["severity"] == "critical"
    assert result["scoring"] is None and result["alerts"]["alert_count"] == 0


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_input_is_a_critical_input_error(text):
    _error(audit(text, "smiles"), "empty_input")
    _error(audit(text), "empty_input")


def test_reaction_smiles_is_refused():
    _error(audit("CC(=O)O.OCC>>CC(=O)OCC", "smiles"), "reaction_smiles")
    _error(audit("CC(=O)O>[H+]>CC(=O)[O-]", "smiles"), "reaction_smiles")


def test_smarts_is_refused_even_where_rdkit_would_read_it():
    assert Chem.MolFromSmiles("[#6]~[#7]") is not None  # RDKit accepts this as SMILES
    _error(audit("[#6]~[#7]", "smiles"), "smarts_not_smiles")
    _error(audit("[C;R]C(=O)[O,N]", "smiles"), "smarts_not_smiles")


def test_inchi_given_as_smiles_is_refused_but_read_as_inchi():
    _error(audit(ASPIRIN_INCHI, "smiles"), "inchi_as_smiles")
    _error(audit("BSYNRYMUTXBXSQ-UHFFFAOYSA-N", "smiles"), "inchi_as_smiles")
    for kind in ("auto", "inchi"):
        result = audit(ASPIRIN_INCHI, kind)
        assert result["status"] == "success"
        assert result["validation"]["canonical_smiles"] == Chem.CanonSmiles(ASPIRIN)
        assert result["validation"]["molecule_info"]["input_format"] == "inchi"


def test_bad_inchi_reports_the_inchi_library_text():
    result = audit("InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11", "inchi")
    assert result["status"] == "error"
    result = audit("InChI=1S/garbage", "inchi")
    _error(result, "unparseable")
    assert "Syntax error" in result["error"]


def test_unparseable_smiles_carries_rdkits_own_message():
    result = audit("C1CC", "smiles")
    _error(result, "unparseable")
    assert "unclosed ring" in result["error"]


def test_several_lines_are_not_one_smiles():
    _error(audit("CCO\nCCN", "smiles"), "multiple_records")


def test_valence_failure_reports_sanitization_and_valence_with_atoms():
    result = audit("CN(C)(C)(C)C", "smiles")
    assert result["status"] == "error" and result["error"].startswith("sanitization_failed:")
    assert "Explicit valence for atom # 1 N, 5" in result["error"]
    assert failed(result) == {"sanitization", "valence"}
    assert check(result, "valence")["affected_atoms"] == [1]
    assert check(result, "parsability")["passed"] and check(result, "aromaticity")["passed"]
    assert result["validation"]["overall_score"] == 0
    assert result["validation"]["molecule_info"]["molecular_formula"] == "C5H15N"


def test_kekulization_failure_reports_aromaticity():
    result = audit("c1cccc1", "smiles")
    assert result["status"] == "error"
    assert "kekulize" in result["error"]
    assert failed(result) == {"sanitization", "aromaticity"}
    assert check(result, "aromaticity")["affected_atoms"] == [0, 1, 2, 3, 4]


def test_toolkit_text_is_truncated():
    smiles = "C1" + "C" * 3000 + "(((("
    result = audit(smiles, "smiles")
    assert result["status"] == "error" and len(result["error"]) <= 500


def test_sdf_record_with_data_fields_keeps_its_coordinates(sdf_records):
    record = sdf_records[0]
    assert ">  <AMW>" in record
    result = audit(record)
    assert result["status"] == "success"
    assert result["validation"]["molecule_info"]["input_format"] == "mol"
    assert check(result, "coordinate_dimension")["details"]["dimension"] == "2d"
    expected = Chem.MolToSmiles(Chem.MolFromMolBlock(record))
    assert result["validation"]["canonical_smiles"] == expected
    assert audit(expected, "smiles")["validation"]["inchikey"] == result["validation"]["inchikey"]


def test_sdf_explicit_hydrogens_are_audited_not_lost(sdf_records):
    mol = Chem.MolFromMolBlock(sdf_records[4])  # 2-aminoanthraquinone: no bracket-H atom in its SMILES
    with_h = Chem.AddHs(mol, addCoords=True)
    result = audit(Chem.MolToMolBlock(with_h), "mol")
    assert result["status"] == "success"
    audit_h = check(result, "explicit_hydrogen_audit")
    added = with_h.GetNumAtoms() - mol.GetNumAtoms()
    assert not audit_h["passed"] and audit_h["details"]["h_atom_object_count"] == added
    assert result["validation"]["canonical_smiles"] == Chem.MolToSmiles(mol)
    assert check(audit(Chem.MolToSmiles(mol), "smiles"), "explicit_hydrogen_audit")["passed"]


def test_v3000_and_3d_molblocks(sdf_records):
    mol = Chem.MolFromMolBlock(sdf_records[5])
    conf = mol.GetConformer()
    for i in range(mol.GetNumAtoms()):
        position = conf.GetAtomPosition(i)
        conf.SetAtomPosition(i, (position.x, position.y, 0.1 * i))
    result = audit(Chem.MolToV3KMolBlock(mol))
    assert result["status"] == "success"
    assert check(result, "coordinate_dimension")["details"]["dimension"] == "3d"


def test_degenerate_coordinates_are_reported_by_coordinate_dimension(sdf_records):
    mol = Chem.MolFromMolBlock(sdf_records[1])
    conf = mol.GetConformer()
    for i in range(mol.GetNumAtoms()):
        conf.SetAtomPosition(i, (0.0, 0.0, 0.0))
    result = audit(Chem.MolToMolBlock(mol), "mol")
    entry = check(result, "coordinate_dimension")
    # Informational, as in ChemAudit: reported in the details, not a failed check.
    assert entry["passed"] and entry["details"]["dimension"] == "degenerate"
    assert "degenerate" in entry["message"]


def test_bad_molblock_is_an_error_with_text(sdf_records):
    broken = sdf_records[0].replace("  9  9  0", "  9 19  0", 1)
    result = audit(broken, "mol")
    assert result["status"] == "error" and result["error"]


def test_error_capture_is_per_call_under_threads():
    # Each input names its own faulty atom; a shared capture would mix them up.
    inputs = ["C" * k + "N(C)(C)(C)C" for k in range(1, 9)] + ["C1CC" + "C" * k for k in range(8)]
    expected = {}
    for text in inputs:
        expected[text] = audit(text, "smiles")["error"]
    assert len(set(expected.values())) == len(inputs)
    mismatches = []

    def work():
        for _ in range(15):
            for text in inputs:
                if audit(text, "smiles")["error"] != expected[text]:
                    mismatches.append(text)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []
    assert re.search(r"atom # 2 N", expected["CCN(C)(C)(C)C"])


def test_never_raises_for_molecule_text():
    odd = ["(((", ")", "[", "C[", "[Zz]", "C%", "C=1CC1", "c", "*", "[*]", "[H]", "[H][H]", "C.C.C",
           "CC(C)(C)(C)(C)C", "[Fe]", "[U+6]", "C$C", "C\\C=C/C", "\x00", "☃", "C" * 5 + "\t name",
           "M  END", "InChI=", "InChI=1S/", "\n\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n"]
    for text in odd:
        for kind in ("auto", "smiles", "mol", "inchi"):
            result = audit(text, kind, AuditOptions())
            assert result["status"] in {"success", "error"}
            if result["status"] == "error":
                assert result["error"] and not result["error"].startswith("internal_error")
                assert result["validation"]["issues"]


def test_capture_holds_the_toolkit_while_open():
    # RDKit's capture is process-wide: had B opened its capture while A's was open, A's message
    # would land in B's. The lock makes B wait (A's wait for B times out) until A is done.
    from chemaudit.chemistry.rdlog import captured

    b_inside, a_done = threading.Event(), threading.Event()
    texts = {}

    def first():
        with captured() as log:
            b_inside.wait(0.3)
            Chem.MolFromSmiles("CN(C)(C)(C)C")
        a_done.set()
        texts["a"] = log.text

    def second():
        with captured() as log:
            b_inside.set()
            a_done.wait(5)
            Chem.MolFromSmiles("C1CC")
        texts["b"] = log.text

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    threading.Event().wait(0.05)
    threads[1].start()
    for thread in threads:
        thread.join()
    assert "Explicit valence" in texts["a"] and "unclosed ring" not in texts["a"]
    assert "unclosed ring" in texts["b"] and "Explicit valence" not in texts["b"]
