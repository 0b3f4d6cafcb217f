"""UploadSplitter: the push parser the upload handler feeds, piece by piece, into Records."""

from __future__ import annotations

import re

from chemaudit.errors import BadInput, TooLarge, UnsupportedFormat
from chemaudit.ingest.decompress import GZIP_MAGIC, Gunzip
from chemaudit.ingest.encoding import BomStage
from chemaudit.ingest.format_choice import decide_format
from chemaudit.ingest.limits import IngestLimits
from chemaudit.ingest.lines import LineSplitter
from chemaudit.ingest.parsers import FORMATS, ParserSetup, RecordParser, make_parser
from chemaudit.ingest.records import Numbering, Record
from chemaudit.ingest.sniff import SNIFF_BYTES, check_text, format_from_name

_LINE_BREAK = re.compile(rb"[\r\n]")
_EXCEL_SEP = re.compile(rb"^sep=([,;\t|])[ \t]*\r?\n", re.IGNORECASE)


class UploadSplitter:
    """Bytes in (any piece size), Records out, in file order, with bounded memory.

    Stages: count raw bytes -> gunzip if the data starts with 1f 8b -> count decompressed bytes
    -> byte-order mark -> hold the first 64 KiB to choose the format -> lines -> format parser.
    """

    def __init__(self, filename: str, *, smiles_column: str = "SMILES", name_column: str | None = None,
                 limits: IngestLimits):
        self.filename = filename
        self.limits = limits
        self.format: str | None = None
        self.format_reason = ""  # why that format, in one sentence
        self.compressed = False
        self.bytes_in = 0
        self.bytes_out = 0
        self._smiles_column = smiles_column or "SMILES"
        self._name_column = name_column or None
        self._name_error: UnsupportedFormat | None = None
        self._named: str | None = None
        try:
            self._named = format_from_name(filename)
        except UnsupportedFormat as exc:
            self._name_error = exc
        self._head = b""  # the first bytes, until gzip or not is known
        self._started = False
        self._gunzip: Gunzip | None = None
        self._bom = BomStage()
        self._window = bytearray()  # text held back until the format is chosen
        self._scanned = 0
        self._lines = LineSplitter(limits.max_line_bytes)
        self._numbering = Numbering(limits.max_molecules)
        self._parser: RecordParser | None = None
        self._out: list[Record] = []
        self._finished = False

    def feed(self, data: bytes) -> list[Record]:
        """Take the next piece of the upload; return the records it completed."""
        self._check_open()
        if not data:
            return []
        self.bytes_in += len(data)
        if self.bytes_in > self.limits.max_upload_bytes:
            raise TooLarge(
                f"The upload is larger than {self.limits.max_upload_bytes:,} bytes, the largest allowed."
            )
        if not self._started:
            self._head += data
            if len(self._head) < len(GZIP_MAGIC):
                return []
            data, self._head = self._head, b""
            self._start(data)
        if self._gunzip is not None:
            for piece in self._gunzip.feed(data):
                self._decompressed(piece)
        else:
            self._decompressed(data)
        return self._take()

    def finish(self) -> list[Record]:
        """Flush the last record; BadInput if the upload held no record at all."""
        self._check_open()
        self._finished = True
        if not self._started and self._head:
            self._start(self._head)
            self._decompressed(self._head)
        if self._gunzip is not None:
            self._gunzip.finish()
        self._text(self._bom.finish())
        if self._parser is None:
            self._choose_format(complete=True)
        self._emit(self._lines.finish())
        assert self._parser is not None, "_choose_format made it"
        self._out.extend(self._parser.finish())
        if self._numbering.count == 0:
            raise BadInput(self._empty_detail())
        return self._take()

    def _check_open(self) -> None:
        if self._finished:
            raise RuntimeError("UploadSplitter.finish() was already called")
        if self._name_error is not None:
            raise self._name_error

    def _start(self, head: bytes) -> None:
        self._started = True
        if head.startswith(GZIP_MAGIC):
            self.compressed = True
            self._gunzip = Gunzip()

    def _decompressed(self, piece: bytes) -> None:
        self.bytes_out += len(piece)
        if self.bytes_out > self.limits.max_decompressed_bytes:
            raise TooLarge(
                f"The file decompresses to more than {self.limits.max_decompressed_bytes:,} bytes, "
                "the most allowed."
            )
        self._text(self._bom.feed(piece))

    def _text(self, text: bytes) -> None:
        if not text:
            return
        if self._parser is not None:
            self._emit(self._lines.feed(text))
            return
        self._window += text
        if len(self._window) < SNIFF_BYTES:
            return
        has_break = _LINE_BREAK.search(self._window, self._scanned) is not None
        self._scanned = len(self._window)
        if has_break or len(self._window) > self.limits.max_line_bytes:
            self._choose_format(complete=False)

    def _choose_format(self, *, complete: bool) -> None:
        window = bytes(self._window)
        self._window = bytearray()
        check_text(window[:SNIFF_BYTES], self._named)
        hint = _EXCEL_SEP.match(window)
        if hint is not None:
            # Excel's "sep=;" first line names the delimiter; it is not a row of the table.
            window = window[hint.end():]
        self.format, delimiter, self.format_reason = decide_format(
            self._named, window, complete=complete, smiles_column=self._smiles_column
        )
        if hint is not None:
            delimiter = hint.group(1).decode()
            self.format = "tsv" if delimiter == "\t" else "csv"
            self.format_reason = f"The first line, {hint.group(0).strip().decode()!r}, is Excel's delimiter hint."
        self._parser = make_parser(self.format, ParserSetup(
            self._numbering, self.limits, delimiter, smiles_column=self._smiles_column,
            name_column=self._name_column))
        if window:
            self._emit(self._lines.feed(window))

    def _emit(self, lines: list[bytes]) -> None:
        if lines:
            first = self._lines.lineno - len(lines) + 1
            assert self._parser is not None, "lines are emitted once the format is chosen"
            self._out.extend(self._parser.feed_lines(lines, first))

    def _take(self) -> list[Record]:
        out, self._out = self._out, []
        return out

    def _empty_detail(self) -> str:
        if self.bytes_out == 0:
            if self.compressed:
                return "The gzip file decompresses to nothing: there are no molecules in it."
            return "The uploaded file is empty."
        assert self._parser is not None and self.format is not None, "bytes out: the format is chosen"
        if self._parser.empty_detail:
            return self._parser.empty_detail
        return f"The file holds no molecules: no {FORMATS[self.format].label} records were found in it."
