"""Acceptance: `chemaudit subset ...` and `submit --profile` (subprocesses) against `chemaudit serve`."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import psycopg
import pytest

from tests.acceptance import conftest as acceptance
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="module")
def server(service):
    return service  # conftest's real `chemaudit serve` for this module


def cli(server, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CHEMAUDIT_SERVER=server.base)
    return subprocess.run(acceptance.chemaudit_command() + list(args), env=env, capture_output=True,
                          text=True, timeout=180)


def job_row(server, job_id: str) -> tuple:
    with psycopg.connect(server.database_url) as conn:
        return conn.execute("SELECT parent_job_id::text, total, status, options -> 'profile' ->> 'profile_name'"
                            " FROM jobs WHERE id = %s", (job_id,)).fetchone()


def test_subset_revalidate_and_rescore_make_linked_jobs_and_score_inline_prints_scores(server):
    done = cli(server, "submit", str(NCI_SDF_200), "--watch", "--profile", "1")
    assert done.returncode == 0, done.stderr
    parent = done.stdout.strip()
    assert job_row(server, parent)[3] == "Drug-like (Lipinski)"

    done = cli(server, "subset", "revalidate", parent, "--indices", "0,2-4,4", "--watch")
    assert done.returncode == 0, done.stderr
    child = done.stdout.strip()
    assert uuid.UUID(child) and f"revalidate of 4 molecules of job {parent}" in done.stderr
    assert job_row(server, child)[:3] == (parent, 4, "complete")

    done = cli(server, "subset", "rescore", parent, "--indices", "10-19", "--profile", "3", "--watch")
    assert done.returncode == 0, done.stderr
    rescored = done.stdout.strip()
    assert job_row(server, rescored) == (parent, 10, "complete", "Fragment-like (Rule of 3)")

    done = cli(server, "subset", "score-inline", parent, "--indices", "0-2", "--profile", "2", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["profile_name"] == "Lead-like" and [m["index"] for m in answer["molecules"]] == [0, 1, 2]
    done = cli(server, "subset", "score-inline", parent, "--indices", "0-2", "--profile", "2")
    assert done.stdout.splitlines()[0] == f"Profile Lead-like (id {answer['profile_id']})"

    done = cli(server, "subset", "revalidate", parent, "--indices", "500")
    assert done.returncode == 4 and "index_out_of_range, HTTP 422" in done.stderr, done.stderr
    done = cli(server, "subset", "score-inline", parent, "--indices", "0", "--profile", "99")
    assert done.returncode == 4 and "profile_not_found, HTTP 404" in done.stderr, done.stderr
