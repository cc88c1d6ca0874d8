"""CORS decisions with and without ALLOWED_ORIGINS."""

import cors
import headers

open_policy = cors.parse_allowed_origins("")
listed = cors.parse_allowed_origins(" https://a.example, https://b.example:8443/ ,")


def test_parse_allowed_origins():
    assert open_policy == frozenset()
    assert cors.parse_allowed_origins(None) == frozenset()
    assert listed == {"https://a.example", "https://b.example:8443"}


def test_any_origin_gets_a_star_and_no_vary():
    out = dict(cors.response_cors_headers("https://x.example", open_policy))
    assert out["access-control-allow-origin"] == "*"
    assert "vary" not in out
    exposed = out["access-control-expose-headers"].split(", ")
    assert {"content-type", "www-authenticate", "retry-after"} <= set(exposed)


def test_no_origin_header_still_gets_star():
    assert dict(cors.response_cors_headers(None, open_policy))["access-control-allow-origin"] == "*"


def test_listed_origin_is_echoed_with_vary():
    out = dict(cors.response_cors_headers("https://b.example:8443", listed))
    assert out["access-control-allow-origin"] == "https://b.example:8443"
    assert out["vary"] == "Origin"


def test_unlisted_origin_gets_no_allow_origin_but_vary():
    out = dict(cors.response_cors_headers("https://evil.example", listed))
    assert "access-control-allow-origin" not in out
    assert out["vary"] == "Origin"
    out = dict(cors.response_cors_headers(None, listed))
    assert "access-control-allow-origin" not in out


def test_preflight_echoes_requested_headers_sanitised():
    out = dict(
        cors.preflight_headers(
            "https://a.example",
            listed,
            "X-API-Key, content-type,bad header,\u00e9,,parallel-beta",
        )
    )
    assert out["access-control-allow-origin"] == "https://a.example"
    assert out["access-control-allow-headers"] == "x-api-key, content-type, parallel-beta"
    assert "POST" in out["access-control-allow-methods"]
    assert "GET" in out["access-control-allow-methods"]
    assert int(out["access-control-max-age"]) > 0
    assert out["vary"] == "Origin, Access-Control-Request-Headers"


def test_preflight_without_requested_headers_uses_the_default_list():
    out = dict(cors.preflight_headers(None, open_policy, None))
    allowed = set(out["access-control-allow-headers"].split(", "))
    assert {
        "x-api-key",
        "content-type",
        "parallel-beta",
        "last-event-id",
        "cache-control",
        "authorization",
    } <= allowed
    assert out["access-control-allow-origin"] == "*"
    assert out["vary"] == "Access-Control-Request-Headers"


def test_preflight_caps_the_number_of_echoed_headers():
    many = ",".join(f"x-h{i}" for i in range(500))
    out = dict(cors.preflight_headers(None, open_policy, many))
    assert len(out["access-control-allow-headers"].split(", ")) == 50


def test_exposed_headers_cover_what_the_sdks_read_and_are_all_passed_on():
    exposed = dict(cors.response_cors_headers(None, open_policy))["access-control-expose-headers"]
    names = exposed.split(", ")
    assert {"retry-after", "retry-after-ms", "x-should-retry", "x-request-id"} <= set(names)
    # Exposing a header the proxy never passes on would promise the page something it never gets.
    kept = headers.response_headers([(n, "1") for n in names])
    assert [n for n, _ in kept] == names
