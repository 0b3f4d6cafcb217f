"""The progress message's one Python description agrees with its SQL file and the OpenAPI schema."""

from __future__ import annotations

import re

from chemaudit.db.sql import load
from chemaudit.progress import PROGRESS_FIELDS, progress_message
from chemaudit.progress_fields import CORE_FIELDS, FIELDS, MESSAGE_FIELDS, SQL_VERSION
from service.openapi.schemas import PROGRESS


def sql_keys(version: int) -> list[str]:
    body = load(f"progress_message_v{version}").split("jsonb_build_object(", 1)[1]
    return re.findall(r"^\s*'(\w+)',", body, re.M)


def test_the_latest_sql_file_builds_exactly_the_described_fields_in_order():
    assert sql_keys(SQL_VERSION) == list(MESSAGE_FIELDS)


def test_the_six_fields_every_client_reads_come_first():
    assert PROGRESS_FIELDS == CORE_FIELDS == ("job_id", "status", "progress", "processed", "total", "eta_seconds")
    assert MESSAGE_FIELDS[:len(CORE_FIELDS)] == CORE_FIELDS
    assert all(field.meaning.strip() for field in FIELDS)


def test_the_openapi_schema_requires_the_core_fields_and_documents_every_field():
    assert PROGRESS["required"] == list(CORE_FIELDS)
    for field in FIELDS:
        assert PROGRESS["properties"][field.name] == {**field.schema, "description": field.meaning}


def test_a_message_is_put_in_the_described_order_whatever_order_it_arrives_in():
    raw = {"seq": 3, "total": 10, "job_id": "j", "status": "processing", "processed": 4, "progress": 40.0,
           "eta_seconds": 6, "error_message": None, "started_at": None}
    assert list(progress_message(raw)) == [*MESSAGE_FIELDS, "started_at"]
