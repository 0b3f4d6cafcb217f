"""The web process's open-file limit: every socket is a file descriptor.

At start the soft RLIMIT_NOFILE is raised to the hard limit (an unprivileged process may go that
far and no further), and the value is logged. A hard limit too low for the sockets a web process
is meant to hold is a warning naming the ways to raise it (docs/operations.md, "Many sockets per
node"): only the operator can, outside this process.
"""

from __future__ import annotations

import logging
import resource

from chemaudit.settings import Settings

log = logging.getLogger("chemaudit.open_files")

WANTED_SOCKETS = 10_000  # what one web process is built to hold (python -m bench sockets)
RESERVE = 1_024  # descriptors besides sockets: database connections, spool files, pipes, imports
HOW_TO_RAISE = ("raise the hard limit: LimitNOFILE= in the systemd unit, `ulimits: nofile:` in docker"
                " compose (--ulimit nofile=N:N for docker run), or a `nofile` line in"
                " /etc/security/limits.conf; see docs/operations.md, \"Many sockets per node\"")


def needed(settings: Settings) -> int:
    """Descriptors one web process wants: its sockets (at least one address's cap) and a reserve."""
    return max(WANTED_SOCKETS, settings.ws_max_per_address) + RESERVE


def raise_open_file_limit(settings: Settings) -> int:
    """Raise the soft limit to the hard one; log it (a warning when too low); return the limit."""
    before, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = before
    if before != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            limit = hard
        except (ValueError, OSError) as exc:  # an unlimited hard limit above the kernel's nr_open
            log.warning("could not raise the open-file limit from %s to %s: %s", _shown(before), _shown(hard), exc)
    want = needed(settings)
    if limit != resource.RLIM_INFINITY and limit < want:
        log.warning("open-file limit %s (the hard limit is %s): this web process can hold about %s sockets,"
                    " fewer than the %s it is meant to; %s", _shown(limit), _shown(hard),
                    _shown(max(0, limit - RESERVE)), _shown(want - RESERVE), HOW_TO_RAISE)
    else:
        how = "the hard limit" if limit == before else f"raised from {_shown(before)} to the hard limit"
        room = limit - RESERVE if limit != resource.RLIM_INFINITY else limit
        log.info("open-file limit %s (%s): room for about %s sockets", _shown(limit), how, _shown(room))
    return limit


def _shown(value: int) -> str:
    return "unlimited" if value == resource.RLIM_INFINITY else f"{value:,}"
