"""The result cache's key and the engine version: what makes a stored result the right one."""

from __future__ import annotations

import dataclasses
import shutil

from chemaudit.chemistry import AuditOptions
from chemaudit.chemistry.version import PACKAGE, digest_of, engine_version
from chemaudit.settings import Settings
from tasks.record_audit import TRANSIENT, shown_smiles
from tasks.result_cache import cache_key, cache_version, options_blob, reusable

RECORD = {"idx": 3, "name": "aspirin", "kind": "smiles", "text": "CC(=O)Oc1ccccc1C(=O)O", "error": None}
TOOLKITS = {"rdkit": "2026.09.1", "chembl_structure_pipeline": "1.2.4"}


def key(record=RECORD, options: AuditOptions | None = None, version="v1") -> bytes:
    return cache_key(version, options_blob(options or AuditOptions()), record)


def test_the_key_is_the_input_options_and_version_never_the_index_or_name():
    assert key() == key({**RECORD, "idx": 99, "name": "another owner's name"})
    assert len(key()) == 32
    changed_inputs = [{**RECORD, "text": "CC(=O)Oc1ccccc1C(O)=O"}, {**RECORD, "kind": "mol"},
                      {**RECORD, "error": "unreadable"}]
    assert all(key(record) != key() for record in changed_inputs)
    assert key(version="v2") != key()


def test_every_option_field_is_part_of_the_key_including_limits_from_settings():
    changed = {"include_extended_safety": True, "include_chembl_alerts": True,
               "include_standardization": True, "score_parent": True, "include_profiling": True,
               "include_safety_assessment": True, "checks": ("parsability",), "max_input_chars": 5,
               "max_heavy_atoms": 5, "max_fragments": 5, "max_rings": 5}
    assert set(changed) == {field.name for field in dataclasses.fields(AuditOptions)}
    for name, value in changed.items():
        assert key(options=AuditOptions(**{name: value})) != key(), name
    base = AuditOptions.from_settings(Settings())
    assert key(options=AuditOptions.from_settings(Settings(max_rings=12))) != key(options=base)


def test_parts_cannot_run_into_each_other():
    split_here = {**RECORD, "kind": "smiles", "text": "CCO"}
    split_there = {**RECORD, "kind": "smilesC", "text": "CO"}
    assert key(split_here) != key(split_there)


def test_crashes_overruns_and_internal_errors_are_never_reused():
    assert reusable({"status": "error", "error": "could not parse"})
    assert not reusable({"status": "error", "error": "The toolkit crashed", TRANSIENT: True})
    assert not reusable({"status": "error", "error": "internal_error: MemoryError: "})


def test_a_row_shows_its_own_smiles_or_the_canonical_one():
    assert shown_smiles(RECORD, "CC(=O)Oc1ccccc1C(=O)O") == RECORD["text"]
    assert shown_smiles({**RECORD, "kind": "mol"}, "CCO") == "CCO"
    assert shown_smiles({**RECORD, "kind": "mol"}, None) == ""
    assert shown_smiles({**RECORD, "error": "bad"}, "CCO") == ""


def test_the_engine_version_changes_with_any_chemistry_file_or_toolkit(tmp_path):
    tree = tmp_path / "chemistry"
    shutil.copytree(PACKAGE, tree, ignore=shutil.ignore_patterns("__pycache__"))
    base = digest_of(tree, TOOLKITS, b"catalogs")
    assert digest_of(tree, TOOLKITS, b"catalogs") == base
    (tree / "__pycache__").mkdir(exist_ok=True)
    (tree / "__pycache__" / "scoring.cpython-311.pyc").write_bytes(b"compiled")
    assert digest_of(tree, TOOLKITS, b"catalogs") == base  # compiled caches do not count
    scoring = tree / "scoring.py"
    scoring.write_text(scoring.read_text() + "\n# a comment is enough: the source changed\n")
    edited = digest_of(tree, TOOLKITS, b"catalogs")
    assert edited != base
    (tree / "new_alerts.csv").write_text("rule,smarts\n")
    assert digest_of(tree, TOOLKITS, b"catalogs") != edited
    assert digest_of(tree, {**TOOLKITS, "rdkit": "2027.03.1"}, b"catalogs") != edited
    assert digest_of(tree, {**TOOLKITS, "chembl_structure_pipeline": "1.2.5"}, b"catalogs") != edited
    assert digest_of(tree, TOOLKITS, b"other catalogs") != edited


def test_this_process_has_one_engine_and_cache_version():
    assert engine_version() is engine_version() and len(engine_version()) == 16
    assert cache_version() is cache_version() and cache_version() != engine_version()
