"""Chemical space: PCA of Morgan fingerprints, fitted on a sample, every molecule projected.

Sampling rule: the principal axes are fitted on at most FIT_SAMPLE molecules (all of them up to
that size; above it, a uniform random sample with a fixed seed, so a rerun gives the same
axes); every molecule is then projected on those axes, in blocks, so memory stays bounded by
one block (5,000 x 2048) and the 2048 x 2048 covariance, whatever the job's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from chemaudit.analytics.fingerprints import unpack

FIT_SAMPLE = 20_000
PROJECT_BLOCK = 5_000
SEED = 42


def fit_sample(n: int, limit: int = FIT_SAMPLE) -> np.ndarray:
    """Positions of the molecules the axes are fitted on (sorted)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(SEED).choice(n, size=limit, replace=False))


class PcaModel:
    def __init__(self, mean: np.ndarray, axes: np.ndarray, explained: list[float]):
        self.mean = mean
        self.axes = axes  # (2048, components)
        self.explained = explained

    def project(self, fps: np.ndarray) -> np.ndarray:
        return (unpack(fps) - self.mean) @ self.axes


def fit_pca(fps: np.ndarray, components: int = 2) -> PcaModel:
    """Principal axes of the (sampled) fingerprints; each axis signed so its largest loading is
    positive (the sign of an eigenvector is otherwise arbitrary). The covariance is summed block
    by block, so only one block is ever unpacked."""
    n = len(fps)
    sums = np.zeros(fps.shape[1] * 8)
    gram = np.zeros((fps.shape[1] * 8,) * 2)
    for start in range(0, n, PROJECT_BLOCK):
        block = unpack(fps[start:start + PROJECT_BLOCK])
        sums += block.sum(axis=0, dtype=np.float64)
        gram += block.T @ block  # float32 is exact here: sums of 0/1 products below 2**24
    mean = sums / n
    values, vectors = np.linalg.eigh(gram - n * np.outer(mean, mean))
    order = np.argsort(values)[::-1]
    values, vectors = np.clip(values[order], 0, None), vectors[:, order]
    axes = vectors[:, :components]
    signs = np.sign(axes[np.abs(axes).argmax(axis=0), np.arange(components)])
    axes = axes * np.where(signs == 0, 1, signs)
    total = values.sum()
    explained = [float(v / total) if total > 0 else 0.0 for v in values[:components]]
    return PcaModel(mean.astype(np.float32), axes.astype(np.float32), explained)


def project_blocks(model: PcaModel, fps: np.ndarray,
                   progress: Callable[[float], None] | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """(start position, coordinates) block by block; `progress` gets the fraction done."""
    for start in range(0, len(fps), PROJECT_BLOCK):
        block = fps[start:start + PROJECT_BLOCK]
        yield start, model.project(block)
        if progress is not None:
            progress((start + len(block)) / len(fps))


# t-SNE (openTSNE) ---------------------------------------------------------------------------
# Sampling rule: t-SNE places at most TSNE_SAMPLE molecules (all of them up to that size, above
# it the same kind of seeded uniform sample), on the exact Tanimoto distances between them
# (SimSIMD, identical to 1 - RDKit's TanimotoSimilarity). 5,000 took 8 s on 2 idle cores and
# 200 MB for the distance matrix (measured); molecules outside the sample get no t-SNE position.
TSNE_SAMPLE = 5_000


def tsne_available() -> bool:
    try:
        import openTSNE  # noqa: F401
    except ImportError:
        return False
    return True


def tanimoto_distances(fps: np.ndarray, threads: int = 1) -> np.ndarray:
    import simsimd

    return np.asarray(simsimd.cdist(fps, fps, metric="jaccard", dtype="bin8", out_dtype="float64",
                                    threads=threads))


def embed_tsne(distances: np.ndarray, threads: int = 1,
               progress: Callable[[float], None] | None = None) -> np.ndarray:
    """2-D t-SNE of a precomputed distance matrix (perplexity 30, or less for tiny sets)."""
    from openTSNE import TSNE

    calls = 0

    def report(iteration, error, embedding):
        nonlocal calls
        calls += 1
        if progress is not None:
            progress(min(1.0, calls * 50 / 750))  # 250 early-exaggeration + 500 iterations, every 50
        return False

    n = len(distances)
    model = TSNE(n_components=2, perplexity=min(30.0, max(2.0, (n - 1) / 3)), metric="precomputed",
                 neighbors="exact", initialization="spectral", random_state=SEED, n_jobs=threads,
                 callbacks=report, callbacks_every_iters=50, verbose=False)
    return np.asarray(model.fit(distances))
