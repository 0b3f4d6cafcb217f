"""Capture RDKit's error log per audit, safely under threads.

RDKit's error log is process-wide: `rdBase.CaptureErrorLog` captures whatever any thread logs while
it is open (measured: a second thread's capture steals the first one's messages). So one lock
serialises the toolkit work of an audit; RDKit holds the GIL for nearly all of it anyway, and a
worker scales by processes, not threads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rdkit import rdBase

MAX_MESSAGE_CHARS = 500

TOOLKIT_LOCK = threading.RLock()

_TIMESTAMP = re.compile(r"^\[\d\d:\d\d:\d\d\] ?")


class Capture:
    """The messages RDKit logged while the capture was open, cleaned for display."""

    def __init__(self) -> None:
        self._raw = ""

    @property
    def lines(self) -> list[str]:
        """Messages without timestamps, consecutive duplicates dropped."""
        out: list[str] = []
        for line in self._raw.splitlines():
            text = _TIMESTAMP.sub("", line).rstrip()
            if text and (not out or out[-1] != text):
                out.append(text)
        return out

    @property
    def text(self) -> str:
        return truncate(" | ".join(self.lines))


@contextmanager
def captured() -> Iterator[Capture]:
    """Hold the toolkit lock and collect RDKit's error-log messages until the block ends."""
    result = Capture()
    with TOOLKIT_LOCK:
        with rdBase.CaptureErrorLog() as capture:
            try:
                yield result
            finally:
                result._raw = capture.messages or ""


def truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
