"""TaskRunInput validation over HTTP: every 422 names the failed field; warnings on the run."""

from __future__ import annotations

import pytest

from parallel_sim.table import LIMITS
from tests.sim.helpers import create

# The limits from the data file the simulator and the playground read: one source for all three.
KEY_MAX, VALUE_MAX = LIMITS["metadata_key_chars"], LIMITS["metadata_value_chars"]


def obj(props: dict, **extra) -> dict:
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
        **extra,
    }


def json_spec(schema: dict) -> dict:
    return {"output_schema": {"type": "json", "json_schema": schema}}


def nested(depth: int) -> dict:
    schema: dict = {"type": "string"}
    for _ in range(depth):
        schema = obj({"x": schema})
    return schema


BASE = {"input": "question", "processor": "core"}
INVALID = [
    ({"processor": "lite"}, "input"),
    ({"input": None, "processor": "lite"}, "input"),
    ({"input": 42, "processor": "lite"}, "input"),
    ({"input": ["a"], "processor": "lite"}, "input"),
    ({"input": "   ", "processor": "lite"}, "input"),
    ({"input": "x"}, "processor"),
    ({"input": "x", "processor": 5}, "processor"),
    ({**BASE, "task_spec": "text"}, "task_spec"),
    ({**BASE, "task_spec": {}}, "task_spec.output_schema"),
    ({**BASE, "task_spec": {"output_schema": 3}}, "task_spec.output_schema"),
    ({**BASE, "task_spec": {"output_schema": {"type": "yaml"}}}, "task_spec.output_schema.type"),
    (
        {**BASE, "task_spec": {"output_schema": {"type": "json"}}},
        "task_spec.output_schema.json_schema",
    ),
    (
        {**BASE, "task_spec": json_spec({"type": "array", "items": {"type": "string"}})},
        "task_spec.output_schema.json_schema.type",
    ),
    (
        {**BASE, "task_spec": json_spec({"type": "object"})},
        "task_spec.output_schema.json_schema.properties",
    ),
    (
        {**BASE, "task_spec": json_spec({"anyOf": [obj({"a": {"type": "string"}})]})},
        "task_spec.output_schema.json_schema.anyOf",
    ),
    (
        {**BASE, "task_spec": json_spec(obj({"a": {"type": "null"}}))},
        "task_spec.output_schema.json_schema.properties.a.type",
    ),
    (
        {**BASE, "task_spec": json_spec(obj({"a": {"type": "string", "pattern": "^a"}}))},
        "task_spec.output_schema.json_schema.properties.a.pattern",
    ),
    (
        {
            **BASE,
            "task_spec": json_spec(
                obj({"a": {"type": "array", "items": {"type": "string"}, "maxItems": 3}})
            ),
        },
        "task_spec.output_schema.json_schema.properties.a.maxItems",
    ),
    (
        {**BASE, "task_spec": json_spec(obj({"a": {"type": "number", "minimum": 0}}))},
        "task_spec.output_schema.json_schema.properties.a.minimum",
    ),
    (
        {**BASE, "task_spec": json_spec(nested(6))},
        "task_spec.output_schema.json_schema.properties.x.properties.x.properties.x.properties.x"
        ".properties.x",
    ),
    (
        {**BASE, "task_spec": json_spec(obj({f"f{i}": {"type": "string"} for i in range(101)}))},
        "task_spec.output_schema.json_schema.properties",
    ),
    (
        {
            **BASE,
            "task_spec": json_spec(
                obj({"e": {"type": "string", "enum": [f"v{i}" for i in range(501)]}})
            ),
        },
        "task_spec.output_schema.json_schema.properties.e.enum",
    ),
    (
        {
            **BASE,
            "task_spec": json_spec(
                obj(
                    {
                        "e": {
                            "type": "string",
                            "enum": [f"value-number-{i:04d}-{'x' * 20}" for i in range(300)],
                        }
                    }
                )
            ),
        },
        "task_spec.output_schema.json_schema.properties.e.enum",
    ),
    ({**BASE, "task_spec": {"output_schema": "x" * (LIMITS["task_spec_chars"] + 1)}}, "task_spec"),
    ({**BASE, "input": "y" * 20_000, "task_spec": {"output_schema": "z" * 6_000}}, "input"),
    ({**BASE, "input": "y" * (LIMITS["task_spec_and_input_chars"] + 1)}, "input"),
    (
        {**BASE, "task_spec": {"output_schema": "x", "input_schema": {"type": "auto"}}},
        "task_spec.input_schema.type",
    ),
    ({**BASE, "metadata": {"k" * (KEY_MAX + 1): "v"}}, "metadata." + "k" * (KEY_MAX + 1)),
    ({**BASE, "metadata": {"k": "v" * (VALUE_MAX + 1)}}, "metadata.k"),
    ({**BASE, "metadata": {"k": {"nested": 1}}}, "metadata.k"),
    ({**BASE, "metadata": ["k"]}, "metadata"),
    (
        {
            **BASE,
            "source_policy": {
                "include_domains": [
                    f"d{i}.com" for i in range(LIMITS["source_policy_entries"] - 50)
                ],
                "exclude_domains": [f"e{i}.com" for i in range(51)],
            },
        },
        "source_policy",
    ),
    (
        {**BASE, "source_policy": {"include_domains": "example.com"}},
        "source_policy.include_domains",
    ),
    (
        {**BASE, "source_policy": {"exclude_domains": ["https://example.com/path"]}},
        "source_policy.exclude_domains.0",
    ),
    ({**BASE, "source_policy": {"after_date": "last week"}}, "source_policy.after_date"),
    ({**BASE, "source_policy": {"after_date": "2024-02-30"}}, "source_policy.after_date"),
    (
        {**BASE, "source_policy": {"include_domains": ["docs.python.org/3", "example.com:8080"]}},
        "source_policy.include_domains.1",
    ),
    (
        {**BASE, "source_policy": {"exclude_domains": ["example.com/a?b=1"]}},
        "source_policy.exclude_domains.0",
    ),
    ({**BASE, "memory_scope_key": 7}, "memory_scope_key"),
    (
        {
            **BASE,
            "mcp_servers": [{"url": "https://m.example", "name": "crm"}],
            "advanced_settings": {"data_sources": {"free": ["crm"]}},
        },
        "advanced_settings.data_sources.free.0",
    ),
    (
        {**BASE, "advanced_settings": {"data_sources": {"pay_per_use": "x"}}},
        "advanced_settings.data_sources.pay_per_use",
    ),
    ({**BASE, "webhook": {"event_types": ["task_run.status"]}}, "webhook.url"),
    ({**BASE, "webhook": {"url": "ftp://x", "event_types": []}}, "webhook.url"),
    (
        {**BASE, "webhook": {"url": "https://x.example", "event_types": ["other"]}},
        "webhook.event_types",
    ),
    ({**BASE, "mcp_servers": [{"url": "https://m.example"}]}, "mcp_servers.0.name"),
    (
        {
            **BASE,
            "mcp_servers": [
                {"url": "https://m.example", "name": f"s{i}"}
                for i in range(LIMITS["mcp_servers"] + 1)
            ],
        },
        "mcp_servers",
    ),
    ({**BASE, "enable_events": "yes"}, "enable_events"),
    ({**BASE, "advanced_settings": {"location": "France"}}, "advanced_settings.location"),
    (
        {**BASE, "task_spec": json_spec(obj({"a": {"anyOf": [{"type": "null"}]}}))},
        "task_spec.output_schema.json_schema.properties.a.anyOf.0.type",
    ),
    (
        {**BASE, "task_spec": json_spec(obj({"a": {"type": "strng"}}))},
        "task_spec.output_schema.json_schema.properties.a.type",
    ),
]


@pytest.mark.parametrize("body,field", INVALID, ids=[f for _, f in INVALID])
def test_invalid_input_is_422_naming_the_field(client, body, field):
    r = client.post("/v1/tasks/runs", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["message"] == "Unprocessable content: request validation error"
    assert err["detail"]["field"] == field
    entry = err["detail"]["errors"][0]
    assert entry["loc"][0] == "body" and entry["msg"]


def test_invalid_json_is_422(client):
    r = client.post(
        "/v1/tasks/runs", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["error"]["detail"]["errors"][0]["loc"] == ["body"]
    assert r.json()["error"]["detail"]["field"] == "body"


def test_nullable_unions_are_accepted(client):
    create(
        client,
        {
            **BASE,
            "task_spec": json_spec(
                obj(
                    {
                        "a": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        "b": {"type": ["integer", "null"]},
                    }
                )
            ),
        },
    )


def test_schema_at_the_nesting_limit_is_accepted(client):
    create(client, {**BASE, "task_spec": json_spec(nested(5))})


def test_the_domain_limit_is_accepted(client):
    create(
        client,
        {
            **BASE,
            "source_policy": {
                "include_domains": [
                    f"d{i}.com" for i in range(LIMITS["source_policy_entries"] - 50)
                ],
                "exclude_domains": [f"e{i}.com" for i in range(50)],
                "after_date": "2025-01-31",
            },
        },
    )


@pytest.mark.parametrize(
    "spec",
    [
        None,
        {"output_schema": "A short answer"},
        {"output_schema": {"type": "text", "description": "A report"}},
        {"output_schema": {"description": "Shape-resolved text"}},
        {"output_schema": {"type": "auto"}},
        {"output_schema": {"json_schema": obj({"a": {"type": "string"}})}},
        {"output_schema": "x", "input_schema": "A company name"},
        {"output_schema": "x", "input_schema": {"type": "text"}},
    ],
)
def test_task_spec_forms_are_accepted(client, spec):
    body = {"input": "Acme", "processor": "lite", **({"task_spec": spec} if spec else {})}
    create(client, body)


def test_all_optional_fields_together(client):
    create(
        client,
        {
            "input": {"company": "Acme"},
            "processor": "pro",
            "enable_events": True,
            "metadata": {"user": "u1", "n": 1, "f": 1.5, "b": True},
            "source_policy": {"include_domains": [".gov", "example.co.uk"]},
            "mcp_servers": [
                {
                    "type": "url",
                    "url": "https://mcp.example",
                    "name": "docs",
                    "headers": {"authorization": "x"},
                    "allowed_tools": ["search"],
                }
            ],
            "previous_interaction_id": "trun_" + "1" * 32,
            "advanced_settings": {"location": "fr"},
            "task_spec": {
                "output_schema": "A company profile",
                "input_schema": {
                    "type": "json",
                    "json_schema": obj({"company": {"type": "string"}}),
                },
            },
        },
    )


def warning_messages(run: dict, kind: str) -> list[str]:
    return [w["message"] for w in run["warnings"] or [] if w["type"] == kind]


def test_schema_warnings(client):
    schema = {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["answer"],
    }
    run = create(client, {**BASE, "task_spec": json_spec(schema)})
    msgs = warning_messages(run, "spec_validation_warning")
    assert any("sources" in m and "required" in m for m in msgs)
    assert any("additionalProperties" in m for m in msgs)
    assert any("basis" in m for m in msgs)
    got = client.get(f"/v1/tasks/runs/{run['run_id']}").json()
    assert got["warnings"] == run["warnings"]


def test_too_many_output_fields_for_the_processor_warns(client):
    schema = obj({f"f{i}": {"type": "string"} for i in range(4)})
    run = create(client, {"input": "x", "processor": "lite", "task_spec": json_spec(schema)})
    assert any("fields" in m for m in warning_messages(run, "spec_validation_warning"))
    clean = create(client, {"input": "x", "processor": "pro", "task_spec": json_spec(schema)})
    assert clean["warnings"] is None


def test_input_failing_its_schema_warns(client):
    spec = {
        "output_schema": "x",
        "input_schema": {
            "type": "json",
            "json_schema": obj({"company": {"type": "string"}, "country": {"type": "string"}}),
        },
    }
    run = create(client, {"input": {"company": "Acme"}, "processor": "lite", "task_spec": spec})
    assert any("country" in m for m in warning_messages(run, "input_validation_warning"))
