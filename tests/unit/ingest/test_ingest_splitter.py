"""UploadSplitter as the upload handler uses it: the API, limits, gzip, piece-size invariance."""

from __future__ import annotations

import dataclasses
import gzip
import time

import pytest
from ingest_helpers import RDKIT_DATA, corpus_files, make_limits, pieces, split_bytes

from chemaudit.errors import BadInput, TooLarge, UnsupportedFormat
from chemaudit.ingest import IngestLimits, Record, UploadSplitter
from chemaudit.settings import Settings

REAL_FILES = [
    ("NCI/first_200.props.sdf", "sdf", 200),
    ("NCI/first_5K.smi", "smiles", 4999),
    ("Pains/test_data/wehi_mols.csv", "csv", 10_000),
]


def test_record_is_a_frozen_slotted_dataclass():
    record = Record(0, "aspirin", "smiles", "CC(=O)Oc1ccccc1C(=O)O")
    assert record.error is None and not hasattr(record, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.name = "other"
    assert [f.name for f in dataclasses.fields(Record)] == ["idx", "name", "kind", "text", "error"]


def test_limits_come_from_settings_by_field_name():
    settings = Settings(max_upload_bytes=11, max_decompressed_bytes=22, max_molecules=33, max_line_bytes=44,
                        max_record_bytes=55)
    assert IngestLimits.from_settings(settings) == IngestLimits(11, 22, 33, 44, 55)
    with pytest.raises(ValueError, match="max_molecules"):
        IngestLimits(1, 1, 0, 1, 1)


@pytest.mark.parametrize("relative, fmt, count", REAL_FILES)
def test_gzip_gives_the_same_records_with_or_without_the_gz_suffix(relative, fmt, count):
    data = (RDKIT_DATA / relative).read_bytes()
    name = relative.rsplit("/", 1)[1]
    plain, splitter = split_bytes(data, name, 65536)
    assert (splitter.format, len(plain), splitter.compressed) == (fmt, count, False)
    assert splitter.bytes_in == splitter.bytes_out == len(data)
    packed = gzip.compress(data)
    for filename in (name + ".gz", name):
        records, splitter = split_bytes(packed, filename, "random")
        assert records == plain
        assert (splitter.format, splitter.compressed) == (fmt, True)
        assert (splitter.bytes_in, splitter.bytes_out) == (len(packed), len(data))


@pytest.mark.parametrize("path", [p for p in corpus_files() if p.stat().st_size < 8000], ids=lambda p: p.name)
def test_one_byte_pieces_give_what_the_whole_file_gives(path):
    data = path.read_bytes()
    outcomes = []
    for how in ("whole", 1):
        try:
            outcomes.append(split_bytes(data, path.name, how)[0])
        except (BadInput, TooLarge, UnsupportedFormat) as exc:
            outcomes.append((type(exc), exc.detail))
    assert outcomes[0] == outcomes[1]


def test_records_stream_out_before_finish():
    data = (RDKIT_DATA / "NCI" / "first_5K.smi").read_bytes()
    splitter = UploadSplitter("x.smi", limits=make_limits())
    assert splitter.format is None
    seen = []
    for piece in pieces(data, 65536):
        seen.extend(splitter.feed(piece))
        if splitter.format is not None:
            break
    assert splitter.format == "smiles" and len(seen) > 1000
    assert [r.idx for r in seen] == list(range(len(seen)))


def test_molecule_limit_is_exact():
    data = b"".join(b"C" * (i + 1) + b"\n" for i in range(50))
    assert len(split_bytes(data, "x.smi", limits=make_limits(max_molecules=50))[0]) == 50
    with pytest.raises(TooLarge, match="more than 49 molecules"):
        split_bytes(data, "x.smi", limits=make_limits(max_molecules=49))


def test_upload_limit_counts_compressed_bytes():
    data = gzip.compress(b"CCO ethanol\n" * 1000)
    split_bytes(data, "x.smi.gz", limits=make_limits(max_upload_bytes=len(data), max_decompressed_bytes=12_000))
    with pytest.raises(TooLarge, match=f"larger than {len(data) - 1:,} bytes"):
        split_bytes(data, "x.smi.gz", 100, limits=make_limits(max_upload_bytes=len(data) - 1))
    with pytest.raises(TooLarge, match="decompresses to more than 11,999 bytes"):
        split_bytes(data, "x.smi.gz", limits=make_limits(max_decompressed_bytes=11_999))


def test_an_empty_upload_and_a_blank_one_are_refused_at_finish():
    with pytest.raises(BadInput, match="The uploaded file is empty."):
        UploadSplitter("x.sdf", limits=make_limits()).finish()
    splitter = UploadSplitter("x.csv", limits=make_limits())
    assert splitter.feed(b" \r\n\t\n") == []
    with pytest.raises(BadInput, match="no molecules"):
        splitter.finish()


def test_an_unsupported_name_is_refused_at_the_first_call():
    splitter = UploadSplitter("book.xlsx", limits=make_limits())
    with pytest.raises(UnsupportedFormat, match=r"\.xlsx are not supported"):
        splitter.feed(b"SMILES\nCCO\n")


def test_the_splitter_cannot_be_reused_after_finish():
    splitter = UploadSplitter("x.smi", limits=make_limits())
    splitter.feed(b"CCO\n")
    assert [r.text for r in splitter.finish()] == ["CCO"]
    with pytest.raises(RuntimeError):
        splitter.feed(b"CC\n")


def test_a_tiny_file_is_sniffed_at_finish():
    records, splitter = split_bytes(b"C", "x", 1)
    assert splitter.format == "smiles" and [r.text for r in records] == ["C"]


def test_a_long_first_line_is_sniffed_whole():
    """A 100 KB header (longer than the 64 KiB sniff window) with the SMILES column last, in a .txt."""
    header = "\t".join(f"d{i}" for i in range(20_000)) + "\tSMILES\n"
    row = "\t".join("1" for _ in range(20_000)) + "\tCCO\n"
    records, splitter = split_bytes((header + row).encode(), "wide.txt", 4096)
    assert splitter.format == "tsv" and [r.text for r in records] == ["CCO"]


def test_splitting_is_linear_in_the_input():
    """200,000 lines in 1 KiB pieces: quadratic re-scanning would take minutes, linear well under a few seconds."""
    data = b"".join(b"CC(=O)Oc1ccccc1C(=O)O\tname-%d\n" % i for i in range(200_000))
    started = time.perf_counter()
    records, _ = split_bytes(data, "x.smi", 1024)
    assert len(records) == 200_000 and records[-1].name == "name-199999"
    assert time.perf_counter() - started < 10


def test_utf16_is_transcoded_and_a_cut_utf16_file_is_refused():
    data = "SMILES\tName\r\nCCO\t\u00e9thanol\r\n".encode("utf-16")
    records, splitter = split_bytes(data, "excel.txt", 1)
    assert splitter.format == "tsv" and [(r.text, r.name) for r in records] == [("CCO", "\u00e9thanol")]
    with pytest.raises(BadInput, match="not valid UTF-16"):
        split_bytes(data[:-1], "excel.txt")


@pytest.mark.parametrize("filename, data", [("x.smi", b"CCO ok\nCCCCCCCCCCCCCCCCCCCC long\nCC ok2\n"),
                                            ("x.csv", b"SMILES,Name\nCCO,ok\nCCCCCCCCCCCCCCCCCCCC,long\nCC,ok2\n")])
def test_a_smiles_over_the_record_limit_is_an_error_row(filename, data):
    records, _ = split_bytes(data, filename, limits=make_limits(max_record_bytes=10))
    assert [(r.name, r.text) for r in records] == [("ok", "CCO"), ("long", ""), ("ok2", "CC")]
    assert records[1].error == "The SMILES is 20 characters long, over the 10 allowed for one record."
