"""One way to read a yes/no option, wherever it comes from: a form field, a query parameter or JSON.

Text is read like the settings' booleans (1/0, true/false, yes/no, on/off, any case); a JSON
value must be true or false, or such a text. Anything else is a 422 naming the option, never
a silent truthiness test (the string "false" is false).
"""

from __future__ import annotations

from chemaudit.errors import InvalidOption

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def parse_flag(name: str, raw: str) -> bool:
    """A flag given as text; callers decide what a missing or blank value means."""
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InvalidOption(f"Option {name} must be true or false, not {raw[:40]!r}.")


def json_flag(name: str, value: object, default: bool) -> bool:
    """A flag from a JSON document: a boolean, or a text read by parse_flag (blank: `default`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return default if not value.strip() else parse_flag(name, value)
    shown = "null" if value is None else type(value).__name__
    raise InvalidOption(f"Option {name} must be true or false, not a JSON {shown}.")
