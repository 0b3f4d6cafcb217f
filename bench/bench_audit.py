"""Time the default audit per molecule on RDKit's NCI set (Data/NCI/first_5K.smi).

    python bench/bench_audit.py                 # 2,000 molecules, default options
    python bench/bench_audit.py -n 4999 --all-options
    python bench/bench_audit.py --profile 30    # cProfile: the 30 costliest functions (cumulative)
    python bench/bench_audit.py --stages        # CPU ms per stage: parse, shared views, checks, alerts, scores

Prints mean / median / p95 / max milliseconds per molecule, wall clock and CPU, measured around
each audit() call after warm_up(), so catalog building and first-call costs are excluded as in a
worker. On a shared machine the CPU line is the stable one; the load average is printed with it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

from rdkit import RDConfig, rdBase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chemaudit.chemistry import AuditOptions, alerts, audit, scoring, warm_up  # noqa: E402
from chemaudit.chemistry.checks import INPUT_CHECKS, MOLECULE_CHECKS  # noqa: E402
from chemaudit.chemistry.context import MolContext  # noqa: E402
from chemaudit.chemistry.parsing import parse  # noqa: E402
from chemaudit.chemistry.rdlog import TOOLKIT_LOCK  # noqa: E402

NCI = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"


def load(count: int) -> list[str]:
    smiles = [line.split()[0] for line in NCI.read_text().splitlines() if line.strip()]
    return smiles[:count]


def run(molecules: list[str], options: AuditOptions) -> tuple[list[float], list[float], dict[str, int]]:
    """Wall-clock and CPU milliseconds per molecule (CPU time is what other load cannot inflate)."""
    wall, cpu, statuses = [], [], {}
    for smi in molecules:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = audit(smi, "smiles", options)
        cpu.append((time.process_time() - start_cpu) * 1000.0)
        wall.append((time.perf_counter() - start) * 1000.0)
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    return wall, cpu, statuses


def _line(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (f"  {name}: mean {statistics.fmean(times):.2f} ms  median {statistics.median(times):.2f} ms  "
            f"p95 {p95:.2f} ms  max {ordered[-1]:.2f} ms  total {sum(times) / 1000:.1f} s")


def report(label: str, wall: list[float], cpu: list[float], statuses: dict[str, int]) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{label}: {len(wall)} molecules {statuses}  (load average {load})")
    print(_line("wall", wall))
    print(_line("cpu ", cpu))


# The shared, computed-once views of a molecule, timed before the checks that read them.
SHARED_VIEWS = ("canonical_smiles", "roundtrip_smiles", "inchi", "fingerprint", "stereo", "tautomers",
                "fragments", "atom_rings", "atoms")


def stages(molecules: list[str], options: AuditOptions) -> None:
    """Where the time of the default audit goes: CPU ms per molecule for each stage."""
    spent: dict[str, float] = {}

    def timed(name, function):
        start = time.process_time()
        value = function()
        spent[name] = spent.get(name, 0.0) + (time.process_time() - start) * 1000.0
        return value

    with TOOLKIT_LOCK, rdBase.BlockLogs():
        for smi in molecules:
            parsed = timed("parse (+ size guards)", lambda: parse(smi, "smiles", options))
            if parsed.failure:
                continue
            ctx = MolContext(parsed, options)
            for view in SHARED_VIEWS:
                timed(f"view: {view}", lambda: getattr(ctx, view))
            for check in INPUT_CHECKS + MOLECULE_CHECKS:
                label = ("check: inchi_roundtrip (InChI -> mol -> InChI)" if check.name == "inchi_roundtrip"
                         else "checks: the other 27 (read the shared views)")
                timed(label, lambda: check.result(check.check(ctx)))
            timed("molecule_info", ctx.molecule_info)
            timed("alerts (PAINS + BRENK)", lambda: alerts.screen(ctx.mol, alerts.ALWAYS, ctx.fingerprint))
            timed("scoring (QED, SA, descriptors, ML-readiness)", lambda: scoring.compute(ctx, True))
    total = sum(spent.values())
    print(f"stages over {len(molecules)} molecules, CPU ms per molecule (total {total / len(molecules):.2f}):")
    for name, value in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {value / len(molecules):6.3f}  {100 * value / total:4.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, default=2000, help="molecules from first_5K.smi")
    parser.add_argument("--all-options", action="store_true",
                        help="also time all alerts + standardization, then the compound profile and safety blocks")
    parser.add_argument("--profile", type=int, metavar="N", help="print the N top functions under cProfile")
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative or tottime")
    parser.add_argument("--stages", action="store_true", help="CPU time per stage of the audit")
    args = parser.parse_args()

    start = time.perf_counter()
    warm_up()
    print(f"warm_up: {(time.perf_counter() - start) * 1000:.0f} ms")
    molecules = load(args.count)
    default = AuditOptions()
    if args.stages:
        stages(molecules, default)
        return
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        measured = run(molecules, default)
        profiler.disable()
        report("default audit (under cProfile, slower)", *measured)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)
        return
    report("default audit", *run(molecules, default))
    if args.all_options:
        everything = AuditOptions(include_extended_safety=True, include_chembl_alerts=True,
                                  include_standardization=True)
        report("all options", *run(molecules, everything))
        blocks = AuditOptions(include_profiling=True, include_safety_assessment=True)
        report("profiling + safety assessment", *run(molecules, blocks))


if __name__ == "__main__":
    main()
