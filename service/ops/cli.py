"""The `chemaudit` command.

Server side: serve (all in one), web, worker, migrate, purge, hash-key.
Client side: submit, watch, status, results, export, cancel, and audit (local, no server).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys

from aiohttp import web

from chemaudit.cli_errors import CliError, run_command
from chemaudit.settings import Settings
from chemaudit_client import add_client_commands
from service.ops.logs import setup_logging
from service.ops.metrics_dir import shared_metrics_dir
from service.ops.worker_pools import WorkerPools

log = logging.getLogger("chemaudit.cli")

DEBUG_HELP = "on failure, print the traceback too (else one line)"
CLI_MODULE = __spec__.name if __spec__ is not None else __name__  # `python -m CLI_MODULE`: each web process


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    for name in ("host", "port", "workers", "database_url", "web_processes"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return Settings.from_env(**overrides)


def _ensure_database(settings: Settings) -> Settings:
    if settings.database_url:
        return settings
    from service.ops.embedded import start_embedded

    return settings.replace(database_url=start_embedded(settings.data_dir))


def _existing_database(settings: Settings) -> Settings:
    """The configured database, else the embedded one `serve` made here; never a new one."""
    from service.ops.embedded import embedded_exists

    if settings.database_url or embedded_exists(settings.data_dir):
        return _ensure_database(settings)
    raise CliError("needs CHEMAUDIT_DATABASE_URL (or --database-url); there is no"
                   f" embedded database in {settings.data_dir}/pgdata either")


def _child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["CHEMAUDIT_DATABASE_URL"] = settings.database_url
    # One message per thread: dramatiq's default (two per thread) lets a worker hold a chunk it
    # has not started while another worker runs dry at the end of a job.
    env.setdefault("dramatiq_queue_prefetch", str(settings.worker_threads))
    return env


def cmd_migrate(args) -> int:
    from chemaudit.db import migrate

    settings = _ensure_database(_settings(args))
    migrate.upgrade(settings.sync_database_url)
    log.info("database migrated to head")
    return 0


def _require_schema(settings: Settings) -> None:
    """Refuse to run against a database that is not at this code's migration head."""
    from chemaudit.db import migrate

    try:
        revision = migrate.require_head(settings.sync_database_url)
    except migrate.SchemaMismatch as exc:
        raise CliError(str(exc)) from exc
    log.info("database schema at revision %s (this code's head)", revision)


def cmd_web(args) -> int:
    from service.app import create_app
    from service.http.auth import check_key_settings

    settings = _settings(args)
    if not settings.database_url:
        raise CliError("needs CHEMAUDIT_DATABASE_URL (use `chemaudit serve` for all-in-one).")
    check_key_settings(settings)  # a bad API key setting refuses before anything else
    _require_schema(settings)
    app = create_app(settings)  # also refuses bad settings here, not in N restarting children
    if settings.web_processes != 1:
        from service.ops.web_processes import run_web_processes

        run_web_processes(settings, _child_env(settings), CLI_MODULE)
        return 0
    if args.reuse_port:
        from service.ops.web_processes import close_sockets_on_shutdown

        close_sockets_on_shutdown(app)
    _run_web(app, settings, reuse_port=args.reuse_port)
    return 0


def _run_web(app: web.Application, settings: Settings, reuse_port: bool = False) -> None:
    from service.ops.gc_policy import gc_policy_context
    from service.ops.open_files import raise_open_file_limit

    raise_open_file_limit(settings)  # every socket is a file descriptor
    # The upload's splitter thread holds the GIL in pure-Python stretches; each time the event
    # loop wants it back it waits up to the switch interval (5 ms by default), many times per
    # request. 1 ms keeps the loop's answers prompt during a large upload.
    sys.setswitchinterval(0.001)
    app.cleanup_ctx.append(gc_policy_context)  # full collections kept off long-lived sockets
    app.on_startup.append(_freeze_startup_objects)  # after the cleanup contexts have started
    web.run_app(app, host=settings.host, port=settings.port, print=None, reuse_port=reuse_port or None)


async def _freeze_startup_objects(app: web.Application) -> None:
    # Every full (generation 2) collection walks all live objects, and those made by the imports,
    # the migrations and the app's start live as long as the process: in a busy web process
    # such a pass held the event loop for 35-100 ms. Frozen, they are no longer walked.
    gc.collect()
    gc.freeze()


def _supervisor(settings: Settings) -> WorkerPools:
    return WorkerPools(settings, _child_env(settings))  # audit workers, then analytics workers


def cmd_worker(args) -> int:
    settings = _settings(args)
    if not settings.database_url:
        raise CliError("needs CHEMAUDIT_DATABASE_URL.")
    _require_schema(settings)
    supervisor = _supervisor(settings)
    signal.signal(signal.SIGTERM, lambda *_: supervisor.request_stop())
    supervisor.start()
    try:
        supervisor.wait()
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()
    return 0


def cmd_serve(args) -> int:
    from chemaudit.db import migrate
    from service.app import create_app
    from service.http.auth import check_key_settings

    settings = _settings(args)
    check_key_settings(settings)  # a bad API key setting refuses before anything starts
    settings = _ensure_database(settings)
    migrate.upgrade(settings.sync_database_url)
    with shared_metrics_dir():  # where this node's workers write metrics and its web node reads them
        supervisor = _supervisor(settings)
        app = create_app(settings)
        supervisor.start()
        try:
            log.info("serving on http://%s:%d", settings.host, settings.port)
            if settings.web_processes != 1:
                from service.ops.web_processes import run_web_processes

                run_web_processes(settings, _child_env(settings), CLI_MODULE)
            else:
                _run_web(app, settings)
        finally:
            supervisor.stop()
    return 0


def _age(text: str) -> float:
    from service.ops.purge import parse_age

    try:
        return parse_age(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_purge(args) -> int:
    from service.ops.purge import parse_age, run_purge

    settings = _settings(args)
    older_than = args.older_than or (parse_age(settings.retention) if settings.retention else None)
    if older_than is None:
        raise CliError("needs --older-than (e.g. 30d) or CHEMAUDIT_RETENTION.")
    settings = _existing_database(settings)
    deleted = run_purge(settings.sync_database_url, older_than, args.batch_size)
    log.info("purged %d jobs", deleted)
    return 0


def cmd_hash_key(args) -> int:
    from service.http.auth import hash_key

    print(hash_key(args.key))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chemaudit", description=__doc__)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, helptext in (
        ("serve", cmd_serve, "migrate, then run the web server and N workers (embedded PostgreSQL if none is set)"),
        ("web", cmd_web, "run one web node against CHEMAUDIT_DATABASE_URL"),
        ("worker", cmd_worker, "run worker processes against CHEMAUDIT_DATABASE_URL"),
        ("migrate", cmd_migrate, "apply database migrations"),
        ("purge", cmd_purge, "delete jobs that ended longer ago than --older-than, with all their rows"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.set_defaults(func=func)
        p.add_argument("--database-url", dest="database_url", default=None)
        if name in ("serve", "web"):
            p.add_argument("--host", default=None)
            p.add_argument("--port", type=int, default=None)
            p.add_argument("--processes" if name == "web" else "--web-processes", dest="web_processes",
                           type=int, default=None, help="web processes on the one port (SO_REUSEPORT; default 1)")
        if name == "web":  # how each of those processes runs (service/ops/web_processes.py)
            p.add_argument("--reuse-port", dest="reuse_port", action="store_true", help=argparse.SUPPRESS)
        if name == "purge":
            p.add_argument("--older-than", dest="older_than", type=_age, default=None)
            p.add_argument("--batch-size", dest="batch_size", type=int, default=5000)
        if name in ("serve", "worker"):
            p.add_argument("--workers", type=int, default=None, help="worker processes")
    hash_cmd = sub.add_parser("hash-key", help="print the SHA-256 digest of an API key for CHEMAUDIT_API_KEY_HASHES")
    hash_cmd.add_argument("key")
    hash_cmd.set_defaults(func=cmd_hash_key)
    add_client_commands(sub)
    for command in sub.choices.values():  # also accepted after the command: `chemaudit migrate --debug`
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return parser


def _run(args: argparse.Namespace) -> int:
    setup_logging(Settings.from_env().log_json)
    return args.func(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()  # plain until the settings are read, so a bad setting is reported too
    return run_command(_run, args)


if __name__ == "__main__":
    sys.exit(main())
