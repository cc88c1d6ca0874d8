"""Every limit the Worker enforces, and the pure checks that apply them. Pure (CPython tests it).

The Worker reads only small things itself (a client's TaskRunInput, the upstream's run, result and
event lines); everything it reads is capped in bytes, and JSON is checked for nesting depth before
it is parsed: a deeply nested document overflows Pyodide's stack inside `json.loads`, which takes
the whole isolate down instead of raising.
"""

from __future__ import annotations

import json
import re

# A request body the Worker accepts (proxied uploads and POST /tasks-sse/run).
MAX_BODY_BYTES = 1024 * 1024
# Upstream answers the Worker parses itself.
MAX_RUN_BYTES = 1024 * 1024  # a created or retrieved run
MAX_RESULT_BYTES = 16 * 1024 * 1024  # a run's result (outputs with their basis can be large)
MAX_ERROR_BYTES = 64 * 1024  # an upstream error body quoted in an `error` event
# One event of an upstream event stream the relay parses (its data, or any one line).
MAX_EVENT_BYTES = 1024 * 1024
# Nesting of any JSON document the Worker parses (real task specs nest a few dozen levels).
MAX_JSON_DEPTH = 128

_DIGITS = re.compile(r"[0-9]{1,18}")


def content_length(value: str | None) -> int | None:
    """A Content-Length value as an int; None when absent; ValueError when malformed.

    ASCII digits only: `str.isdigit` also accepts characters like "²" that `int` refuses.
    """
    if value is None:
        return None
    value = value.strip()
    if not _DIGITS.fullmatch(value):
        raise ValueError("malformed Content-Length")
    return int(value)


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def too_deep(text: str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in `text` nest deeper than `max_depth` (brackets inside
    strings do not count). Linear: strings go in one regex pass, then only brackets are visited.
    Malformed text gets an answer too; `json.loads` says what else is wrong with it.
    """
    if text.count("[") + text.count("{") <= max_depth:
        return False
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub("", text) if '"' in text else text):
        if m.group() in "[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


class JSONTooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH (a ValueError, like any other unreadable JSON)."""


def loads(text: str | bytes, max_depth: int = MAX_JSON_DEPTH):
    """`json.loads` that refuses (JSONTooDeep) a document nested deeper than `max_depth`."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    if too_deep(text, max_depth):
        raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text)
