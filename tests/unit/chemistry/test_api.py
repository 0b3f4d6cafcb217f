"""The public API: AuditOptions, audit()'s result shape, list_checks(), the score formula."""

from __future__ import annotations

import dataclasses
import json

import pytest

from chemaudit.chemistry import AuditOptions, audit, list_checks
from chemaudit.errors import InvalidOption
from chemaudit.settings import Settings
from tests.unit.chemistry.conftest import check

CHEMAUDIT_SEVERITIES = {
    "parsability": "critical", "sanitization": "error", "valence": "critical", "aromaticity": "error",
    "connectivity": "warning", "smiles_roundtrip": "warning", "inchi_generation": "warning",
    "inchi_roundtrip": "info", "undefined_stereocenters": "warning", "undefined_doublebond_stereo": "warning",
    "conflicting_stereo": "error", "stereoisomer_enumeration": "warning", "tautomer_detection": "info",
    "aromatic_system_validation": "warning", "coordinate_dimension": "info", "mixture_detection": "warning",
    "solvent_contamination": "warning", "inorganic_filter": "error", "radical_detection": "warning",
    "isotope_label_detection": "info", "trivial_molecule": "error", "hypervalent_atoms": "warning",
    "polymer_detection": "info", "ring_strain": "warning", "macrocycle_detection": "info",
    "charged_species": "info", "explicit_hydrogen_audit": "info",
}
PENALTY = {"critical": 50, "error": 20, "warning": 5, "info": 0}
ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_list_checks_is_the_guard_then_the_27_chemaudit_checks_in_one_order():
    listed = list_checks()
    assert [c["name"] for c in listed][0] == "input_too_large"
    assert {c["name"]: c["severity"] for c in listed[1:]} == CHEMAUDIT_SEVERITIES
    assert len(listed) == 28
    for entry in listed:
        assert set(entry) == {"name", "category", "severity", "explanation"}
        assert entry["explanation"] and entry["category"]
    assert list_checks() == listed  # stable


def test_result_has_the_chemaudit_item_shape_and_is_json():
    result = audit(ASPIRIN, "smiles")
    assert set(result) == {"status", "error", "validation", "alerts", "scoring", "standardization", "profiling",
                           "safety_assessment"}
    assert result["status"] == "success" and result["error"] is None and result["standardization"] is None
    assert result["profiling"] is None and result["safety_assessment"] is None  # optional blocks, off by default
    validation = result["validation"]
    assert {"overall_score", "canonical_smiles", "inchi", "inchikey", "molecule_info", "all_checks",
            "issues"} <= set(validation)
    assert validation["inchikey"] == "BSYNRYMUTXBXSQ-UHFFFAOYSA-N"
    info = validation["molecule_info"]
    assert info["molecular_formula"] == "C9H8O4" and info["molecular_weight"] == 180.16
    assert info["num_atoms"] == 13 and info["num_heavy_atoms"] == 13
    assert [c["check_name"] for c in validation["all_checks"]] == [c["name"] for c in list_checks()]
    for entry in validation["all_checks"]:
        assert set(entry) == {"check_name", "passed", "severity", "message", "affected_atoms", "details"}
        assert entry["severity"] in PENALTY
    assert set(result["alerts"]) == {"has_alerts", "alert_count", "alerts"}
    assert set(result["scoring"]) >= {"druglikeness", "admet", "ml_readiness"}
    assert json.loads(json.dumps(result)) == result


def test_score_is_100_minus_penalties_of_failed_checks():
    # A hydrated sodium salt of an undefined-stereo acid: warnings and an info, no error.
    for smiles in (ASPIRIN, "CC(N)C(=O)[O-].[Na+].O", "C[C@H](C)O", "[Na+].[Cl-]", "CCCCC1CC1"):
        validation = audit(smiles, "smiles")["validation"]
        lost = sum(PENALTY[c["severity"]] for c in validation["all_checks"] if not c["passed"])
        assert validation["overall_score"] == max(0, 100 - lost)
        assert validation["issues"] == [c for c in validation["all_checks"] if not c["passed"]]


def test_check_subset_runs_only_those_checks_and_scores_them():
    options = AuditOptions(checks=("ring_strain", "trivial_molecule"))
    result = audit("C1CC1C", "smiles", options)
    assert [c["check_name"] for c in result["validation"]["all_checks"]] == ["trivial_molecule", "ring_strain"]
    assert result["validation"]["overall_score"] == 100 - 5  # 4 heavy atoms is not trivial


def test_failing_input_checks_are_reported_even_outside_the_subset():
    result = audit("C1CC", "smiles", AuditOptions(checks=("ring_strain",)))
    assert result["status"] == "error"
    assert [c["check_name"] for c in result["validation"]["issues"]] == ["parsability"]


def test_options_validate_and_come_from_settings():
    settings = Settings(max_input_chars=5000, max_heavy_atoms=50, max_fragments=3, max_rings=9)
    options = AuditOptions.from_settings(settings, include_chembl_alerts=True, checks=["valence"])
    assert (options.max_input_chars, options.max_heavy_atoms, options.max_fragments, options.max_rings) == (
        5000, 50, 3, 9)
    assert options.include_chembl_alerts and options.checks == ("valence",)
    assert not options.include_extended_safety and not options.include_standardization
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.max_rings = 10
    with pytest.raises(InvalidOption):
        AuditOptions(checks=("valence", "no_such_check"))
    with pytest.raises(InvalidOption):
        AuditOptions(max_heavy_atoms=0)
    with pytest.raises(InvalidOption):
        AuditOptions(max_heavy_atoms=20_000)  # RDKit's SMILES writer segfaults on such chains
    with pytest.raises(InvalidOption):
        AuditOptions.from_settings(settings, colour="blue")
    assert hash(options) == hash(AuditOptions.from_settings(settings, include_chembl_alerts=True,
                                                            checks=("valence",)))


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        audit(ASPIRIN, "sdf")


def test_guard_limits_come_from_the_options():
    small = AuditOptions(max_heavy_atoms=10)
    result = audit(ASPIRIN, "smiles", small)
    assert result["status"] == "error"
    assert check(result, "input_too_large")["details"]["heavy_atoms"] == 13
    assert audit(ASPIRIN, "smiles")["status"] == "success"
