"""Acceptance: schemathesis against the real `chemaudit serve`, driven by its own OpenAPI document.

It must find no 5xx and no answer that contradicts the document: undocumented status codes,
wrong content types, bodies or headers that do not validate, wrong answers to undeclared methods.

Left out on purpose (the API is more lenient or stricter than a schema can say, by design):
- negative_data_rejection: an empty query value means "not given", enum values are matched in
  any case, `since`/`until` also take a plain date;
- positive_data_acceptance: schema-valid requests the API rightly refuses (min_score above
  max_score, a cursor it never handed out, an empty molecule, a plain GET on a WebSocket route);
- for POST /api/v1/batch/upload only, the method checks: `/api/v1/batch/{job_id}` also matches
  the path `/api/v1/batch/upload`, so GET/DELETE there are the job routes (404 for job "upload").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.acceptance

MAX_EXAMPLES = 5  # per operation and phase: about 300-450 requests in all
SEED = int(os.environ.get("CHEMAUDIT_SCHEMATHESIS_SEED", "20261125"))
CONFIG = """\
base-url = "{base}"
seed = {seed}
workers = 1
request-timeout = 30
color = false

[generation]
max-examples = {max_examples}
database = "none"

[phases.stateful]
enabled = false

[checks]
negative_data_rejection.enabled = false
positive_data_acceptance.enabled = false

[[operations]]
include-path = "/api/v1/batch/upload"
checks.unsupported_method.enabled = false
checks.allow_header_conformance.enabled = false
"""


def st_command() -> list[str]:
    script = shutil.which("st", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "schemathesis.cli"]


def multipart(path: Path) -> tuple[bytes, str]:
    boundary = "chemaudit-acceptance-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def finished_job(base: str) -> str:
    """A complete job, so that the job endpoints are also exercised with a real id."""
    body, content_type = multipart(NCI_SDF_200)
    request = urllib.request.Request(f"{base}/api/v1/batch/upload", data=body, method="POST",
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=30) as response:
        job_id = json.load(response)["job_id"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/v1/batch/{job_id}/status", timeout=10) as response:
            if json.load(response)["status"] == "complete":
                return job_id
        time.sleep(0.3)
    raise TimeoutError(f"job {job_id} did not complete")


def test_schemathesis_finds_no_failure(service, tmp_path):
    finished_job(service.base)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(base=service.base, seed=SEED, max_examples=MAX_EXAMPLES))
    junit = tmp_path / "junit.xml"
    command = st_command() + [
        "--config-file", str(config), "run", f"{service.base}/api/v1/openapi.json",
        "--phases", "examples,coverage,fuzzing", "--report", "junit", "--report-junit-path", str(junit),
    ]
    started = time.monotonic()
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=240,
                            env=dict(os.environ, NO_COLOR="1"))
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    print(output[-4000:])
    assert result.returncode == 0, f"schemathesis (seed {SEED}) found failures:\n{output[-20000:]}"
    assert elapsed < 120, f"schemathesis took {elapsed:.0f} s"

    # It really ran: every documented operation was tested (but the document's own URL, which
    # schemathesis leaves out), with hundreds of generated cases.
    with urllib.request.urlopen(f"{service.base}/api/v1/openapi.json", timeout=10) as response:
        document = json.load(response)
    operations = {f"{method.upper()} {path}" for path, ops in document["paths"].items() for method in ops}
    cases = ET.parse(junit).getroot().findall(".//testcase")
    assert {case.get("name") for case in cases} == operations - {"GET /api/v1/openapi.json"}
    assert not [case for case in cases if case.find("failure") is not None or case.find("error") is not None]
    generated = [line for line in output.splitlines() if " generated" in line]
    assert generated and int(generated[-1].split()[0]) >= 300, generated
