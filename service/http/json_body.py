"""Reading a JSON request body within limits: an object, not nested too deeply, finite numbers only.

Python's parser accepts NaN and Infinity (and reads 1e999 as infinity), which are not JSON and
could not be echoed back as JSON; and a deeply nested body makes it recurse until it gives up.
Both are the client's error (400), never a 500.
"""

from __future__ import annotations

import json
import math

from chemaudit.errors import BadInput

MAX_DEPTH = 16  # far more than any request of this API needs (validate's is 2 deep)


class _NotFinite(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def parse_object(raw: bytes, example: str) -> dict:
    """The body as a JSON object; 400 (with `example` of a good body) when it is anything else."""
    try:
        body = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotFinite as exc:
        raise BadInput(f"The body has the number {str(exc)[:20]}, which is not finite; JSON numbers must be.",
                       code="non_finite_number") from None
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise BadInput(f"The body must be a JSON object like {example}.") from None
    if not isinstance(body, dict):
        raise BadInput(f"The body must be a JSON object like {example}.")
    if depth(body) > MAX_DEPTH:
        raise _too_deep()
    return body


def depth(value: object) -> int:
    """How deeply arrays and objects nest in a parsed document (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _too_deep() -> BadInput:
    return BadInput(f"The body nests arrays or objects more than {MAX_DEPTH} levels deep, the most accepted.",
                    code="too_deep")
