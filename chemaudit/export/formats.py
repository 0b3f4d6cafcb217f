"""The export formats and their options: the one list every other part reads.

This module loads no RDKit (and nothing else heavy), so the CLI's `--format` choices, the
OpenAPI document, the dashboard's export menu (GET /api/v1/export-formats) and the export
route all read it directly. The encoder of a format is named by "module:Class" and imported
only when an export of that format starts (`chemaudit.export.encoder_class`).

Adding a format is one encoder module (see `chemaudit/export/base.py` for what an encoder
provides) plus one entry in FORMATS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chemaudit.errors import InvalidOption
from chemaudit.flags import json_flag

# Row shapes the database can send (chemaudit.db.results_queries.export_rows).
ROW_SHAPES_KNOWN = ("flat", "item", "sdf", "ident", "dedup", "props")
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class ExportOption:
    """A query parameter (or subset-export body key) that changes how a format is written."""

    name: str
    kind: str  # "boolean" | "choice"
    default: Any
    description: str
    choices: tuple[str, ...] = ()

    def parse(self, raw: Any) -> Any:
        """The option's value from a query string or a JSON value; InvalidOption (422) when not valid."""
        if self.kind == "boolean":
            return json_flag(self.name, raw, self.default)
        text = raw.strip().lower() if isinstance(raw, str) else None
        if text not in self.choices:
            raise InvalidOption(f"{self.name} must be one of {', '.join(self.choices)}, not {str(raw)[:40]!r}.")
        return text


@dataclass(frozen=True, slots=True)
class ExportFormat:
    name: str
    label: str  # what the dashboard's menu shows
    media_type: str  # the Content-Type of the download
    extension: str  # of the file name the server suggests
    rows: str  # the row shape it needs from the database (ROW_SHAPES_KNOWN)
    encoder: str  # "module:Class" of its encoder, imported on first use
    description: str
    options: tuple[str, ...] = ()  # names in OPTIONS it accepts
    local: bool = False  # `chemaudit audit` can write it (rows once, in file order)


OPTIONS: dict[str, ExportOption] = {option.name: option for option in (
    ExportOption("raw_text", "boolean", False,
                 "CSV/TSV: write text cells as stored, without the apostrophe put in front of text "
                 "starting with = + - @ tab or CR (formula injection guard)."),
    ExportOption("include_images", "boolean", False,
                 "Excel: a `structure` column with a 2D drawing of each molecule (the first "
                 "10,000 rows; the Summary sheet says when there were more)."),
    ExportOption("sheet_layout", "choice", "single",
                 "Excel: `single` (one Results sheet with every column) or `multi` (one sheet per "
                 "section: Validation, Scoring, Alerts), with a Summary sheet either way.",
                 ("single", "multi")),
)}

_E = "chemaudit.export."
FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("csv", "CSV", "text/csv; charset=utf-8", "csv", "flat", _E + "delimited:CsvEncoder",
                 "One row per molecule, the flat columns.", ("raw_text",), local=True),
    ExportFormat("tsv", "TSV", "text/tab-separated-values; charset=utf-8", "tsv", "flat",
                 _E + "delimited:TsvEncoder", "As CSV, tab-separated.", ("raw_text",), local=True),
    ExportFormat("sdf", "SDF", "chemical/x-mdl-sdfile", "sdf", "sdf", _E + "sdf:SdfEncoder",
                 "Each molecule's record with the results as data items.", local=True),
    ExportFormat("smi", "SMILES", "chemical/x-daylight-smiles; charset=utf-8", "smi", "flat",
                 _E + "smiles_file:SmilesFileEncoder",
                 "SMILES<TAB>Name per molecule read (canonical SMILES); unreadable records as # lines.",
                 local=True),
    ExportFormat("json", "JSON", "application/json; charset=utf-8", "json", "item", _E + "jsonish:JsonEncoder",
                 "One document: the job, its statistics and every result item.", local=True),
    ExportFormat("ndjson", "NDJSON", "application/x-ndjson; charset=utf-8", "ndjson", "item",
                 _E + "jsonish:NdjsonEncoder", "One result item per line.", local=True),
    ExportFormat("xlsx", "XLSX", XLSX, "xlsx", "flat", _E + "xlsx:XlsxEncoder",
                 "A workbook with the flat columns.", local=True),
    ExportFormat("excel", "Excel", XLSX, "xlsx", "flat", _E + "excel:ExcelEncoder",
                 "XLSX with a Summary sheet, optional structure drawings and one sheet per section.",
                 ("include_images", "sheet_layout")),
    ExportFormat("pdf", "PDF report", "application/pdf", "pdf", "flat", _E + "pdf:PdfEncoder",
                 "A report: summary, score and alert charts, the lowest-scoring molecules drawn."),
    ExportFormat("fingerprint", "Fingerprints", ZIP, "zip", "ident", _E + "fingerprint:FingerprintEncoder",
                 "Zip: Morgan, MACCS and RDKit fingerprints as CSV, NPY and NPZ."),
    ExportFormat("dedup", "Duplicates", ZIP, "zip", "dedup", _E + "dedup:DedupEncoder",
                 "Zip: one row per unique structure (by InChIKey) and every molecule with its group."),
    ExportFormat("scaffold", "Scaffolds", "text/csv; charset=utf-8", "csv", "ident",
                 _E + "scaffold:ScaffoldEncoder", "CSV: each molecule's Murcko scaffold and scaffold group."),
    ExportFormat("property_matrix", "Property matrix", ZIP, "zip", "props",
                 _E + "property_matrix:PropertyMatrixEncoder",
                 "Zip: descriptors and scores as a CSV and a workbook (Descriptors, Scores, Alerts, Properties)."),
)

BY_NAME: dict[str, ExportFormat] = {fmt.name: fmt for fmt in FORMATS}
FORMAT_NAMES: tuple[str, ...] = tuple(BY_NAME)
LOCAL_FORMATS: tuple[str, ...] = tuple(fmt.name for fmt in FORMATS if fmt.local)
MEDIA_TYPES: tuple[str, ...] = tuple(dict.fromkeys(fmt.media_type.split(";")[0] for fmt in FORMATS))


def get_format(name: str) -> ExportFormat:
    """The format called `name` (any case); KeyError when there is none."""
    return BY_NAME[name.strip().lower()]


def default_options(fmt: ExportFormat) -> dict[str, Any]:
    return {name: OPTIONS[name].default for name in fmt.options}


def catalog() -> dict:
    """The formats and options as JSON (GET /api/v1/export-formats; the dashboard's menu)."""
    return {
        "formats": [{"name": fmt.name, "label": fmt.label, "media_type": fmt.media_type,
                     "extension": fmt.extension, "description": fmt.description,
                     "options": list(fmt.options)} for fmt in FORMATS],
        "options": {option.name: {"type": option.kind, "default": option.default,
                                   "choices": list(option.choices) or None,
                                   "description": option.description} for option in OPTIONS.values()},
    }


for _fmt in FORMATS:  # a typo in the table fails at import, not at the first export
    assert _fmt.rows in ROW_SHAPES_KNOWN and set(_fmt.options) <= set(OPTIONS), _fmt
