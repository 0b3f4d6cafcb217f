"""The `chemaudit` process boundary: every failure is one line on stderr and a non-zero exit;
the traceback is added only with `--debug`."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("chemaudit.cli")

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure the operator can act on; its message is the whole report."""


def describe(exc: BaseException) -> str:
    """One line for an error: the database's own words for a database error, flattened."""
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
    if isinstance(orig, BaseException):
        exc = orig
    psycopg = sys.modules.get("psycopg")  # imported only when a database was used
    if isinstance(exc, CliError):
        text = str(exc)
    elif psycopg is not None and isinstance(exc, psycopg.OperationalError):
        text = f"cannot use the database: {exc}"
    elif psycopg is not None and isinstance(exc, psycopg.Error):
        text = f"database error: {exc}"
    elif isinstance(exc, (OSError, ValueError)) or _is_ours(exc):
        text = str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc} (run with --debug for the traceback)"
    return _one_line(text)


def _one_line(text: str) -> str:
    """Lines joined as sentences: "Connection refused" + "Is the server running?" -> "...refused. Is..."."""
    joined = ""
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if joined:
            joined += " " if joined[-1] in ".:;,?!" else ". "
        joined += line
    return joined


def _is_ours(exc: BaseException) -> bool:
    """Errors raised by this project with a message written for people (e.g. SchemaMismatch)."""
    return type(exc).__module__.split(".")[0] in ("chemaudit", "chemaudit_client", "service")


def report(command: str, exc: BaseException, debug: bool) -> None:
    if debug:
        log.error("chemaudit %s: %s", command, describe(exc), exc_info=exc)
    else:
        log.error("chemaudit %s: %s", command, describe(exc))


def run_command(func, args) -> int:
    """Run a command's function; any exception becomes one error line (or a traceback with --debug)."""
    try:
        return func(args)
    except KeyboardInterrupt:
        log.error("chemaudit %s: interrupted", args.command)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the process boundary: reported in one log line
        report(args.command, exc, getattr(args, "debug", False))
        return EXIT_FAILED
