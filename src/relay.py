"""Turn one or more upstream event-stream connections for a run into one unbroken stream. Pure.

Parallel's run event stream is stateless: every connection starts with a `task_run.state`, replays
the whole message trace (every `task_run.progress_msg.*` since the start, in order), then only the
LATEST `task_run.progress_stats`, then live events; it is closed after about 570 s. So a relay that
reconnects (or a client that resumes) has to recognise what it already delivered.

Event ids (the cursor)
----------------------
Every event the Worker emits carries `id: <n>.<m>.<s>.<t>[.end]`, which is the whole relay state
after that event, so a stateless Worker can resume from any id a client sends as Last-Event-ID:

- `n`: events emitted so far, counting this one (the `run` event is 1); it only grows.
- `m`: progress messages delivered. Messages are replayed in order on every connection, so a new
  connection skips its first `m` messages and delivers the rest.
- `s`: 8 hex digits of SHA-256 over the last delivered progress_stats (canonical JSON), or `0`.
  Only the latest stats are replayed, so a replayed stats event is delivered only when it differs
  from the last one delivered. (Stats that were superseded while nobody listened no longer exist
  upstream; they cannot be recovered by anyone.)
- `t`: the status of the last delivered `task_run.state` (`queued`, `running`, ...), or `0`. The
  state that opens every connection is delivered only when the status changed. A connection to
  a finished run opens with the final state, replays the trace and closes with the final state
  again; the opening one is held back so the client sees the trace first and the state once.
- `.end`: the terminal `done`/`error` event was delivered; a resume after it has nothing to send.

`n` and `m` are decimal (ASCII digits, at most 15). The Worker resumes only from an `n` up to
MAX_RESUME_EVENTS (10^12), so every id it emits stays far inside what its own decoder accepts (a
stream would have to carry 10^15 - 10^12 events to leave it).

Other upstream event types are passed on as they come (the upstream does not replay them), with
one exception: `run`, `done` and `error` are the Worker's own events, so an upstream event with one
of those types (the API has an in-stream `error` event) arrives as `upstream.<type>`. A client can
rely on `error` and `done` meaning "this stream ended".
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace

import limits

RUN = "run"
DONE = "done"
ERROR = "error"
STATE = "task_run.state"
STATS = "task_run.progress_stats"
MESSAGE_PREFIX = "task_run.progress_msg"
TERMINAL_OK = "completed"
OWN_TYPES = frozenset({RUN, DONE, ERROR})
UPSTREAM_PREFIX = "upstream."
# The highest event count a stream resumes from: far more than one run's stream carries, with
# room to count on past it within the decoder's 15 digits.
MAX_RESUME_EVENTS = 10**12

_ID = re.compile(r"([0-9]{1,15})\.([0-9]{1,15})\.([0-9a-f]{8}|0)\.([a-z_]{1,32}|0)(\.end)?")


@dataclass(frozen=True)
class Cursor:
    n: int = 0
    messages: int = 0
    stats: str = "0"
    state: str = "0"
    ended: bool = False

    def encode(self) -> str:
        return f"{self.n}.{self.messages}.{self.stats}.{self.state}" + (
            ".end" if self.ended else ""
        )

    @classmethod
    def decode(cls, value: str | None) -> Cursor:
        """A Last-Event-ID back into a cursor; ValueError when it is not one of ours."""
        if value is None or value.strip() == "":
            return cls()
        m = _ID.fullmatch(value.strip())
        if not m:
            raise ValueError("not an event id issued by this Worker")
        n, messages = int(m.group(1)), int(m.group(2))
        if messages >= n and not (n == 0 and messages == 0):
            raise ValueError("inconsistent event id")
        return cls(n, messages, m.group(3), m.group(4), bool(m.group(5)))


@dataclass(frozen=True)
class Out:
    """An event to send: type, data (one-line JSON) and id."""

    type: str
    data: str
    id: str


def _fingerprint(data: object) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]


def compact(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Relay:
    """Decides, event by event, what the client gets, and with which id."""

    def __init__(self, cursor: Cursor | None = None):
        self.cursor = cursor or Cursor()
        self._seen_messages = 0  # in the current upstream connection
        self._seen_events = 0
        self._deferred_state: str | None = None
        self.terminal_run: dict | None = None  # set by a non-active task_run.state

    @property
    def ended(self) -> bool:
        return self.cursor.ended

    @staticmethod
    def resumable(cursor: Cursor) -> bool:
        return cursor.n <= MAX_RESUME_EVENTS

    def _emit(self, event_type: str, data: str, **changes) -> Out:
        self.cursor = replace(self.cursor, n=self.cursor.n + 1, **changes)
        return Out(event_type, data, self.cursor.encode())

    def run_event(self, run: dict) -> Out | None:
        """The opening `run` event, unless the client already has it."""
        if self.cursor.n > 0:
            return None
        return self._emit(RUN, compact(run))

    def new_connection(self) -> None:
        self._seen_messages = 0
        self._seen_events = 0
        self._deferred_state = None

    def end_connection(self) -> Out | None:
        """The upstream connection ended: a terminal state held back is delivered now."""
        data, self._deferred_state = self._deferred_state, None
        if data is None or self.ended:
            return None
        return self._state(data, defer=False)

    def accept(self, event_type: str, data: str) -> Out | None:
        """An upstream event: the Out to send, or None when the client already has it."""
        if self.ended:
            return None
        self._seen_events += 1
        if event_type.startswith(MESSAGE_PREFIX):
            self._seen_messages += 1
            if self._seen_messages <= self.cursor.messages:
                return None
            return self._emit(event_type, data, messages=self.cursor.messages + 1)
        if event_type == STATS:
            try:
                fp = _fingerprint(limits.loads(data))
            except ValueError:
                fp = _fingerprint(data)
            if fp == self.cursor.stats:
                return None
            return self._emit(event_type, data, stats=fp)
        if event_type == STATE:
            return self._state(data, defer=self._seen_events == 1)
        if event_type in OWN_TYPES:
            event_type = UPSTREAM_PREFIX + event_type
        return self._emit(event_type, data)

    def _state(self, data: str, defer: bool) -> Out | None:
        try:
            run = limits.loads(data).get("run")
        except (ValueError, AttributeError):
            run = None
        if not isinstance(run, dict):
            run = {}
        status = str(run.get("status") or "0")
        if not re.fullmatch(r"[a-z_]{1,32}", status):
            status = "0"
        if run.get("is_active") is False:
            self.terminal_run = run
            if defer:
                # A connection to a finished run opens with its final state, then replays the
                # trace and closes with the final state again: deliver it once, in its place.
                self._deferred_state = data
                return None
        self._deferred_state = None
        if status == self.cursor.state:
            return None
        return self._emit(STATE, data, state=status)

    def done(self, result_json: str) -> Out:
        return self._emit(DONE, result_json, ended=True)

    def error(self, error_json: str) -> Out:
        return self._emit(ERROR, error_json, ended=True)


def error_payload(
    message: str, detail: object = None, ref_id: str | None = None, run: dict | None = None
) -> str:
    """The data of a terminal `error` event, in Parallel's error shape."""
    body: dict = {
        "type": "error",
        "error": {"ref_id": ref_id, "message": message, "detail": detail},
    }
    if run is not None:
        body["run"] = run
    return compact(body)


def failed_run_payload(run: dict) -> str:
    """The terminal `error` for a run that ended without completing (failed, cancelled)."""
    err = run.get("error") if isinstance(run.get("error"), dict) else None
    status = run.get("status", "unknown")
    message = (err or {}).get("message") or f"Run {status}"
    return error_payload(message, (err or {}).get("detail"), (err or {}).get("ref_id"), run)


def upstream_error_payload(status: int, body_text: str) -> str:
    """A terminal `error` from an upstream error response (kept as sent when it is JSON)."""
    try:
        body = limits.loads(body_text)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = dict(body)
        body.setdefault("type", "error")
        body["status"] = status
        return compact(body)
    return compact(
        {
            "type": "error",
            "status": status,
            "error": {
                "ref_id": None,
                "message": f"Upstream answered {status}",
                "detail": body_text[:2000] or None,
            },
        }
    )
