"""Header policy in both directions of the proxy."""

import headers

CLIENT = [
    ("Host", "tasks.example"),
    ("x-api-key", "secret-key"),
    ("content-type", "application/json"),
    ("parallel-beta", "events-sse-2025-07-24,webhook-2025-08-12"),
    ("accept", "text/event-stream"),
    ("last-event-id", "7"),
    ("cache-control", "no-cache"),
    ("authorization", "Bearer t"),
    ("cookie", "session=1"),
    ("connection", "keep-alive, X-Custom-Hop"),
    ("x-custom-hop", "1"),
    ("keep-alive", "timeout=5"),
    ("proxy-authorization", "Basic x"),
    ("te", "trailers"),
    ("trailer", "x"),
    ("transfer-encoding", "chunked"),
    ("upgrade", "websocket"),
    ("cf-connecting-ip", "1.2.3.4"),
    ("CF-Ray", "abc"),
    ("x-forwarded-for", "1.2.3.4"),
    ("x-forwarded-proto", "https"),
    ("x-real-ip", "1.2.3.4"),
    ("expect", "100-continue"),
    ("content-length", "12"),
    ("origin", "https://app.example"),
]


def test_request_keeps_what_the_api_needs():
    out = dict(headers.request_headers(CLIENT))
    assert out == {
        "x-api-key": "secret-key",
        "content-type": "application/json",
        "parallel-beta": "events-sse-2025-07-24,webhook-2025-08-12",
        "accept": "text/event-stream",
        "last-event-id": "7",
        "cache-control": "no-cache",
        "authorization": "Bearer t",
        "origin": "https://app.example",
    }


def test_request_drops_names_listed_in_connection_case_insensitively():
    out = headers.request_headers(
        [("Connection", "Foo,  BAR"), ("foo", "1"), ("bar", "2"), ("baz", "3")]
    )
    assert out == [("baz", "3")]


def test_request_keeps_duplicate_values_in_order():
    out = headers.request_headers([("accept", "a"), ("accept", "b")])
    assert out == [("accept", "a"), ("accept", "b")]


UPSTREAM = [
    ("content-type", "application/json"),
    ("content-length", "42"),
    ("www-authenticate", "ApiKey"),
    ("retry-after", "3"),
    ("set-cookie", "a=1"),
    ("Set-Cookie2", "b=1"),
    ("connection", "close, x-hop"),
    ("x-hop", "1"),
    ("keep-alive", "timeout=5"),
    ("transfer-encoding", "chunked"),
    ("access-control-allow-origin", "https://evil.example"),
    ("x-request-id", "r1"),
]


def test_response_drops_hop_by_hop_cookies_and_upstream_cors():
    out = headers.response_headers(UPSTREAM)
    assert out == [
        ("content-type", "application/json"),
        ("content-length", "42"),
        ("www-authenticate", "ApiKey"),
        ("retry-after", "3"),
        ("x-request-id", "r1"),
    ]


KEPT = [
    ("Content-Type", "text/event-stream"),
    ("cache-control", "no-cache"),
    ("date", "Tue, 01 Jul 2025 00:00:00 GMT"),
    ("etag", '"abc"'),
    ("last-modified", "Tue, 01 Jul 2025 00:00:00 GMT"),
    ("vary", "Accept"),
    ("location", "/v1/tasks/runs/r1"),
    ("retry-after-ms", "1500"),
    ("x-should-retry", "true"),
    ("request-id", "req_1"),
    ("x-ratelimit-remaining-requests", "9"),
    ("X-RateLimit-Reset", "5"),
    ("ratelimit", "limit=10, remaining=9, reset=5"),
    ("ratelimit-policy", "10;w=60"),
    ("last-event-id", "evt-3"),
]

DROPPED = [
    ("clear-site-data", '"*"'),
    ("refresh", "0; url=https://evil.example/"),
    ("link", "<https://evil.example/x.js>; rel=preload; as=script"),
    ("strict-transport-security", "max-age=63072000; includeSubDomains"),
    ("content-security-policy", "default-src *"),
    ("content-security-policy-report-only", "default-src *"),
    ("x-frame-options", "ALLOWALL"),
    ("x-content-type-options", "sniff"),
    ("set-cookie", "a=1"),
    ("server", "upstream/1.0"),
    ("x-powered-by", "php"),
    ("content-disposition", "inline"),
    ("service-worker-allowed", "/"),
    ("access-control-allow-credentials", "true"),
    ("x-custom", "anything"),
]


def test_response_is_an_allowlist():
    out = headers.response_headers(KEPT + DROPPED)
    assert out == [(n.lower(), v) for n, v in KEPT]


def test_response_drops_a_kept_name_listed_in_connection():
    out = headers.response_headers([("connection", "retry-after"), ("retry-after", "1")])
    assert out == []


def test_security_headers_replace_any_of_the_same_name():
    out = headers.with_security_headers(
        [
            ("content-type", "text/html"),
            ("Content-Security-Policy", "default-src *"),
            ("x-content-type-options", "sniff"),
        ]
    )
    assert out[0] == ("content-type", "text/html")
    assert dict(out) == {
        "content-type": "text/html",
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
    }
    assert len(out) == 4


def test_decoded_body_loses_encoding_and_length():
    out = headers.response_headers(
        [("content-type", "text/plain"), ("content-encoding", "gzip"), ("content-length", "9")]
    )
    assert out == [("content-type", "text/plain")]


def test_identity_encoding_keeps_length():
    out = headers.response_headers([("content-encoding", "identity"), ("content-length", "9")])
    assert ("content-length", "9") in out


def test_encoded_body_passed_raw_keeps_encoding():
    src = [("content-encoding", "br"), ("content-length", "9")]
    assert headers.response_headers(src, body_decoded=False) == src


def test_event_stream_gets_no_transform_cache_control():
    out = headers.with_stream_cache_control(
        [("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "private")]
    )
    assert out == [
        ("content-type", "text/event-stream; charset=utf-8"),
        ("cache-control", "no-cache, no-transform"),
    ]


def test_json_keeps_its_cache_control():
    src = [("content-type", "application/json"), ("cache-control", "max-age=5")]
    assert headers.with_stream_cache_control(src) == src


def test_get_is_case_insensitive():
    assert headers.get([("X-Api-Key", "k")], "x-api-key") == "k"
    assert headers.get([], "x") is None
