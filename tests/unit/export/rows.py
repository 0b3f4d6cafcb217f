"""Result rows shaped like the export queries' rows, from real NCI molecules."""

from __future__ import annotations

from tests.support.molecules import NCI_SDF_200, nci_smiles


def flat_row(idx: int, smiles: str, name: str, **extra) -> dict:
    row = {
        "idx": idx, "name": name, "smiles": smiles, "canonical_smiles": smiles,
        "inchikey": f"KEY{idx:04d}-UHFFFAOYSA-N", "inchi": None, "molecular_formula": "C2H6O",
        "molecular_weight": 46.07, "status": "success", "error": None, "score": 90 - idx % 50,
        "ml_score": 75, "qed": 0.41 + idx / 1000, "sa_score": 2.5, "lipinski_passed": idx % 3 != 0,
        "issue_count": 1, "failed_checks": ["stereo_undefined"], "alert_count": 0,
        "alert_catalogs": [], "alert_names": [],
    }
    row.update(extra)
    return row


def smiles_rows(count: int) -> list[dict]:
    return [flat_row(i, smiles, name, input_kind="smiles", input_text=smiles)
            for i, (smiles, name) in enumerate(nci_smiles(count))]


def sd_records(count: int) -> list[str]:
    """The first SD records of the NCI file, as the upload stores them (without "$$$$")."""
    records = NCI_SDF_200.read_text().split("$$$$\n")
    return records[:count]
