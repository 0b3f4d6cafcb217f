"""Keeping exported text from being read as something else: one apostrophe in front of it.

A spreadsheet takes a CSV/TSV cell starting with `=`, `+`, `-`, `@`, tab or CR as a formula
(OWASP, "CSV Injection"), and an SD reader takes a line starting with `$$$$` as the end of the
record (or `>` as a data header, `M  END` as the end of a molblock). Such a text gets one
apostrophe in front. So that the rule can always be undone, a text that starts with apostrophes
followed by one of those starts gets one more apostrophe as well: removing one leading
apostrophe from every text whose first non-apostrophe characters are one of the starts gives
back exactly what was stored.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SD_LINE_STARTS = ("$$$$", ">", "M  END")


def needs_guard(text: str, starts: tuple[str, ...]) -> bool:
    return text.lstrip("'").startswith(starts)


def guard(text: str, starts: tuple[str, ...]) -> str:
    """`text`, with one apostrophe in front when it (after any apostrophes) begins with `starts`."""
    return "'" + text if needs_guard(text, starts) else text
