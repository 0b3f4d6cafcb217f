"""The client commands: submit, watch, status, results, export, cancel (async, against a server)."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from chemaudit.cli_errors import report
from chemaudit.job_options import OPTION_FLAGS, cli_attribute
from chemaudit_client.api import ApiClient, ClientFailure
from chemaudit_client.follow import Follower
from chemaudit_client.progress import ProgressDisplay, RateMeter, format_duration, format_rate
from chemaudit_client.table import progress_state, results_text, status_text

EXIT_OK, EXIT_FAILED, EXIT_CANCELLED, EXIT_UNREACHABLE, EXIT_REFUSED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
JOB_EXIT = {"complete": EXIT_OK, "failed": EXIT_FAILED, "cancelled": EXIT_CANCELLED}
# CLI flag attribute -> the upload form field it sets.
UPLOAD_FLAGS = {cli_attribute(flag): flag.name for flag in OPTION_FLAGS}
FILTER_PARAMS = ("status_filter", "min_score", "max_score", "issue_filter", "alert_filter", "sort_by", "sort_dir")


def say(text: str) -> None:
    """A message for the person at the terminal (stderr; stdout is kept for data)."""
    print(text, file=sys.stderr, flush=True)


def run_client(command, args) -> int:
    """The process boundary of a client command: each failure is one line, never a traceback."""
    try:
        return command(args)
    except ClientFailure as exc:
        say(f"chemaudit {args.command}: {exc.message}")
        return exc.exit_code
    except KeyboardInterrupt:
        say(f"chemaudit {args.command}: interrupted.")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not a user error: one log line, the trace with --debug
        report(args.command, exc, getattr(args, "debug", False))
        return EXIT_FAILED


def upload_fields(args) -> dict[str, str]:
    fields = {}
    if args.smiles_column:
        fields["smiles_column"] = args.smiles_column
    if args.name_column:
        fields["name_column"] = args.name_column
    for attribute, field in UPLOAD_FLAGS.items():
        if getattr(args, attribute):
            fields[field] = "true"
    if getattr(args, "priority", None):
        fields["priority"] = args.priority
    if getattr(args, "no_reuse", False):
        fields["reuse"] = "false"
    if getattr(args, "profile_id", None) is not None:
        fields["profile_id"] = str(args.profile_id)
    return fields


def filter_params(args) -> dict[str, str]:
    return {name: str(getattr(args, name)) for name in FILTER_PARAMS if getattr(args, name, None) is not None}


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if start is None or end is None:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (TypeError, ValueError):  # not ISO 8601: the summary just leaves the time out
        return None


async def _summary(api: ApiClient, job_id: str, final: dict) -> str:
    line = f"Job {job_id} {final['status']}: {final['processed']:,}/{final['total']:,} molecules"
    try:
        snapshot = await api.status(job_id)
    except ClientFailure:
        return line + "."
    seconds = _seconds_between(snapshot.get("started_at"), snapshot.get("finished_at"))
    if seconds and seconds > 0:
        line += f" in {format_duration(seconds)} ({format_rate(final['processed'] / seconds)})"
    if snapshot.get("error_message"):
        line += f"; {snapshot['error_message']}"
    return line + "."


async def follow_job(api: ApiClient, job_id: str, first: dict | None = None) -> int:
    """Show the job's progress until it ends; the exit code of its final status."""
    display = ProgressDisplay(sys.stderr, label=f"job {job_id[:8]}")
    meter = RateMeter()

    def show(message: dict) -> None:
        state = progress_state(message)
        display.update(dataclasses.replace(state, rate=meter.observe(time.monotonic(), state.processed)))

    follower = Follower(lambda seq: api.socket_messages(job_id, seq), lambda: api.status(job_id), show,
                        on_note=display.note)
    try:
        if first is not None and follower.deliver(first):
            final = first
        else:
            final = await follower.run()
    finally:
        display.close()
    say(await _summary(api, job_id, final))
    if final["status"] == "complete":
        say(f"Results: chemaudit results {job_id}   Export: chemaudit export {job_id} --format csv -o results.csv")
    return JOB_EXIT[final["status"]]


async def submit(args) -> int:
    path = Path(args.file)
    async with ApiClient(args.server, args.api_key) as api:
        try:
            accepted = await api.upload(path, upload_fields(args))
        except OSError as exc:  # the local file; connection errors arrive as Unreachable
            raise ClientFailure(f"Cannot read {path}: {exc.strerror or exc}") from None
        job_id = accepted["job_id"]
        print(job_id, flush=True)  # stdout holds the id alone: ID=$(chemaudit submit f.sdf)
        say(f"Job {job_id} accepted: {accepted.get('total_molecules', 0):,} molecules from {path.name}.")
        if not args.watch:
            return EXIT_OK
        return await follow_job(api, job_id)


async def watch(args) -> int:
    async with ApiClient(args.server, args.api_key) as api:
        return await follow_job(api, args.job_id, await api.status(args.job_id))


async def status(args) -> int:
    async with ApiClient(args.server, args.api_key) as api:
        message = await api.status(args.job_id)
    print(json.dumps(message, indent=2) if args.json else status_text(message))
    return EXIT_OK


async def results(args) -> int:
    params = {"page": str(args.page), "page_size": str(args.page_size), **filter_params(args)}
    async with ApiClient(args.server, args.api_key) as api:
        page = await api.results(args.job_id, params)
    print(json.dumps(page, indent=2) if args.json else results_text(page))
    return EXIT_OK


def export_options(args) -> dict[str, str]:
    """The export options given on the command line, as query parameters."""
    from chemaudit.export.formats import OPTIONS

    given = {name: getattr(args, name, None) for name in OPTIONS}
    return {name: "true" if value is True else str(value) for name, value in given.items() if value}


def read_indices(text: str | None) -> list[int] | None:
    """--indices 0,1,5, or @FILE with indexes separated by commas or lines."""
    if not text:
        return None
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text()
        except OSError as exc:
            raise ClientFailure(f"Cannot read {text[1:]}: {exc.strerror or exc}") from None
    parts = [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise ClientFailure("--indices takes record indexes (integers from 0) separated by commas, like 0,1,5.")
    return [int(part) for part in parts]


async def export(args) -> int:
    params = {"format": args.format, **export_options(args), **filter_params(args)}
    target = Path(args.output) if args.output else None
    indices = read_indices(getattr(args, "indices", None))
    async with ApiClient(args.server, args.api_key) as api:
        try:
            path, size, count = await api.export(args.job_id, params, target, indices)
        except OSError as exc:  # the local file; connection errors arrive as Unreachable
            raise ClientFailure(f"Cannot write {target or 'the export'}: {exc.strerror or exc}") from None
    rows = f"{int(count):,} results, " if count and count.isdigit() else ""
    say(f"Wrote {path} ({rows}{size:,} bytes).")
    return EXIT_OK


async def cancel(args) -> int:
    async with ApiClient(args.server, args.api_key) as api:
        answer = await api.cancel(args.job_id)
    say(answer.get("message") or f"Job {args.job_id} is {answer.get('status')}.")
    print(answer.get("status", ""))
    return EXIT_OK
