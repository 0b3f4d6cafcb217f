"""The chemistry engine's version: a short hash of everything that can change an audit's result.

Covered: every file of this package (sources and data), RDKit's version, the ChEMBL structure
pipeline's version, and the alert catalogs as RDKit serialises them. Two processes with the same
version give the same result for the same input and options, so a stored result can stand in
for a fresh audit (tasks/result_cache.py). Computed on first use, once per process; nothing
happens at import.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _feed(digest, label: str, data: bytes) -> None:
    # Length-prefixed, so no two different sequences of parts can hash the same.
    digest.update(f"{label}:{len(data)}:".encode())
    digest.update(data)


def source_files(root: Path = PACKAGE) -> list[Path]:
    """The package's files in a stable order (compiled caches excluded)."""
    return sorted(path for path in root.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc")


def _catalogs_blob() -> bytes:
    from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

    from chemaudit.chemistry.alerts import _SOURCES
    from chemaudit.chemistry.rdlog import TOOLKIT_LOCK

    parts = []
    with TOOLKIT_LOCK:
        for name, sources in sorted(_SOURCES.items()):
            for source in sources:
                params = FilterCatalogParams()
                params.AddCatalog(source)
                parts.append(name.encode() + b"\0" + FilterCatalog(params).Serialize())
    return b"\0".join(parts)


def digest_of(root: Path, toolkit_versions: dict[str, str], catalogs: bytes) -> str:
    """The version string for a package tree, the toolkit versions and the catalogs' bytes."""
    digest = hashlib.sha256()
    for path in source_files(root):
        _feed(digest, path.relative_to(root).as_posix(), path.read_bytes())
    for name, version in sorted(toolkit_versions.items()):
        _feed(digest, name, version.encode())
    _feed(digest, "alert catalogs", catalogs)
    return digest.hexdigest()[:16]


def toolkit_versions() -> dict[str, str]:
    import chembl_structure_pipeline
    import rdkit

    return {"rdkit": rdkit.__version__, "chembl_structure_pipeline": chembl_structure_pipeline.__version__}


@functools.cache
def engine_version() -> str:
    """This process's engine version (16 hex digits); about half a second the first time."""
    return digest_of(PACKAGE, toolkit_versions(), _catalogs_blob())
