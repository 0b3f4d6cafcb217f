"""The shape of a check (ChEMBL checker style): a tiny class with a name, a severity and check()."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only the type: checks never build a context
    from chemaudit.chemistry.context import MolContext

CRITICAL = "critical"
ERROR = "error"
WARNING = "warning"
INFO = "info"
PENALTY = {CRITICAL: 50, ERROR: 20, WARNING: 5, INFO: 0}


@dataclass
class Outcome:
    passed: bool
    message: str
    affected_atoms: list[int] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    severity: str | None = None  # only when a check fails at a level other than its default


class Check:
    """One named check; `check(ctx)` looks at a parsed molecule (see context.MolContext)."""

    name = ""
    category = ""
    severity = INFO
    explanation = ""

    def check(self, ctx: MolContext) -> Outcome:
        raise NotImplementedError

    def result(self, outcome: Outcome) -> dict:
        return {
            "check_name": self.name,
            "passed": outcome.passed,
            "severity": outcome.severity or self.severity,
            "message": outcome.message,
            "affected_atoms": sorted(set(outcome.affected_atoms)),
            "details": outcome.details,
        }

    def describe(self) -> dict:
        return {"name": self.name, "category": self.category, "severity": self.severity,
                "explanation": self.explanation}


def overall_score(results: list[dict]) -> int:
    """100 minus 50 per failed critical, 20 per failed error, 5 per failed warning; within 0-100."""
    lost = sum(PENALTY[r["severity"]] for r in results if not r["passed"])
    return max(0, min(100, 100 - lost))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
