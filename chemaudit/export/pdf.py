"""PDF: a report of the exported rows, laid out with fpdf2.

One pass adds the rows up (chemaudit/export/summary.py) and keeps the MAX_MOLECULES
lowest-scoring audited molecules and the first MAX_ERRORS unreadable ones, so memory is
bounded by those caps, never by the rows; the report is laid out at the end:

1. the job (file, id, status), the figures of the exported rows;
2. the validation score bands, the molecules per alert catalog and per failed check, as bars;
3. the lowest-scoring molecules, each drawn with its index, name, score, failed checks and
   alerts (and a sentence saying how many of how many are shown);
4. the first records that could not be read, with the reason.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import UTC, datetime

from chemaudit.export import depict
from chemaudit.export import pdf_layout as layout
from chemaudit.export.base import ExportContext, Row, StreamEncoder
from chemaudit.export.summary import RowSummary

MAX_MOLECULES = 60
MAX_ERRORS = 40
TOP_BARS = 20
_KEEP = ("idx", "name", "smiles", "canonical_smiles", "score", "failed_checks", "alert_names", "alert_count",
         "error", "qed")


def _rounded(value) -> str:
    return "-" if value is None else f"{value:.2f}"


class PdfEncoder(StreamEncoder):
    def __init__(self, header: dict | None = None):
        self.header = header or {}
        self.summary = RowSummary()
        self._worst: list[tuple] = []  # a max-heap by (score, idx), via negation: the kept lowest
        self._errors: list[dict] = []

    @classmethod
    def from_context(cls, ctx: ExportContext):
        return cls(dict(ctx.header))

    def encode(self, rows: Sequence[Row]) -> bytes:
        for row in rows:
            self.summary.add(row)
            kept = {key: row.get(key) for key in _KEEP}
            if row.get("status") != "success":
                if len(self._errors) < MAX_ERRORS:
                    self._errors.append(kept)
                continue
            score = row["score"] if row.get("score") is not None else 101
            item = (-score, -row["idx"], kept)
            if len(self._worst) < MAX_MOLECULES:
                heapq.heappush(self._worst, item)
            elif item > self._worst[0]:  # lower score (or same score, lower index) than the kept highest
                heapq.heapreplace(self._worst, item)
        return b""

    def end(self) -> bytes:
        title = f"ChemAudit report: {self.header.get('filename') or 'batch'}"
        pdf = layout.new_document(title)
        pdf.add_page()
        self._front(pdf, title)
        self._charts(pdf)
        self._molecules(pdf)
        self._unreadable(pdf)
        return bytes(pdf.output())

    def _front(self, pdf, title: str) -> None:
        layout.heading(pdf, title, 16)
        made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        layout.paragraph(pdf, f"Job {self.header.get('job_id', '-')} - status {self.header.get('status', '-')} - "
                              f"made {made}. Figures are over the {self.summary.total:,} molecules of this "
                              "export (after its filters); averages and rates over the audited ones.")
        layout.figures(pdf, self.summary.metrics())
        bands = [(name, self.summary.bands[name]) for name in ("excellent", "good", "moderate", "poor")]
        layout.bar_chart(pdf, "Validation scores (>= 90, 70-89, 50-69, < 50)", bands, layout.BAND_COLORS)

    def _charts(self, pdf) -> None:
        layout.bar_chart(pdf, "Molecules per alert catalog", self.summary.catalogs.most_common(TOP_BARS),
                         empty="No molecule has a structural alert.")
        layout.bar_chart(pdf, f"Molecules per failed check (the {TOP_BARS} most frequent)",
                         self.summary.checks.most_common(TOP_BARS), {"": (107, 70, 193)},
                         empty="No check failed.")

    def _molecules(self, pdf) -> None:
        worst = [kept for _, _, kept in sorted(self._worst, reverse=True)]
        if not worst:
            return
        pdf.add_page()
        layout.heading(pdf, "Lowest-scoring molecules")
        layout.paragraph(pdf, f"The {len(worst):,} lowest-scoring of {self.summary.successful:,} audited "
                              f"molecules (this report shows at most {MAX_MOLECULES}); every molecule is in "
                              "the CSV, XLSX, SDF and JSON exports.")
        width, height, columns = 88.0, 80.0, 2
        for n, kept in enumerate(worst):
            if n % columns == 0 and pdf.will_page_break(height):
                pdf.add_page()
            x = pdf.l_margin + (n % columns) * (width + 4)
            y = pdf.get_y()
            picture = depict.png(kept["canonical_smiles"] or kept["smiles"], 300, 300)
            checks = ", ".join(kept["failed_checks"] or []) or "none"
            alerts = ", ".join(str(a) for a in kept["alert_names"] or []) or "none"
            layout.molecule_card(pdf, x, y, width, picture, [
                f"#{kept['idx']}  {kept['name'] or ''}", f"Score {kept['score']}  QED {_rounded(kept['qed'])}",
                f"Failed: {checks}", f"Alerts: {alerts}"])
            pdf.set_y(y + height if n % columns == columns - 1 or n == len(worst) - 1 else y)

    def _unreadable(self, pdf) -> None:
        if not self._errors:
            return
        pdf.add_page()
        layout.heading(pdf, "Records that could not be read")
        layout.paragraph(pdf, f"The first {len(self._errors):,} of {self.summary.errors:,} (at most {MAX_ERRORS}).")
        layout.figures(pdf, [(f"#{kept['idx']} {layout.latin(kept['name'], 30)}", layout.latin(kept["error"], 90))
                             for kept in self._errors], widths=(50, 130))
