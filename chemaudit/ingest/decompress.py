"""Incremental gunzip with bounded output pieces: the decompressed size is capped by the caller."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from chemaudit.errors import BadInput

GZIP_MAGIC = b"\x1f\x8b"
PIECE_BYTES = 256 * 1024  # most bytes one decompress call may produce, however high the ratio


class Gunzip:
    """Decompresses one or more concatenated gzip members, yielding pieces of at most PIECE_BYTES.

    Trailing NUL padding after the last member is tolerated (tape/tar style); anything else after
    it is refused, as is a stream that ends inside a member. The ISIZE field is never trusted: the
    caller counts what actually comes out.
    """

    def __init__(self) -> None:
        self._inflater: zlib._Decompress | None = zlib.decompressobj(wbits=31)
        self._between = b""  # bytes after a finished member, before we know what follows
        self._padding = False  # only NUL bytes may follow
        self.members = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self._inflater is None:
                data = self._next_member(data)
                if not data:
                    return
            yield from self._inflate(data)
            inflater = self._inflater
            assert inflater is not None, "_next_member opened it"
            if inflater.eof:
                self.members += 1
                data = inflater.unused_data
                self._inflater = None
            else:
                data = b""

    def finish(self) -> None:
        """Raise BadInput if the stream stopped inside a member."""
        if self._between and not GZIP_MAGIC.startswith(self._between):
            raise _trailing_junk()
        if self._inflater is not None or self._between:
            raise BadInput(
                "The gzip data is truncated: the upload ended before the end of the compressed "
                "stream. Upload the complete file again."
            )

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        inflater = self._inflater
        assert inflater is not None, "called with a member open"
        try:
            while True:
                out = inflater.decompress(data, PIECE_BYTES)
                if out:
                    yield out
                data = inflater.unconsumed_tail
                if not data and len(out) < PIECE_BYTES:
                    return
        except zlib.error as exc:
            raise BadInput(f"The gzip data is corrupt ({_zlib_reason(exc)}); it cannot be decompressed.") from None

    def _next_member(self, data: bytes) -> bytes:
        """After a member ends: start the next one, swallow NUL padding, or refuse trailing junk."""
        if self._padding:
            if data.strip(b"\0"):
                raise _trailing_junk()
            return b""
        buf = self._between + data
        if buf[:1] == b"\0":
            self._between = b""
            self._padding = True
            if buf.strip(b"\0"):
                raise _trailing_junk()
            return b""
        if len(buf) < 2:
            self._between = buf
            return b""
        self._between = b""
        if buf[:2] != GZIP_MAGIC:
            raise _trailing_junk()
        self._inflater = zlib.decompressobj(wbits=31)
        return buf


def _trailing_junk() -> BadInput:
    return BadInput("The file has extra data after the end of its gzip stream; it is damaged or not one gzip file.")


def _zlib_reason(exc: zlib.error) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text
