"""Every export format against a real server and a really audited job (RDKit's NCI SD file, 200
records): each file opened with its own reader (openpyxl, zipfile + numpy.load, csv, RDKit,
pypdfium2) and its content compared with RDKit computed here, directly, for the same molecules."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter, defaultdict

import numpy as np
import openpyxl
import psycopg
import pypdfium2
import pytest
from psycopg.rows import dict_row
from rdkit import Chem
from rdkit.Chem import Crippen, MACCSkeys, rdFingerprintGenerator, rdMolDescriptors
from rdkit.Chem.Scaffolds import MurckoScaffold

from chemaudit.export import HEADERS
from chemaudit.export.formats import FORMATS
from service.app import create_app
from tests.integration.audited_jobs import audit_files, copy_job, nci_job  # noqa: F401 (fixture)
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sdf_job(nci_job) -> str:
    return audit_files(nci_job.settings, [(NCI_SDF_200, {})])[0]


@pytest.fixture(scope="module")
def stored(nci_job, sdf_job) -> list[dict]:
    """The job's stored rows, by index: what each file is checked against."""
    with psycopg.connect(nci_job.database_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT idx, name, status, canonical_smiles, inchikey, score FROM results"
                            " WHERE job_id = %s ORDER BY idx", (sdf_job,)).fetchall()


@pytest.fixture
async def client(aiohttp_client, nci_job):
    return await aiohttp_client(create_app(nci_job.settings))


async def download(client, job_id: str, method: str = "GET", path: str = "export", body=None, **params):
    response = await client.request(method, f"/api/v1/batch/{job_id}/{path}", params=params, json=body)
    data = await response.read()
    assert response.status == 200, data[:300]
    return response, data


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def mol(smiles: str):
    return Chem.MolFromSmiles(smiles)


@pytest.mark.parametrize("fmt", [fmt.name for fmt in FORMATS])
async def test_every_format_streams_every_row(client, sdf_job, fmt):
    response, data = await download(client, sdf_job, format=fmt)
    spec = next(f for f in FORMATS if f.name == fmt)
    assert response.headers["Content-Type"] == spec.media_type
    assert response.headers["X-Total-Results"] == "200"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="first_200.props_results.{spec.extension}"')
    assert len(data) > 500


async def test_excel_single_and_multi_with_structures(client, sdf_job, stored):
    _, data = await download(client, sdf_job, format="excel")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["Results", "Summary"]
    rows = list(book["Results"].values)
    assert list(rows[0]) == list(HEADERS) and [row[0] for row in rows[1:]] == list(range(200))
    summary = {row[0]: row[1] for row in book["Summary"].values if len(row) > 1}
    assert summary["Molecules"] == 200
    assert summary["Could not be read (error)"] == sum(row["status"] == "error" for row in stored)

    _, data = await download(client, sdf_job, format="excel", sheet_layout="multi", include_images="true")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Validation", "Scoring", "Alerts", "Summary"]
    header = [cell.value for cell in book["Validation"][1]]
    assert header[:4] == ["index", "structure", "name", "smiles"] and "validation_score" in header
    assert [cell.value for cell in book["Alerts"][1]][:4] == ["index", "name", "smiles", "alert_count"]
    drawable = sum(1 for row in stored if row["status"] == "success" and mol(row["canonical_smiles"]))
    images = book["Validation"]._images
    assert len(images) == drawable > 150
    assert images[0].anchor._from.col == 1 and images[0].anchor._from.row >= 1


async def test_fingerprints_are_rdkits_bits(client, sdf_job, stored):
    _, data = await download(client, sdf_job, format="fingerprint")
    package = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(package.namelist()) == sorted(f"{t}.{k}" for t in ("morgan", "maccs", "rdkit")
                                                for k in ("csv", "npy", "npz"))
    morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    for name, bits in (("morgan", 2048), ("maccs", 167), ("rdkit", 2048)):
        matrix = np.load(io.BytesIO(package.read(f"{name}.npy")))
        packed = np.load(io.BytesIO(package.read(f"{name}.npz")))["fingerprints"]
        table = read_csv(package.read(f"{name}.csv"))
        assert matrix.shape == (200, bits) and matrix.dtype == np.int8
        assert (matrix == packed).all()
        assert [int(row["index"]) for row in table] == list(range(200))
        first = table[0]
        assert [int(first[f"bit_{n}"]) for n in range(bits)] == matrix[0].tolist()
    matrix = np.load(io.BytesIO(package.read("morgan.npy")))
    maccs = np.load(io.BytesIO(package.read("maccs.npy")))
    checked = 0
    for row in stored:
        if row["status"] != "success" or checked == 5:
            continue
        molecule = mol(row["canonical_smiles"])
        assert matrix[row["idx"]].tolist() == morgan.GetFingerprintAsNumPy(molecule).tolist()
        assert np.flatnonzero(maccs[row["idx"]]).tolist() == list(MACCSkeys.GenMACCSKeys(molecule).GetOnBits())
        checked += 1
    assert checked == 5
    valid = [int(row["valid"]) for row in read_csv(package.read("morgan.csv"))]
    for row, flag in zip(stored, valid):
        assert flag == (row["status"] == "success"), row
        if not flag:
            assert not matrix[row["idx"]].any()


async def test_dedup_groups_are_the_inchikeys(client, sdf_job, stored):
    _, data = await download(client, sdf_job, format="dedup")
    package = zipfile.ZipFile(io.BytesIO(data))
    summary = read_csv(package.read("dedup_summary.csv"))
    annotated = read_csv(package.read("dedup_annotated.csv"))
    by_key = defaultdict(list)
    for row in stored:
        by_key[row["inchikey"] or f"row {row['idx']}"].append(row["idx"])
    expected = sorted(sorted(members) for members in by_key.values())
    assert sorted([int(i) for i in row["duplicate_indices"].split(",")] for row in summary) == expected
    assert [int(row["group_id"]) for row in summary] == list(range(1, len(expected) + 1))
    assert [int(row["representative_index"]) for row in summary] == sorted(m[0] for m in expected)
    assert len(annotated) == 200 and sum(row["is_representative"] == "true" for row in annotated) == len(expected)
    for row in stored[:20]:  # the keys are RDKit's InChIKeys of the structures
        if row["status"] == "success":
            assert annotated[row["idx"]]["inchikey"] == Chem.MolToInchiKey(mol(row["canonical_smiles"]))


async def test_scaffolds_are_murckos(client, sdf_job, stored):
    _, data = await download(client, sdf_job, format="scaffold")
    table = read_csv(data)
    assert [int(row["index"]) for row in table] == list(range(200))
    direct = {}
    for row in stored:
        if row["status"] == "success":
            direct[row["idx"]] = Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(mol(row["canonical_smiles"])))
    assert {int(row["index"]): row["scaffold_smiles"] for row in table if row["status"] == "success"} == direct
    assert Counter(row["scaffold_smiles"] for row in table if row["status"] == "success") == Counter(direct.values())
    groups = defaultdict(set)
    for row in table:
        groups[row["scaffold_smiles"]].add(row["scaffold_group"])
    assert all(len(keys) == 1 for keys in groups.values())
    assert len({next(iter(keys)) for keys in groups.values()}) == len(groups)
    assert groups[""] <= {"0", ""}


async def test_scaffolds_stored_or_not_export_the_same(client, nci_job, sdf_job):
    """Rows stored without a scaffold (before migration 0011) get it computed the same way."""
    url = nci_job.database_url
    copy = copy_job(url, sdf_job, 200)
    try:
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(scaffold) FROM result_rows WHERE job_id = %s", (copy,)).fetchone()[0] > 150
            conn.execute("UPDATE result_rows SET scaffold = NULL WHERE job_id = %s", (copy,))
        tables = [read_csv((await download(client, job, format="scaffold"))[1]) for job in (sdf_job, copy)]
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("DELETE FROM jobs WHERE id = %s", (copy,))
    columns = ("index", "status", "scaffold_smiles", "scaffold_group")
    assert [[row[c] for c in columns] for row in tables[1]] == [[row[c] for c in columns] for row in tables[0]]


async def test_property_matrix_holds_rdkits_descriptors(client, sdf_job, stored):
    _, data = await download(client, sdf_job, format="property_matrix")
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.namelist() == ["properties_flat.csv", "properties.xlsx"]
    table = read_csv(package.read("properties_flat.csv"))
    book = openpyxl.load_workbook(io.BytesIO(package.read("properties.xlsx")), read_only=True)
    assert book.sheetnames == ["Descriptors", "Scores", "Alerts", "Properties"]
    assert all(len(list(book[name].values)) == 201 for name in book.sheetnames)
    checked = 0
    for row in stored:
        if row["status"] != "success" or checked == 5:
            continue
        molecule, cells = mol(row["canonical_smiles"]), table[row["idx"]]
        assert float(cells["logp"]) == pytest.approx(Crippen.MolLogP(molecule), abs=0.006)
        assert float(cells["tpsa"]) == pytest.approx(rdMolDescriptors.CalcTPSA(molecule), abs=0.06)
        assert int(float(cells["heavy_atom_count"])) == molecule.GetNumHeavyAtoms()
        assert int(float(cells["overall_score"])) == row["score"]
        checked += 1
    assert checked == 5


async def test_pdf_report_renders_with_its_cap_said(client, sdf_job, stored):
    _, data = await download(client, sdf_job, format="pdf")
    assert data.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(data)
    assert len(document) >= 3
    text = "\n".join(document[n].get_textpage().get_text_range() for n in range(len(document)))
    successful = sum(row["status"] == "success" for row in stored)
    assert "ChemAudit report: first_200.props.sdf" in text
    assert f"The 60 lowest-scoring of {successful} audited molecules" in text
    assert "(this report shows at most 60)" in text
    for n in (0, 2):  # the summary page and a page of drawings are drawn, not blank
        pixels = np.asarray(document[n].render(scale=1).to_pil().convert("L"))
        assert (pixels < 200).mean() > 0.01, n
    worst = min(row["score"] for row in stored if row["status"] == "success")
    assert f"Score {worst} " in text
