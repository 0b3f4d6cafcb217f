"""docs/operations.md lists every setting, with its type and default, so the table cannot drift."""

import dataclasses
import re
from pathlib import Path

from chemaudit.settings import PREFIX, Settings

OPERATIONS = Path(__file__).parents[2] / "docs" / "operations.md"


def documented() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in OPERATIONS.read_text().splitlines():
        found = re.match(r"^\| `(CHEMAUDIT_[A-Z_]+)` \| (\w+) \| ([^|]+) \|", line)
        if found:
            rows[found.group(1)] = (found.group(2), found.group(3).strip())
    return rows


def _shown(default) -> str:
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return {"": "(empty)", None: "(not set)"}.get(default, f"`{default}`")


def test_every_setting_has_a_row_with_its_type_and_default():
    rows = documented()
    for field in dataclasses.fields(Settings):
        name = PREFIX + field.name.upper()
        assert name in rows, f"{name} is missing from docs/operations.md's settings table"
        kind, default = rows[name]
        assert kind == str(field.type).replace("str | None", "str"), (name, kind, field.type)
        shown = _shown(field.default)
        assert default == shown, (name, default, shown)


def test_the_table_lists_no_setting_that_does_not_exist():
    names = {PREFIX + field.name.upper() for field in dataclasses.fields(Settings)}
    assert set(documented()) <= names, set(documented()) - names
