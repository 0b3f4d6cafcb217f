"""The shipped nginx must not log query strings: an old client's ?api_key= or a ticket would land there."""

from __future__ import annotations

import re
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "docker" / "nginx.conf"
# Variables that carry the query string: the whole request line, the URI as sent, the arguments.
QUERY_VARIABLES = re.compile(r"\$(request|request_uri|args|query_string|arg_\w+)\b")


def directives(name: str) -> list[str]:
    """Each `name ...;` directive of the file (comments removed), joined onto one line."""
    text = "\n".join(line.split("#", 1)[0] for line in CONF.read_text().splitlines())
    return [" ".join(match.split()) for match in re.findall(rf"(?:^|\s){name}\s+([^;]*);", text)]


def test_every_access_log_names_a_format_without_the_query_string():
    formats = {entry.split()[0]: entry for entry in directives("log_format")}
    logs = directives("access_log")
    assert logs, "no access_log: nginx would use the default 'combined' format, which logs $request"
    for entry in logs:
        path, *rest = entry.split()
        if path == "off":
            continue
        assert rest and rest[0] in formats, f"access_log {path} uses 'combined' (logs $request)"
        assert not QUERY_VARIABLES.search(formats[rest[0]]), formats[rest[0]]
    assert "$uri" in " ".join(formats.values())  # the path is still logged, without its query
