"""Incremental line splitting: CRLF/CR normalised, line length capped, NUL bytes refused, O(n)."""

from __future__ import annotations

from chemaudit.errors import BadInput


class LineSplitter:
    """Turns byte pieces into complete lines (bytes, without terminators).

    The unfinished last line is kept in a bytearray, so feeding one byte at a time costs no more
    than feeding the file whole. `lineno` is the number of lines handed out so far.
    """

    def __init__(self, max_line_bytes: int):
        self._max = max_line_bytes
        self._pending = bytearray()
        self._cr_pending = False  # the last piece ended in CR: it may be half of a CRLF
        self.lineno = 0

    def feed(self, data: bytes) -> list[bytes]:
        if self._cr_pending:
            data = b"\r" + data
            self._cr_pending = False
        if data.endswith(b"\r"):
            data = data[:-1]
            self._cr_pending = True
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if b"\0" in data:
            self._refuse_nul(data)
        cut = data.rfind(b"\n")
        if cut < 0:
            self._pending += data
            self._check_pending()
            return []
        lines = data[:cut].split(b"\n")
        if self._pending:
            lines[0] = bytes(self._pending) + lines[0]
            self._pending.clear()
        self._pending += data[cut + 1:]
        if len(data) > self._max or len(lines[0]) > self._max:  # else no line can be too long
            self._refuse_long(lines)
        self.lineno += len(lines)
        self._check_pending()
        return lines

    def finish(self) -> list[bytes]:
        """The last line, if the file does not end with a line break."""
        self._cr_pending = False
        if not self._pending:
            return []
        last = bytes(self._pending)
        self._pending.clear()
        if last == b"\x1a":  # a DOS end-of-file mark (Ctrl-Z), not a line
            return []
        self.lineno += 1
        return [last]

    def _check_pending(self) -> None:
        if len(self._pending) > self._max:
            raise self._too_long(self.lineno + 1)

    def _refuse_long(self, lines: list[bytes]) -> None:
        if max(map(len, lines)) <= self._max:
            return
        for offset, line in enumerate(lines):
            if len(line) > self._max:
                raise self._too_long(self.lineno + 1 + offset)

    def _too_long(self, lineno: int) -> BadInput:
        return BadInput(
            f"Line {lineno:,} is longer than {self._max:,} bytes, the longest line allowed; "
            "the file is probably not a molecule file, or is missing its line breaks."
        )

    def _refuse_nul(self, data: bytes) -> None:
        at = data.index(b"\0")
        lineno = self.lineno + 1 + data.count(b"\n", 0, at)
        raise BadInput(f"Line {lineno:,} contains a NUL byte: the file is binary or damaged, not text.")
