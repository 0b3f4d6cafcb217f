"""Children that die with their parent: PR_SET_PDEATHSIG, set in a tiny wrapper before exec.

`python -m service.ops.parent_death PARENT_PID COMMAND...` asks the kernel to send SIGTERM to this
process when its parent dies (Linux), exits at once if the parent is already gone (it died before
the request was made), then replaces itself with COMMAND; the setting survives the exec. A
wrapper instead of a `preexec_fn`, because a `preexec_fn` is unsafe in a process with threads
(the web node has several).

SIGTERM, not SIGKILL: a Dramatiq main process stops its own worker processes on SIGTERM, while a
SIGKILL would orphan them. The kernel sends the signal when the *thread* that spawned the child
exits, so spawn only from threads that live as long as the parent (the supervisor does).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Ask for `sig` when the parent dies; False where the platform has no prctl."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    return True


def wrap(command: list[str], parent_pid: int | None = None) -> list[str]:
    """`command` run so that it receives SIGTERM when the process `parent_pid` (default: this one) dies."""
    parent = os.getpid() if parent_pid is None else parent_pid
    return [sys.executable, "-m", "service.ops.parent_death", str(parent), *command]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m service.ops.parent_death PARENT_PID COMMAND...", file=sys.stderr)
        return 2
    parent_pid, command = int(argv[0]), argv[1:]
    set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before the request: nobody to outlive
        return 1
    os.execvp(command[0], command)
    return 127  # not reached: execvp replaces the process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
