"""Sampling a live worker with py-spy and summarising where its actor thread spends wall time.

    python -m bench pipeline --py-spy      # records every worker during the service run

py-spy (`pip install py-spy`) samples the process from outside, at full speed; the raw
(collapsed-stack) files and flame graphs land in bench/out/. The summary reads the raw files:
the share of the actor thread's samples (idle ones included, so waiting on PostgreSQL shows)
under each stage of a chunk.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.common import OUT, say

# (label, a frame that marks the stage); the first match from the leaf up wins for a sample.
STAGES = (
    ("chemistry: audit()", "audit (chemaudit/chemistry/audit.py"),
    ("result row: to_row()", "to_row (chemaudit/result_rows.py"),
    ("JSON: rows_to_json()", "rows_to_json (chemaudit/result_rows.py"),
    ("db: commit_batch()", "commit_batch (tasks/chunk_runner.py"),
    ("db: claim + pending inputs", "run (tasks/chunk_runner.py"),
    ("broker: ack / claim / heartbeat", "dramatiq_postgres"),
    ("dramatiq machinery", "dramatiq/"),
)


def py_spy() -> str | None:
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")


def start(pids: list[int], seconds: float, label: str, idle: bool = True) -> list[tuple[subprocess.Popen, Path]]:
    """py-spy record on each pid for `seconds` (idle samples too when `idle`, to see waits)."""
    tool = py_spy()
    if tool is None:
        say("  py-spy not found: no profile (pip install py-spy)")
        return []
    OUT.mkdir(parents=True, exist_ok=True)
    recorders = []
    for pid in pids:
        raw = OUT / f"pyspy-{label}-{pid}.txt"
        command = [tool, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
                   "--rate", "100", "--format", "raw", "--output", str(raw), "--nonblocking",
                   "--threads"] + (["--idle"] if idle else [])
        recorders.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), raw))
    return recorders


def finish(recorders: list[tuple[subprocess.Popen, Path]], timeout: float = 60) -> list[Path]:
    done = []
    for process, raw in recorders:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(10)
        if raw.exists():
            done.append(raw)
    return done


def _actor_samples(raw: Path) -> list[tuple[list[str], int]]:
    """Samples of the thread that runs actors (its stacks go through the actor call)."""
    out = []
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if any("process_message" in frame or "consume (dramatiq" in frame for frame in frames) \
                or any("_WorkerThread" in frame or "WorkerThread" in frame for frame in frames[:3]):
            out.append((frames, int(count)))
    return out


def summarise(raws: list[Path], top: int = 12) -> dict[str, float]:
    """Print the stage split and the busiest leaf functions; returns {stage: share}."""
    stages: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for raw in raws:
        for frames, count in _actor_samples(raw):
            total += count
            label = "other (idle wait for a message, logging, ...)"
            for name, marker in STAGES:
                if any(marker in frame for frame in frames):
                    label = name
                    break
            stages[label] += count
            leaves[frames[-1].split(" (")[0] + " (" + frames[-1].split(" (")[-1]] += count
    if not total:
        say("  py-spy: no actor-thread samples")
        return {}
    say(f"  py-spy, actor thread of {len(raws)} worker(s), {total} samples (wall time, idle included):")
    for name, count in stages.most_common():
        say(f"    {100 * count / total:5.1f}%  {name}")
    say("  busiest leaf frames:")
    for name, count in leaves.most_common(top):
        say(f"    {100 * count / total:5.1f}%  {name[:150]}")
    return {name: count / total for name, count in stages.items()}


def stop(recorders: list[tuple[subprocess.Popen, Path]]) -> list[Path]:
    """End recordings early (SIGINT makes py-spy write what it has)."""
    for process, _raw in recorders:
        if process.poll() is None:
            process.send_signal(2)
    return finish(recorders)


def hot_frames(raws: list[Path], thread: str = "MainThread", top: int = 25) -> None:
    """Inclusive share of each frame in one thread's samples (a CPU profile without --idle)."""
    inclusive: Counter[str] = Counter()
    total = 0
    for raw in raws:
        for line in raw.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            if not count.isdigit() or thread not in frames[0]:
                continue
            total += int(count)
            for frame in set(frames[1:]):
                inclusive[frame] += int(count)
    if not total:
        say(f"  py-spy: no samples of {thread}")
        return
    say(f"  py-spy, {thread}: {total} samples at 100 Hz = {total / 100:.1f} s on CPU; inclusive share:")
    shown = 0
    for frame, count in inclusive.most_common():
        if any(skip in frame for skip in ("<module>", "run_forever", "run_until_complete", "_run_once",
                                          "Handle._run", "run_app", "cmd_serve", "main (service/ops/cli")):
            continue
        say(f"    {100 * count / total:5.1f}%  {frame[:140]}")
        shown += 1
        if shown >= top:
            break


def print_paths(raws: list[Path]) -> None:
    """Where the raw stacks are (`py-spy record --format flamegraph` makes an SVG instead)."""
    for raw in raws:
        say(f"  raw stacks: {raw.relative_to(OUT.parent.parent)}")
