"""What an export request asks for: the format, its options and the record indexes (422 on bad ones).

Indexes come as ChemAudit's clients send them: a comma list in the query
(`?indices=0,1,5`), or a JSON body `{"indices": [0, 1, 5]}` (POST /export, and the subset
export, whose body also names the format and may hold the format's options). Each index is
a record index of the job (0 to total - 1); one beyond the job is refused rather than skipped,
so a client never takes a short file for the one it asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from chemaudit.errors import BadInput, InvalidOption
from chemaudit.export.formats import FORMAT_NAMES, OPTIONS, ExportFormat, default_options, get_format
from service.http.json_body import parse_object

MAX_INDICES = 100_000  # far more than a page selection; larger sets are what filters are for
MAX_INDEX = 2**31 - 1
BODY_EXAMPLE = '{"indices": [0, 1, 5]}'
SUBSET_EXAMPLE = '{"indices": [0, 1, 5], "format": "csv"}'


@dataclass(frozen=True, slots=True)
class ExportRequest:
    fmt: ExportFormat
    options: dict[str, Any]
    indices: tuple[int, ...] | None


def parse_format(raw: Any) -> ExportFormat:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return get_format("csv")
    try:
        return get_format(str(raw))
    except KeyError:
        raise InvalidOption(f"format must be one of {', '.join(FORMAT_NAMES)}, not {str(raw)[:40]!r}.") from None


def parse_options(fmt: ExportFormat, given: dict[str, Any]) -> dict[str, Any]:
    """The format's options: each given one parsed (422 when bad, whatever the format), the rest
    their defaults; options of other formats are checked but not passed on."""
    chosen = default_options(fmt)
    for name, option in OPTIONS.items():
        raw = given.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        value = option.parse(raw)
        if name in chosen:
            chosen[name] = value
    return chosen


def _index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INDEX:
        raise InvalidOption(f"indices must be record indexes (integers from 0), not {str(value)[:40]!r}.")
    return value


def query_indices(raw: str | None) -> tuple[int, ...] | None:
    """`indices=0,1,5` from the query; None when absent or blank."""
    if raw is None or not raw.strip():
        return None
    values = []
    for part in raw.split(","):
        text = part.strip()
        if not text.isdigit() or not text.isascii():
            raise InvalidOption(f"indices must be a comma-separated list of record indexes (integers "
                                f"from 0), like 0,1,5; {text[:40]!r} is not one.")
        values.append(_index(int(text)))
    return _bounded(values)


def body_indices(value: Any, required: bool) -> tuple[int, ...] | None:
    if value is None and not required:
        return None
    if not isinstance(value, list):
        raise InvalidOption(f"indices must be a JSON list of record indexes, like {BODY_EXAMPLE}.")
    if not value:
        raise InvalidOption("indices is empty: list at least one record index.")
    return _bounded([_index(item) for item in value])


def _bounded(values: list[int]) -> tuple[int, ...]:
    if len(values) > MAX_INDICES:
        raise InvalidOption(f"indices lists {len(values):,} indexes; at most {MAX_INDICES:,} are accepted "
                            "(use the filters for larger selections).")
    return tuple(sorted(set(values)))


def check_in_job(indices: tuple[int, ...] | None, total: int) -> None:
    """422 when an index is beyond the job's records (0 to total - 1)."""
    if indices and indices[-1] >= total:
        raise InvalidOption(f"index {indices[-1]} is not a record of this job: it has {total:,} records "
                            f"(indexes 0 to {total - 1:,}).", code="index_out_of_range")


async def _json_body(request: web.Request, example: str, required: bool) -> dict:
    raw = await request.read()
    if not raw.strip():
        if required:
            raise BadInput(f"The body must be a JSON object like {example}.")
        return {}
    return parse_object(raw, example)


async def export_request(request: web.Request) -> ExportRequest:
    """GET|POST /export: the format and options from the query; indices from the query or the body."""
    fmt = parse_format(request.query.get("format"))
    options = parse_options(fmt, dict(request.query))
    indices = query_indices(request.query.get("indices"))
    if request.method == "POST":
        body = await _json_body(request, BODY_EXAMPLE, required=False)
        if "indices" in body:
            if indices is not None:
                raise InvalidOption("indices is given both in the query and in the body; give it once.")
            indices = body_indices(body["indices"], required=True)
    return ExportRequest(fmt, options, indices)


async def subset_request(request: web.Request) -> ExportRequest:
    """POST /subset/export: {"indices": [...], "format": "csv", <the format's options>}."""
    body = await _json_body(request, SUBSET_EXAMPLE, required=True)
    fmt = parse_format(body.get("format"))
    return ExportRequest(fmt, parse_options(fmt, body), body_indices(body.get("indices"), required=True))
