"""Structural alerts from RDKit's FilterCatalog: PAINS and BRENK always, NIH/ZINC and ChEMBL on request.

Catalogs are built once per process. PAINS entries are pre-screened with pattern fingerprints of
the same SMARTS (RDKit ships them in Data/Pains/wehi_pains.csv, keyed by the entry description).
"""

from __future__ import annotations

import csv
import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rdkit import Chem, RDConfig
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

from chemaudit.chemistry.screening import QueryScreen

_FC = FilterCatalogParams.FilterCatalogs
ALWAYS = ("PAINS", "BRENK")
EXTENDED = ("NIH", "ZINC")
CHEMBL = ("CHEMBL_BMS", "CHEMBL_DUNDEE", "CHEMBL_GLAXO", "CHEMBL_INPHARMATICA", "CHEMBL_LINT",
          "CHEMBL_MLSMR", "CHEMBL_SURECHEMBL")
_SOURCES = {
    "PAINS": (_FC.PAINS_A, _FC.PAINS_B, _FC.PAINS_C), "BRENK": (_FC.BRENK,), "NIH": (_FC.NIH,),
    "ZINC": (_FC.ZINC,), "CHEMBL_BMS": (_FC.CHEMBL_BMS,), "CHEMBL_DUNDEE": (_FC.CHEMBL_Dundee,),
    "CHEMBL_GLAXO": (_FC.CHEMBL_Glaxo,), "CHEMBL_INPHARMATICA": (_FC.CHEMBL_Inpharmatica,),
    "CHEMBL_LINT": (_FC.CHEMBL_LINT,), "CHEMBL_MLSMR": (_FC.CHEMBL_MLSMR,),
    "CHEMBL_SURECHEMBL": (_FC.CHEMBL_SureChEMBL,),
}
# Reactive groups and known toxicophores are "critical"; every other alert asks for a look ("warning").
_CRITICAL_WORDS = ("azide", "diazo", "nitroso", "mustard", "epoxide", "acyl_halide", "acid_halide",
                   "acyl_chloride", "isocyanate", "isothiocyanate", "aziridine", "peroxide",
                   "phosphorane", "aldehyde")
_PAINS_SMARTS = Path(RDConfig.RDDataDir) / "Pains" / "wehi_pains.csv"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Catalog:
    name: str
    owner: FilterCatalog  # keeps the entries' catalog alive
    entries: tuple
    screen: QueryScreen | None  # None: every entry is tried


def catalogs_for(options) -> tuple[str, ...]:
    names = ALWAYS
    if options.include_extended_safety:
        names += EXTENDED
    if options.include_chembl_alerts:
        names += CHEMBL
    return names


@functools.cache
def catalog(name: str) -> _Catalog:
    with _LOCK:
        params = FilterCatalogParams()
        for source in _SOURCES[name]:
            params.AddCatalog(source)
        built = FilterCatalog(params)
        entries = tuple(built.GetEntryWithIdx(i) for i in range(built.GetNumEntries()))
        screen = _pains_screen(entries) if name == "PAINS" else None
        return _Catalog(name, built, entries, screen)


def _pains_screen(entries: tuple) -> QueryScreen:
    smarts = {}
    with _PAINS_SMARTS.open(newline="") as handle:
        for row in csv.reader(handle):
            if len(row) >= 2:
                smarts[row[1].removeprefix("<regId=").removesuffix(">")] = row[0]
    queries = []
    for entry in entries:
        text = smarts.get(entry.GetDescription())
        queries.append(Chem.MolFromSmarts(text, mergeHs=True) if text else None)
    return QueryScreen(queries)


def severity_of(rule_name: str) -> str:
    lowered = rule_name.lower()
    return "critical" if any(word in lowered for word in _CRITICAL_WORDS) else "warning"


def screen(mol: Chem.Mol, names: tuple[str, ...], fingerprint: np.ndarray) -> dict:
    """Every matching alert of the named catalogs, in catalog order."""
    found = []
    for name in names:
        cat = catalog(name)
        indices = cat.screen.candidates(fingerprint) if cat.screen is not None else range(len(cat.entries))
        for i in indices:
            entry = cat.entries[i]
            matches = entry.GetFilterMatches(mol)
            if not matches:
                continue
            atoms = sorted({int(pair[1]) for match in matches for pair in match.atomPairs})
            rule = entry.GetDescription()
            found.append({"catalog": name, "rule_name": rule, "severity": severity_of(rule),
                          "matched_atoms": atoms})
    return {"has_alerts": bool(found), "alert_count": len(found), "alerts": found}


def no_alerts() -> dict:
    return {"has_alerts": False, "alert_count": 0, "alerts": []}


def warm_up() -> None:
    for name in ALWAYS + EXTENDED + CHEMBL:
        catalog(name)
