"""Query parameters of the results endpoints, validated (422 on bad values), and download names."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import overload
from urllib.parse import quote
from uuid import UUID

from aiohttp import web

from chemaudit.db.results_queries import RESULT_STATUSES, SORT_DIRECTIONS, SORT_KEYS, ResultFilter, ResultOrder
from chemaudit.errors import InvalidOption

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .:+()/-]{0,99}$")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_COMPRESSED = {".gz", ".gzip", ".bz2", ".zip", ".xz"}


def _raw(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    return None if value is None or value.strip() == "" else value.strip()


@overload
def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int: ...
@overload
def int_param(request: web.Request, name: str, default: None, low: int, high: int) -> int | None: ...
def int_param(request: web.Request, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = _raw(request, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidOption(f"{name} must be an integer, not {raw[:40]!r}.") from None
    if not low <= value <= high:
        raise InvalidOption(f"{name} must be between {low} and {high}, not {value}.")
    return value


@overload
def choice_param(request: web.Request, name: str, choices, default: str) -> str: ...
@overload
def choice_param(request: web.Request, name: str, choices, default: None) -> str | None: ...
def choice_param(request: web.Request, name: str, choices, default: str | None) -> str | None:
    raw = _raw(request, name)
    if raw is None:
        return default
    if raw.lower() not in choices:
        raise InvalidOption(f"{name} must be one of {', '.join(choices)}, not {raw[:40]!r}.")
    return raw.lower()


def name_param(request: web.Request, name: str, what: str) -> str | None:
    raw = _raw(request, name)
    if raw is not None and not _NAME.match(raw):
        raise InvalidOption(f"{name} must be {what} (letters, digits, _ and -, at most 100 characters).")
    return raw


def time_param(request: web.Request, name: str) -> datetime | None:
    """An ISO 8601 date or time; one without a zone is taken as UTC."""
    raw = _raw(request, name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidOption(f"{name} must be an ISO 8601 date or time, like 2026-01-31T12:00:00Z, "
                            f"not {raw[:40]!r}.") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def result_filter(request: web.Request) -> ResultFilter:
    min_score = int_param(request, "min_score", None, 0, 100)
    max_score = int_param(request, "max_score", None, 0, 100)
    if min_score is not None and max_score is not None and min_score > max_score:
        raise InvalidOption(f"min_score ({min_score}) is greater than max_score ({max_score}).")
    return ResultFilter(
        status=choice_param(request, "status_filter", RESULT_STATUSES, None),
        min_score=min_score,
        max_score=max_score,
        issue=name_param(request, "issue_filter", "a check name"),
        alert=name_param(request, "alert_filter", "an alert catalog name"),
    )


def result_order(request: web.Request) -> ResultOrder:
    return ResultOrder(
        sort_by=choice_param(request, "sort_by", tuple(SORT_KEYS), "index"),
        sort_dir=choice_param(request, "sort_dir", tuple(SORT_DIRECTIONS), "asc"),
    )


def encode_cursor(created_at: datetime, job_id: UUID) -> str:
    raw = f"{created_at.isoformat()}|{job_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str | None) -> tuple[datetime, UUID] | None:
    if raw is None or raw == "":
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        stamp, job_id = text.split("|")
        return datetime.fromisoformat(stamp), UUID(job_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidOption("cursor is not one this server handed out (use next_cursor as given).") from None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def download_stem(filename: str, job_id: UUID) -> str:
    """The upload's name without its extensions ("nci.sdf.gz" -> "nci"), safe for a header."""
    path = PurePosixPath(filename.replace("\\", "/")).name
    stem = PurePosixPath(path)
    if stem.suffix.lower() in _COMPRESSED:
        stem = PurePosixPath(stem.stem)
    name = stem.stem if stem.suffix else stem.name
    return name.strip() or f"chemaudit_{str(job_id)[:8]}"


def content_disposition(filename: str, job_id: UUID, extension: str, suffix: str = "results") -> str:
    """`<upload's stem>_<suffix>.<extension>`, as an ASCII name and as the UTF-8 original."""
    stem = download_stem(filename, job_id)
    ascii_name = _UNSAFE_FILENAME.sub("_", stem).strip("._")[:80] or f"chemaudit_{str(job_id)[:8]}"
    full = f"{stem[:120]}_{suffix}.{extension}"
    return (f'attachment; filename="{ascii_name}_{suffix}.{extension}"; '
            f"filename*=UTF-8''{quote(full, safe='')}")
