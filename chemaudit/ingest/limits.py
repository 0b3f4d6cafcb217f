"""Upload size limits, taken from Settings."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class IngestLimits:
    max_upload_bytes: int  # compressed bytes as received
    max_decompressed_bytes: int  # bytes after gunzip (the gzip-bomb guard)
    max_molecules: int
    max_line_bytes: int
    max_record_bytes: int  # one SMILES, one CSV row with quoted newlines, or one molblock
    max_sd_data_bytes: int = 1024 * 1024  # one SD record's data items: cut past it, with a note

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"IngestLimits.{field.name} must be a positive integer, got {value!r}")

    @classmethod
    def from_settings(cls, settings) -> IngestLimits:
        """Read the limit fields of the same names from a chemaudit.settings.Settings."""
        return cls(**{field.name: getattr(settings, field.name) for field in fields(cls)})
