"""Nearest neighbours of one query among a job's packed fingerprints (exact Tanimoto)."""

from __future__ import annotations

import numpy as np

from chemaudit.analytics.fingerprints import tanimoto_to_all


def top_neighbours(query: np.ndarray, fps: np.ndarray, bits: np.ndarray, top_k: int,
                   exclude: int | None = None) -> list[tuple[int, float]]:
    """(position, similarity) of the `top_k` most similar rows, most similar first; ties by
    position. `exclude` (the query's own row) is left out."""
    sims = tanimoto_to_all(query, fps, bits)
    if exclude is not None:
        sims[exclude] = -1.0
    k = min(top_k, len(sims) - (exclude is not None))
    if k <= 0:
        return []
    # Everything at least as similar as the k-th best, then the exact order among those.
    kth = np.partition(sims, len(sims) - k)[len(sims) - k]
    candidates = np.nonzero(sims >= kth)[0]
    order = np.lexsort((candidates, -sims[candidates]))[:k]
    return [(int(candidates[i]), float(sims[candidates[i]])) for i in order]
