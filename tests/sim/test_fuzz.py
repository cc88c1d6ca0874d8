"""A bounded fuzz over every JSON endpoint (hypothesis, derandomized): no 500, no hang, and every
error in its family's one shape (the API's, or RFC 6749's on the OAuth endpoints)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = 60
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["\ud800", "a\udfffb", "²", "١٢", "", " ", "lite", "pro-fast", "auto", "json"]),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), text
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)
RUN_FIELDS = [
    "input",
    "processor",
    "metadata",
    "source_policy",
    "task_spec",
    "webhook",
    "mcp_servers",
    "enable_events",
    "advanced_settings",
    "memory_scope_key",
    "previous_interaction_id",
]
VALID_RUN = {"input": "fuzz", "processor": "lite"}
# A valid body with some fields replaced: reaches the deeper checks, not just the first one.
run_bodies = st.one_of(
    values,
    st.dictionaries(st.sampled_from(RUN_FIELDS), values, max_size=5).map(
        lambda d: {**VALID_RUN, **d}
    ),
)


def encode(value: object) -> bytes:
    # ensure_ascii: a lone surrogate travels as its \u escape, as a hostile client would send it
    return json.dumps(value, ensure_ascii=True, allow_nan=False).encode()


def assert_api_shape(r) -> None:
    assert r.status_code < 500, (r.status_code, r.text)
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/json"), r.text
        body = r.json()
        assert body["type"] == "error", body
        assert isinstance(body["error"]["ref_id"], str)
        assert isinstance(body["error"]["message"], str)
        assert body["error"]["detail"] is None or isinstance(body["error"]["detail"], dict)


def query(params: dict) -> str:
    """A query string as raw bytes allow: a lone surrogate becomes invalid UTF-8 (%ED%A0%80)."""
    return "&".join(
        f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
        for k, v in params.items()
    )


def post(client, path: str, value: object, **kw):
    headers = {"content-type": "application/json", **kw.pop("headers", {})}
    return client.post(path, content=encode(value), headers=headers, timeout=10, **kw)


@pytest.fixture(scope="module")
def group_id(fast_sim) -> str:
    with fast_sim.client() as c:
        return c.post("/v1/tasks/groups", json={}).json()["taskgroup_id"]


@FUZZ
@given(body=run_bodies)
def test_create_run(client, body):
    assert_api_shape(post(client, "/v1/tasks/runs", body))


@FUZZ
@given(body=values)
def test_create_group(client, body):
    assert_api_shape(post(client, "/v1beta/tasks/groups", body))


@FUZZ
@given(
    body=st.one_of(
        values,
        st.lists(run_bodies, max_size=3).map(lambda xs: {"inputs": xs}),
        st.fixed_dictionaries({"inputs": st.just([VALID_RUN]), "default_task_spec": values}),
    )
)
def test_add_runs(client, group_id, body):
    assert_api_shape(post(client, f"/v1/tasks/groups/{group_id}/runs", body))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["last_event_id", "timeout", "include_input", "include_output", "status"]),
        text,
        max_size=3,
    ),
    path=st.sampled_from(["events", "runs"]),
)
def test_group_streams_query(client, group_id, params, path):
    r = client.get(f"/v1/tasks/groups/{group_id}/{path}?{query(params)}", timeout=10)
    assert_api_shape(r)


@FUZZ
@given(timeout=text, fault=text)
def test_result_query_and_fault_header(client, timeout, fault):
    run = client.post("/v1/tasks/runs", json=VALID_RUN).json()
    headers = {"x-sim-fault": fault} if fault.isascii() and fault.isprintable() else {}
    r = client.get(
        f"/v1/tasks/runs/{run['run_id']}/result?{query({'timeout': timeout})}", headers=headers
    )
    assert_api_shape(r)


@FUZZ
@given(body=st.one_of(values, st.dictionaries(st.just("redirect_uris"), values).map(dict)))
def test_register(client, body):
    r = post(client, "/getKeys/register", body)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        err = r.json()
        assert isinstance(err["error"], str) and isinstance(err["error_description"], str)


@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(["grant_type", "code", "code_verifier", "client_id"]), text
    )
)
def test_token(client, form):
    r = client.post(
        "/getKeys/token",
        content=query(form).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert isinstance(r.json()["error"], str)
