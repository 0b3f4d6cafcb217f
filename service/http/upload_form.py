"""The upload form: its fields in one table, read part by part within a budget.

Fields may come in any order, except those that change how the file is split (`splits_file`):
the file is split while it arrives, so those must come before it (400 naming the field). Every
value is checked as it arrives (422). The form may hold one file part (a second is a 400) and
at most `max_form_fields` other parts of at most `max_form_field_bytes` each; unknown fields are
read within the same limits and ignored. A client that sends nothing for `upload_idle_timeout`
seconds is cut off (408). Nothing here touches the database: the file's records go to a spool.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.streams import StreamReader

from chemaudit.db.schema import PRIORITY_WEIGHTS
from chemaudit.errors import BadInput, InvalidOption, TimedOut
from chemaudit.flags import parse_flag
from chemaudit.ingest import UploadSplitter
from chemaudit.job_options import OPTION_NAMES
from chemaudit.notify.targets import parse_email, parse_secret, parse_webhook_url
from service.http.upload_spool import UploadSpool

PIECE = 64 * 1024
_FIELD_PIECE = 8 * 1024
_MALFORMED = (ValueError, HttpProcessingError)


def parse_priority(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in PRIORITY_WEIGHTS:
        raise InvalidOption(f"Option {name} must be one of {', '.join(PRIORITY_WEIGHTS)}, not {raw[:40]!r}.")
    return value


def parse_text(name: str, raw: str) -> str:
    return raw.strip()


def parse_profile_id(name: str, raw: str) -> int:
    """A scoring profile's id (GET /api/v1/profiles lists them); whether it exists is checked later."""
    value = raw.strip()
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise InvalidOption(f"Option {name} must be a profile id (a positive integer), not {raw[:40]!r}.")
    return int(value)


@dataclass(frozen=True)
class Field:
    """How a field's text is read (InvalidOption when it cannot be), its value when absent or
    empty, and whether it changes how the file is split (then it must come before the file)."""

    parse: Callable[[str, str], object]
    default: object
    splits_file: bool = False


# The fields that are audit options (POST /validate takes the same): chemaudit/job_options.py.
OPTION_FLAGS = OPTION_NAMES

# Every field the form accepts. A value lands in jobs.options (priority: in its own column).
FIELDS: dict[str, Field] = {
    "smiles_column": Field(parse_text, "SMILES", splits_file=True),
    "name_column": Field(parse_text, None, splits_file=True),
    **{name: Field(parse_flag, False) for name in OPTION_NAMES},
    "priority": Field(parse_priority, "normal"),
    # false: audit every record afresh instead of reusing stored results (tasks/result_cache.py)
    "reuse": Field(parse_flag, True),
    # who to tell when the job ends (chemaudit/notify/targets.py); kept out of jobs.options
    "webhook_url": Field(parse_webhook_url, None),
    "webhook_secret": Field(parse_secret, None),
    "notification_email": Field(parse_email, None),
    # a scoring profile: each molecule gets its profile score (service/http/profiles.py)
    "profile_id": Field(parse_profile_id, None),
}


@dataclass(frozen=True)
class FormLimits:
    max_fields: int
    max_field_bytes: int
    idle_timeout: float

    @classmethod
    def from_settings(cls, settings) -> FormLimits:
        return cls(settings.max_form_fields, settings.max_form_field_bytes, settings.upload_idle_timeout)


@dataclass(frozen=True)
class UploadForm:
    values: dict[str, Any]  # every field of FIELDS, defaults filled in
    filename: str


SplitterFactory = Callable[[str, dict], UploadSplitter]


async def read_form(request: web.Request, spool: UploadSpool, limits: FormLimits,
                    make_splitter: SplitterFactory) -> UploadForm:
    """Read the whole form, spooling the file; returns only once the closing boundary was read."""
    try:
        reader = await request.multipart()
    except ValueError as exc:
        raise BadInput(f"The multipart body cannot be read: {exc}.", code="bad_multipart") from None
    values: dict[str, object] = {}
    filename = ""
    others = 0
    async with idle_timeout(request.content, limits.idle_timeout):
        while (part := await malformed_is_400(reader.next())) is not None:
            await asyncio.sleep(0)  # parts that arrived together would otherwise hold the loop
            if isinstance(part, MultipartReader):
                raise BadInput("Nested multipart parts are not accepted; send flat form fields.",
                               code="bad_multipart")
            if part.name == "file":
                filename = _start_file(part, spool, values, make_splitter)
                await _spool_file(part, spool)
                continue
            others += 1
            if others > limits.max_fields:
                raise BadInput(f"The form has more than {limits.max_fields:,} fields besides the file, "
                               "the most allowed.", code="too_many_fields")
            text = await _read_field(part, limits.max_field_bytes)
            _take_field(part.name, text, values, spool.started)
    if not spool.started:
        raise BadInput("The form has no field named 'file'.", code="missing_file")
    return UploadForm({name: values.get(name, field.default) for name, field in FIELDS.items()}, filename)


def _start_file(part: BodyPartReader, spool: UploadSpool, values: dict, make_splitter: SplitterFactory) -> str:
    if spool.started:
        raise BadInput("The form has a second 'file' part; send one file per upload.", code="duplicate_file")
    filename = (part.filename or "upload").strip()[:255] or "upload"
    so_far = {name: values.get(name, field.default) for name, field in FIELDS.items()}
    spool.start(make_splitter(filename, so_far))
    return filename


async def _spool_file(part: BodyPartReader, spool: UploadSpool) -> None:
    while piece := await malformed_is_400(part.read_chunk(PIECE)):
        # In a thread: one gzip piece may expand to megabytes of text to split and format.
        await asyncio.to_thread(spool.feed, piece)
    await asyncio.to_thread(spool.finish)


async def _read_field(part: BodyPartReader, limit: int) -> str:
    data = bytearray()
    while chunk := await malformed_is_400(part.read_chunk(_FIELD_PIECE)):
        data += chunk
        if len(data) > limit:
            raise BadInput(f"Form field {(part.name or '')[:40]!r} is longer than {limit:,} bytes, "
                           "the most allowed.", code="field_too_long")
    try:
        decoded = bytes(part.decode(bytes(data)))  # a Content-Transfer-Encoding, if the client used one
    except ValueError as exc:
        raise BadInput(f"Form field {(part.name or '')[:40]!r} cannot be decoded: {exc}.",
                       code="bad_multipart") from None
    return decoded.decode("utf-8", errors="replace").strip()


def _take_field(name: str | None, text: str, values: dict, file_started: bool) -> None:
    field = FIELDS.get(name or "")
    if field is None or name is None:
        return  # an unknown field is ignored, as ChemAudit 2.0 does
    if name in values:
        raise BadInput(f"The form has {name} twice; send each field once.", code="duplicate_field")
    if field.splits_file and file_started:
        raise BadInput(f"Send {name} before the file field: it decides how the file is split, "
                       "which happens as the file arrives.", code="field_after_file")
    values[name] = field.parse(name, text) if text else field.default


async def malformed_is_400(awaitable):
    """The awaitable's result; a 400 `bad_multipart` when the body's framing is broken."""
    try:
        return await awaitable
    except _MALFORMED as exc:
        raise BadInput(f"The multipart body is malformed: {exc}.", code="bad_multipart") from None


@contextlib.asynccontextmanager
async def idle_timeout(stream: StreamReader, seconds: float) -> AsyncIterator[None]:
    """408 inside the block once `stream` has received nothing for `seconds`: the deadline moves
    with every byte that arrives, so a slow but steady client is never cut off."""
    loop = asyncio.get_running_loop()
    step = min(1.0, seconds / 4)
    seen = stream.total_bytes
    handle: asyncio.TimerHandle | None = None
    try:
        async with asyncio.timeout(seconds) as deadline:
            def watch() -> None:
                nonlocal seen, handle
                if stream.total_bytes != seen:
                    seen = stream.total_bytes
                    deadline.reschedule(loop.time() + seconds)
                handle = loop.call_later(step, watch)

            handle = loop.call_later(step, watch)
            yield
    except TimeoutError:
        raise TimedOut(f"No data arrived for {seconds:g} s, so the upload was cancelled; nothing was stored.",
                       code="upload_idle") from None
    finally:
        if handle is not None:
            handle.cancel()
