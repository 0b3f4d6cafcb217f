"""SD files: records end at a "$$$$" line; molblocks (V2000 or V3000) and data items pass whole."""

from __future__ import annotations

import re

from chemaudit.ingest.records import Numbering, Record, decode

# A V2000 counts line starts "aaabbb" (atom and bond counts, right-justified in 3 columns).
_COUNTS_START = re.compile(rb"[ \d]{2}\d[ \d]{2}\d")
_LEADING_BLANKS = 4  # blank lines kept in front of a record: a blank title, program and comment line, + 1
_HEAD_LINES = 8  # lines kept of a record over the size limit: enough to find its title


def is_counts_line(line: bytes) -> bool:
    stripped = line.rstrip()
    return stripped.endswith((b"V2000", b"V3000")) or _COUNTS_START.match(line) is not None


def is_end_line(line: bytes) -> bool:
    return line[:4] == b"$$$$" and not line[4:].strip()


class SdfParser:
    """Collects lines up to each "$$$$"; a last record without one still counts if it has content.

    Blank lines between records are not records. A record's title line may itself be blank, so
    extra blank lines in front of a record are only dropped when the counts line shows where the
    three header lines really start.
    """

    kind = "mol"

    def __init__(self, numbering: Numbering, max_record_bytes: int):
        self._numbering = numbering
        self._max = max_record_bytes
        self._lines: list[bytes] = []
        self._content = False  # the current record has a non-blank line
        self._size = 0
        self._over = False
        self._start = 0  # line number of the current record's first non-blank line

    def feed_lines(self, lines: list[bytes], first_lineno: int) -> list[Record]:
        out = []
        for offset, line in enumerate(lines):
            if line[:4] == b"$$$$" and not line[4:].strip():
                record = self._close()
                if record is not None:
                    out.append(record)
                continue
            if not self._content:
                if not line.strip():
                    # Leading blank lines: the title (and program/comment lines) may be blank, and
                    # a counts line can place at most _LEADING_BLANKS of them; keep no more.
                    if len(self._lines) < _LEADING_BLANKS:
                        self._lines.append(line)
                    continue
                self._content = True
                self._start = first_lineno + offset
            self._size += len(line) + 1
            if self._over:
                continue
            if self._size > self._max:
                self._over = True
                del self._lines[_HEAD_LINES:]
                continue
            self._lines.append(line)
        return out

    def finish(self) -> list[Record]:
        record = self._close()
        return [record] if record is not None else []

    def _close(self) -> Record | None:
        lines, content, over, start = self._lines, self._content, self._over, self._start
        self._lines, self._content, self._size, self._over = [], False, 0, False
        if not content:
            return None  # only blank lines: between records, not a record
        lines = _drop_extra_leading_blanks(lines)
        title = decode(lines[0]).strip() if lines else ""
        if over:
            error = (
                f"The SD record starting on line {start:,} is larger than {self._max:,} bytes, "
                "the largest record allowed, so it was not read."
            )
            return self._numbering.make(title, "mol", "", error)
        return self._numbering.make(title, "mol", decode(b"\n".join(lines)) + "\n")


def _drop_extra_leading_blanks(lines: list[bytes]) -> list[bytes]:
    """Drop blank lines that sit in front of the title, judged by where the counts line is."""
    blanks = 0
    while blanks < len(lines) and not lines[blanks].strip():
        blanks += 1
    if blanks == 0:
        return lines
    for counts_at in range(3, min(blanks + 4, len(lines))):
        if is_counts_line(lines[counts_at]):
            return lines[counts_at - 3:]
    return lines
