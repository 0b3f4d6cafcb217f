"""LineSplitter: line endings across piece boundaries, the line cap, NUL bytes."""

from __future__ import annotations

import pytest
from ingest_helpers import pieces

from chemaudit.errors import BadInput
from chemaudit.ingest.lines import LineSplitter


def run(data: bytes, how="whole", max_line: int = 1000) -> list[bytes]:
    splitter = LineSplitter(max_line)
    out: list[bytes] = []
    for piece in pieces(data, how):
        out.extend(splitter.feed(piece))
    out.extend(splitter.finish())
    assert splitter.lineno == len(out)
    return out


@pytest.mark.parametrize("how", ["whole", 1, 2, 3, "random"])
@pytest.mark.parametrize(
    "data, expected",
    [
        (b"a\nb\nc\n", [b"a", b"b", b"c"]),
        (b"a\nb\nc", [b"a", b"b", b"c"]),
        (b"a\r\nb\r\nc\r\n", [b"a", b"b", b"c"]),
        (b"a\rb\rc\r", [b"a", b"b", b"c"]),
        (b"a\r\n\r\nb\r\rc\n\nd", [b"a", b"", b"b", b"", b"c", b"", b"d"]),
        (b"\n\n", [b"", b""]),
        (b"", []),
        (b"only", [b"only"]),
        (b"x\n\x1a", [b"x"]),
    ],
)
def test_line_endings_are_normalised_whatever_the_piece_size(data, expected, how):
    assert run(data, how) == expected


def test_a_crlf_split_across_two_pieces_is_one_break():
    splitter = LineSplitter(100)
    assert splitter.feed(b"abc\r") == []
    assert splitter.feed(b"\ndef\r") == [b"abc"]
    assert splitter.feed(b"ghi") == [b"def"]
    assert splitter.finish() == [b"ghi"]


def test_a_line_at_the_limit_passes_and_one_byte_more_fails_with_its_number():
    assert run(b"ok\n" + b"C" * 50 + b"\n", max_line=50)[1] == b"C" * 50
    with pytest.raises(BadInput, match=r"Line 2 is longer than 50 bytes"):
        run(b"ok\n" + b"C" * 51 + b"\nmore\n", max_line=50)


def test_an_endless_line_fails_before_its_end_arrives():
    splitter = LineSplitter(1000)
    splitter.feed(b"first\n")
    with pytest.raises(BadInput, match=r"Line 2 is longer"):
        for _ in range(100):
            splitter.feed(b"C" * 100)  # never a line break
    assert len(splitter._pending) <= 1100  # held no more than the limit and one piece


@pytest.mark.parametrize("how", ["whole", 1, "random"])
def test_a_nul_byte_is_refused_with_its_line_number(how):
    with pytest.raises(BadInput, match=r"Line 3 contains a NUL byte"):
        run(b"a\r\nb\r\nc\0c\nd\n", how)


def test_one_byte_pieces_cost_linear_time():
    """A 1 MB line fed a byte at a time must not re-copy the growing line (that would take minutes)."""
    import time

    splitter = LineSplitter(4 * 1024 * 1024)
    data = b"C" * (1024 * 1024)
    started = time.perf_counter()
    for i in range(len(data)):
        splitter.feed(data[i:i + 1])
    assert splitter.finish() == [data]
    assert time.perf_counter() - started < 20
