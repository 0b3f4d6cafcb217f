"""Helpers for the upload splitter tests: limits, piecewise feeding, data folders."""

from __future__ import annotations

import dataclasses
import importlib.util
import random
from pathlib import Path

from rdkit import RDConfig

from chemaudit.ingest import IngestLimits, Record, UploadSplitter
from chemaudit.settings import Settings

RDKIT_DATA = Path(RDConfig.RDDataDir)
HOSTILE = Path(__file__).resolve().parents[2] / "data" / "hostile"


NOT_CORPUS = {"README.md", "generate.py", ".gitattributes"}


def corpus_files() -> list[Path]:
    """The hostile corpus files (not its README, generator or caches)."""
    return sorted(p for p in HOSTILE.iterdir() if p.is_file() and p.name not in NOT_CORPUS)


def make_limits(**overrides) -> IngestLimits:
    return dataclasses.replace(IngestLimits.from_settings(Settings()), **overrides)


def pieces(data: bytes, how: str | int, seed: int = 0) -> list[bytes]:
    """Cut `data` whole, into fixed-size pieces, or into random pieces of 1..97 bytes."""
    if how == "whole":
        return [data]
    if isinstance(how, int):
        return [data[i:i + how] for i in range(0, len(data), how)]
    rng = random.Random(seed)
    out, at = [], 0
    while at < len(data):
        step = rng.randint(1, 97)
        out.append(data[at:at + step])
        at += step
    return out


def split_bytes(data: bytes, filename: str, how: str | int = "whole", *, limits: IngestLimits | None = None,
                **options) -> tuple[list[Record], UploadSplitter]:
    """Run `data` through a fresh UploadSplitter fed in `how` pieces; return the records and the splitter."""
    splitter = UploadSplitter(filename, limits=limits or make_limits(), **options)
    records: list[Record] = []
    for piece in pieces(data, how):
        records.extend(splitter.feed(piece))
    records.extend(splitter.finish())
    return records, splitter


def load_corpus_generator():
    """The hostile corpus's generate.py, loaded as a module (its folder is not a package)."""
    spec = importlib.util.spec_from_file_location("hostile_generate", HOSTILE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
