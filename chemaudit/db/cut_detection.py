"""libpq options that end a connection to a silently cut database host within a bound.

Without them a query sent just before a cut (no reset, packets dropped) waits out the kernel's
TCP retransmission backoff, which can outlast the cut by half a minute, and an idle pooled
connection to a host that went away is only found dead when it is next used. With them:
- `tcp_user_timeout`: data unacknowledged for that long drops the connection (libpq then
  raises, the pool or the worker's retry makes a new one, to whichever host answers);
- keepalives: an idle connection is probed and dropped after about the same time.

An option the URL already names is left as the operator set it. Unix-socket connections
ignore all of them (libpq applies them to TCP only).
"""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict

KEEPALIVE_PROBES = 2


def cut_detection_options(seconds: float) -> dict[str, str]:
    """The libpq options for a bound of `seconds` (0 or less: none, the kernel's defaults)."""
    if seconds <= 0:
        return {}
    interval = max(1, round(seconds / 4))
    idle = max(1, round(seconds) - interval * KEEPALIVE_PROBES)
    return {
        "tcp_user_timeout": str(int(seconds * 1000)),
        "keepalives": "1",
        "keepalives_idle": str(idle),
        "keepalives_interval": str(interval),
        "keepalives_count": str(KEEPALIVE_PROBES),
    }


def with_cut_detection(dsn: str, seconds: float) -> str:
    """`dsn` (a postgresql:// URL or libpq's key=value form) with the options it does not name."""
    if not dsn:
        return dsn
    present = conninfo_to_dict(dsn)
    missing = {key: value for key, value in cut_detection_options(seconds).items() if key not in present}
    if not missing:
        return dsn
    if "://" not in dsn:
        return dsn + "".join(f" {key}={value}" for key, value in missing.items())
    separator = "&" if "?" in dsn else "?"
    return dsn + separator + "&".join(f"{key}={value}" for key, value in missing.items())
