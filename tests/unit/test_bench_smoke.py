"""Smoke test of the benchmark package's pure parts: stats, the table formatter, the SSE capture
parser. No timing is measured or asserted here."""

from __future__ import annotations

import json

from bench.rawhttp import SSECapture
from bench.report import Row, Section, format_report, format_table, to_json
from bench.stats import percentile, slope, summary


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 50) is None
    assert percentile([3.0], 99) == 3.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(101)), 99) == 99
    s = summary([5, 1, 3])
    assert (s["n"], s["p50"], s["max"], s["min"]) == (3, 3, 5, 1)
    assert slope([0, 1, 2], [10, 12, 14]) == 2


def test_table_has_every_row_error_and_target():
    sections = [
        Section("SSE", rows=[Row("p50", 0.1, 0.4, 0.3, "ms", "added ≤ 0.5 ms", True, "+1.1 ms")]),
        Section(
            "Throughput",
            rows=[Row("10 MiB", 1500.0, 50.0, "3% of direct", "MB/s", "≥ 60 MB/s", False)],
        ),
        Section("Browser", error="RuntimeError: no chromium"),
    ]
    table = format_table(sections)
    lines = table.splitlines()
    assert lines[0].startswith("| Metric | Direct | Through Worker |")
    assert "| p50 | 0.100 ms | 0.400 ms | +0.300 ms | added ≤ 0.5 ms | yes | +1.1 ms |" in lines
    assert any("**NO**" in line and "3% of direct" in line for line in lines)
    assert any("error: RuntimeError: no chromium" in line for line in lines)
    assert all(line.count("|") - line.count("\\|") == 8 for line in lines)

    results = {
        "generated_at": "now",
        "machine": {"cores": 2},
        "versions": {"node": "20"},
        "duration_s": 1.0,
    }
    report = format_report(results, sections)
    assert "2 cores" in report and "node 20" in report
    data = json.loads(json.dumps(to_json(results, sections)))
    assert data["sections"][0]["rows"][0]["through"] == 0.4
    assert data["sections"][2]["error"].startswith("RuntimeError")


def _events_body(n: int) -> bytes:
    out = b""
    for i in range(n):
        payload = f'id: {i}\nevent: bench\ndata: {{"seq":{i},"sent":{i}}}\n\n'.encode()
        out += b"%x\r\n%s\r\n" % (len(payload), payload)
    return out + b"0\r\n\r\n"


def test_sse_capture_parses_chunked_events_split_anywhere():
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    raw = head + _events_body(5)
    for step in (1, 3, 7, 64, len(raw)):
        cap = SSECapture()
        for i in range(0, len(raw), step):
            cap.data_received(raw[i : i + step])
        status, headers, events = cap.parse()
        assert status == 200
        assert headers["content-type"] == "text/event-stream"
        assert [e.data["seq"] for e in events] == [0, 1, 2, 3, 4]
        # arrival times never go backwards and each event is stamped by the read completing it
        assert [e.arrival for e in events] == sorted(e.arrival for e in events)
