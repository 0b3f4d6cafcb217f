"""Streaming export writers over batches of result rows; the formats are listed in formats.py."""

from __future__ import annotations

import importlib
from typing import Any

from chemaudit.export.base import (
    FLAT_COLUMNS,
    HEADERS,
    Encoder,
    ExportContext,
    Pass,
    flat_values,
    iter_encode,
)
from chemaudit.export.formats import FORMAT_NAMES, default_options, get_format

FORMATS = FORMAT_NAMES
# The row shape each format needs from the database (see results_queries.export_rows).
ROW_SHAPES = {name: get_format(name).rows for name in FORMAT_NAMES}


def encoder_class(fmt: str) -> Any:  # the class named in formats.FORMATS: its own `from_context`
    """The encoder class of a format, imported on first use (formats.FORMATS names it)."""
    module, _, name = get_format(fmt).encoder.partition(":")
    return getattr(importlib.import_module(module), name)


def make_encoder(fmt: str, *, header: dict | None = None, row_count: int | None = None,
                 **options: Any) -> Encoder:
    """The encoder of one download. `header`: the job's fields (JSON document, PDF title);
    `options`: values of the options the format accepts (the others are ignored)."""
    spec = get_format(fmt)
    chosen = {**default_options(spec), **{key: value for key, value in options.items() if key in spec.options}}
    return encoder_class(fmt).from_context(ExportContext(header or {}, row_count, chosen))


__all__ = ["FLAT_COLUMNS", "FORMATS", "HEADERS", "ROW_SHAPES", "Encoder", "ExportContext", "Pass",
           "encoder_class", "flat_values", "iter_encode", "make_encoder"]
