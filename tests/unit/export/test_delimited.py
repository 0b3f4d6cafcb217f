import csv
import io

from chemaudit.export import HEADERS, iter_encode, make_encoder
from tests.unit.export.rows import flat_row, smiles_rows


def _parse(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter))


def test_csv_has_a_header_and_one_row_per_molecule():
    rows = smiles_rows(1_234)
    table = _parse(b"".join(iter_encode(make_encoder("csv"), rows, batch_size=100)), ",")
    assert table[0] == list(HEADERS)
    assert len(table) == 1 + 1_234
    assert [line[0] for line in table[1:]] == [str(i) for i in range(1_234)]
    assert [line[2] for line in table[1:]] == [row["smiles"] for row in rows]
    first = dict(zip(table[0], table[1]))
    assert first["lipinski_passed"] == "false" and first["failed_checks"] == "stereo_undefined"
    assert first["error"] == "" and first["alert_names"] == ""


def test_awkward_values_survive_a_round_trip():
    row = flat_row(0, "CC(=O)O", 'acetic, "glacial"\nacid\tÅ', status="error",
                   error="Explicit valence for atom # 1 N, 4, is greater than permitted", score=None,
                   failed_checks=["valence", "charge_balance"], alert_names=["rhodanine", "ene_one"],
                   qed=float("nan"))
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        table = _parse(b"".join(iter_encode(make_encoder(fmt), [row])), delimiter)
        values = dict(zip(table[0], table[1]))
        assert values["name"] == row["name"]
        assert values["failed_checks"] == "valence; charge_balance"
        assert values["alert_names"] == "rhodanine; ene_one"
        assert values["validation_score"] == "" and values["qed"] == ""
        assert values["error"].startswith("Explicit valence")


def test_no_rows_gives_only_the_header():
    data = b"".join(iter_encode(make_encoder("tsv"), []))
    assert _parse(data, "\t") == [list(HEADERS)]
