"""Which client paths reach the upstream, and where; the hostile ones must not."""

import pytest

import paths

ORIGIN = "https://api.parallel.ai"

GOOD = [
    ("v1/tasks/runs", "", "https://api.parallel.ai/v1/tasks/runs"),
    (
        "v1/tasks/runs/trun_9907962f83aa4d9d98fd7f4bf745d654",
        "",
        "https://api.parallel.ai/v1/tasks/runs/trun_9907962f83aa4d9d98fd7f4bf745d654",
    ),
    (
        "v1/tasks/runs/trun_1/result",
        "timeout=30",
        "https://api.parallel.ai/v1/tasks/runs/trun_1/result?timeout=30",
    ),
    (
        "v1beta/tasks/runs/trun_1/events",
        "",
        "https://api.parallel.ai/v1beta/tasks/runs/trun_1/events",
    ),
    (
        "v1beta/tasks/groups/tgrp_1/runs",
        "last_event_id=abc&include_output=true",
        "https://api.parallel.ai/v1beta/tasks/groups/tgrp_1/runs"
        "?last_event_id=abc&include_output=true",
    ),
    ("v1/tasks/runs", "beta=true", "https://api.parallel.ai/v1/tasks/runs?beta=true"),
    ("v1/tasks/runs/", "", "https://api.parallel.ai/v1/tasks/runs/"),
    ("v1", "", "https://api.parallel.ai/v1"),
    (
        "v1/tasks/runs",
        "q=%2F%2Fevil.example",
        "https://api.parallel.ai/v1/tasks/runs?q=%2F%2Fevil.example",
    ),
]


@pytest.mark.parametrize(("rest", "query", "expected"), GOOD)
def test_good_paths_map_onto_the_configured_origin(rest, query, expected):
    target = paths.api_target(rest, query, ORIGIN)
    assert target.url == expected


HOSTILE = [
    ("v1/../admin", 400),
    ("v1/tasks/..", 400),
    ("v1/./tasks", 400),
    ("v1/%2e%2e/admin", 400),
    ("v1/%2E%2e/admin", 400),
    ("v1/%2E%2E/admin", 400),
    ("v1/.%2e/admin", 400),
    ("v1/%2e/tasks", 400),
    ("v1/tasks%2fruns", 400),
    ("v1/tasks%2Fruns", 400),
    ("v1/tasks%5cruns", 400),
    ("v1/tasks%5Cruns", 400),
    ("v1/tasks\\runs", 400),
    ("//evil.example/v1/tasks", 400),
    ("/evil.example", 400),
    ("v1//tasks", 400),
    ("http://evil.example/v1", 400),
    ("https:/evil.example", 400),
    ("v1/http:%2F%2Fevil.example", 400),
    ("v1@evil.example/tasks", 400),
    ("v1/user@evil.example", 400),
    ("v1/%40evil", 400),
    ("v1/" + "a" * 5000, 400),
    ("v1/tâches", 400),
    ("v1/%C3%A9", 400),
    ("v1/%00", 400),
    ("v1/a\x00b", 400),
    ("v1/a\nb", 400),
    ("v1/a b", 400),
    ("v1/a%20b", 400),
    ("v1/%252e%252e/admin", 400),
    ("v1/%zz", 400),
    ("v1/%2", 400),
    ("", 404),
    ("v2/tasks/runs", 404),
    ("V1/tasks/runs", 404),
    ("admin", 404),
    ("v1beta2/tasks", 404),
    (".well-known/oauth-authorization-server", 404),
    ("..", 400),
    ("%2e%2e", 400),
    ("v1/tasks;x=1/runs", 400),
    ("v1/tasks/runs;jsessionid=1", 400),
    ("v1;/tasks/runs", 400),
    ("v1/tasks%3bx/runs", 400),
    ("v1/tasks%3Bx/runs", 400),
]


@pytest.mark.parametrize(("rest", "status"), HOSTILE)
def test_hostile_paths_are_rejected(rest, status):
    with pytest.raises(paths.PathRejected) as err:
        paths.api_target(rest, "", ORIGIN)
    assert err.value.status == status
    assert err.value.message


def test_a_semicolon_stays_allowed_in_the_query():
    target = paths.api_target("v1/tasks/runs", "a=1;b=2", ORIGIN)
    assert target.url == "https://api.parallel.ai/v1/tasks/runs?a=1;b=2"


@pytest.mark.parametrize("query", ["a=\x01", "a=b c", "a=é", "x" * 9000])
def test_hostile_queries_are_rejected(query):
    with pytest.raises(paths.PathRejected) as err:
        paths.api_target("v1/tasks/runs", query, ORIGIN)
    assert err.value.status == 400


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8788", "http://127.0.0.1:8788/"])
def test_target_host_is_always_the_configured_one(origin):
    target = paths.api_target("v1/tasks/runs", "", origin)
    assert target.url == "http://127.0.0.1:8788/v1/tasks/runs"


def test_origin_with_a_base_path_keeps_it():
    target = paths.api_target("v1/tasks/runs", "", "http://127.0.0.1:9/base/")
    assert target.url == "http://127.0.0.1:9/base/v1/tasks/runs"


@pytest.mark.parametrize(
    "origin", ["ftp://x", "api.parallel.ai", "https://user@x", "https://x?a=b"]
)
def test_bad_origin_configuration_is_refused(origin):
    with pytest.raises(ValueError):
        paths.api_target("v1/tasks/runs", "", origin)


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        (
            ".well-known/oauth-authorization-server",
            "https://platform.parallel.ai/.well-known/oauth-authorization-server",
        ),
        ("getKeys/register", "https://platform.parallel.ai/getKeys/register"),
        ("getKeys/token", "https://platform.parallel.ai/getKeys/token"),
    ],
)
def test_oauth_allowlist(rest, expected):
    assert paths.oauth_target(rest, "", "https://platform.parallel.ai").url == expected


@pytest.mark.parametrize(
    ("rest", "status"),
    [
        ("getKeys/authorize", 404),
        ("getKeys", 404),
        ("getKeys/token/x", 404),
        (".well-known/openid-configuration", 404),
        ("v1/tasks/runs", 404),
        ("getKeys/../getKeys/token", 400),
        ("getKeys%2ftoken", 400),
        ("", 404),
    ],
)
def test_oauth_other_paths_are_refused(rest, status):
    with pytest.raises(paths.PathRejected) as err:
        paths.oauth_target(rest, "", "https://platform.parallel.ai")
    assert err.value.status == status


def test_split_request_url_keeps_the_raw_encoding():
    path, query = paths.split_request_url("http://127.0.0.1:8787/tasks-sse/api/v1/%2E%2e/x?a=%2F&b")
    assert path == "/tasks-sse/api/v1/%2E%2e/x"
    assert query == "a=%2F&b"


TARGET = "https://api.parallel.ai/v1/tasks/runs/r1"


@pytest.mark.parametrize(
    "location",
    [
        "/v1/tasks/runs/r2",
        "r2",
        "../runs/r2",
        "?page=2",
        "#top",
        "",
        "https://api.parallel.ai/v1/tasks/runs/r2",
        "HTTPS://API.parallel.ai/v1",
        "https://api.parallel.ai",
        "https://api.parallel.ai:443/v1",
        "https://api.parallel.ai?x=1",
    ],
)
def test_redirects_that_stay_on_the_upstream_are_allowed(location):
    assert paths.redirect_allowed(location, TARGET)


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/",
        "http://api.parallel.ai/v1",
        "https://api.parallel.ai:8443/v1",
        "https://api.parallel.ai.evil.example/v1",
        "https://api.parallel.ai@evil.example/v1",
        "https://evil.example@api.parallel.ai/v1",
        "//evil.example/v1",
        "///evil.example/v1",
        "/\\evil.example/v1",
        "\\\\evil.example",
        "https:///evil.example",
        "https:\\\\evil.example",
        "http:evil.example",
        "https:relative/path",  # relative per WHATWG, but nothing needs the form: refused
        "javascript:alert(1)",
        "data:text/html,<script>x</script>",
        " //evil.example",
        "/v1\tfoo",
        "\t//evil.example",
        "/ok\n",
        "https://ap\u0131.parallel.ai/",
    ],
)
def test_redirects_off_the_upstream_origin_are_refused(location):
    assert not paths.redirect_allowed(location, TARGET)


def test_redirect_on_a_local_origin_with_a_port():
    target = "http://127.0.0.1:8788/v1/x"
    assert paths.redirect_allowed("http://127.0.0.1:8788/v1/y", target)
    assert not paths.redirect_allowed("http://127.0.0.1:8789/v1/y", target)
    assert not paths.redirect_allowed("http://127.0.0.1/v1/y", target)


@pytest.mark.parametrize(
    ("status", "location", "refused"),
    [
        (200, None, False),
        (200, "https://evil.example/", False),  # a Location on a 200 sends no browser anywhere
        (404, None, False),
        (599, None, False),
        (101, None, True),
        (100, None, True),
        (600, None, True),
        (302, None, False),
        (302, "/v1/x", False),
        (307, "https://api.parallel.ai/v1/x", False),
        (301, "https://evil.example/", True),
        (308, "//evil.example/", True),
        (303, "http://api.parallel.ai/", True),
    ],
)
def test_upstream_refusal(status, location, refused):
    reason = paths.upstream_refusal(status, location, TARGET)
    assert (reason is not None) == refused
