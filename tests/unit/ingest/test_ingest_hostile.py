"""The hostile corpus (tests/data/hostile): every file gives its expected 4xx error or record count.

Each file is fed whole and in random small pieces; nothing but the expected ChemAuditError subclass
may escape (an IndexError or UnicodeDecodeError would fail the test as itself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from ingest_helpers import HOSTILE, corpus_files, make_limits, pieces, split_bytes

from chemaudit.errors import BadInput, ChemAuditError, TooLarge, UnsupportedFormat
from chemaudit.ingest import UploadSplitter


@dataclass(frozen=True)
class Case:
    file: str
    expect: type[ChemAuditError] | int  # the error class, or how many records
    errors: int = 0  # records that come out with `error` set
    fmt: str | None = None  # the sniffed format, when records are expected
    match: str = ""  # a regex the error detail must contain
    options: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)


CASES = [
    # Nothing in it.
    Case("empty.sdf", BadInput, match="empty"),
    Case("empty.csv.gz", BadInput, match="decompresses to nothing"),
    Case("whitespace_only.smi", BadInput, match="no molecules"),
    Case("whitespace_only.sdf", BadInput, match="no molecules"),
    Case("only_comments.smi", BadInput, match="no molecules"),
    Case("header_only.csv", BadInput, match="header row but no data rows"),
    Case("header_only.smi", BadInput, match="header line but no molecules"),
    Case("only_dollars.sdf", BadInput, match="no molecules"),
    # Not text at all.
    Case("binary_junk.smi", BadInput, match="named as SMILES but holds binary data"),
    Case("binary_junk.dat", UnsupportedFormat, match="binary data"),
    Case("elf_renamed.sdf", UnsupportedFormat, match="executable"),
    Case("png_renamed.smi", UnsupportedFormat, match="PNG image"),
    Case("pdf_renamed.csv", UnsupportedFormat, match="PDF document"),
    Case("xlsx_renamed.csv", UnsupportedFormat, match="ZIP archive"),
    Case("unsupported.mol2", UnsupportedFormat, match=r"\.mol2 are not supported"),
    Case("nul_bytes.smi", BadInput, match="Line 4 contains a NUL byte"),
    Case("nul_late.sdf", BadInput, match="Line 3,141 contains a NUL byte"),
    # Encodings.
    Case("bom_utf8.smi", 5, fmt="smiles"),
    Case("bom_utf8.csv", 5, fmt="csv"),
    Case("utf16le_bom.txt", 5, fmt="tsv"),
    Case("utf16be_bom.smi", 5, fmt="smiles"),
    Case("utf16le_no_bom.smi", BadInput, match="UTF-16 text without a byte-order mark"),
    Case("utf32_bom.smi", BadInput, match="UTF-32"),
    Case("latin1_titles.sdf", 3, fmt="sdf"),
    Case("cp1252_names.smi", 2, fmt="smiles"),
    Case("latin1_names.csv", 2, fmt="csv"),
    Case("utf8_names.smi", 2, fmt="smiles"),
    # Gzip.
    Case("truncated.sdf.gz", BadInput, match="truncated"),
    Case("isize_lie.smi.gz", BadInput, match="corrupt.*length check"),
    Case("gzip_trailing_junk.smi.gz", BadInput, match="extra data after the end of its gzip stream"),
    Case("gzip_corrupt.smi.gz", BadInput, match="corrupt"),
    Case("double_gzip.smi.gz", UnsupportedFormat, match="compressed twice"),
    Case("multi_member.smi.gz", 6, fmt="smiles"),
    Case("gzip_nul_padding.smi.gz", 5, fmt="smiles"),
    Case("gzip_without_suffix.sdf", 3, fmt="sdf"),
    Case("bom_in_gzip.csv.gz", 5, fmt="csv"),
    # SDF shapes.
    Case("cr_only.sdf", 3, fmt="sdf"),
    Case("crlf.sdf", 3, fmt="sdf"),
    Case("missing_final_dollars.sdf", 3, fmt="sdf"),
    Case("blank_lines_between.sdf", 3, fmt="sdf"),
    Case("v3000.sdf", 2, fmt="sdf"),
    Case("mixed_v2000_v3000.sdf", 3, fmt="sdf"),
    Case("lying_counts.sdf", 2, fmt="sdf"),
    Case("garbage_between_records.sdf", 3, fmt="sdf"),
    Case("single_molecule.mol", 1, fmt="sdf"),
    Case("oversize_record.sdf", 3, fmt="sdf", limits={"max_record_bytes": 5000, "max_sd_data_bytes": 5000}),
    Case("sdf_named.csv", 3, fmt="sdf"),
    Case("sdf_without_extension", 3, fmt="sdf"),
    Case("smiles_named.sdf", 5, fmt="smiles"),
    # SMILES shapes.
    Case("reaction.smi", 3, fmt="smiles"),
    Case("cxsmiles.smi", 2, fmt="smiles"),
    Case("trailing_whitespace.smi", 3, fmt="smiles"),
    Case("crlf.smi", 5, fmt="smiles"),
    Case("mixed_line_endings.smi", 5, fmt="smiles"),
    Case("comments_and_blanks.smi", 2, fmt="smiles"),
    Case("header_tab.smi", 5, fmt="smiles"),
    Case("long_line.smi", BadInput, match="Line 2 is longer than 1,024 bytes", limits={"max_line_bytes": 1024}),
    Case("too_many.smi", TooLarge, match="more than 10 molecules", limits={"max_molecules": 10}),
    Case("dos_eof.smi", 5, fmt="smiles"),
    Case("txt_smiles.txt", 5, fmt="smiles"),
    Case("no_extension_smiles", 5, fmt="smiles"),
    # CSV / TSV shapes.
    Case("no_smiles_column.csv", BadInput, match=r"no column named 'SMILES' \(columns found: 'Structure', 'Name'\)"),
    Case("no_smiles_column_hint.csv", BadInput, match="did you mean 'Canonical_SMILES'"),
    Case("mismatched_quotes.csv", BadInput, match="line 2 is never closed"),
    Case("ragged_rows.csv", 5, errors=2, fmt="csv"),
    Case("quoted_multiline.csv", 3, fmt="csv"),
    Case("headerless.csv", 5, fmt="csv"),
    Case("semicolon.csv", 2, fmt="csv"),
    Case("custom_columns.csv", 2, fmt="csv", options={"smiles_column": "structure", "name_column": "Compound"}),
    Case("name_column_missing.csv", BadInput, match="no column named 'Title'", options={"name_column": "Title"}),
    Case("empty_smiles_cells.csv", 4, errors=2, fmt="csv"),
    Case("crlf.csv", 5, fmt="csv"),
    Case("tab_separated.tsv", 5, fmt="tsv"),
    Case("txt_tsv.txt", 5, fmt="tsv"),
    Case("csv_named.smi", 5, fmt="csv"),
    Case("csv_named.tsv", 5, fmt="csv"),
    Case("smiles_named.csv", 5, fmt="smiles"),
]


def run_case(case: Case, data: bytes, how):
    return split_bytes(data, case.file, how, limits=make_limits(**case.limits), **case.options)


def check(case: Case, data: bytes, how) -> None:
    if isinstance(case.expect, int):
        records, splitter = run_case(case, data, how)
        assert len(records) == case.expect
        assert [r.idx for r in records] == list(range(case.expect))
        assert sum(r.error is not None for r in records) == case.errors
        assert splitter.format == case.fmt
        assert all(r.kind == ("mol" if case.fmt == "sdf" else "smiles") for r in records)
        assert all(r.name for r in records)
        return
    with pytest.raises(ChemAuditError) as caught:
        run_case(case, data, how)
    error = caught.value
    assert type(error) is case.expect, error.detail
    assert 400 <= error.status < 500
    assert re.search(case.match, error.detail), error.detail
    assert error.detail[0].isupper() and error.detail.endswith(".")  # a sentence, not an exception repr


@pytest.mark.parametrize("how", ["whole", "random"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.file)
def test_corpus_file(case, how):
    check(case, (HOSTILE / case.file).read_bytes(), how)


def test_every_corpus_file_has_a_case_and_a_readme_line():
    files = [p.name for p in corpus_files()]
    assert len(files) >= 40
    assert sorted(case.file for case in CASES) == files
    readme = (HOSTILE / "README.md").read_text()
    for name in files + ["gzip_bomb.smi.gz", "wide_10000_columns.csv", "single_line_10mb.smi"]:
        assert f"`{name}`" in readme, name
    assert all((HOSTILE / name).stat().st_size < 200 * 1024 for name in files)


@pytest.mark.parametrize("case", [case for case in CASES if isinstance(case.expect, int)], ids=lambda case: case.file)
def test_records_do_not_depend_on_how_the_file_is_cut(case):
    data = (HOSTILE / case.file).read_bytes()
    whole = run_case(case, data, "whole")[0]
    for seed in (1, 2, 3):
        splitter = UploadSplitter(case.file, limits=make_limits(**case.limits), **case.options)
        records = [record for piece in pieces(data, "random", seed) for record in splitter.feed(piece)]
        assert records + splitter.finish() == whole


# --- the big ones, generated at test time ------------------------------------------------------

def test_gzip_bomb_is_stopped_at_the_decompressed_cap(corpus_generator, tmp_path):
    bomb = corpus_generator.gzip_bomb(tmp_path / "gzip_bomb.smi.gz", 256 * 1024 * 1024)
    data = bomb.read_bytes()
    assert len(data) < 1024 * 1024  # about 1000:1
    limits = make_limits(max_decompressed_bytes=16 * 1024 * 1024)
    splitter = UploadSplitter(bomb.name, limits=limits)
    with pytest.raises(TooLarge, match="decompresses to more than 16,777,216 bytes"):
        for piece in [data[i:i + 65536] for i in range(0, len(data), 65536)]:
            splitter.feed(piece)
    assert splitter.bytes_out <= limits.max_decompressed_bytes + 256 * 1024  # stopped within one piece


def test_ten_thousand_columns(corpus_generator, tmp_path):
    path = corpus_generator.wide_csv(tmp_path / "wide_10000_columns.csv")
    records, splitter = split_bytes(path.read_bytes(), path.name, "random")
    assert splitter.format == "csv" and len(records) == 5 and all(r.error is None for r in records)


@pytest.mark.parametrize("filename", ["single_line_10mb.smi", "single_line_10mb.csv", "single_line_10mb.sdf"])
def test_a_10mb_single_line_is_refused_without_buffering_it(corpus_generator, tmp_path, filename):
    path = corpus_generator.single_line(tmp_path / filename)
    data = path.read_bytes()
    splitter = UploadSplitter(filename, limits=make_limits())
    with pytest.raises(BadInput, match=r"Line 1 is longer than 1,048,576 bytes"):
        for i in range(0, len(data), 65536):
            splitter.feed(data[i:i + 65536])
    assert splitter.bytes_in < 2 * 1024 * 1024  # refused after about 1 MiB, not after 10
