"""Each analysis type: compute over the job's stored results, store rows, return the summary.

The summary is the API's result document, in ChemAudit's shape; long lists in it are capped
(the caps are in its fields' docs, docs/user-guide.md) and the full results are the rows of the
analytics tables, for SQL. Per-molecule RDKit work goes through `RunContext.map`.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

import numpy as np
from psycopg.types.json import Jsonb

from chemaudit.analytics import butina, mcs, mmp, rgroups, scaffolds, similarity, space, taxonomy
from chemaudit.analytics.fingerprints import packed_fingerprint, popcounts, tanimoto_pairs
from chemaudit.db import analytics_queries as aq
from tasks.analytics_context import AnalysisRefused, RunContext

SCAFFOLD_GROUPS = 200  # scaffolds listed, most frequent first
GROUP_MEMBERS = 100  # molecule indices listed per scaffold or cluster
FREQUENCY_TOP = 50  # scaffolds in frequency_distribution before "Other"
CLUSTERS_LISTED = 1_000
PER_MOLECULE = 1_000  # taxonomy / R-group rows listed
PAIRS_LISTED = 1_000


def run_scaffold(ctx: RunContext) -> dict:
    # The audit stored each molecule's scaffold: RDKit is left for the molecules stored without
    # one (before migration 0011, or reused from older documents) and the distinct scaffolds.
    done = ctx.execute(aq.store_scaffolds(ctx.run_id, ctx.job_id))
    unstored = ctx.total - done
    ctx.progress(0.9 * done / max(ctx.total, 1), force=True)

    def rows():
        nonlocal done
        batches = ctx.molecule_batches(aq.unstored_scaffold_smiles(ctx.job_id))
        for batch in ctx.map(scaffolds.murcko_batch, batches, size=unstored):
            done += len(batch)
            ctx.progress(0.9 * done / max(ctx.total, 1))
            yield from batch

    if unstored > 0:
        ctx.copy("analytics_scaffolds", rows())
    counts = ctx.lookup(aq.scaffold_counts(ctx.run_id))
    names = [row[0] for row in counts]
    chunks = [names[i:i + 2_000] for i in range(0, len(names), 2_000)]
    generics = dict(pair for batch in ctx.map(scaffolds.generic_batch, chunks, size=len(names))
                    for pair in batch)
    ctx.copy("analytics_scaffold_groups", ((name, generics[name], n) for name, n in counts))
    ordered = sorted(counts, key=lambda row: (-row[1], row[0]))
    distribution = {name: n for name, n in ordered[:FREQUENCY_TOP]}
    other = sum(n for _, n in ordered[FREQUENCY_TOP:])
    if other:
        distribution["Other"] = other
    listed = ctx.lookup(aq.scaffold_groups(ctx.run_id, SCAFFOLD_GROUPS, GROUP_MEMBERS))
    return {"scaffolds": [row[0] for row in listed], "unique_scaffold_count": len(counts),
            "shannon_entropy": round(scaffolds.shannon_entropy([n for _, n in counts]), 6),
            "frequency_distribution": distribution, "molecule_count": sum(n for _, n in counts)}


def run_clustering(ctx: RunContext) -> dict:
    cutoff = ctx.params["cutoff"]
    indices, fps = ctx.fingerprints(ctx.phase(0.0, 0.3))
    n = len(indices)
    bits = popcounts(fps)
    rows, cols = butina.neighbour_pairs(fps, bits, cutoff, ctx.settings.analytics_threads,
                                        lambda stop: ctx.progress(0.3 + 0.6 * (stop / max(n, 1)) ** 2))
    clusters = butina.butina(n, rows, cols)
    ctx.copy("analytics_clusters", ((int(indices[pos]), cid, k == 0)
                                    for cid, members in enumerate(clusters) for k, pos in enumerate(members)))
    sizes = [len(members) for members in clusters]
    listed = sorted(range(len(clusters)), key=lambda cid: (-sizes[cid], cid))[:CLUSTERS_LISTED]
    infos: list[dict] = []
    for cid in listed:
        members = [int(indices[pos]) for pos in clusters[cid]]
        infos.append({"cluster_id": cid, "size": len(members), "representative_index": members[0],
                      "member_indices": members[:GROUP_MEMBERS]})
    shown = sorted({i for info in infos for i in info["member_indices"]})
    smiles_map = {str(idx): smiles for idx, smiles in ctx.lookup(aq.smiles_of(ctx.job_id, shown))}
    return {"clusters": infos, "cluster_count": len(clusters), "singleton_count": sizes.count(1),
            "largest_cluster_size": max(sizes, default=0), "distance_cutoff": cutoff,
            "smiles_map": smiles_map, "molecule_count": n}


def run_similarity(ctx: RunContext) -> dict:
    query_smiles, query_index = ctx.params["query_smiles"], ctx.params["query_index"]
    indices, fps = ctx.fingerprints(ctx.phase(0.0, 0.9))
    exclude = None
    if query_smiles is not None:
        packed, _ = packed_fingerprint(query_smiles)
        if packed is None:  # the request was checked; this is the worker's own word for it
            raise AnalysisRefused("query_smiles could not be read as a molecule.")
        query = np.frombuffer(packed, dtype=np.uint8)
    else:
        found = np.searchsorted(indices, query_index)
        if found >= len(indices) or indices[found] != query_index:
            raise AnalysisRefused(f"query_index {query_index} is not a successfully audited molecule of this job.")
        exclude = int(found)
        query = fps[exclude]
        query_smiles = ctx.lookup(aq.smiles_of(ctx.job_id, [query_index]))[0][1]
    hits = similarity.top_neighbours(query, fps, popcounts(fps), ctx.params["top_k"], exclude)
    smiles = dict(ctx.lookup(aq.smiles_of(ctx.job_id, [int(indices[pos]) for pos, _ in hits])))
    return {"query_index": query_index if exclude is not None else None, "query_smiles": query_smiles,
            "neighbors": [{"index": int(indices[pos]), "similarity": sim, "smiles": smiles[int(indices[pos])]}
                          for pos, sim in hits]}


def run_chemical_space(ctx: RunContext) -> dict:
    indices, fps = ctx.fingerprints(ctx.phase(0.0, 0.4))
    if len(indices) < 3:
        raise AnalysisRefused(f"chemical space needs at least 3 readable molecules; this job has {len(indices)}.")
    if ctx.params["method"] == "tsne":
        return _tsne(ctx, indices, fps)
    sample = space.fit_sample(len(indices))
    model = space.fit_pca(fps[sample])
    ctx.progress(0.6, force=True)
    listed = set(sample.tolist())
    points: dict[int, list[float]] = {}

    def rows():
        for start, coords in space.project_blocks(model, fps, ctx.phase(0.6, 0.95)):
            for offset, (x, y) in enumerate(coords.tolist()):
                pos = start + offset
                if pos in listed:
                    points[pos] = [x, y]
                yield int(indices[pos]), x, y

    ctx.copy("analytics_coordinates", rows())
    order = sorted(points)
    return _space_summary(ctx, "pca", indices, order, [points[pos] for pos in order], model.explained)


def _tsne(ctx: RunContext, indices: np.ndarray, fps: np.ndarray) -> dict:
    sample = space.fit_sample(len(indices), space.TSNE_SAMPLE)
    distances = space.tanimoto_distances(fps[sample], ctx.settings.analytics_threads)
    coords = space.embed_tsne(distances, ctx.settings.analytics_threads, ctx.phase(0.4, 0.95)).tolist()
    del distances
    ctx.copy("analytics_coordinates", ((int(indices[pos]), x, y) for pos, (x, y) in zip(sample.tolist(), coords)))
    return _space_summary(ctx, "tsne", indices, sample.tolist(), coords, None)


def _space_summary(ctx: RunContext, method: str, indices: np.ndarray, positions: list[int],
                   coordinates: list[list[float]], explained: list[float] | None) -> dict:
    shown = [int(indices[pos]) for pos in positions]
    score = dict(ctx.lookup(aq.scores(ctx.job_id, shown)))
    return {"method": method, "coordinates": coordinates, "molecule_indices": shown,
            "variance_explained": explained, "scores": [score.get(idx) for idx in shown],
            "sampled": len(shown) < len(indices), "total_points": len(indices)}


def run_taxonomy(ctx: RunContext) -> dict:
    per_rule: Counter[str] = Counter()
    per_category: Counter[str] = Counter()
    done = classified = 0

    def rows():
        nonlocal done, classified
        for batch in ctx.map(taxonomy.classify_batch, ctx.molecule_batches()):
            done += len(batch)
            ctx.progress(0.95 * done / max(ctx.total, 1))
            for idx, names in batch:
                classified += bool(names)
                per_rule.update(names)
                per_category.update({taxonomy.RULES_BY_NAME[name].category for name in names})
                yield idx, names

    total = ctx.copy("analytics_taxonomy", rows())
    listed = ctx.lookup(aq.taxonomy_rows(ctx.run_id, ctx.job_id, PER_MOLECULE))
    per_molecule = [{"index": idx, "smiles": smiles, "categories": [
        {"name": name, "category": taxonomy.RULES_BY_NAME[name].category,
         "description": taxonomy.RULES_BY_NAME[name].description} for name in names]}
        for idx, smiles, names in listed]
    return {"per_molecule": per_molecule, "category_counts": dict(per_category), "rule_counts": dict(per_rule),
            "total_molecules": total, "classified_molecules": classified, "unclassified_molecules": total - classified}


def run_mmp(ctx: RunContext) -> dict:
    fragments = []
    done = 0
    for batch in ctx.map(mmp.cuts_batch, ctx.molecule_batches()):
        fragments.extend(batch)
        done += len(batch)
        ctx.progress(0.6 * done / max(ctx.total, 1))
    found = mmp.candidate_pairs(fragments)
    del fragments
    indices, fps = ctx.fingerprints(ctx.phase(0.6, 0.8))
    position = {int(idx): pos for pos, idx in enumerate(indices)}
    keys = [key for key in found if key[0] in position and key[1] in position]
    a = np.array([position[k[0]] for k in keys], dtype=np.int64)
    b = np.array([position[k[1]] for k in keys], dtype=np.int64)
    sims = tanimoto_pairs(fps, popcounts(fps), a, b) if keys else np.zeros(0)
    pairs = [(k[0], k[1], *found[k], float(s)) for k, s in zip(keys, sims.tolist())]
    ctx.copy("analytics_pairs", pairs)
    pairs.sort(key=lambda p: (-p[5], p[0], p[1]))
    return {"pairs": [{"mol_a_index": p[0], "mol_b_index": p[1], "core_smiles": p[2], "rgroup_a": p[3],
                       "rgroup_b": p[4], "tanimoto": p[5]} for p in pairs[:PAIRS_LISTED]],
            "pair_count": len(pairs), "activity_cliffs": None, "lle_values": None}


def run_rgroup(ctx: RunContext) -> dict:
    core = ctx.params["core_smarts"]
    listed: list[tuple[int, dict]] = []
    unmatched = done = matched = 0

    def rows():
        nonlocal unmatched, done, matched
        for found, missed in ctx.map(partial(rgroups.decompose, core), ctx.molecule_batches()):
            unmatched += missed
            matched += len(found)
            done += len(found) + missed
            ctx.progress(0.95 * done / max(ctx.total, 1))
            for idx, groups in found:
                if len(listed) < PER_MOLECULE:
                    listed.append((idx, groups))
                yield idx, Jsonb(groups)

    ctx.copy("analytics_rgroups", rows())
    return {"core_smarts": core, "unmatched_count": unmatched, "matched_count": matched,
            "decomposition": [{"molecule_index": idx, "core": core,
                               "rgroups": {k: v for k, v in groups.items() if k.startswith("R")}}
                              for idx, groups in listed]}


def run_mcs(ctx: RunContext) -> dict:
    a, b = ctx.params["index_a"], ctx.params["index_b"]
    found = {idx: (smiles, status) for idx, smiles, status in ctx.lookup(aq.molecules_at(ctx.job_id, [a, b]))}
    for idx in (a, b):
        if idx not in found:
            raise AnalysisRefused(f"Molecule at index {idx} is not in this job.")
        if found[idx][0] is None:
            raise AnalysisRefused(f"Molecule at index {idx} has no structure to compare (status {found[idx][1]}).")
    result = mcs.compare(found[a][0], found[b][0])
    if result is None:
        raise AnalysisRefused("RDKit could not read the stored structures back.")
    return result


COMPUTE = {"scaffold": run_scaffold, "clustering": run_clustering, "similarity_search": run_similarity,
           "chemical_space": run_chemical_space, "taxonomy": run_taxonomy, "mmp": run_mmp,
           "rgroup": run_rgroup, "mcs": run_mcs}
