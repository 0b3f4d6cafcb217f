"""The parameters of each analysis type: checked, defaulted and normalised before a run exists.

A normalised dict is what a run stores and what tells two requests apart (same type and same
params: the same run). Anything wrong is the client's error: 422 with a sentence.
"""

from __future__ import annotations

import math

from rdkit import Chem, rdBase

from chemaudit.analytics.space import tsne_available
from chemaudit.db.analytics_schema import ANALYSIS_TYPES
from chemaudit.errors import BadInput, InvalidOption

# Types started through POST /batch/{id}/analytics/{type}; mcs has its own route.
TRIGGERED_TYPES = tuple(t for t in ANALYSIS_TYPES if t != "mcs")
MAX_SMILES_CHARS = 10_000
MAX_TOP_K = 1_000


def _number(params: dict, name: str, default: float, low: float, high: float) -> float:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidOption(f"{name} must be a number from {low} to {high}.")
    if not low <= value <= high:
        raise InvalidOption(f"{name} must be from {low} to {high}, not {value}.")
    return float(value)


def _integer(params: dict, name: str, default: int | None, low: int, high: int) -> int | None:
    value = params.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidOption(f"{name} must be a whole number from {low} to {high}.")
    return value


def _text(params: dict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SMILES_CHARS:
        raise InvalidOption(f"{name} must be a non-empty string of at most {MAX_SMILES_CHARS} characters.")
    return value.strip()


def _clustering(params: dict) -> dict:
    # ChemAudit's name is `cutoff`; the CLI says --threshold. Both mean the Tanimoto distance.
    name = "threshold" if "threshold" in params and "cutoff" not in params else "cutoff"
    return {"cutoff": _number(params, name, 0.35, 0.0, 1.0)}


def _similarity(params: dict) -> dict:
    smiles = _text(params, "query_smiles")
    index = _integer(params, "query_index", None, 0, 2**31 - 1)
    if smiles is None and index is None:
        raise InvalidOption("similarity_search needs query_smiles or query_index.")
    if smiles is not None:
        with rdBase.BlockLogs():
            if Chem.MolFromSmiles(smiles) is None:
                raise InvalidOption("query_smiles could not be read as a molecule.", code="invalid_smiles")
        index = None  # as in ChemAudit, an explicit SMILES wins
    return {"query_smiles": smiles, "query_index": index,
            "top_k": _integer(params, "top_k", 10, 1, MAX_TOP_K)}


def chemical_space_methods() -> tuple[str, ...]:
    """PCA always; t-SNE where openTSNE is installed (a dependency, so normally everywhere)."""
    return ("pca", "tsne") if tsne_available() else ("pca",)


def _chemical_space(params: dict) -> dict:
    method = params.get("method", "pca")
    methods = chemical_space_methods()
    if method not in methods:
        raise InvalidOption(f"method must be one of {', '.join(methods)}, not {str(method)[:40]!r}.")
    return {"method": method}


def _rgroup(params: dict) -> dict:
    core = _text(params, "core_smarts")
    if core is None:
        raise InvalidOption("rgroup needs core_smarts, the SMARTS of the common core.")
    with rdBase.BlockLogs():
        if Chem.MolFromSmarts(core) is None:
            raise InvalidOption("core_smarts is not valid SMARTS.", code="invalid_smarts")
    return {"core_smarts": core}


def _mmp(params: dict) -> dict:
    if params.get("activity_column") is not None:
        raise InvalidOption("activity_column is not supported: uploads keep the structure of each"
                            " record, not its other columns, so there are no activity values.")
    return {}


def _mcs(params: dict) -> dict:
    a = _integer(params, "index_a", None, 0, 2**31 - 1)
    b = _integer(params, "index_b", None, 0, 2**31 - 1)
    if a is None or b is None:
        raise InvalidOption('mcs needs index_a and index_b, like {"index_a": 0, "index_b": 5}.')
    return {"index_a": a, "index_b": b}


_NORMALISERS = {"scaffold": lambda params: {}, "taxonomy": lambda params: {}, "clustering": _clustering,
                "similarity_search": _similarity, "chemical_space": _chemical_space,
                "rgroup": _rgroup, "mmp": _mmp, "mcs": _mcs}


def normalise(analysis_type: str, params: dict | None) -> dict:
    """The run's params; 400 for an unknown type, 422 for bad params."""
    if analysis_type not in _NORMALISERS:
        raise BadInput(f"Unknown analysis type {analysis_type[:40]!r}; choose from {', '.join(TRIGGERED_TYPES)}.",
                       code="unknown_analysis")
    return _NORMALISERS[analysis_type](params or {})
