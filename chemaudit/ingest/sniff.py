"""What an upload's name promises, and refusing binary content; format_choice reads the text."""

from __future__ import annotations

import re

from chemaudit.errors import BadInput, UnsupportedFormat
from chemaudit.ingest.parsers import BY_EXTENSION

SNIFF_BYTES = 64 * 1024
SUPPORTED = "SDF (.sdf, .sd, .mol), SMILES (.smi, .smiles, .txt), CSV (.csv) or TSV (.tsv), optionally gzipped"

_COMPRESSED_SUFFIXES = ("gz", "gzip")
_UNSUPPORTED_EXTENSIONS = frozenset(
    "xlsx xls xlsm ods docx doc pdf png jpg jpeg gif bmp tif tiff svg zip 7z rar bz2 xz zst tar tgz "
    "exe dll so bin cdx cdxml mrv cml mol2 pdb ent cif mmcif xyz rxn rdf json xml html htm pkl".split()
)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\x7fELF", "an executable (ELF) file"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office document (such as an .xls workbook)"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"(\xb5/\xfd", "a Zstandard archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x1f\x8b", "a gzip file inside a gzip file (compressed twice)"),
    (b"\xcf\xfa\xed\xfe", "an executable (Mach-O) file"),
)
_CONTROL = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"


def format_from_name(filename: str) -> str | None:
    """The format the file name promises, None when only the content can tell; 415 for known others."""
    base = re.split(r"[\\/]", filename or "")[-1].strip().lower()
    parts = base.split(".")
    if len(parts) > 1 and parts[-1] in _COMPRESSED_SUFFIXES:
        parts.pop()
    ext = parts[-1] if len(parts) > 1 else ""
    if ext in _UNSUPPORTED_EXTENSIONS:
        raise UnsupportedFormat(f"Files of type .{ext} are not supported; upload {SUPPORTED}.")
    return BY_EXTENSION.get(ext)


def check_text(window: bytes, named_format: str | None) -> None:
    """Refuse known binary formats (415) and binary junk (400 if named as text, else 415).

    A stray NUL in otherwise plain text is left to the line splitter, which names its line.
    """
    for magic, what in _MAGIC:
        if window.startswith(magic):
            raise UnsupportedFormat(f"The file is {what}, not an SDF, SMILES, CSV or TSV file; upload {SUPPORTED}.")
    if window[257:262] == b"ustar":
        raise UnsupportedFormat(f"The file is a tar archive; upload {SUPPORTED}.")
    nuls = window.count(b"\0")
    if nuls and _looks_utf16(window):
        raise BadInput("The file looks like UTF-16 text without a byte-order mark; save it as UTF-8 and upload it again.")
    control = len(window) - len(window.translate(None, _CONTROL))  # NUL included
    if control >= 3 and control * 50 >= len(window):
        if named_format is not None:
            raise BadInput(f"The file is named as {named_format.upper()} but holds binary data, not text.")
        raise UnsupportedFormat(f"The file holds binary data, not text; upload {SUPPORTED}.")


def _looks_utf16(window: bytes) -> bool:
    half = len(window) // 2
    if half < 2:
        return False
    odd, even = window[1::2].count(b"\0"), window[0::2].count(b"\0")
    return max(odd, even) >= 0.8 * half and min(odd, even) <= 0.05 * half
