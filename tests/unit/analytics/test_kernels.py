"""The analytics kernels against RDKit on real molecules (NCI set): Butina clusters, nearest
neighbours, scaffolds; and the parameter rules."""

from __future__ import annotations

import pytest
from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.Scaffolds import MurckoScaffold
from rdkit.ML.Cluster import Butina

from chemaudit.analytics.butina import butina, neighbour_pairs
from chemaudit.analytics.fingerprints import as_matrix, packed_fingerprint, popcounts
from chemaudit.analytics.params import normalise
from chemaudit.analytics.scaffolds import generic, murcko
from chemaudit.analytics.similarity import top_neighbours
from chemaudit.errors import BadInput, InvalidOption
from tests.support.molecules import nci_smiles

GENERATOR = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


@pytest.fixture(scope="module")
def molecules() -> list[tuple[str, Chem.Mol]]:
    with rdBase.BlockLogs():
        mols = [Chem.MolFromSmiles(smiles) for smiles, _ in nci_smiles(5000)]
    return [(Chem.MolToSmiles(mol), mol) for mol in mols if mol is not None]


@pytest.mark.parametrize("cutoff", [0.2, 0.35, 0.6])
def test_butina_on_neighbour_lists_is_rdkits_clustering(molecules, cutoff):
    sample = molecules[:700]
    fps = [GENERATOR.GetFingerprint(mol) for _, mol in sample]
    distances = [1.0 - s for i in range(1, len(fps)) for s in DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i])]
    expected = Butina.ClusterData(distances, len(fps), cutoff, isDistData=True)
    packed = as_matrix([packed_fingerprint(smiles)[0] for smiles, _ in sample])
    rows, cols = neighbour_pairs(packed, popcounts(packed), cutoff, threads=1)
    assert tuple(tuple(c) for c in butina(len(sample), rows, cols)) == expected


def test_top_neighbours_are_rdkits_most_similar(molecules):
    fps = [GENERATOR.GetFingerprint(mol) for _, mol in molecules]
    packed = as_matrix([packed_fingerprint(smiles)[0] for smiles, _ in molecules])
    bits = popcounts(packed)
    for query in (0, 123, 4000):
        sims = DataStructs.BulkTanimotoSimilarity(fps[query], fps)
        expected = sorted(((s, i) for i, s in enumerate(sims) if i != query), key=lambda t: (-t[0], t[1]))[:20]
        assert top_neighbours(packed[query], packed, bits, 20, exclude=query) == [(i, s) for s, i in expected]


def test_scaffolds_are_getscaffoldformol_of_the_sanitized_molecule(molecules):
    for smiles, mol in molecules:
        expected = Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(mol)) if mol.GetRingInfo().NumRings() else ""
        assert murcko(smiles) == expected, smiles
    assert generic("c1ccccc1") == "C1CCCCC1" and generic("") == ""
    assert murcko("not a smiles") is None


def test_params_are_checked_and_normalised():
    assert normalise("clustering", {}) == {"cutoff": 0.35}
    assert normalise("clustering", {"threshold": 0.5}) == {"cutoff": 0.5}
    assert normalise("similarity_search", {"query_smiles": " CCO ", "query_index": 3}) == {
        "query_smiles": "CCO", "query_index": None, "top_k": 10}
    for kind, params in (("clustering", {"cutoff": True}), ("similarity_search", {"top_k": 5}),
                         ("rgroup", {}), ("mmp", {"activity_column": "pIC50"}), ("mcs", {"index_a": 1}),
                         ("similarity_search", {"query_index": -1})):
        with pytest.raises(InvalidOption):
            normalise(kind, params)
    with pytest.raises(BadInput):
        normalise("tsne", {})
