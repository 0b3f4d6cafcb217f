"""`chemaudit audit FILE -o OUT`: the service's audit of a file, run here, without a server.

The file is split by the same UploadSplitter the upload uses (read piece by piece, never whole),
audited by a process pool over all cores in file order, and written by the same encoders as the
service's exports. Records are fed to the pool a window at a time, so memory stays bounded
however large the file; the output goes to OUT.part and is renamed once complete.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from chemaudit.chemistry import AuditOptions, warm_up
from chemaudit.errors import ChemAuditError
from chemaudit.export import ROW_SHAPES, iter_encode, make_encoder
from chemaudit.ingest import IngestLimits, UploadSplitter
from chemaudit.settings import Settings
from chemaudit_client.api import ClientFailure
from chemaudit_client.commands import UPLOAD_FLAGS, say
from chemaudit_client.local_rows import export_row
from chemaudit_client.progress import (
    ProgressDisplay,
    ProgressState,
    RateMeter,
    format_duration,
    format_rate,
    local_eta,
)

READ_PIECE = 1024 * 1024
WRITE_BATCH = 200
WINDOW_CHUNKS = 32  # chunks per worker handed to the pool at a time

# The local formats (chemaudit.export.formats.LOCAL_FORMATS) by file extension.
FORMAT_BY_SUFFIX = {"csv": "csv", "tsv": "tsv", "tab": "tsv", "sdf": "sdf", "sd": "sdf", "json": "json",
                    "ndjson": "ndjson", "jsonl": "ndjson", "xlsx": "xlsx"}

RecordTuple = tuple[int, str, str, str, "str | None"]


def read_records(path: Path, splitter: UploadSplitter) -> Iterator[RecordTuple]:
    """The file's records, in order, as plain tuples (cheap to send to worker processes)."""
    with path.open("rb") as handle:
        while piece := handle.read(READ_PIECE):
            for record in splitter.feed(piece):
                yield record.idx, record.name, record.kind, record.text, record.error
        for record in splitter.finish():
            yield record.idx, record.name, record.kind, record.text, record.error


def chunk_size_for(total: int, jobs: int) -> int:
    """Large enough to keep pickling overhead low, small enough to spread work evenly."""
    return max(1, min(100, total // (jobs * 8) if jobs else total))


_options: AuditOptions | None = None
_shape = "flat"


def _configure(options: AuditOptions, shape: str) -> None:
    global _options, _shape
    _options, _shape = options, shape


def _init_worker(options: AuditOptions, shape: str) -> None:
    """In each pool process: Ctrl-C is the parent's to handle (it stops the pool), caches warm."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _configure(options, shape)
    warm_up()


def _audit_one(record: RecordTuple) -> dict:
    assert _options is not None, "the pool's initializer sets it"
    return export_row(*record, _options, _shape)


class LocalAudit:
    """One run: the settings' limits and guards, the upload's column options, an output format."""

    def __init__(self, path: Path, output: Path, fmt: str, *, jobs: int, settings: Settings,
                 smiles_column: str | None = None, name_column: str | None = None, flags: dict | None = None):
        self.path, self.output, self.fmt, self.jobs = path, output, fmt, max(1, jobs)
        self.settings = settings
        self.smiles_column, self.name_column = smiles_column or "SMILES", name_column or None
        self.options = AuditOptions.from_settings(settings, **(flags or {}))
        self.shape = ROW_SHAPES[fmt]
        self.counts = {"success": 0, "error": 0}

    def splitter(self) -> UploadSplitter:
        return UploadSplitter(self.path.name, limits=IngestLimits.from_settings(self.settings),
                              smiles_column=self.smiles_column, name_column=self.name_column)

    def count(self) -> int:
        """A first, chemistry-free pass: the total for the progress bar, and bad files refused early."""
        return sum(1 for _ in read_records(self.path, self.splitter()))

    def rows(self, total: int) -> Iterator[dict]:
        records = read_records(self.path, self.splitter())
        if self.jobs == 1:
            _configure(self.options, self.shape)
            yield from map(_audit_one, records)
            return
        chunksize = chunk_size_for(total, self.jobs)
        window = chunksize * self.jobs * WINDOW_CHUNKS
        with multiprocessing.Pool(self.jobs, _init_worker, (self.options, self.shape)) as pool:
            while batch := list(itertools.islice(records, window)):
                yield from pool.imap(_audit_one, batch, chunksize)

    def run(self, display: ProgressDisplay) -> int:
        """Audit and write everything; returns how many molecules were written."""
        try:
            return self._run(display)
        except ChemAuditError as exc:  # the file itself is refused, as the upload would be
            raise ClientFailure(f"{self.path}: {exc.detail}") from None
        except OSError as exc:
            raise ClientFailure(f"{exc.filename or self.path}: {exc.strerror or exc}") from None

    def _run(self, display: ProgressDisplay) -> int:
        total = self.count()
        header = {"filename": self.path.name, "total_results": total}
        encoder = make_encoder(self.fmt, header=header, row_count=total)
        partial = self.output.with_name(self.output.name + ".part")
        meter, done = RateMeter(), 0

        def counted(rows: Iterator[dict]) -> Iterator[dict]:
            nonlocal done
            for row in rows:
                done += 1
                self.counts[row["status"]] = self.counts.get(row["status"], 0) + 1
                rate = meter.observe(time.monotonic(), done)
                display.update(ProgressState("processing" if done < total else "complete", done, total,
                                             rate, local_eta(done, total, rate)))
                yield row

        try:
            with partial.open("wb") as handle:
                for piece in iter_encode(encoder, counted(self.rows(total)), WRITE_BATCH):
                    handle.write(piece)
            partial.replace(self.output)
        finally:
            partial.unlink(missing_ok=True)
            display.close()
        return done


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def audit_command(args) -> int:
    """The `chemaudit audit` entry point (run under chemaudit_client.commands.run_client)."""
    output = Path(args.output)
    fmt = args.format or FORMAT_BY_SUFFIX.get(output.suffix.lower().lstrip("."), "csv")
    flags = {field: True for attribute, field in UPLOAD_FLAGS.items() if getattr(args, attribute)}
    run = LocalAudit(Path(args.file), output, fmt, jobs=args.jobs or default_jobs(), settings=Settings.from_env(),
                     smiles_column=args.smiles_column, name_column=args.name_column, flags=flags)
    display = ProgressDisplay(sys.stderr, label="audit", plain_interval=1.0)
    started = time.monotonic()
    written = run.run(display)
    seconds = time.monotonic() - started
    say(f"Audited {written:,} molecules ({run.counts.get('success', 0):,} success, "
        f"{run.counts.get('error', 0):,} error) in {format_duration(seconds)} "
        f"({format_rate(written / seconds if seconds > 0 else None)}); wrote {output} ({fmt}).")
    return 0
