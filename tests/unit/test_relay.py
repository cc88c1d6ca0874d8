"""The relay: one unbroken stream from reconnecting upstream connections, exact resumption."""

import json

import pytest

from relay import Cursor, Relay, failed_run_payload, upstream_error_payload


def state(status, active=True, output=None):
    return (
        "task_run.state",
        json.dumps(
            {
                "type": "task_run.state",
                "event_id": None,
                "input": None,
                "run": {"run_id": "trun_1", "status": status, "is_active": active},
                "output": output,
            }
        ),
    )


def msg(i):
    return (
        "task_run.progress_msg.plan",
        json.dumps(
            {"type": "task_run.progress_msg.plan", "message": f"m{i}", "timestamp": f"t{i}"}
        ),
    )


def stats(read):
    return (
        "task_run.progress_stats",
        json.dumps(
            {
                "type": "task_run.progress_stats",
                "progress_meter": read,
                "source_stats": {"num_sources_read": read},
            }
        ),
    )


# The run's live events, in the order the upstream produces them.
TIMELINE = [
    msg(1),
    stats(1),
    msg(2),
    stats(2),
    msg(3),
    msg(4),
    stats(3),
    msg(5),
    stats(4),
    state("completed", False, {"type": "text", "content": "x"}),
]


def connection(k, until=None):
    """What a connection opened after k live events sends: the current state, the whole message
    trace so far, only the latest stats, then the live events from k on (until it is cut)."""
    past = TIMELINE[:k]
    finished = k >= len(TIMELINE)
    opening = TIMELINE[-1] if finished else state("running")
    replay = [opening] + [e for e in past if "progress_msg" in e[0]]
    latest = [e for e in past if e[0] == "task_run.progress_stats"][-1:]
    closing = [TIMELINE[-1]] if finished else []
    return [(k, e) for e in replay + latest + closing] + [
        (i + 1, e) for i, e in enumerate(TIMELINE[k:until], start=k)
    ]


def feed(relay, connections):
    """Relay connections; each output is tagged with the upstream time it was produced at."""
    out = []
    for conn in connections:
        relay.new_connection()
        for when, (event_type, data) in conn:
            o = relay.accept(event_type, data)
            if o is not None:
                out.append((when, o))
    return out


CUTS = [connection(0, 3), connection(3, 7), connection(7)]


def test_reconnections_yield_every_event_exactly_once():
    relay = Relay()
    first = relay.run_event({"run_id": "trun_1", "status": "queued"})
    out = [first, *[o for _, o in feed(relay, CUTS)]]
    out.append(relay.done('{"run":{},"output":{}}'))
    expected = [state("running"), *TIMELINE]
    assert [o.type for o in out] == ["run", *[t for t, _ in expected], "done"]
    assert [o.data for o in out[1:-1]] == [d for _, d in expected]
    ns = [int(o.id.split(".")[0]) for o in out]
    assert ns == list(range(1, len(out) + 1))
    assert relay.terminal_run["status"] == "completed"
    assert relay.ended and out[-1].id.endswith(".end")


@pytest.mark.parametrize("cut", range(0, 13))
def test_resume_from_any_id_continues_exactly(cut):
    relay = Relay()
    out = [(0, relay.run_event({"run_id": "trun_1"})), *feed(relay, CUTS)]
    out.append((len(TIMELINE), relay.done("{}")))
    assert cut < len(out)
    seen = out[: cut + 1]
    when, last = seen[-1]
    # A fresh, stateless relay built from the last id the client saw, reconnecting upstream at
    # the moment the client was cut off.
    resumed = Relay(Cursor.decode(last.id))
    assert resumed.run_event({"run_id": "trun_1"}) is None
    rest = []
    if not resumed.ended:
        rest = [o for _, o in feed(resumed, [connection(when)])]
        assert resumed.terminal_run
        rest.append(resumed.done("{}"))
    full = [o for _, o in seen] + rest
    assert [(o.type, o.data, o.id) for o in full] == [(o.type, o.data, o.id) for _, o in out]


@pytest.mark.parametrize("cut", range(0, 11))
def test_resume_after_the_run_finished_keeps_the_natural_order(cut):
    relay = Relay()
    out = [o for _, o in feed(relay, [connection(0)])]
    resumed = Relay(Cursor.decode(out[cut].id))
    rest = [o for _, o in feed(resumed, [connection(len(TIMELINE))])]
    tail = resumed.end_connection()
    assert tail is None
    seen_types = [o.type for o in out[: cut + 1]]
    got = out[: cut + 1] + rest
    messages = [o.data for o in got if "progress_msg" in o.type]
    assert messages == [d for t, d in TIMELINE if "progress_msg" in t]
    assert got[-1].type == "task_run.state"
    assert json.loads(got[-1].data)["run"]["status"] == "completed"
    assert [o.type for o in got].count("task_run.state") == 2  # running, completed
    assert len({(o.type, o.data) for o in got}) == len(got)  # nothing repeated
    assert seen_types[0] == "task_run.state"
    assert resumed.terminal_run["status"] == "completed"


def test_a_lone_terminal_state_is_delivered_when_the_connection_ends():
    relay = Relay()
    assert relay.accept(*state("failed", active=False)) is None
    out = relay.end_connection()
    assert out.type == "task_run.state"
    assert relay.terminal_run["status"] == "failed"
    assert relay.end_connection() is None


def _plain(relay, connections):
    return [o for _, o in feed(relay, [[(0, e) for e in conn] for conn in connections])]


def test_stats_changed_while_away_are_delivered_once():
    relay = Relay()
    _plain(relay, [[state("running"), msg(1), stats(1)]])
    out = _plain(
        relay, [[state("running"), msg(1), stats(5)], [state("running"), msg(1), stats(5)]]
    )
    assert [o.type for o in out] == ["task_run.progress_stats"]


def test_state_change_while_away_is_delivered():
    relay = Relay()
    _plain(relay, [[state("queued")]])
    out = _plain(relay, [[state("running"), msg(1)]])
    assert [o.type for o in out] == ["task_run.state", "task_run.progress_msg.plan"]


def test_unknown_types_pass_through_and_never_pose_as_the_workers_own():
    relay = Relay()
    upstream = [
        ("error", '{"type":"error"}'),
        ("something.new", "{}"),
        ("done", "{}"),
        ("run", "{}"),
    ]
    out = _plain(relay, [upstream])
    assert [o.type for o in out] == [
        "upstream.error",
        "something.new",
        "upstream.done",
        "upstream.run",
    ]
    assert [o.data for o in out] == [data for _, data in upstream]
    assert not relay.ended


def test_hostile_state_and_stats_data_do_not_break_the_relay():
    relay = Relay()
    deep = "[" * 100_000 + "]" * 100_000
    out = _plain(
        relay,
        [
            [
                ("task_run.state", deep),
                ("task_run.state", '{"run": "not an object"}'),
                ("task_run.progress_stats", deep),
                ("task_run.progress_stats", "not json"),
            ]
        ],
    )
    assert [o.type for o in out] == ["task_run.progress_stats", "task_run.progress_stats"]
    assert relay.terminal_run is None


def test_cursor_round_trip_and_rejects():
    c = Cursor(12, 7, "0a1b2c3d", "running", False)
    assert Cursor.decode(c.encode()) == c
    assert Cursor.decode("3.1.0.0.end").ended
    assert Cursor.decode(None) == Cursor()
    assert Cursor.decode("") == Cursor()
    for bad in [
        "abc",
        "1.2.3",
        "1.1.0.running",
        "5.1.xyz.running",
        "5.1.0.Running",
        "5.1.0.running.more",
        "9999999999999999.1.0.running",
        "5.1.0.run ning",
        "-1.0.0.0",
        "\u00b2.0.0.0",
        "1\u0663.0.0.0",
        "999999999.x",
        "1000000000000000.0.0.0",
    ]:
        with pytest.raises(ValueError):
            Cursor.decode(bad)


@pytest.mark.parametrize(
    "last_id",
    ["999999999.0.0.0", "999999999.999999998.0a1b2c3d.running", "1000000000000.5.0.queued"],
)
def test_every_id_emitted_after_a_resume_is_accepted_by_the_decoder(last_id):
    assert Relay.resumable(Cursor.decode(last_id))
    relay = Relay(Cursor.decode(last_id))
    emitted = _plain(relay, [[msg(i) for i in range(3)] + [stats(1), state("running")]])
    emitted.append(relay.error('{"type":"error"}'))
    for out in emitted:
        assert Cursor.decode(out.id).n == Cursor.decode(last_id).n + emitted.index(out) + 1


def test_ids_beyond_the_resume_range_decode_but_are_not_resumed():
    cursor = Cursor.decode("1000000000001.0.0.0")
    assert cursor.encode() == "1000000000001.0.0.0"
    assert not Relay.resumable(cursor)


def test_failed_run_payload_uses_the_run_error():
    body = json.loads(
        failed_run_payload(
            {"status": "failed", "error": {"ref_id": "r", "message": "boom", "detail": None}}
        )
    )
    assert body["type"] == "error"
    assert body["error"] == {"ref_id": "r", "message": "boom", "detail": None}
    assert body["run"]["status"] == "failed"
    body = json.loads(failed_run_payload({"status": "cancelled"}))
    assert body["error"]["message"] == "Run cancelled"


def test_upstream_error_payload_keeps_parallel_errors():
    body = json.loads(
        upstream_error_payload(
            404, '{"type":"error","error":{"ref_id":"x","message":"Run failed"}}'
        )
    )
    assert body["error"]["message"] == "Run failed"
    assert body["status"] == 404
    body = json.loads(upstream_error_payload(502, "<html>bad gateway</html>"))
    assert body["error"]["detail"] == "<html>bad gateway</html>"
