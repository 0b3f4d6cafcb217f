"""The suite's grouping for parallel runs: what must share a test process does."""

from __future__ import annotations

from pathlib import Path

from tests.support.test_groups import group_of

ROOT = Path(__file__).resolve().parents[2]


def test_modules_of_the_shared_job_share_one_group_and_others_are_their_own():
    shared = {group_of(ROOT, f"tests/integration/{name}.py")
              for name in ("test_exports", "test_export_formats", "test_results_api", "test_export_safety")}
    assert shared == {"nci_job"}
    assert group_of(ROOT, "tests/integration/audited_jobs.py") == "tests/integration/audited_jobs.py"
    assert group_of(ROOT, "tests/unit/test_layering.py") == "tests/unit/test_layering.py"


def test_every_cluster_module_is_one_group():
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tests/cluster").glob("test_*.py"))
    assert len(modules) >= 3
    assert {group_of(ROOT, module) for module in modules} == {"cluster"}

