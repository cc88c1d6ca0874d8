"""Unit tests of the simulator's pure pieces: fault syntax, PKCE, signing, time model, trace."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random

import pytest

from parallel_sim import events, faults, oauth, processors, runs, webhooks


def test_fault_list_parses_and_merges():
    f = faults.parse(
        " drop-after=3 ; chunk-bytes=7;first-byte-delay-ms=12.5;fail-first=2:500;"
        "max-stream-seconds=0.25"
    )
    assert f == faults.Faults(
        drop_after=3,
        max_stream_seconds=0.25,
        chunk_bytes=7,
        first_byte_delay_ms=12.5,
        fail_first=(2, 500),
    )
    assert faults.parse("fail-first=4").fail_first == (4, 503)
    assert faults.parse("") == faults.NONE and faults.parse(None) == faults.NONE
    merged = faults.parse("drop-after=1;chunk-bytes=2").merged(faults.parse("chunk-bytes=9"))
    assert merged.drop_after == 1 and merged.chunk_bytes == 9


@pytest.mark.parametrize(
    "bad",
    [
        "nope=1",
        "drop-after=x",
        "chunk-bytes=0",
        "fail-first=1:99",
        "max-stream-seconds=-1",
        "first-byte-delay-ms=nan",
        "=3",
    ],
)
def test_bad_fault_lists_are_rejected(bad):
    with pytest.raises(faults.FaultSyntaxError):
        faults.parse(bad)


def test_fail_counter_fails_exactly_the_first_n():
    c = faults.FailCounter()
    assert [c.should_fail("k", 2) for _ in range(4)] == [True, True, False, False]
    assert c.should_fail("other", 1) is True


def test_s256_matches_rfc7636_appendix_b():
    assert (
        oauth.s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


@pytest.mark.parametrize(
    "uri,ok",
    [
        ("https://app.example/cb", True),
        ("http://localhost:3000/cb", True),
        ("http://127.0.0.1/cb", True),
        ("http://[::1]:8080/cb", True),
        ("http://example.com/cb", False),
        ("https://app.example/cb#x", False),
        ("javascript:alert(1)", False),
        ("", False),
        (None, False),
    ],
)
def test_redirect_uri_rules(uri, ok):
    assert (oauth.redirect_uri_problem(uri) is None) is ok


def test_webhook_signature_is_standard_webhooks_v1():
    body = b'{"type":"task_run.status"}'
    sig = webhooks.sign("secret", "whevent_1", "1751498975", body)
    mac = hmac.new(b"secret", b"whevent_1.1751498975." + body, hashlib.sha256).digest()
    assert sig == "v1," + base64.b64encode(mac).decode()


@pytest.mark.parametrize("name", processors.NAMES)
def test_durations_stay_in_the_documented_range(name):
    proc = processors.resolve(name)
    lo, hi = proc.latency
    for i in range(50):
        d = runs.draw_duration(proc, 4.0, "seed", i)
        assert lo / 4.0 <= d <= hi / 4.0
    assert runs.draw_duration(proc, 1, "x") == runs.draw_duration(proc, 1, "x")


def test_processor_table():
    assert len(processors.NAMES) == 18
    assert processors.resolve("pro-fast").price_usd == processors.resolve("pro").price_usd == 0.1
    assert processors.resolve("pro-fast").latency == (30, 300)
    assert processors.resolve("turbo") is None and processors.resolve(None) is None


@pytest.mark.parametrize("completes", [True, False])
def test_trace_is_ordered_with_rising_progress(completes):
    trace = events.build_trace(
        topic="t",
        created_wall=0.0,
        start=1.0,
        end=11.0,
        messages=10,
        stats=5,
        completes=completes,
        r=random.Random(3),
    )
    offsets = [e.offset for e in trace]
    assert offsets == sorted(offsets) and all(1.0 <= o < 11.0 for o in offsets)
    meters = [e.payload["progress_meter"] for e in trace if e.type == "task_run.progress_stats"]
    assert meters == sorted(meters)
    assert (meters[-1] == 100) is completes
    kinds = [e.type for e in trace if e.type.startswith("task_run.progress_msg.")]
    assert kinds[0].endswith("exec_status") and kinds[1].endswith("plan")


def test_frame_is_two_lines_and_a_blank_line():
    data = events.frame({"type": "x.y", "message": "line one\nline two"})
    assert data == b'event: x.y\ndata: {"type":"x.y","message":"line one\\nline two"}\n\n'
