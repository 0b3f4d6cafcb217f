"""The client side of the `chemaudit` command: talk to a server, or audit a file locally.

`add_client_commands(subparsers)` adds submit, watch, status, results, export, cancel, audit and
subset to the CLI's parser. The command modules are imported only when a command runs, so
`chemaudit status` does not load RDKit.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from chemaudit.db.results_queries import RESULT_STATUSES, SORT_DIRECTIONS, SORT_KEYS
from chemaudit.db.schema import PRIORITY_WEIGHTS
from chemaudit.export.formats import FORMAT_NAMES, LOCAL_FORMATS, OPTIONS
from chemaudit.job_options import OPTION_FLAGS, cli_attribute
from chemaudit_client.subset_commands import add_subset_commands

DEFAULT_SERVER = "http://localhost:8001"
EXPORT_FORMATS = FORMAT_NAMES  # every format the server writes


def _remote(name: str, module: str = "commands"):
    def run(args: argparse.Namespace) -> int:
        import importlib

        from chemaudit_client import commands

        command = getattr(importlib.import_module(f"chemaudit_client.{module}"), name)
        return commands.run_client(lambda parsed: asyncio.run(command(parsed)), args)

    return run


def _run_client(command, args) -> int:
    from chemaudit_client import commands

    return commands.run_client(command, args)


def _local_audit(args: argparse.Namespace) -> int:
    from chemaudit_client import commands, local_audit

    return commands.run_client(local_audit.audit_command, args)


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", default=os.environ.get("CHEMAUDIT_SERVER") or DEFAULT_SERVER,
                        help="the service's base URL (default: $CHEMAUDIT_SERVER, else %(default)s)")
    parser.add_argument("--api-key", dest="api_key", default=os.environ.get("CHEMAUDIT_API_KEY") or None,
                        help="API key, when the server requires one (default: $CHEMAUDIT_API_KEY)")


def _upload_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smiles-column", dest="smiles_column", help="CSV/TSV column holding the SMILES (default SMILES)")
    parser.add_argument("--name-column", dest="name_column", help="CSV/TSV column holding the names")
    for flag in OPTION_FLAGS:
        parser.add_argument(f"--{flag.cli}", dest=cli_attribute(flag), action="store_true", help=flag.help)
    parser.add_argument("--priority", choices=tuple(PRIORITY_WEIGHTS), default=None,
                        help="the job's weight within your share of the workers (server only; default normal)")
    parser.add_argument("--no-reuse", dest="no_reuse", action="store_true",
                        help="audit every record afresh instead of reusing stored results (server only)")
    parser.add_argument("--profile", dest="profile_id", type=int, default=None,
                        help="score every molecule with this scoring profile id (server only)")


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status-filter", dest="status_filter", choices=RESULT_STATUSES)
    parser.add_argument("--min-score", dest="min_score", type=int, metavar="0-100")
    parser.add_argument("--max-score", dest="max_score", type=int, metavar="0-100")
    parser.add_argument("--issue-filter", dest="issue_filter", metavar="CHECK", help="only molecules failing this check")
    parser.add_argument("--alert-filter", dest="alert_filter", metavar="CATALOG", help="only molecules with this alert catalog")
    parser.add_argument("--sort-by", dest="sort_by", choices=tuple(SORT_KEYS))
    parser.add_argument("--sort-dir", dest="sort_dir", choices=tuple(SORT_DIRECTIONS))


def _export_options(parser: argparse.ArgumentParser) -> None:
    """One flag per export option of formats.OPTIONS (--raw-text, --include-images, --sheet-layout)."""
    for option in OPTIONS.values():
        flag = "--" + option.name.replace("_", "-")
        if option.kind == "boolean":
            parser.add_argument(flag, dest=option.name, action="store_true", help=option.description)
        else:
            parser.add_argument(flag, dest=option.name, choices=option.choices, help=option.description)


def add_client_commands(sub) -> None:
    """Add the client commands to the `chemaudit` subparsers."""
    p = sub.add_parser("submit", help="upload a file to a server (--watch: follow it to the end)")
    p.add_argument("file")
    p.add_argument("--watch", action="store_true",
                   help="show live progress; exit 0 complete, 1 failed, 2 cancelled, 3 server unreachable")
    _upload_options(p)
    _server_options(p)
    p.set_defaults(func=_remote("submit"))

    p = sub.add_parser("watch", help="follow a job's live progress to its end (exit codes as submit --watch)")
    p.add_argument("job_id")
    _server_options(p)
    p.set_defaults(func=_remote("watch"))

    p = sub.add_parser("status", help="a job's progress")
    p.add_argument("job_id")
    p.add_argument("--json", action="store_true", help="print the server's JSON")
    _server_options(p)
    p.set_defaults(func=_remote("status"))

    p = sub.add_parser("results", help="one page of a job's results as a table")
    p.add_argument("job_id")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--page-size", dest="page_size", type=int, default=20)
    _filter_options(p)
    p.add_argument("--json", action="store_true", help="print the server's JSON")
    _server_options(p)
    p.set_defaults(func=_remote("results"))

    p = sub.add_parser("export", help="download all (filtered) results of a job to a file")
    p.add_argument("job_id")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    p.add_argument("-o", "--output", help="the file to write (default: the name the server suggests)")
    p.add_argument("--indices", metavar="0,1,5",
                   help="only these record indexes (a comma list, or @FILE with one index a line)")
    _export_options(p)
    _filter_options(p)
    _server_options(p)
    p.set_defaults(func=_remote("export"))

    p = sub.add_parser("cancel", help="cancel a job, keeping the results so far")
    p.add_argument("job_id")
    _server_options(p)
    p.set_defaults(func=_remote("cancel"))

    p = sub.add_parser("audit", help="audit a file here, without a server (all cores)")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.add_argument("--format", choices=LOCAL_FORMATS, default=None,
                   help="output format (default: from the output's extension, else csv)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: every core)")
    _upload_options(p)
    p.set_defaults(func=_local_audit)

    add_subset_commands(sub, _server_options, lambda name: _remote(name, "subset_commands"))
    from chemaudit_client.analytics import add_analytics_command  # RDKit-free, like the others

    add_analytics_command(sub, _server_options, _run_client)
