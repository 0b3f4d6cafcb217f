"""A zip written front to back and handed out as it fills: the container of XLSX and zip exports.

Entries are deflated as they are written and followed by data descriptors, so the output is
never seeked and nothing is held beyond what was written since the last `drain()`. One entry
is open at a time (a zip's entries follow one another); opening the next closes the last.
Only the central directory (about 100 bytes an entry) stays until the end.
"""

from __future__ import annotations

import zipfile
from typing import IO

ZIP64_ROWS = 250_000  # above this many rows an entry may pass 4 GiB: write zip64 entries


class Sink:
    """A write-only file that hands back what was written since the last drain."""

    def __init__(self):
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:  # a zip writer's file protocol; nothing to release
        pass

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def is_large(row_count: int | None) -> bool:
    """Whether an export of `row_count` rows needs zip64 entries (unknown: yes)."""
    return row_count is None or row_count > ZIP64_ROWS


def open_zip(target: IO[bytes] | Sink) -> zipfile.ZipFile:
    """A zip writer on a file that cannot seek (a Sink, or an entry of another zip)."""
    return zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)


class ZipStream:
    def __init__(self, large: bool = True):
        """`large`: entries may pass 4 GiB (zip64); turn off only for known-small exports."""
        self._sink = Sink()
        self.zip = open_zip(self._sink)
        self.large = large
        self._entry: IO[bytes] | None = None

    def open(self, name: str) -> IO[bytes]:
        """Start the entry `name` (closing the one before) and return it for writing."""
        self.close_entry()
        self._entry = self.zip.open(name, "w", force_zip64=self.large)
        return self._entry

    def write(self, data: bytes) -> None:
        assert self._entry is not None, "no entry is open"
        self._entry.write(data)

    def close_entry(self) -> None:
        if self._entry is not None:
            self._entry.close()
            self._entry = None

    def drain(self) -> bytes:
        return self._sink.drain()

    def close(self) -> bytes:
        """Close the last entry and the zip; the rest of the bytes."""
        self.close_entry()
        self.zip.close()
        return self.drain()
