"""The SSE parser against public test vectors, byte-wise decoding, and the frame writer."""

import json
from pathlib import Path

import pytest

from sse import ByteSSEParser, Event, SSEParser, format_comment, format_event

VECTORS_PATH = Path(__file__).resolve().parents[1] / "js" / "fixtures" / "sse-vectors.json"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def _run(feed_chunks, byte_mode=False):
    events, retries = [], []
    if byte_mode:
        parser = ByteSSEParser(events.append, retries.append)
    else:
        parser = SSEParser(events.append, retries.append)
    for chunk in feed_chunks:
        parser.feed(chunk)
    parser.end()
    return [{"type": e.type, "data": e.data, "id": e.last_event_id} for e in events], retries


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vectors_whole_and_in_chunks(vector):
    text = vector["input"]
    chunks = vector.get("chunks")
    if chunks == "one-byte-per-chunk":
        raw = text.encode("utf-8")
        events, retries = _run([raw[i : i + 1] for i in range(len(raw))], byte_mode=True)
    elif isinstance(chunks, list):
        events, retries = _run(chunks)
    else:
        events, retries = _run([text])
    if vector["asserted"] == "exactly 1 event":
        assert len(events) == 1
    assert events == vector["events"]
    if "retry" in vector:
        assert retries and retries[-1] == vector["retry"]
    # Any other split gives the same events (one character at a time is the hardest).
    assert _run(list(text))[0] == vector["events"]
    raw = text.encode("utf-8")
    assert _run([raw[i : i + 1] for i in range(len(raw))], byte_mode=True)[0] == vector["events"]


def test_unterminated_block_is_dropped():
    events, _ = _run(["event: a\ndata: 1\n\ndata: 2"])
    assert [e["data"] for e in events] == ["1"]


def test_format_event_round_trips():
    frame = format_event("task_run.state", '{"a":1}', "3.1.0.running")
    assert frame == 'event: task_run.state\nid: 3.1.0.running\ndata: {"a":1}\n\n'
    events = []
    p = SSEParser(events.append)
    p.feed(frame + format_comment() + format_event(None, "two\nlines\r\nhere"))
    assert events == [
        Event("task_run.state", '{"a":1}', "3.1.0.running"),
        Event("message", "two\nlines\nhere", "3.1.0.running"),
    ]


def test_format_event_cannot_be_split_by_hostile_names():
    frame = format_event("x\nevent: evil", "d", "1\nid: 2")
    assert frame.count("\n\n") == 1
    assert "event: xevent: evil\n" in frame
    assert format_comment("a\nb") == ": ab\n\n"
