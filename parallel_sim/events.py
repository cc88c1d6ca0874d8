"""A run's precomputed event trace (messages and stats with offsets) and SSE framing.

Streams replay and go live from this trace, so emitting an event costs a timer wake-up and a
write, never a poll.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .outputs import DOMAINS, slug
from .util import dumps, rfc3339

# Message kinds as the API names them; `tool` is observed in the docs' sample stream though not in
# the OpenAPI enum, so clients must accept any task_run.progress_msg.* type.
_MIDDLE_KINDS = ("search", "tool", "result", "search", "tool_call", "result")


@dataclass(frozen=True)
class TraceEvent:
    offset: float  # seconds after the run was created (already divided by the speed factor)
    payload: dict

    @property
    def type(self) -> str:
        return self.payload["type"]


def frame(event: dict) -> bytes:
    """One SSE event: `event: <type>` and a single-line JSON `data:` (the API's framing)."""
    return f"event: {event['type']}\ndata: {dumps(event)}\n\n".encode()


def _message(kind: str, topic: str, step: int, r: random.Random) -> str:
    if kind == "exec_status":
        return "Starting research" if step == 0 else "Compiling the final answer"
    if kind == "plan":
        return (
            f"I'm working on gathering information about {topic}. I'll look for recent, "
            "authoritative sources first and then cross-check the key facts."
        )
    if kind == "search":
        return f"Searching for {r.choice(['recent', 'official', 'independent'])} sources on {topic}"
    if kind == "tool":
        return (
            f"I've looked into {r.randint(3, 12)} sources about {topic}. I'll compile the "
            "findings and check the remaining gaps."
        )
    if kind == "tool_call":
        return f'Calling web_search with query "{topic[:60]}"'
    return f"Found {r.randint(2, 9)} relevant results about {topic}"


def build_trace(
    *,
    topic: str,
    created_wall: float,
    start: float,
    end: float,
    messages: int,
    stats: int,
    completes: bool,
    r: random.Random,
) -> list[TraceEvent]:
    """Messages and progress stats between `start` (running) and `end` (terminal), by offset.

    A completed run's trace ends with stats at 100 %; a failed run's simply stops.
    """
    span = max(end - start, 1e-3)
    out: list[TraceEvent] = []
    for i in range(messages):
        if i == 0:
            kind = "exec_status"
        elif i == 1:
            kind = "plan"
        elif i == messages - 1 and messages > 3:
            kind = "exec_status"
        else:
            kind = _MIDDLE_KINDS[(i - 2) % len(_MIDDLE_KINDS)]
        # Spread across the first 95 % of the run, with a little deterministic jitter.
        at = start + span * 0.95 * (i + r.uniform(0.1, 0.9)) / messages
        step = 0 if i == 0 else 1
        out.append(
            TraceEvent(
                at,
                {
                    "type": f"task_run.progress_msg.{kind}",
                    "message": _message(kind, topic, step, r),
                    "timestamp": rfc3339(created_wall + at),
                },
            )
        )
    considered = read = 0
    sample: list[str] = []
    for j in range(stats):
        last = j == stats - 1 and completes
        at = start + span * ((j + 1) / stats) * (0.999 if last else 0.97)
        considered += r.randint(10, 60)
        read = min(considered, read + r.randint(2, 8))
        sample = (
            sample
            + [f"https://{r.choice(DOMAINS)}/{slug(topic)}/{r.randrange(10**4)}" for _ in range(2)]
        )[-8:]
        meter = 100.0 if last else round(min(99.0, 100.0 * (at - start) / span), 1)
        out.append(
            TraceEvent(
                at,
                {
                    "type": "task_run.progress_stats",
                    "source_stats": {
                        "num_sources_considered": considered,
                        "num_sources_read": read,
                        "sources_read_sample": list(sample),
                    },
                    "progress_meter": meter,
                },
            )
        )
    out.sort(key=lambda e: e.offset)
    return out
