"""Gunzip: members, padding, truncation, corruption, and bounded output pieces."""

from __future__ import annotations

import gzip
import zlib

import pytest
from ingest_helpers import pieces

from chemaudit.errors import BadInput
from chemaudit.ingest.decompress import PIECE_BYTES, Gunzip


def gunzip(data: bytes, how="whole") -> bytes:
    stage = Gunzip()
    out = b"".join(piece for chunk in pieces(data, how) for piece in stage.feed(chunk))
    stage.finish()
    return out


TEXT = b"".join(b"C" * (i % 40 + 1) + b" name%d\n" % i for i in range(3000))


@pytest.mark.parametrize("how", ["whole", 1, 7, "random"])
def test_round_trip_in_any_piece_size(how):
    assert gunzip(gzip.compress(TEXT), how) == TEXT


@pytest.mark.parametrize("how", ["whole", 1, "random"])
def test_concatenated_members_are_one_stream(how):
    data = gzip.compress(TEXT[:1000]) + gzip.compress(b"") + gzip.compress(TEXT[1000:])
    assert gunzip(data, how) == TEXT


@pytest.mark.parametrize("how", ["whole", 1])
def test_nul_padding_after_the_stream_is_ignored(how):
    assert gunzip(gzip.compress(TEXT) + b"\0" * 1000, how) == TEXT


@pytest.mark.parametrize("tail", [b"junk", b"\0\0junk", b"x"])
def test_other_bytes_after_the_stream_are_refused(tail):
    with pytest.raises(BadInput, match="extra data after the end"):
        gunzip(gzip.compress(TEXT) + tail)


@pytest.mark.parametrize("cut", [1, 2, 10, 500, -9, -1])
def test_a_truncated_stream_is_refused_at_finish(cut):
    data = gzip.compress(TEXT)[:cut]
    stage = Gunzip()
    list(stage.feed(data))  # no error yet: more bytes could still come
    with pytest.raises(BadInput, match="truncated"):
        stage.finish()


def test_a_lying_isize_trailer_is_corruption_not_an_allocation():
    data = gzip.compress(TEXT)
    with pytest.raises(BadInput, match="corrupt.*length check"):
        gunzip(data[:-4] + (2**32 - 1).to_bytes(4, "little"))


def test_a_bad_crc_is_corruption():
    data = bytearray(gzip.compress(TEXT))
    data[-5] ^= 0xFF
    with pytest.raises(BadInput, match="corrupt"):
        gunzip(bytes(data))


def test_output_comes_in_bounded_pieces_however_high_the_ratio():
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = compressor.compress(b"\n" * (20 * PIECE_BYTES)) + compressor.flush()
    assert len(bomb) < PIECE_BYTES // 10
    sizes = [len(piece) for piece in Gunzip().feed(bomb)]
    assert max(sizes) <= PIECE_BYTES
    assert sum(sizes) == 20 * PIECE_BYTES
