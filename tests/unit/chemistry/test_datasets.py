"""RDKit's own data sets: NCI first_5K, the PAINS positive controls (test_set3) and the WEHI set."""

from __future__ import annotations

import csv

from rdkit import Chem, RDLogger
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.chemistry.alerts import CHEMBL, catalog, screen
from chemaudit.chemistry.parsing import parse
from chemaudit.chemistry.screening import fingerprint_words
from tests.unit.chemistry.conftest import DATA, failed

RDLogger.DisableLog("rdApp.*")  # the reference reads below would print every valence error


def _rdkit_reads(smiles: str) -> bool:
    return Chem.MolFromSmiles(smiles) is not None


def test_nci_exactly_the_unsanitisable_records_fail_with_valence_or_sanitization(nci_records):
    options = AuditOptions()
    refused = {name for smiles, name in nci_records if parse(smiles, "smiles", options).failure}
    unreadable = {name for smiles, name in nci_records if not _rdkit_reads(smiles)}
    assert refused == unreadable and len(unreadable) == 8
    by_name = dict((name, smiles) for smiles, name in nci_records)
    for name in sorted(unreadable):
        result = audit(by_name[name], "smiles")
        assert result["status"] == "error"
        assert result["error"].startswith("sanitization_failed:")
        assert {"sanitization", "valence"} & failed(result)
        assert "parsability" not in failed(result)


def test_nci_every_other_record_audits_successfully(nci_records):
    sample = [smiles for smiles, _ in nci_records[::10] if _rdkit_reads(smiles)]
    assert len(sample) > 490
    for smiles in sample:
        result = audit(smiles, "smiles")
        assert result["status"] == "success", (smiles, result["error"])
        assert not [c for c in result["validation"]["all_checks"] if c["message"].startswith("Check could not")]
        assert result["scoring"]["druglikeness"]["molecular_weight"] > 0


def test_every_pains_positive_control_raises_its_pains_alert(pains_positives):
    with (DATA / "Pains" / "wehi_pains.csv").open(newline="") as handle:
        names = [row[1].removeprefix("<regId=").removesuffix(">") for row in csv.reader(handle)]
    alerts_only = AuditOptions(checks=("parsability",))  # the checks are tested elsewhere
    for index, smiles, ident in pains_positives:
        result = audit(smiles, "smiles", alerts_only)
        pains = {a["rule_name"] for a in result["alerts"]["alerts"] if a["catalog"] == "PAINS"}
        assert names[int(index)] in pains, (ident, smiles)
        assert result["alerts"]["has_alerts"] and result["alerts"]["alert_count"] >= len(pains)


def _unscreened(catalogs):
    params = FilterCatalogParams()
    for name in catalogs:
        params.AddCatalog(name)
    return FilterCatalog(params)


def _same_as_unscreened(names, smiles_list) -> int:
    F = FilterCatalogParams.FilterCatalogs
    sources = {"PAINS": (F.PAINS_A, F.PAINS_B, F.PAINS_C), "BRENK": (F.BRENK,), "NIH": (F.NIH,), "ZINC": (F.ZINC,),
               "CHEMBL_BMS": (F.CHEMBL_BMS,), "CHEMBL_DUNDEE": (F.CHEMBL_Dundee,), "CHEMBL_GLAXO": (F.CHEMBL_Glaxo,),
               "CHEMBL_INPHARMATICA": (F.CHEMBL_Inpharmatica,), "CHEMBL_LINT": (F.CHEMBL_LINT,),
               "CHEMBL_MLSMR": (F.CHEMBL_MLSMR,), "CHEMBL_SURECHEMBL": (F.CHEMBL_SureChEMBL,)}
    references = {name: _unscreened(sources[name]) for name in names}
    checked = 0
    for text in smiles_list:
        mol = Chem.MolFromSmiles(text)
        if mol is None:
            continue
        words = fingerprint_words(mol)
        for name, reference in references.items():
            expected = sorted(e.GetDescription() for e in reference.GetMatches(mol))
            found = sorted(a["rule_name"] for a in screen(mol, (name,), words)["alerts"])
            assert found == expected, (name, text)
        checked += 1
    return checked


def test_fingerprint_screening_never_loses_a_match(pains_positives, wehi_smiles, nci_records):
    """Screened catalogs give exactly RDKit's unscreened FilterCatalog matches."""
    smiles = [s for _, s, _ in pains_positives] + wehi_smiles[::60] + [s for s, _ in nci_records[::60]]
    assert _same_as_unscreened(("PAINS", "BRENK"), smiles) > 700
    others = ("NIH", "ZINC") + CHEMBL
    assert _same_as_unscreened(others, [s for s, _ in nci_records[7::100]] + wehi_smiles[3::500]) > 60


def test_every_catalog_entry_query_is_read_back():
    from chemaudit.chemistry.alerts import ALWAYS, EXTENDED, entry_query

    for name in ALWAYS + EXTENDED + CHEMBL:
        entries = catalog(name).entries
        assert all(entry_query(entry) is not None for entry in entries), name


def test_wehi_set_audits_and_its_pains_hits_match_rdkit(wehi_smiles):
    F = FilterCatalogParams.FilterCatalogs
    reference = _unscreened((F.PAINS_A, F.PAINS_B, F.PAINS_C))
    sample = wehi_smiles[::50]
    expected = sum(1 for s in sample if reference.HasMatch(Chem.MolFromSmiles(s)))
    found = 0
    for smiles in sample:
        result = audit(smiles, "smiles", AuditOptions(checks=("parsability", "sanitization")))
        assert result["status"] == "success"
        found += any(a["catalog"] == "PAINS" for a in result["alerts"]["alerts"])
    assert found == expected and found > 0


def test_optional_catalogs_only_with_their_flags(nci_records):
    sample = [s for s, _ in nci_records[:50] if _rdkit_reads(s)]
    plain = AuditOptions()
    extended = AuditOptions(include_extended_safety=True)
    chembl = AuditOptions(include_chembl_alerts=True)
    seen = {"plain": set(), "extended": set(), "chembl": set()}
    for smiles in sample:
        for label, options in (("plain", plain), ("extended", extended), ("chembl", chembl)):
            seen[label] |= {a["catalog"] for a in audit(smiles, "smiles", options)["alerts"]["alerts"]}
    assert seen["plain"] == {"PAINS", "BRENK"}
    assert {"NIH", "ZINC"} <= seen["extended"] <= {"PAINS", "BRENK", "NIH", "ZINC"}
    assert seen["chembl"] - {"PAINS", "BRENK"} <= set(CHEMBL) and len(seen["chembl"] & set(CHEMBL)) >= 5


def test_catalogs_are_built_once():
    assert catalog("BRENK") is catalog("BRENK")
    assert len(catalog("PAINS").entries) == 480 and len(catalog("PAINS").screen) == 480
