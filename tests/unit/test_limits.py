"""The Worker's limits: Content-Length parsing and the JSON nesting check."""

import json

import pytest

import limits


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("0", 0), ("12", 12), (" 1048576 ", 1048576), ("007", 7)],
)
def test_content_length_reads_ascii_digits(value, expected):
    assert limits.content_length(value) == expected


@pytest.mark.parametrize(
    "value",
    # Non-ASCII digits pass str.isdigit(): int() then refuses "²" and reads Arabic-Indic "12".
    ["", " ", "²", "1²", "\u0661\u0662", "-1", "+1", "1e3", "0x10", "1.0", "1,2", "1 2", "9" * 19],
)
def test_content_length_refuses_anything_else(value):
    with pytest.raises(ValueError):
        limits.content_length(value)


def test_body_limit_is_one_mib():
    assert limits.MAX_BODY_BYTES == 1024 * 1024


def test_depth_counts_nesting_not_brackets():
    assert not limits.too_deep("[" * 3 + "]" * 3, max_depth=3)
    assert limits.too_deep("[" * 4 + "]" * 4, max_depth=3)
    # Many brackets side by side are shallow.
    assert not limits.too_deep("[" + "[]," * 500 + "[]]", max_depth=3)
    # Brackets inside strings (escaped quotes too) do not count.
    assert not limits.too_deep(json.dumps(["[[[[[[", 'a\\"[[[[[{{{{']), max_depth=2)


def test_loads_refuses_deep_documents_before_parsing():
    deep = "[" * (limits.MAX_JSON_DEPTH + 1) + "]" * (limits.MAX_JSON_DEPTH + 1)
    with pytest.raises(limits.JSONTooDeep):
        limits.loads(deep)
    assert isinstance(limits.JSONTooDeep("x"), ValueError)


def test_loads_reads_ordinary_json_from_str_and_bytes():
    doc = {"a": [1, {"b": [2, 3]}], "s": "[[[["}
    assert limits.loads(json.dumps(doc)) == doc
    assert limits.loads(json.dumps(doc).encode()) == doc


def test_loads_at_the_depth_limit_works():
    at_limit = "[" * limits.MAX_JSON_DEPTH + "]" * limits.MAX_JSON_DEPTH
    assert limits.loads(at_limit) is not None
