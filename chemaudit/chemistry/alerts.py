"""Structural alerts from RDKit's FilterCatalog: PAINS and BRENK always, NIH/ZINC and ChEMBL on request.

Catalogs are built once per process. Every entry is pre-screened with the pattern fingerprint of
its own query, read back from the entry's serialised form (a SMARTS matcher: name, pickled query
molecule, minimum and maximum counts). An entry whose query cannot be read that way, or that could
match with zero hits, is never screened out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
from rdkit import Chem
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
_PICKLE_MAGIC = b"\xef\xbe\xad\xde"  # start of an RDKit molecule pickle
_COUNTS = re.compile(rb"^ (\d+) (\d+)")


@dataclass(frozen=True)
class _Catalog:
    name: str
    owner: FilterCatalog  # keeps the entries' catalog alive
    entries: tuple
    screen: QueryScreen


def catalogs_for(options) -> tuple[str, ...]:
    names: tuple[str, ...] = ALWAYS
    if options.include_extended_safety:
        names += EXTENDED
    if options.include_chembl_alerts:
        names += CHEMBL
    return names


@functools.cache
def catalog(name: str) -> _Catalog:
    """The named catalog with its screen, built on first use (callers hold the toolkit lock)."""
    params = FilterCatalogParams()
    for source in _SOURCES[name]:
        params.AddCatalog(source)
    built = FilterCatalog(params)
    entries = tuple(built.GetEntryWithIdx(i) for i in range(built.GetNumEntries()))
    return _Catalog(name, built, entries, QueryScreen([entry_query(e) for e in entries]))


def entry_query(entry) -> Chem.Mol | None:
    """The query molecule of a one-SMARTS catalog entry that needs at least one hit, else None."""
    data = entry.Serialize()
    start = data.find(_PICKLE_MAGIC)
    if start < 0:
        return None
    try:
        length = int(data[:start].rstrip().rsplit(b" ", 1)[1])
    except (ValueError, IndexError):
        return None
    counts = _COUNTS.match(data[start + length:])
    if counts is None or int(counts.group(1)) < 1:
        return None
    try:
        return Chem.Mol(data[start : start + length])
    except (RuntimeError, ValueError):
        return None


def severity_of(rule_name: str) -> str:
    lowered = rule_name.lower()
    return "critical" if any(word in lowered for word in _CRITICAL_WORDS) else "warning"


def screen(mol: Chem.Mol, names: tuple[str, ...], fingerprint: np.ndarray) -> dict:
    """Every matching alert of the named catalogs, in catalog order."""
    found = []
    for name in names:
        cat = catalog(name)
        for i in cat.screen.candidates(fingerprint):
            entry = cat.entries[i]
            matches = entry.GetFilterMatches(mol)  # empty when it does not match: one search, not two
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
