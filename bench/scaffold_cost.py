"""What storing each result's Bemis-Murcko scaffold costs the audit, side by side, on real molecules.

    python -m bench scaffold_cost                            # 2,000 of RDKit's real molecules (~30 s)
    python -m bench scaffold_cost --scaffold-molecules 500

Per molecule, in this one process after a warm-up, the worker's own two steps, timed back to
back on the same molecule: the audit and its row (`audit` + `to_row`, all a worker did before
scaffolds were stored) and the added step (`scaffolds.of_result` under the toolkit lock, as
`tasks.record_audit.audit_record` calls it). The molecules are a seeded sample of every real
structure RDKit ships (NCI, WEHI, ChEMBL series), as SMILES files hold them.
"""

from __future__ import annotations

import random
import time

from bench.common import Row, say
from bench.real_molecules import originals
from chemaudit.analytics import scaffolds
from chemaudit.chemistry import AuditOptions, audit, warm_up
from chemaudit.chemistry.rdlog import TOOLKIT_LOCK
from chemaudit.result_rows import to_row

COUNT = 2_000


def sample(count: int) -> list[tuple[str, str]]:
    molecules = originals()
    return random.Random(7).sample(molecules, min(count, len(molecules)))


def measure(molecules: list[tuple[str, str]], options: AuditOptions) -> dict:
    """Seconds of the audit with its row and of the scaffold step, summed; scaffolds stored."""
    audited = step = 0.0
    stored = successes = 0
    for idx, (smiles, name) in enumerate(molecules):
        started = time.perf_counter()
        result = audit(smiles, "smiles", options)
        to_row("bench", idx, name, smiles, result)
        between = time.perf_counter()
        with TOOLKIT_LOCK:
            scaffold = scaffolds.of_result(result)
        step += time.perf_counter() - between
        audited += between - started
        successes += result["status"] == "success"
        stored += scaffold is not None
    return {"audit": audited, "step": step, "stored": stored, "successes": successes}


def run(args) -> list[Row]:
    molecules = sample(getattr(args, "scaffold_molecules", None) or COUNT)
    warm_up()
    figures = measure(molecules, AuditOptions())
    n = len(molecules)
    audit_us, step_us = 1e6 * figures["audit"] / n, 1e6 * figures["step"] / n
    share = 100 * figures["step"] / figures["audit"]
    say(f"{n:,} molecules ({figures['successes']:,} audited successfully, {figures['stored']:,} scaffolds stored):"
        f" audit + row {audit_us:,.0f} us, scaffold {step_us:,.0f} us a molecule ({share:.1f}% of the audit)")
    return [Row("scaffold_cost", f"audit + row, {n:,} real molecules", f"{audit_us:,.0f} us/molecule"),
            Row("scaffold_cost", "storing the scaffold (murcko of the canonical SMILES)",
                f"{step_us:,.0f} us/molecule, {share:.1f}% of the audit")]
