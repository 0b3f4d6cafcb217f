"""Acceptance: `chemaudit web --processes 2` as a real subprocess: two web processes answer on
one port, each delivers the job's messages to its own sockets, a killed one is started again
while the other keeps answering, and the parent's SIGTERM (or death) ends them all."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import psutil
import psycopg
import pytest

from tests.acceptance.conftest import chemaudit_command, free_port
from tests.faults.client import TERMINAL, upload
from tests.support.health import wait_healthy
from tests.support.molecules import nci_smiles

pytestmark = pytest.mark.acceptance

WAIT = 90  # seconds any one thing may take to happen before the test gives up (never asserted)


class WebNode:
    """`chemaudit web --processes N` on a free port, in a session of its own."""

    def __init__(self, database_url: str, tmp_path: Path, processes: int = 2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        (tmp_path / "tmp").mkdir(exist_ok=True)
        self.env = dict(os.environ, CHEMAUDIT_DATABASE_URL=database_url, CHEMAUDIT_CHUNK_SIZE="50",
                        CHEMAUDIT_COMMIT_INTERVAL="0.05", CHEMAUDIT_EVENT_MIN_INTERVAL="0.05",
                        TMPDIR=str(tmp_path / "tmp"))
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.log_path = tmp_path / "web.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            chemaudit_command() + ["web", "--host", "127.0.0.1", "--port", str(self.port),
                                   "--processes", str(processes)],
            env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.extra: list[subprocess.Popen] = []

    def children(self) -> list[psutil.Process]:
        """The web processes: the parent's children that run `chemaudit web --reuse-port`."""
        found = []
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(self.process.pid).children():
                with contextlib.suppress(psutil.Error):
                    if "--reuse-port" in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                        found.append(child)
        return found

    def tree(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.NoSuchProcess):
            return psutil.Process(self.process.pid).children(recursive=True)
        return []

    def wait_ready(self, count: int, without: frozenset[int] = frozenset()) -> set[int]:
        """Wait until `count` web processes (none of them in `without`) each answered /health."""
        wait_healthy(self.base, self.process, WAIT)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            pids = {child.pid for child in self.children()} - without
            if len(pids) >= count and pids <= answering_pids(self.base, pids):
                return pids
            time.sleep(0.2)
        raise TimeoutError(f"{count} web processes did not come up; log: {self.log()[-3000:]}")

    def start_worker(self) -> None:
        log = (self.log_path.parent / "worker.log").open("wb")
        self.extra.append(subprocess.Popen(chemaudit_command() + ["worker", "--workers", "1"], env=self.env,
                                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        for process in [*self.extra, self.process]:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self._log.close()


def health(base: str) -> tuple[int, dict]:
    """One /health on a new connection (urllib closes each): status and body."""
    try:
        with urllib.request.urlopen(f"{base}/api/v1/health", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:  # 503 while a new process's listener connects
        return exc.code, json.loads(exc.read())


def answering_pids(base: str, wanted: set[int], attempts: int = 400) -> set[int]:
    """The pids that answer new connections, asking until all of `wanted` were seen (or `attempts`)."""
    seen: set[int] = set()
    for _ in range(attempts):
        seen.add(health(base)[1]["pid"])
        if wanted <= seen:
            break
    return seen


@pytest.fixture
def node(fresh_database, tmp_path):
    nodes: list[WebNode] = []

    def make(processes: int = 2) -> WebNode:
        nodes.append(WebNode(fresh_database, tmp_path, processes))
        return nodes[-1]

    yield make
    for made in nodes:
        made.stop()


def _wait_dead(pid: int) -> None:
    """Until `pid` has exited (a zombie has closed its sockets already)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.05)
    raise TimeoutError(f"process {pid} did not exit")


def _settle(base: str) -> None:
    """Until three new connections in a row are answered. A connection the kernel handed to the
    dying process's listener (just before, or while lookups may still see it) is reset: Linux's
    SO_REUSEPORT does that unless net.ipv4.tcp_migrate_req is on."""
    answered, deadline = 0, time.monotonic() + WAIT
    while answered < 3:
        if time.monotonic() > deadline:
            raise TimeoutError("the port did not answer after a web process was killed")
        try:
            health(base)
            answered += 1
        except ConnectionError:
            answered = 0


def _server_pid(children: list[psutil.Process], port: int, client_port: int) -> int | None:
    """The web process holding the server end of the connection from `client_port`."""
    for child in children:
        with contextlib.suppress(psutil.Error):
            for conn in child.net_connections(kind="tcp"):
                if conn.laddr and conn.laddr.port == port and conn.raddr and conn.raddr.port == client_port:
                    return child.pid
    return None


def _metric(text: str, name: str) -> float | None:
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


async def _follow_on_both(node: WebNode, job_id: str, pids: set[int]) -> dict[int, list]:
    """Sockets on each web process; then a worker runs the job; every socket's messages and close code."""
    async with aiohttp.ClientSession() as session:
        sockets: list[tuple[int, aiohttp.ClientWebSocketResponse]] = []
        per_pid: dict[int, int] = {}
        while min((per_pid.get(pid, 0) for pid in pids), default=0) < 3 and len(sockets) < 80:
            ws = await session.ws_connect(f"{node.ws_base}/ws/batch/{job_id}", heartbeat=None)
            first = json.loads((await ws.receive(timeout=30)).data)  # the current state, at once
            assert first["seq"] == 1 and first["status"] == "processing", first
            client_port = ws.get_extra_info("sockname")[1]
            owner = _server_pid(node.children(), node.port, client_port)
            assert owner in pids, (owner, pids)
            per_pid[owner] = per_pid.get(owner, 0) + 1
            sockets.append((owner, ws))
        assert set(per_pid) == pids, per_pid

        # /metrics from whichever process answers counts the sockets of both.
        deadline = time.monotonic() + WAIT
        while True:
            async with session.get(f"{node.base}/metrics") as answer:
                counted = _metric(await answer.text(), "chemaudit_websocket_connections")
            if counted == len(sockets) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert counted == len(sockets), (counted, len(sockets))

        node.start_worker()

        async def drain(ws: aiohttp.ClientWebSocketResponse) -> tuple[list[dict], int | None]:
            messages = [first]
            async with asyncio.timeout(WAIT * 2):
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        messages.append(json.loads(msg.data))
            return messages, ws.close_code

        results = await asyncio.gather(*(drain(ws) for _pid, ws in sockets))
    by_pid: dict[int, list] = {}
    for (owner, _ws), result in zip(sockets, results):
        by_pid.setdefault(owner, []).append(result)
    return by_pid


def _event_seqs(database_url: str, job_id: str) -> list[int]:
    with psycopg.connect(database_url) as conn:
        return [row[0] for row in conn.execute(
            "SELECT seq FROM job_events WHERE job_id = %s ORDER BY seq", (job_id,))]


def test_one_process_is_the_web_node_itself(node):
    web = node(processes=1)
    wait_healthy(web.base, web.process, WAIT)
    assert health(web.base)[1]["pid"] == web.process.pid
    assert web.children() == []
    assert "open-file limit" in web.log()


def test_two_processes_answer_on_one_port_and_each_delivers_every_message(node, fresh_database, tmp_path):
    web = node(processes=2)
    pids = web.wait_ready(2)
    assert web.process.pid not in pids and len(pids) == 2
    assert web.log().count("open-file limit") >= 2, "each web process logs its open-file limit"

    path = tmp_path / "nci.smi"
    path.write_text("".join(f"{smiles} {name}\n" for smiles, name in nci_smiles(400)))
    job_id = asyncio.run(upload(web.base, path))["job_id"]  # no worker yet: the job waits at seq 1
    by_pid = asyncio.run(_follow_on_both(web, job_id, pids))

    seqs = _event_seqs(fresh_database, job_id)
    assert len(seqs) > 3 and seqs == list(range(1, len(seqs) + 1)), seqs
    for pid, streams in by_pid.items():
        for messages, close_code in streams:
            assert [m["seq"] for m in messages] == seqs, (pid, [m["seq"] for m in messages])
            assert messages[-1]["status"] == "complete" and messages[-1]["processed"] == 400
            assert all(m["status"] not in TERMINAL for m in messages[:-1])
            assert close_code == 1000, (pid, close_code)


def test_a_killed_web_process_is_started_again_while_the_port_keeps_answering(node):
    web = node(processes=2)
    pids = web.wait_ready(2)
    victim, survivor = sorted(pids)
    os.kill(victim, signal.SIGKILL)
    _wait_dead(victim)
    _settle(web.base)

    # Until the new process answers, every new connection is answered (a refused or reset one
    # raises here): by the survivor while the victim is started again, then by either.
    answers: list[tuple[int, dict]] = []
    deadline = time.monotonic() + WAIT
    while not any(body["pid"] not in (survivor, victim) for _status, body in answers):
        if time.monotonic() > deadline:
            raise TimeoutError("the killed web process was not started again")
        answers.append(health(web.base))
    assert all(status in (200, 503) and body["pid"] != victim for status, body in answers)
    assert sum(body["pid"] == survivor for _status, body in answers) > 3, "the survivor answered meanwhile"

    replaced = web.wait_ready(2, without=frozenset({victim}))
    assert survivor in replaced and victim not in replaced
    assert "web process" in web.log() and "exited with -9" in web.log()


def test_sigterm_to_the_parent_ends_every_web_process(node, tmp_path):
    web = node(processes=2)
    web.wait_ready(2)
    tree = web.tree()
    assert len(tree) >= 2 and list((tmp_path / "tmp").glob("chemaudit-metrics-*"))
    web.process.send_signal(signal.SIGTERM)  # the parent alone, not its process group
    assert web.process.wait(timeout=WAIT) == 0
    _gone, alive = psutil.wait_procs(tree, timeout=WAIT)
    assert not alive, f"left running after SIGTERM: {[p.pid for p in alive]}"
    assert not list((tmp_path / "tmp").glob("chemaudit-metrics-*")), "the metrics folder was left"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{web.base}/api/v1/health", timeout=5)


def test_web_processes_die_with_a_killed_parent(node):
    web = node(processes=2)
    web.wait_ready(2)
    tree = web.tree()
    web.process.send_signal(signal.SIGKILL)
    web.process.wait(timeout=WAIT)
    _gone, alive = psutil.wait_procs(tree, timeout=WAIT)
    assert not alive, f"orphans after the parent was killed: {[p.pid for p in alive]}"
