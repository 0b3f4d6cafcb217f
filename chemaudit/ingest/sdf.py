"""SD files: records end at a "$$$$" line; molblocks (V2000 or V3000) and data items pass whole.

The molblock (through "M  END") is the structure and has the record size limit; a record over
it is an error row. The data items after it have a limit of their own and never fail a record:
past it they are cut, and a `chemaudit_input_note` data item says what was left out.
"""

from __future__ import annotations

import re

from chemaudit.ingest.records import Numbering, Record, decode

# A V2000 counts line starts "aaabbb" (atom and bond counts, right-justified in 3 columns).
_COUNTS_START = re.compile(rb"[ \d]{2}\d[ \d]{2}\d")
_LEADING_BLANKS = 4  # blank lines kept in front of a record: a blank title, program and comment line, + 1
_HEAD_LINES = 8  # lines kept of a record over the size limit: enough to find its title
_ITEM_NAME = re.compile(rb"<([^>]*)>")
NOTE_ITEM = "chemaudit_input_note"


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
    empty_detail: str | None = None  # an SD file without records needs no more words than the default

    def __init__(self, numbering: Numbering, max_record_bytes: int, max_data_bytes: int):
        self._numbering = numbering
        self._max = max_record_bytes
        self._data = DataItems(max_data_bytes)
        self._lines: list[bytes] = []
        self._content = False  # the current record has a non-blank line
        self._in_data = False  # past the record's "M  END": data items
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
            if self._in_data:
                self._data.add(line, self._lines)
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
            self._in_data = line.startswith(b"M  END")
        return out

    def finish(self) -> list[Record]:
        record = self._close()
        return [record] if record is not None else []

    def _close(self) -> Record | None:
        lines, content, over, start = self._lines, self._content, self._over, self._start
        self._lines, self._content, self._size, self._over, self._in_data = [], False, 0, False, False
        note = self._data.close()
        if not content:
            return None  # only blank lines: between records, not a record
        if note is not None and not over:
            if lines[-1].strip():
                lines.append(b"")
            lines += [f"> <{NOTE_ITEM}>".encode(), note.encode(), b""]
        lines = _drop_extra_leading_blanks(lines)
        title = decode(lines[0]).strip() if lines else ""
        if over:
            error = (
                f"The SD record starting on line {start:,} is larger than {self._max:,} bytes, "
                "the largest record allowed, so it was not read."
            )
            return self._numbering.make(title, "mol", "", error)
        return self._numbering.make(title, "mol", decode(b"\n".join(lines)) + "\n")


class DataItems:
    """The data-item lines of one record at a time, kept up to `limit` bytes; the rest noted."""

    def __init__(self, limit: int):
        self._limit = limit
        self._size = 0
        self._item = ""  # the item whose lines are coming
        self._cut: str | None = None  # the item whose value was cut short
        self._left_out: list[str] = []

    def add(self, line: bytes, kept: list[bytes]) -> None:
        header = line.startswith(b">")
        if header:
            found = _ITEM_NAME.search(line)
            self._item = decode(found.group(1)) if found else ""
        size = len(line) + 1
        if self._size + size <= self._limit:
            self._size += size
            kept.append(line)
            return
        if header:
            self._left_out.append(self._item)
        elif self._cut is None and not self._left_out:
            self._cut = self._item
            room = self._limit - self._size - 1
            if room > 0:
                kept.append(_utf8_prefix(line, room))
        self._size = self._limit  # full: nothing after this is kept

    def close(self) -> str | None:
        """The note on what was left out of the record just ended (None: nothing), and reset."""
        cut, left_out = self._cut, self._left_out
        self._size, self._item, self._cut, self._left_out = 0, "", None, []
        if cut is None and not left_out:
            return None
        parts = [f"the value of {cut!r} was cut"] if cut is not None else []
        if left_out:
            names = ", ".join(repr(name) for name in left_out[:5]) + (", ..." if len(left_out) > 5 else "")
            parts.append(f"{len(left_out)} later item{'' if len(left_out) == 1 else 's'} left out ({names})")
        return (f"Only the first {self._limit:,} bytes of this record's data items were kept, "
                f"the limit for one record: {'; '.join(parts)}.")


def _utf8_prefix(line: bytes, size: int) -> bytes:
    """The first `size` bytes of `line` or fewer, never ending inside a UTF-8 character."""
    end = size
    while end > 0 and (line[end] & 0xC0) == 0x80:
        end -= 1
    return line[:end]


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
