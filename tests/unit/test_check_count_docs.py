"""The number of checks the docs name is the number the service runs (issue 18 item 18)."""

from __future__ import annotations

import re
from pathlib import Path

from chemaudit.chemistry.checks import CHECKS

ROOT = Path(__file__).resolve().parents[2]
COUNTED = re.compile(r"(\d+) named checks")


def _counts(path: str) -> list[int]:
    return [int(n) for n in COUNTED.findall((ROOT / path).read_text())]


def test_readme_and_user_guide_name_the_number_of_checks_run():
    for path in ("README.md", "docs/user-guide.md"):
        counts = _counts(path)
        assert counts, f"{path} no longer says how many named checks there are"
        assert set(counts) == {len(CHECKS)}, path


def test_chemaudits_checks_are_all_but_the_size_guard():
    names = [check.name for check in CHECKS]
    assert "input_too_large" in names
    assert len(names) - 1 == 27
