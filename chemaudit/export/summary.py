"""A summary of the exported rows, added up as they stream: the Excel Summary sheet and the PDF's.

It is computed from the rows the export holds (so it follows the filters and indices), in
memory that does not grow with them: counts, sums and a count per check and alert catalog.
Averages and rates are over successful molecules, rounded as the job's statistics are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

BANDS = (("excellent", 90, 101), ("good", 70, 90), ("moderate", 50, 70), ("poor", -1, 50))


class _Mean:
    def __init__(self):
        self.total, self.n = 0.0, 0

    def add(self, value) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.total += value
            self.n += 1

    def value(self, digits: int) -> float | None:
        return round(self.total / self.n, digits) if self.n else None


class RowSummary:
    def __init__(self):
        self.total = self.successful = self.errors = 0
        self.score, self.ml, self.qed, self.sa = _Mean(), _Mean(), _Mean(), _Mean()
        self.lipinski_pass = self.lipinski_known = self.no_alerts = 0
        self.bands: dict[str, int] = {name: 0 for name, _, _ in BANDS}
        self.catalogs: Counter[str] = Counter()  # molecules flagged by each catalog
        self.checks: Counter[str] = Counter()  # molecules failing each check

    def add(self, row: Mapping[str, Any]) -> None:
        self.total += 1
        if row.get("status") != "success":
            self.errors += 1
            return
        self.successful += 1
        score = row.get("score")
        self.score.add(score)
        self.ml.add(row.get("ml_score"))
        self.qed.add(row.get("qed"))
        self.sa.add(row.get("sa_score"))
        if row.get("lipinski_passed") is not None:
            self.lipinski_known += 1
            self.lipinski_pass += bool(row["lipinski_passed"])
        self.no_alerts += not row.get("alert_count")
        if isinstance(score, (int, float)):
            for name, low, high in BANDS:
                if low <= score < high:
                    self.bands[name] += 1
        self.catalogs.update(set(row.get("alert_catalogs") or ()))
        self.checks.update(set(row.get("failed_checks") or ()))

    def _rate(self, part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    def metrics(self) -> list[tuple[str, Any]]:
        """(label, value) of each figure, in the order a reader expects them."""
        return [
            ("Molecules", self.total),
            ("Audited (success)", self.successful),
            ("Could not be read (error)", self.errors),
            ("Mean validation score", self.score.value(1)),
            ("Mean ML-readiness score", self.ml.value(1)),
            ("Mean QED", self.qed.value(2)),
            ("Mean SA score", self.sa.value(1)),
            ("Lipinski pass rate (%)", self._rate(self.lipinski_pass, self.lipinski_known)),
            ("No structural alerts (%)", self._rate(self.no_alerts, self.successful)),
        ]
