"""Waiting for a service process to answer its health check."""

from __future__ import annotations

import subprocess
import time
import urllib.request


def wait_healthy(base: str, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    """Return once GET /api/v1/health answers 200; fail early if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{base} did not become healthy within {timeout:.0f} s")
