"""The result cache as one chunk uses it: which records can take a stored result, and storing new ones.

A result depends only on the engine version, the audit options and the input as stored (kind,
text, and the splitter's error for a record it could not read), so those make the cache key;
a record's index and name are not part of it and stay on its row. The cache is the
`result_docs` table, shared by every job, owner, worker and node.

Per batch the chunk runner asks the cache once for the keys of the records still to do; found
ones (and repeats of a record audited earlier in the chunk) are not audited again. New results
are stored with ON CONFLICT DO NOTHING: two chunks auditing the same structure at the same time
both audit it, but store one document, and both rows point at it. A `reuse=false` job skips
the lookup and points each row at its own fresh audit (a private copy when the key was taken).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from chemaudit.chemistry import AuditOptions
from chemaudit.chemistry.version import engine_version
from chemaudit.db import cache_queries as cq
from chemaudit.db.executor import Session, SyncTarget, run
from chemaudit.db.queries import DOC_COLUMNS
from chemaudit.result_rows import rows_to_json
from tasks.metrics import RESULT_CACHE_HITS, RESULT_CACHE_MISSES
from tasks.record_audit import TRANSIENT, shown_smiles


class DocumentGone(RuntimeError):
    """A stored result this batch pointed at was deleted (by a purge) before the commit."""


@functools.cache
def cache_version() -> str:
    """The engine version, extended with the row format: result_rows.py flattens a result into
    the columns a document keeps and analytics/scaffolds.py computes its scaffold column, so a
    change in either must miss the cache too."""
    import chemaudit.analytics.scaffolds as scaffold_column
    import chemaudit.result_rows as row_format

    digest = hashlib.sha256(engine_version().encode())
    for path in (row_format.__file__, scaffold_column.__file__):
        digest.update(b"\0" + Path(str(path)).read_bytes())
    return digest.hexdigest()[:16]


def options_blob(options: AuditOptions) -> bytes:
    """Every field of the options (flags, check subset, size guards), in a stable form."""
    return json.dumps(dataclasses.asdict(options), sort_keys=True, separators=(",", ":")).encode()


def cache_key(version: str, options: bytes, record: dict) -> bytes:
    """sha256 of what determines a record's result; length-prefixed parts, so none can blur into the next."""
    digest = hashlib.sha256()
    for part in (version.encode(), options, record["kind"].encode(), record["text"].encode(),
                 (record["error"] or "").encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def reusable(row: dict) -> bool:
    """False for results that say nothing lasting about the input (crashes, overruns, internal errors)."""
    return not row.get(TRANSIENT) and not (row.get("error") or "").startswith("internal_error")


@dataclass
class Pending:
    """One record's result, waiting for the next batch commit."""

    record: dict
    key: bytes
    row: dict | None = None  # audited here: the full row; None when reused
    doc_id: int | None = None  # a stored document it reuses
    twin: dict | None = None  # reused from a record audited earlier in this batch: that record's row
    canonical: str | None = None

    @property
    def own_row(self) -> dict:
        """The row of a result audited here (only those are stored under their key)."""
        assert self.row is not None, "a reused result has no row of its own"
        return self.row


class ChunkCache:
    """What one chunk knows of the cache: stored documents found, results audited since the last commit."""

    def __init__(self, job_id: str, options: AuditOptions, reuse: bool, version: str | None = None):
        self.job_id = job_id
        self.version = version or cache_version()
        self.options = options_blob(options)
        self.reuse = reuse
        self.known: dict[bytes, tuple[int, str | None]] = {}  # key -> (document id, canonical SMILES)
        self.audited: dict[bytes, dict] = {}  # key -> reusable row audited since the last commit
        self._keys: dict[int, bytes] = {}
        self._open: dict[bytes, tuple[int, str | None]] = {}  # documents of the open transaction

    def key(self, record: dict) -> bytes:
        key = self._keys.get(record["idx"])
        if key is None:
            key = self._keys[record["idx"]] = cache_key(self.version, self.options, record)
        return key

    def look_up(self, db: Session | SyncTarget, records: list[dict]) -> None:
        """Find stored documents for the records whose key is not known yet, in one query."""
        if not self.reuse:
            return
        wanted = {self.key(record) for record in records} - self.known.keys() - self.audited.keys()
        if not wanted:
            return
        for doc in run(db, cq.find_docs(sorted(wanted))):
            self.known[bytes(doc["cache_key"])] = (doc["id"], doc["canonical_smiles"])

    def first_the_reusable(self, records: list[dict]) -> list[dict]:
        """The records, those with a known result first: they go into the next commit at once."""
        if not self.reuse:
            return records
        ready = [r for r in records if self.key(r) in self.known]
        return ready + [r for r in records if self.key(r) not in self.known]

    def reused(self, record: dict) -> Pending | None:
        """The record's result without an audit, if the cache or this chunk already has it."""
        if not self.reuse:
            return None
        key = self.key(record)
        if key in self.known:
            doc_id, canonical = self.known[key]
            RESULT_CACHE_HITS.inc()
            return Pending(record, key, doc_id=doc_id, canonical=canonical)
        twin = self.audited.get(key)
        if twin is not None:
            RESULT_CACHE_HITS.inc()
            return Pending(record, key, twin=twin, canonical=twin["canonical_smiles"])
        return None

    def audited_result(self, record: dict, row: dict) -> Pending:
        key = self.key(record)
        if self.reuse:
            RESULT_CACHE_MISSES.inc()
            if reusable(row):
                self.audited.setdefault(key, row)
        return Pending(record, key, row=row)

    def store(self, db: Session | SyncTarget, batch: list[Pending]) -> tuple[str, list[int]]:
        """Store the batch's new documents; returns the rows for insert_results and the reused idx."""
        fresh: dict[bytes, Pending] = {}
        for pending in batch:
            if pending.row is not None and reusable(pending.row):
                fresh.setdefault(pending.key, pending)
        inserted, found = self._store_keyed(db, fresh) if fresh else ({}, {})
        rows, reused = [], []
        for pending in batch:
            key, record, row = pending.key, pending.record, pending.row
            if row is None:
                reused.append(record["idx"])
                doc_id = pending.doc_id or inserted.get(key) or found.get(key)
                row_smiles = shown_smiles(record, pending.canonical)
                row = pending.twin
            elif self.reuse:
                doc_id = (inserted.get(key) or found.get(key)) if reusable(row) else None
                row_smiles = row["smiles"]
            else:  # its own fresh audit: the cache's document only if this row just stored it
                doc_id = inserted.get(key) if fresh.get(key) is pending else None
                row_smiles = row["smiles"]
            if doc_id is None:
                assert row is not None, "a reused result has a document or a twin audited in this batch"
                doc_id = self._private(db, row)
            rows.append({"job_id": self.job_id, "idx": record["idx"], "name": record["name"],
                         "smiles": row_smiles, "doc_id": doc_id})
        self._open = {key: (doc_id, fresh[key].own_row["canonical_smiles"])
                      for key, doc_id in {**found, **inserted}.items()}
        return rows_to_json(rows), reused

    def _store_keyed(self, db: Session | SyncTarget, fresh: dict[bytes, Pending]) -> tuple[dict, dict]:
        """Insert documents under their keys: (inserted, found) ids by key. A key already stored
        (maybe by a racing chunk) is found in a statement of its own (see cq.insert_docs)."""
        docs = [{"cache_key": "\\x" + key.hex(), **{c: p.own_row[c] for c in DOC_COLUMNS}, "detail": p.own_row["detail"]}
                for key, p in sorted(fresh.items())]
        inserted = {bytes(r["cache_key"]): r["id"] for r in run(db, cq.insert_docs(rows_to_json(docs), self.version))}
        taken = sorted(set(fresh) - set(inserted))
        found = {}
        if taken and self.reuse:
            found = {bytes(r["cache_key"]): r["id"] for r in run(db, cq.find_docs(taken))}
        return inserted, found

    def _private(self, db: Session | SyncTarget, row: dict) -> int:
        doc = {**{c: row[c] for c in DOC_COLUMNS}, "detail": row["detail"]}
        return run(db, cq.insert_private_doc(rows_to_json([doc])[1:-1], self.version))["id"]

    def committed(self) -> None:
        """The batch is committed: the documents it stored or found serve the rest of the chunk."""
        if self.reuse:
            self.known.update(self._open)
        self.audited.clear()
        self._open = {}
