"""POST /api/v1/batch/detect-columns: a delimited file's columns from its first bytes only.

The multipart body is read up to the file part, and the file part only until `DETECT_BYTES` of
text and the header line have arrived (chemaudit/ingest/columns.py); the rest of the body is
never read or stored, so a 1 GB file answers as fast as a 1 KB one. (aiohttp then discards what
the client still sends for a few seconds and closes the connection.) The dashboard sends only
the first piece of the file and its size in `file_size`.

The row count is exact when the whole file was read, else estimated from the mean line length:
over the file size (`file_size`, else the request's Content-Length) and, for gzip, the
compression ratio of the piece read.
"""

from __future__ import annotations

from aiohttp import BodyPartReader, MultipartReader, web

from chemaudit.errors import BadInput, InvalidOption
from chemaudit.ingest.columns import Columns, ColumnSniffer
from service.http.upload_form import PIECE, idle_timeout, malformed_is_400
from service.keys import SETTINGS

DETECT_BYTES = 256 * 1024  # text judged; also what the dashboard sends
_FIELD_BYTES = 64


async def detect_columns(request: web.Request) -> web.Response:
    if not request.content_type.startswith("multipart/"):
        raise BadInput("Send the file as multipart/form-data with a field named 'file'.", code="missing_file")
    settings = request.app[SETTINGS]
    try:
        reader = await request.multipart()
    except ValueError as exc:
        raise BadInput(f"The multipart body cannot be read: {exc}.", code="bad_multipart") from None
    file_size: int | None = None
    async with idle_timeout(request.content, settings.upload_idle_timeout):
        for _ in range(settings.max_form_fields + 1):
            part = await _next_part(reader)
            if part is None:
                raise BadInput("The form has no field named 'file'.", code="missing_file")
            if part.name == "file":
                sniffer = ColumnSniffer((part.filename or "").strip(), DETECT_BYTES, settings.max_line_bytes)
                await _read_prefix(part, sniffer)
                break
            text = await _field(part)
            if part.name == "file_size" and text:
                file_size = _size(text)
        else:
            raise BadInput("The form has too many fields before the file.", code="too_many_fields")
    columns = sniffer.result()
    size = file_size or _body_size(request, sniffer)
    return web.json_response(_answer(columns, size, sniffer.compression_ratio))


async def _next_part(reader: MultipartReader) -> BodyPartReader | None:
    part = await malformed_is_400(reader.next())
    if isinstance(part, MultipartReader):
        raise BadInput("Nested multipart parts are not accepted; send flat form fields.", code="bad_multipart")
    return part


async def _read_prefix(part: BodyPartReader, sniffer: ColumnSniffer) -> None:
    """Feed the file part until the sniffer has seen enough, or the part ends (then it is exact)."""
    while sniffer.wants_more:
        piece = await malformed_is_400(part.read_chunk(PIECE))
        if not piece:
            sniffer.finish()
            return
        sniffer.feed(piece)
    if part.at_eof():
        sniffer.finish()


async def _field(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await malformed_is_400(part.read_chunk(_FIELD_BYTES)):
        data += chunk
        if len(data) > _FIELD_BYTES:
            raise BadInput(f"Form field {(part.name or '')[:40]!r} is longer than {_FIELD_BYTES} bytes.",
                           code="field_too_long")
    return data.decode("utf-8", "replace").strip()


def _size(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise InvalidOption(f"file_size must be the file's size in bytes (a positive integer), not {text[:40]!r}.")
    return int(text)


def _body_size(request: web.Request, sniffer: ColumnSniffer) -> int:
    """The file's size in bytes as far as the request tells: all of it when it was read, else the
    body's length (the form's other parts are a few hundred bytes of it)."""
    if sniffer.complete or request.content_length is None:
        return sniffer.compressed_in
    return max(request.content_length, sniffer.compressed_in)


def _answer(columns: Columns, file_size: int, ratio: float) -> dict:
    """ChemAudit's CSVColumnsResponse, then how it was judged."""
    header_rows = 1 if columns.has_header else 0
    if columns.complete:
        rows, exact = columns.data_lines, True
    else:
        mean_line = columns.text_bytes / max(1, columns.data_lines + header_rows)
        rows, exact = max(1, round(file_size * ratio / mean_line) - header_rows), False
    return {
        "columns": columns.columns,
        "suggested_smiles": columns.suggested_smiles,
        "suggested_name": columns.suggested_name,
        "column_samples": columns.column_samples,
        "row_count_estimate": rows,
        "file_size_mb": round(file_size / (1024 * 1024), 2),
        "row_count_exact": exact,
        "has_header": columns.has_header,
        "format": columns.format,
        "delimiter": columns.delimiter,
        "sampled_bytes": columns.text_bytes,
    }
