"""A progress bar on stderr: percentage, processed/total, rate (mol/s) and ETA.

On a terminal the bar is redrawn in place; anywhere else (a log file, CI) each update is one
plain line, so the output stays readable when captured.
"""

from __future__ import annotations

import math
import shutil
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import TextIO

BAR_WIDTH = 30
RATE_WINDOW = 10.0  # seconds of history the rate is measured over
TTY_INTERVAL = 0.1  # at most ten redraws a second on a terminal


@dataclass(frozen=True)
class ProgressState:
    status: str
    processed: int
    total: int
    rate: float | None = None  # molecules per second, None while unknown
    eta_seconds: int | None = None  # None while unknown
    progress: float | None = None  # percent as the server gave it; else computed

    @property
    def percent(self) -> float:
        if self.progress is not None:
            return max(0.0, min(100.0, float(self.progress)))
        if self.total <= 0:
            return 100.0 if self.status == "complete" else 0.0
        return max(0.0, min(100.0, 100.0 * self.processed / self.total))


def format_duration(seconds: float | None) -> str:
    """45s, 1m08s, 2h03m; '--' when unknown."""
    if seconds is None or seconds < 0 or not math.isfinite(seconds):
        return "--"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_rate(rate: float | None) -> str:
    if rate is None or not math.isfinite(rate) or rate < 0:
        return "-- mol/s"
    if rate >= 100:
        return f"{rate:,.0f} mol/s"
    return f"{rate:.1f} mol/s"


def render_bar(percent: float, width: int = BAR_WIDTH, unicode: bool = True) -> str:
    """A fixed-width bar; eighth blocks give a smooth edge on terminals that show Unicode."""
    percent = max(0.0, min(100.0, percent))
    if not unicode:
        filled = int(width * percent / 100)
        return "#" * filled + "-" * (width - filled)
    eighths = int(width * 8 * percent / 100)
    full, part = divmod(eighths, 8)
    bar = "█" * full
    if full < width:
        bar += (" ▏▎▍▌▋▊▉"[part] if part else "") + " " * (width - full - (1 if part else 0))
    return bar


def _eta_text(state: ProgressState) -> str:
    if state.status != "processing":
        return state.status
    if state.processed == 0:
        return "queued"
    return f"ETA {format_duration(state.eta_seconds)}"


def format_tty_line(state: ProgressState, width: int = BAR_WIDTH, unicode: bool = True) -> str:
    """' 45.5% |█████▌     | 455/1,000  12.3 mol/s  ETA 1m08s'"""
    return (f"{state.percent:5.1f}% |{render_bar(state.percent, width, unicode)}| "
            f"{state.processed:,}/{state.total:,}  {format_rate(state.rate)}  {_eta_text(state)}")


def format_plain_line(state: ProgressState, label: str = "") -> str:
    """'job 1b7c: processing 45.5% 455/1000 12.3 mol/s ETA 1m08s' (one line per update)."""
    prefix = f"{label}: " if label else ""
    tail = ""
    if state.status == "processing":
        tail = f" ETA {format_duration(state.eta_seconds)}" if state.processed else " (queued)"
    return (f"{prefix}{state.status} {state.percent:.1f}% {state.processed}/{state.total} "
            f"{format_rate(state.rate)}{tail}")


class RateMeter:
    """Molecules per second over the last RATE_WINDOW seconds of observations."""

    def __init__(self, window: float = RATE_WINDOW):
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()

    def observe(self, now: float, processed: int) -> float | None:
        if self._samples and processed < self._samples[-1][1]:
            self._samples.clear()  # a counter never goes back; start over if it does
        self._samples.append((now, processed))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
            self._samples.popleft()
        first_time, first_count = self._samples[0]
        elapsed = now - first_time
        if elapsed < 0.5:
            return None
        return (processed - first_count) / elapsed


def local_eta(processed: int, total: int, rate: float | None) -> int | None:
    if processed >= total:
        return 0
    if not rate:
        return None
    return int(math.ceil((total - processed) / rate))


class ProgressDisplay:
    """Draws ProgressStates on a stream: in place on a terminal, line by line elsewhere."""

    def __init__(self, stream: TextIO | None = None, *, label: str = "", tty: bool | None = None,
                 plain_interval: float = 0.0, clock=time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.label = label
        self.interval = TTY_INTERVAL if self.tty else plain_interval
        self.clock = clock
        self._last_draw = -math.inf
        self._drawn = False
        encoding = (getattr(self.stream, "encoding", None) or "").lower()
        self.unicode = "utf" in encoding

    def update(self, state: ProgressState, *, force: bool = False) -> None:
        now = self.clock()
        final = state.status != "processing"
        if not (force or final) and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        if self.tty:
            columns = shutil.get_terminal_size((80, 24)).columns
            width = max(10, min(BAR_WIDTH, columns - 50))
            line = format_tty_line(state, width, self.unicode)[: max(columns - 1, 20)]
            self.stream.write("\r\x1b[K" + line + ("\n" if final else ""))
            self._drawn = not final
        else:
            self.stream.write(format_plain_line(state, self.label) + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A message line that does not garble the bar (it is redrawn on the next update)."""
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
            self._last_draw = -math.inf
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End a bar that was left mid-line (interrupted)."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
