"""Upload ingestion: split a (possibly gzipped) SDF, SMILES, CSV or TSV upload into Records.

Pure text work, no RDKit: the chemistry runs later, per record, in the workers.
"""

from chemaudit.ingest.limits import IngestLimits
from chemaudit.ingest.records import Record
from chemaudit.ingest.splitter import UploadSplitter

__all__ = ["IngestLimits", "Record", "UploadSplitter"]
