"""Acceptance: every failure of the real `chemaudit` server commands is one line on stderr and a
non-zero exit; the traceback comes only with --debug."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.acceptance import conftest as acceptance

pytestmark = pytest.mark.acceptance


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHEMAUDIT_") or k.endswith("_TEST_DATABASE_URL")}
    return {**env, **extra}


def _run(cwd, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(acceptance.chemaudit_command() + list(args), cwd=cwd, env=_env(**env),
                          capture_output=True, text=True, timeout=timeout)


def _only_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-3000:]
    return lines[0]


def _unreachable_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{acceptance.free_port()}/chemaudit"  # nothing listens there


@pytest.mark.parametrize("command", [
    ["migrate"], ["serve", "--port", "0", "--workers", "1"], ["web", "--port", "0"], ["worker", "--workers", "1"],
    ["purge", "--older-than", "1d"],
])
def test_an_unreachable_database_is_one_line(tmp_path, command):
    line = _only_line(_run(tmp_path, *command, CHEMAUDIT_DATABASE_URL=_unreachable_url()))
    assert f"chemaudit {command[0]}:" in line and "Connection refused" in line, line


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_adds_the_traceback(tmp_path, where):
    args = ["--debug", "migrate"] if where == "before" else ["migrate", "--debug"]
    done = _run(tmp_path, *args, CHEMAUDIT_DATABASE_URL=_unreachable_url())
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "Connection refused" in done.stderr


def test_purge_without_a_database_says_it_needs_one(tmp_path):
    line = _only_line(_run(tmp_path, "purge", "--older-than", "30d"))
    assert "CHEMAUDIT_DATABASE_URL" in line, line
    assert not (tmp_path / ".chemaudit").exists(), "purge made an embedded database of its own"


def test_a_malformed_setting_is_one_line_naming_it(tmp_path):
    line = _only_line(_run(tmp_path, "web", CHEMAUDIT_DATABASE_URL=_unreachable_url(), CHEMAUDIT_PORT="eighty"))
    assert "CHEMAUDIT_PORT" in line and "eighty" in line, line


@pytest.mark.parametrize("command", [["web", "--port", "0"], ["serve", "--port", "0", "--workers", "1"]])
@pytest.mark.parametrize("hashes", ["", "not-a-digest"])
def test_a_set_but_empty_or_malformed_key_list_refuses_to_start(tmp_path, command, hashes):
    # The database is unreachable: the key setting is judged first, before anything starts.
    line = _only_line(_run(tmp_path, *command, CHEMAUDIT_DATABASE_URL=_unreachable_url(),
                           CHEMAUDIT_API_KEY_HASHES=hashes))
    assert "CHEMAUDIT_API_KEY_HASHES" in line and "Connection refused" not in line, line
    assert hashes not in line or not hashes, line
