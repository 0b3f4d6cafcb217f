"""The parts of `--processes N` that need no database: the held port, the options, the metrics
files of dead processes, and the open-file limit's log lines (with a stand-in for `resource`)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import types

import pytest

from chemaudit.cli_errors import CliError
from chemaudit.settings import Settings
from service.ops import open_files
from service.ops.cli import CLI_MODULE, _settings, build_parser
from service.ops.shared_metrics import forget_dead
from service.ops.web_processes import check_count, child_command, hold_port


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reuse_port_listener(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(8)
    return sock


def test_the_held_port_is_shared_with_reuse_port_listeners_only():
    port = _free_port()
    held = hold_port("127.0.0.1", port)
    try:
        with pytest.raises(OSError):  # a process without SO_REUSEPORT cannot take it
            socket.socket().bind(("127.0.0.1", port))
        with pytest.raises(ConnectionRefusedError):  # the holder itself never accepts
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        listeners = [_reuse_port_listener(port), _reuse_port_listener(port)]
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        for sock in listeners:
            sock.close()
    finally:
        for sock in held:
            sock.close()


def test_a_port_in_use_is_one_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(CliError, match=f"cannot use port {port}"):
            hold_port("127.0.0.1", port)


def test_counts_below_one_are_refused():
    check_count(1)
    check_count(4)
    with pytest.raises(CliError, match="at least 1"):
        check_count(0)


def test_the_options_set_web_processes_and_children_run_one_each(monkeypatch):
    monkeypatch.delenv("CHEMAUDIT_WEB_PROCESSES", raising=False)
    parser = build_parser()
    assert _settings(parser.parse_args(["web", "--processes", "3"])).web_processes == 3
    assert _settings(parser.parse_args(["serve", "--web-processes", "2"])).web_processes == 2
    assert _settings(parser.parse_args(["web"])).web_processes == 1
    assert parser.parse_args(["web"]).reuse_port is False
    command = child_command(Settings(host="127.0.0.1", port=8123, web_processes=3), CLI_MODULE)
    assert CLI_MODULE.endswith("cli") and command[1:3] == ["-m", CLI_MODULE]
    assert command[-5:] == ["--port", "8123", "--processes", "1", "--reuse-port"]
    args = parser.parse_args(command[3:])
    assert args.reuse_port and _settings(args).web_processes == 1 and _settings(args).port == 8123


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_live_gauges_of_dead_processes_are_dropped(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    for name in (f"gauge_livesum_{dead}.db", f"gauge_livemax_{dead}.db", f"gauge_livesum_{alive}.db",
                 f"counter_{dead}.db", f"gauge_all_{dead}.db"):
        (tmp_path / name).write_bytes(b"")
    assert forget_dead(str(tmp_path)) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"gauge_livesum_{alive}.db", f"counter_{dead}.db", f"gauge_all_{dead}.db"])


def _fake_resource(soft: int, hard: int) -> types.SimpleNamespace:
    state = {"limits": (soft, hard)}

    def setrlimit(_which, limits):
        if limits[0] > state["limits"][1]:
            raise ValueError("not allowed to raise maximum limit")
        state["limits"] = limits

    return types.SimpleNamespace(RLIMIT_NOFILE=7, RLIM_INFINITY=-1, getrlimit=lambda _which: state["limits"],
                                 setrlimit=setrlimit, state=state)


def test_the_soft_limit_is_raised_to_the_hard_one_and_logged(monkeypatch, caplog):
    fake = _fake_resource(1024, 65536)
    monkeypatch.setattr(open_files, "resource", fake)
    with caplog.at_level(logging.INFO, "chemaudit.open_files"):
        assert open_files.raise_open_file_limit(Settings()) == 65536
    assert fake.state["limits"] == (65536, 65536)
    assert "open-file limit 65,536 (raised from 1,024 to the hard limit)" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_hard_limit_too_low_is_a_warning_saying_how_to_raise_it(monkeypatch, caplog):
    fake = _fake_resource(1024, 4096)
    monkeypatch.setattr(open_files, "resource", fake)
    with caplog.at_level(logging.INFO, "chemaudit.open_files"):
        assert open_files.raise_open_file_limit(Settings()) == 4096
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning) == 1
    text = warning[0].getMessage()
    assert "open-file limit 4,096" in text and "about 3,072 sockets" in text
    assert "LimitNOFILE" in text and "ulimits" in text and "limits.conf" in text


def test_a_per_address_cap_above_the_default_is_what_is_needed(monkeypatch):
    assert open_files.needed(Settings()) == open_files.WANTED_SOCKETS + open_files.RESERVE
    assert open_files.needed(Settings(ws_max_per_address=50_000)) == 50_000 + open_files.RESERVE
