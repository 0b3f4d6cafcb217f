"""An upload's records as COPY rows in a temporary file, until the whole body has been read.

While the client sends, each piece is split and formatted in a worker thread (one gzip piece can
expand to megabytes) and appended to an unnamed temporary file: no database connection is held,
however slow the client. Once the form is complete and valid, `copy_into` streams the file into
one COPY inside the upload's short transaction. The file has no name on disk, so nothing is left
behind whatever way the upload ends.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from typing import Any
from uuid import UUID

from chemaudit.db.copy_rows import job_input_rows
from chemaudit.errors import Unavailable
from chemaudit.ingest import Record, UploadSplitter

log = logging.getLogger("chemaudit.upload")

MAX_NAME = 500
COPY_PIECE = 1024 * 1024
SPOOL_RETRY_AFTER = "60"


class UploadSpool:
    def __init__(self, job_id: UUID, directory: str = ""):
        self._job_key = str(job_id)
        self._directory = directory or None
        self._file: Any = None  # the spool file, open from start() to close()
        self.splitter: UploadSplitter | None = None
        self.total = 0  # records spooled

    @property
    def started(self) -> bool:
        return self.splitter is not None

    def start(self, splitter: UploadSplitter) -> None:
        """Open the spool file for the file part that `splitter` will split."""
        try:
            self._file = tempfile.TemporaryFile(dir=self._directory)  # noqa: SIM115 (open until close())
        except OSError as exc:
            raise _no_room(exc) from None
        self.splitter = splitter

    def feed(self, piece: bytes) -> None:
        """Split the next piece of the file and spool its records (call it in a worker thread)."""
        assert self.splitter is not None, "start() comes first"
        self._write(self.splitter.feed(piece))

    def finish(self) -> None:
        """Spool the file's last record; BadInput if the file held none (worker thread)."""
        assert self.splitter is not None, "start() comes first"
        self._write(self.splitter.finish())

    def _write(self, records: list[Record]) -> None:
        if not records:
            return
        try:
            self._file.write(job_input_rows(self._job_key, records, MAX_NAME))
        except OSError as exc:
            raise _no_room(exc) from None
        self.total += len(records)

    async def copy_into(self, copy) -> None:
        """Stream the spooled rows into an open psycopg COPY ... FROM STDIN."""
        await asyncio.to_thread(self._file.seek, 0)
        while rows := await asyncio.to_thread(self._file.read, COPY_PIECE):
            await copy.write(rows)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _no_room(exc: OSError) -> Unavailable:
    log.warning("upload spool unavailable: %s", exc)
    return Unavailable("The server has no room to receive the upload right now; try again later.",
                       code="spool_unavailable").with_header("Retry-After", SPOOL_RETRY_AFTER)
