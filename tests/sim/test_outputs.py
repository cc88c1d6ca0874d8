"""Outputs: json content conforms to its schema (checked with jsonschema), basis per field,
auto gives json plus the generated schema, text gives markdown with one basis."""

from __future__ import annotations

import jsonschema
import pytest

from parallel_sim import outputs
from tests.sim.helpers import create

SCHEMAS = {
    "flat": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "founded": {"type": "integer"},
            "revenue": {"type": "number"},
            "public": {"type": "boolean"},
            "website": {"type": "string"},
        },
        "required": ["name", "founded", "revenue", "public", "website"],
        "additionalProperties": False,
    },
    "nested": {
        "type": "object",
        "properties": {
            "company": {
                "type": "object",
                "properties": {
                    "hq": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
                        "required": ["city", "country"],
                        "additionalProperties": False,
                    },
                    "size": {"type": "string", "enum": ["small", "medium", "large"]},
                },
                "required": ["hq", "size"],
                "additionalProperties": False,
            },
            "executives": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "role": {"type": "string"},
                        "since": {"type": ["integer", "null"]},
                    },
                    "required": ["name", "role", "since"],
                    "additionalProperties": False,
                },
            },
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}},
        },
        "required": ["company", "executives", "tags"],
        "additionalProperties": False,
    },
    "unions_and_refs": {
        "type": "object",
        "$defs": {
            "money": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number"},
                    "currency": {"type": "string", "const": "USD"},
                },
                "required": ["amount", "currency"],
                "additionalProperties": False,
            }
        },
        "properties": {
            "price": {"$ref": "#/$defs/money"},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            "status": {"enum": ["open", "closed", 3]},
            "any": {},
        },
        "required": ["price", "note", "matrix", "status", "any"],
        "additionalProperties": False,
    },
}


@pytest.mark.parametrize("name", list(SCHEMAS))
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_generated_values_conform(name, seed):
    schema = SCHEMAS[name]
    out = outputs.generate("json", schema, f"Input {name}", seed, "core", False)
    jsonschema.validate(out["content"], schema)
    assert [b["field"] for b in out["basis"]] == element_fields(out["content"])


def element_fields(content: dict) -> list[str]:
    """Basis fields the SDK's types describe: each top-level field, then each list element."""
    top = list(content)
    return top + [
        f"{k}.{i}" for k, v in content.items() if isinstance(v, list) for i in range(len(v))
    ]


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_json_output_over_http_conforms(client, name):
    schema = SCHEMAS[name]
    run = create(
        client,
        {
            "input": "Acme Corp",
            "processor": "core",
            "task_spec": {"output_schema": {"type": "json", "json_schema": schema}},
        },
    )
    result = client.get(f"/v1/tasks/runs/{run['run_id']}/result", params={"timeout": 60}).json()
    out = result["output"]
    assert out["type"] == "json" and out["output_schema"] is None
    jsonschema.validate(out["content"], schema)
    assert [b["field"] for b in out["basis"]] == element_fields(out["content"])
    for basis in out["basis"]:
        assert basis["confidence"] in ("high", "medium", "low")
        assert basis["reasoning"]
        urls = [cite["url"] for cite in basis["citations"]]
        assert len(urls) == len(set(urls)), "a field's basis cites one page twice"
        for cite in basis["citations"]:
            assert cite["url"].startswith("https://") and cite["title"]
            assert isinstance(cite["excerpts"], list)


def test_auto_on_pro_gives_json_with_its_schema(client):
    run = create(client, {"input": "The state of solid-state batteries", "processor": "pro"})
    out = client.get(f"/v1/tasks/runs/{run['run_id']}/result").json()["output"]
    assert out["type"] == "json" and isinstance(out["output_schema"], dict)
    jsonschema.validate(out["content"], out["output_schema"])
    fields = [b["field"] for b in out["basis"]]
    assert set(out["content"]) <= set(fields)
    assert any("." in f for f in fields)  # nested dot-notation entries


def test_auto_below_pro_answers_in_text(client):
    run = create(
        client,
        {
            "input": "Short answer please",
            "processor": "lite",
            "task_spec": {"output_schema": {"type": "auto"}},
        },
    )
    out = client.get(f"/v1/tasks/runs/{run['run_id']}/result").json()["output"]
    assert out["type"] == "text"


def test_text_output_is_markdown_with_an_output_basis(client):
    run = create(
        client,
        {
            "input": "Summarise the news",
            "processor": "core",
            "task_spec": {"output_schema": "A short markdown summary"},
        },
    )
    out = client.get(f"/v1/tasks/runs/{run['run_id']}/result").json()["output"]
    assert out["type"] == "text" and out["content"].startswith("# ")
    assert "](https://" in out["content"]  # inline citations
    assert [b["field"] for b in out["basis"]] == ["output"]
    assert out["basis"][0]["citations"]


def test_list_fields_have_element_basis_with_or_without_the_beta_header(client):
    schema = SCHEMAS["nested"]
    run = create(
        client,
        {
            "input": "Acme",
            "processor": "core",
            "task_spec": {"output_schema": {"type": "json", "json_schema": schema}},
        },
    )
    url = f"/v1/tasks/runs/{run['run_id']}/result"
    plain = client.get(url).json()["output"]
    beta = client.get(url, headers={"parallel-beta": "field-basis-2025-11-25"}).json()["output"]
    assert beta == plain
    fields = {b["field"] for b in plain["basis"]}
    assert {f"executives.{i}" for i in range(len(plain["content"]["executives"]))} <= fields
    assert {f"tags.{i}" for i in range(len(plain["content"]["tags"]))} <= fields


def test_mcp_servers_give_tool_calls(client):
    run = create(
        client,
        {
            "input": "Use my tools",
            "processor": "base",
            "mcp_servers": [
                {"url": "https://mcp.example/a", "name": "alpha", "allowed_tools": ["lookup"]},
                {"url": "https://mcp.example/b", "name": "beta"},
            ],
        },
    )
    out = client.get(f"/v1/tasks/runs/{run['run_id']}/result").json()["output"]
    calls = out["mcp_tool_calls"]
    assert [c["server_name"] for c in calls] == ["alpha", "beta"]
    assert calls[0]["tool_name"] == "lookup"
    assert all(set(c) >= {"tool_call_id", "arguments", "content", "error"} for c in calls)
    lite = create(
        client,
        {
            "input": "Use my tools",
            "processor": "lite",
            "mcp_servers": [
                {"url": "https://mcp.example/a", "name": "alpha"},
                {"url": "https://mcp.example/b", "name": "beta"},
            ],
        },
    )
    out = client.get(f"/v1/tasks/runs/{lite['run_id']}/result").json()["output"]
    assert len(out["mcp_tool_calls"]) == 1  # lite invokes at most one tool
