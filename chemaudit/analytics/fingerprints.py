"""Morgan fingerprints (radius 2, 2048 bits) packed into 256 bytes, and exact Tanimoto on them.

Packed bytes are what the table stores and what the SIMD kernels read; the bits are RDKit's own
(`GetFingerprintAsNumPy`), so similarities equal RDKit's `TanimotoSimilarity` on the same molecule.
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem, rdBase
from rdkit.Chem import rdFingerprintGenerator

FP_BITS = 2048
FP_BYTES = FP_BITS // 8
_GENERATOR = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FP_BITS)


def morgan_bits(mol: Chem.Mol) -> np.ndarray:
    return _GENERATOR.GetFingerprintAsNumPy(mol)


def packed_fingerprint(smiles: str) -> tuple[bytes | None, int]:
    """(256 packed bytes, bits set) of a SMILES; (None, 0) when RDKit cannot read it."""
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None, 0
    bits = morgan_bits(mol)
    return np.packbits(bits).tobytes(), int(bits.sum())


def fingerprint_batch(items: list[tuple[int, str]]) -> list[tuple[int, bytes | None, int]]:
    """(idx, packed, bits) for each (idx, smiles); a process-pool unit of work."""
    return [(idx, *packed_fingerprint(smiles)) for idx, smiles in items]


def as_matrix(blobs: list[bytes]) -> np.ndarray:
    """Packed fingerprints as one (n, 256) uint8 array."""
    if not blobs:
        return np.zeros((0, FP_BYTES), dtype=np.uint8)
    return np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), FP_BYTES)


def popcounts(fps: np.ndarray) -> np.ndarray:
    return np.bitwise_count(fps).sum(axis=1, dtype=np.int32)


def tanimoto_pairs(fps: np.ndarray, bits: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Exact Tanimoto of the pairs (rows[k], cols[k]), computed as RDKit does (0 for two empty)."""
    inter = np.bitwise_count(fps[rows] & fps[cols]).sum(axis=1, dtype=np.int32)
    union = bits[rows] + bits[cols] - inter
    out = np.zeros(len(rows), dtype=np.float64)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def tanimoto_to_all(query: np.ndarray, fps: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Exact Tanimoto of one packed fingerprint against every row of `fps`."""
    inter = np.bitwise_count(fps & query).sum(axis=1, dtype=np.int32)
    union = int(np.bitwise_count(query).sum()) + bits - inter
    out = np.zeros(len(fps), dtype=np.float64)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def unpack(fps: np.ndarray) -> np.ndarray:
    """(n, 2048) float32 0/1 matrix of packed fingerprints."""
    return np.unpackbits(fps, axis=1).astype(np.float32)
