"""The progress message's fields, described once: name, JSON type, meaning, and whether every client relies on it.

The message itself is built in PostgreSQL by `chemaudit_progress_json(job_events)`, whose text
lives in chemaudit/db/sql/progress_message_v<SQL_VERSION>.sql (the migrations load it). This
description is what the Python side reads: the order `chemaudit.progress.progress_message`
puts the fields in, the OpenAPI schema (service/openapi/schemas.py) and the tests, and a test
checks the SQL function builds exactly these fields.

Adding a field: add it here, copy the SQL file to the next version with the field added, and
add a migration that loads the new file (`chemaudit.db.sql.load`); bump SQL_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chemaudit.db.schema import JOB_STATUSES

SQL_VERSION = 1  # the chemaudit/db/sql/progress_message_v*.sql the latest migration loads

_COUNT = {"type": "integer", "minimum": 0}


@dataclass(frozen=True)
class MessageField:
    name: str
    schema: dict[str, Any]  # JSON Schema of the value
    meaning: str
    core: bool  # one of the fields every documented client reads: always first, in this order


FIELDS: tuple[MessageField, ...] = (
    MessageField("job_id", {"type": "string", "format": "uuid"}, "The job's id.", core=True),
    MessageField("status", {"type": "string", "enum": list(JOB_STATUSES)},
                 "A job waiting in the queue is `processing` with `processed: 0`.", core=True),
    MessageField("progress", {"type": "number", "minimum": 0, "maximum": 100},
                 "Percent done; never goes backwards.", core=True),
    MessageField("processed", _COUNT, "Molecules audited so far (results stored).", core=True),
    MessageField("total", _COUNT, "Molecules in the upload.", core=True),
    MessageField("eta_seconds", _COUNT, "Estimated seconds left; 0 once the job has ended.", core=True),
    MessageField("seq", _COUNT, "Per-job event number; reconnect with `?after_seq=N`.", core=False),
    MessageField("error_message", {"type": ["string", "null"]},
                 "Why the job failed; null unless it did.", core=False),
)

CORE_FIELDS = tuple(f.name for f in FIELDS if f.core)
MESSAGE_FIELDS = tuple(f.name for f in FIELDS)


def schema_properties() -> dict[str, dict[str, Any]]:
    """Each field's JSON Schema with its meaning as the description, for the OpenAPI document."""
    return {f.name: {**f.schema, "description": f.meaning} for f in FIELDS}
