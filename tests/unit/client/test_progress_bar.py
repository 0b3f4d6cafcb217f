"""The progress bar's text: durations, rates, the bar itself, and how a display draws updates."""

from __future__ import annotations

import io

import pytest

from chemaudit_client.progress import (
    BAR_WIDTH,
    ProgressDisplay,
    ProgressState,
    RateMeter,
    format_duration,
    format_plain_line,
    format_rate,
    format_tty_line,
    local_eta,
    render_bar,
)


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (45, "45s"), (59.6, "1m00s"), (68, "1m08s"), (3599, "59m59s"), (3600 + 180, "1h03m"),
    (None, "--"), (-1, "--"), (float("inf"), "--"),
])
def test_durations_read_like_a_clock(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("rate, text", [
    (None, "-- mol/s"), (0.0, "0.0 mol/s"), (12.34, "12.3 mol/s"), (99.94, "99.9 mol/s"),
    (1234.4, "1,234 mol/s"), (float("nan"), "-- mol/s"),
])
def test_rates_keep_one_decimal_below_a_hundred(rate, text):
    assert format_rate(rate) == text


@pytest.mark.parametrize("percent", [0, 0.1, 12.5, 33.3, 50, 99.9, 100, 140, -5])
def test_the_bar_always_has_its_width(percent):
    assert len(render_bar(percent, 20)) == 20
    assert len(render_bar(percent, 20, unicode=False)) == 20


def test_the_bar_fills_in_proportion_with_eighth_blocks():
    assert render_bar(0, 10) == " " * 10
    assert render_bar(100, 10) == "█" * 10
    assert render_bar(50, 10) == "█████" + " " * 5
    assert render_bar(25, 2) == "▌ "  # half a cell
    assert render_bar(12.5, 2) == "▎ "  # a quarter cell
    assert render_bar(6.25, 2) == "▏ "  # an eighth
    assert render_bar(50, 10, unicode=False) == "#####-----"


def test_terminal_line_shows_percent_counts_rate_and_eta():
    state = ProgressState("processing", 455, 1000, rate=12.34, eta_seconds=68, progress=45.5)
    line = format_tty_line(state, width=10)
    assert line == " 45.5% |████▌     | 455/1,000  12.3 mol/s  ETA 1m08s"


def test_terminal_line_says_queued_before_the_first_molecule_and_the_status_at_the_end():
    assert format_tty_line(ProgressState("processing", 0, 200)).endswith("-- mol/s  queued")
    done = format_tty_line(ProgressState("complete", 200, 200, rate=50.0, eta_seconds=0, progress=100.0))
    assert done.startswith("100.0% |" + "█" * BAR_WIDTH + "|") and done.endswith("50.0 mol/s  complete")


def test_percent_is_computed_when_the_server_gave_none_and_clamped_when_it_did():
    assert ProgressState("processing", 1, 3).percent == pytest.approx(33.333, abs=0.01)
    assert ProgressState("processing", 5, 4, progress=120.0).percent == 100.0
    assert ProgressState("complete", 0, 0).percent == 100.0


def test_plain_line_is_one_readable_line():
    state = ProgressState("processing", 455, 1000, rate=12.34, eta_seconds=68, progress=45.5)
    assert format_plain_line(state, "job 1b7c6e2a") == "job 1b7c6e2a: processing 45.5% 455/1000 12.3 mol/s ETA 1m08s"
    assert format_plain_line(ProgressState("processing", 0, 10)) == "processing 0.0% 0/10 -- mol/s (queued)"
    assert format_plain_line(ProgressState("cancelled", 3, 10, rate=1.0)) == "cancelled 30.0% 3/10 1.0 mol/s"


def test_rate_is_measured_over_the_recent_window():
    meter = RateMeter(window=10)
    assert meter.observe(0.0, 0) is None
    assert meter.observe(0.2, 5) is None  # too short to say
    assert meter.observe(2.0, 100) == pytest.approx(50.0)
    # A slower stretch: after the window slides past the fast start the rate follows it.
    for second in range(3, 30):
        rate = meter.observe(float(second), 100 + (second - 2) * 10)
    assert rate == pytest.approx(10.0)
    assert meter.observe(31.0, 5) is None  # a counter that went back starts a new measurement


def test_local_eta_from_rate():
    assert local_eta(50, 100, 10.0) == 5
    assert local_eta(51, 100, 10.0) == 5  # ceil of 4.9
    assert local_eta(100, 100, None) == 0
    assert local_eta(10, 100, None) is None


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_plain_display_writes_one_line_per_update():
    out = io.StringIO()
    display = ProgressDisplay(out, label="job x", tty=False)
    display.update(ProgressState("processing", 1, 4))
    display.update(ProgressState("processing", 2, 4))
    display.update(ProgressState("complete", 4, 4))
    assert out.getvalue().splitlines() == [
        "job x: processing 25.0% 1/4 -- mol/s ETA --",
        "job x: processing 50.0% 2/4 -- mol/s ETA --",
        "job x: complete 100.0% 4/4 -- mol/s",
    ]


def test_plain_display_can_be_throttled_but_always_shows_the_end():
    out, clock = io.StringIO(), Clock()
    display = ProgressDisplay(out, tty=False, plain_interval=1.0, clock=clock)
    for processed in range(1, 10):
        clock.now = processed * 0.3
        display.update(ProgressState("processing", processed, 10))
    display.update(ProgressState("complete", 10, 10))
    lines = out.getvalue().splitlines()
    assert [line.split()[2] for line in lines] == ["1/10", "5/10", "9/10", "10/10"]


def test_terminal_display_redraws_in_place_and_ends_the_line_when_done():
    out, clock = io.StringIO(), Clock()
    display = ProgressDisplay(out, tty=True, clock=clock)
    display.update(ProgressState("processing", 1, 4))
    clock.now = 0.05
    display.update(ProgressState("processing", 2, 4))  # within 0.1 s: skipped
    clock.now = 0.2
    display.update(ProgressState("processing", 3, 4))
    display.note("socket lost; reconnecting")
    display.update(ProgressState("complete", 4, 4))
    text = out.getvalue()
    assert text.count("\r\x1b[K") == 4  # three draws and the note clearing the bar
    assert "2/4" not in text and "1/4" in text and "3/4" in text
    assert "\r\x1b[Ksocket lost; reconnecting\n" in text
    assert text.endswith("complete\n") and text.count("\n") == 2
