"""Which tests share a test process when the suite runs in several (pytest-xdist, `make test`).

A module's tests stay in one process, so its module fixtures are made once. Two kinds of
module go further, together into one process: those that use the session's audited
2,000-molecule job (`nci_job`, made once per process: about 20 s of audit), and the cluster
tests (one nftables table and one set of network namespaces per machine).

xdist's own `--dist loadgroup` reads `xdist_group` marks by rewriting node ids, which pytest 9
no longer lets it do, so the grouping is a scheduler of our own, chosen by `--dist loadgroup`
(tests/conftest.py). The controller collects nothing, so a module's group comes from its path
and its text (a module that names the shared job's fixtures uses it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

SHARED_JOB_FIXTURES = ("nci_job", "job_30k")
DEFINED_IN = "tests/integration/audited_jobs.py"


@cache
def group_of(rootdir: Path, module_path: str) -> str:
    """The scope of a module (its path relative to the rootdir): itself, or a shared group."""
    if module_path.startswith("tests/cluster/"):
        return "cluster"
    path = rootdir / module_path
    if module_path != DEFINED_IN and path.is_file():
        text = path.read_text(encoding="utf-8")
        if any(name in text for name in SHARED_JOB_FIXTURES):
            return "nci_job"
    return module_path


class ModuleGroupScheduling(LoadScopeScheduling):
    """Whole scopes to a worker at a time, a scope being a module or one of the shared groups.

    Scopes go out in collection order (acceptance, cluster, faults, integration, unit), not
    xdist's most-tests-first: the few long tests of real processes then start early, and the
    many short unit modules fill the end, where they even out the two workers' finishing times.
    """

    def __init__(self, config, log=None):
        config.option.loadscopereorder = False
        super().__init__(config, log)

    def _split_scope(self, nodeid: str) -> str:
        return group_of(self.config.rootpath, nodeid.split("::", 1)[0])
