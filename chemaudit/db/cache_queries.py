"""Named SQL of the result cache: finding stored result documents, storing new ones, pruning.

A document is one distinct audit result; `cache_key` (sha256 of the engine version, the audit
options and the input as stored) finds it again. Rows of `result_rows` point at documents.
"""

from __future__ import annotations

from chemaudit.db.queries import DOC_COLUMNS, Query, Read, reads

_DOC_INSERT_COLUMNS = ", ".join(DOC_COLUMNS) + ", detail"


@reads(Read.ALL)
def find_docs(keys: list[bytes]) -> Query:
    """The documents stored under any of these keys: id, key and the canonical SMILES (which a
    row of a non-SMILES input shows as its `smiles`)."""
    return Query(
        "SELECT id, cache_key, canonical_smiles FROM result_docs WHERE cache_key = ANY(%(keys)s::bytea[])",
        {"keys": keys},
    )


@reads(Read.ALL)
def insert_docs(docs_json: str, engine_version: str) -> Query:
    """Store documents given as one JSON array (cache_key as "\\\\x<hex>", the row columns, detail).

    A key that is already stored is left as it is (ON CONFLICT DO NOTHING) and not returned:
    the caller reads those ids with `find_docs` in a new statement, whose snapshot includes the
    document of a concurrent transaction this insert waited for. Rows go in key order, so two
    transactions storing overlapping keys lock them in the same order and cannot deadlock.
    """
    return Query(
        f"INSERT INTO result_docs (cache_key, engine_version, {_DOC_INSERT_COLUMNS})"
        f" SELECT d.cache_key, %(version)s, {', '.join('d.' + c for c in _DOC_INSERT_COLUMNS.split(', '))}"
        " FROM jsonb_populate_recordset(NULL::result_docs, %(docs)s::jsonb) AS d"
        " ORDER BY d.cache_key"
        " ON CONFLICT (cache_key) DO NOTHING RETURNING id, cache_key",
        {"docs": docs_json, "version": engine_version},
    )


@reads(Read.ONE)
def insert_private_doc(doc_json: str, engine_version: str) -> Query:
    """Store one document that is never reused (no cache key): a crash, a timeout, an internal
    error, or the fresh audit of a reuse=false job whose key was already taken."""
    return Query(
        f"INSERT INTO result_docs (engine_version, {_DOC_INSERT_COLUMNS})"
        f" SELECT %(version)s, {', '.join('d.' + c for c in _DOC_INSERT_COLUMNS.split(', '))}"
        " FROM jsonb_populate_record(NULL::result_docs, %(doc)s::jsonb) AS d RETURNING id",
        {"doc": doc_json, "version": engine_version},
    )


@reads(Read.ONE)
def delete_unused_docs(after_id: int, span: int) -> Query:
    """Delete the documents no result row points at, among the next `span` ids after `after_id`.

    Returns the last id examined (NULL past the end) and how many were deleted. A document a
    worker is pointing a new row at right now is locked by that row's foreign-key check and
    skipped (SKIP LOCKED), so the purge never waits on a running job.
    """
    return Query(
        "WITH span AS (SELECT id FROM result_docs WHERE id > %(after)s ORDER BY id LIMIT %(n)s),"
        " unused AS (SELECT d.id FROM result_docs d JOIN span s ON s.id = d.id"
        "  WHERE NOT EXISTS (SELECT 1 FROM result_rows r WHERE r.doc_id = d.id)"
        "  FOR UPDATE OF d SKIP LOCKED),"
        " gone AS (DELETE FROM result_docs d USING unused u WHERE d.id = u.id RETURNING d.id)"
        " SELECT (SELECT max(id) FROM span) AS last_id, (SELECT count(*) FROM gone) AS deleted",
        {"after": after_id, "n": span},
    )

