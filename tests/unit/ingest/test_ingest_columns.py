"""ColumnSniffer, the column reading behind POST /batch/detect-columns: real files, piecewise
feeding, and every hostile file either read or refused with a user-facing error."""

from __future__ import annotations

import gzip

import pytest
from ingest_helpers import RDKIT_DATA, corpus_files, pieces

from chemaudit.errors import ChemAuditError
from chemaudit.ingest.columns import ColumnSniffer

WANTED = 256 * 1024


def sniff(data: bytes, filename: str, how="whole"):
    sniffer = ColumnSniffer(filename, WANTED, 1024 * 1024)
    for piece in pieces(data, how):
        if not sniffer.wants_more:
            break
        sniffer.feed(piece)
    else:
        sniffer.finish()
    return sniffer.result(), sniffer


@pytest.mark.parametrize("how", ["whole", 4096, "random"])
def test_pieces_of_any_size_give_the_same_columns(how):
    data = (RDKIT_DATA / "Pains" / "test_data" / "wehi_mols.csv").read_bytes()
    columns, sniffer = sniff(data, "wehi_mols.csv", how)
    assert columns.columns == ["SMILES", "col_1"] and not columns.has_header
    if how != "whole":  # fed piece by piece, it stops long before the end
        assert not columns.complete and sniffer.compressed_in < len(data)


def test_a_gzip_prefix_is_decompressed_and_its_ratio_known():
    text = b"smiles,id\n" + b"".join(f"CCO{'C' * (i % 7)},m{i}\n".encode() for i in range(50_000))
    columns, sniffer = sniff(gzip.compress(text)[:20_000], "x.csv.gz")
    assert columns.columns == ["smiles", "id"] and columns.suggested_smiles == "smiles"
    assert columns.suggested_name == "id" and sniffer.compression_ratio > 2


def test_a_semicolon_file_without_a_telling_name():
    columns, _ = sniff(b"Name;SMILES;MW\naspirin;CC(=O)Oc1ccccc1C(=O)O;180.2\n", "export")
    assert columns.delimiter == ";" and columns.columns == ["Name", "SMILES", "MW"]
    assert columns.column_samples == {"Name": "aspirin", "SMILES": "CC(=O)Oc1ccccc1C(=O)O", "MW": "180.2"}


def test_a_header_without_a_smiles_name_gets_the_column_whose_values_are_smiles():
    columns, _ = sniff(b"id,code,mol\nA1,X,CCO\nA2,Y,c1ccccc1\n", "x.csv")
    assert columns.suggested_smiles == "mol"


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_hostile_file_is_read_or_refused_in_words(path):
    try:
        columns, _ = sniff(path.read_bytes(), path.name)
    except ChemAuditError as exc:
        assert exc.detail and 400 <= exc.status < 500
    else:
        assert isinstance(columns.columns, list)


@pytest.mark.parametrize("data", [b",,,\n,,\n", b"\xef\xbb\xbf\n\n", b"  \t \n"])
def test_lines_without_values_are_refused_in_words(data):
    with pytest.raises(ChemAuditError, match="header row"):
        sniff(data, "x.csv")
