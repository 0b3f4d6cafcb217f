"""Split-speed benchmark: a generated million-line SMILES file, plain and gzipped.

Run: /work/venv/bin/python bench/bench_split.py [--lines N] [--piece BYTES] [--all]
Prints MB/s (of the uncompressed text) and records/s for each run.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import sys
import time
from pathlib import Path

from rdkit import RDConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from chemaudit.ingest import IngestLimits, UploadSplitter  # noqa: E402
from chemaudit.settings import Settings  # noqa: E402

SOURCE = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"


def make_smiles_file(lines: int) -> bytes:
    """Cycle NCI/first_5K.smi with distinct names until `lines` lines."""
    smiles = [line.split()[0] for line in SOURCE.read_text().splitlines() if line.strip()]
    rows = (f"{smi}\tNCI-{n:07d}\n" for n, smi in zip(range(lines), itertools.cycle(smiles)))
    return "".join(rows).encode("ascii")


def make_csv_file(lines: int) -> bytes:
    """The same molecules as a quoted CSV with a header, an id column and a name column."""
    smiles = [line.split()[0] for line in SOURCE.read_text().splitlines() if line.strip()]
    rows = (f'{n},"{smi}",NCI-{n:07d}\n' for n, smi in zip(range(lines), itertools.cycle(smiles)))
    return ("id,SMILES,Name\n" + "".join(rows)).encode("ascii")


def make_sdf_file(records: int) -> bytes:
    """RDKit's NCI/first_200.props.sdf repeated with distinct titles, `records` records."""
    blocks = (SOURCE.parent / "first_200.props.sdf").read_text().split("$$$$\n")[:200]
    out = (f"NCI-{n:07d}{block}$$$$\n" for n, block in zip(range(records), itertools.cycle(blocks)))
    return "".join(out).encode("ascii")


def run(label: str, filename: str, payload: bytes, text_bytes: int, piece: int, limits: IngestLimits) -> None:
    started = time.perf_counter()
    splitter = UploadSplitter(filename, limits=limits)
    count = 0
    view = memoryview(payload)
    for offset in range(0, len(payload), piece):
        count += len(splitter.feed(bytes(view[offset:offset + piece])))
    count += len(splitter.finish())
    seconds = time.perf_counter() - started
    print(
        f"{label:<8} {len(payload) / 1e6:8.1f} MB in  {text_bytes / 1e6:8.1f} MB text  {count:>9,} records  "
        f"{seconds:6.2f} s  {text_bytes / 1e6 / seconds:7.1f} MB/s  {count / seconds:>11,.0f} records/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--all", action="store_true", help="also a quoted CSV of the same lines and an SDF of lines/50 records")
    parser.add_argument("--piece", type=int, default=64 * 1024, help="bytes per feed() call (the handler uses 64 KiB)")
    args = parser.parse_args()
    limits = IngestLimits.from_settings(Settings())
    text = make_smiles_file(args.lines)
    packed = gzip.compress(text, compresslevel=6)
    run("smiles", "bench.smi", text, len(text), args.piece, limits)
    run("smi.gz", "bench.smi.gz", packed, len(text), args.piece, limits)
    if args.all:
        table = make_csv_file(args.lines)
        run("csv", "bench.csv", table, len(table), args.piece, limits)
        sdf = make_sdf_file(args.lines // 50)
        run("sdf", "bench.sdf", sdf, len(sdf), args.piece, limits)


if __name__ == "__main__":
    main()
