"""Task groups: the model (runs added over time, status counts) and the group event stream
(resumable with event_id cursors). The endpoints are in group_routes.py.

A group's events are derived from its runs' fixed timelines: one task_group_status per add, and
for each run a task_run.state at its termination followed by a task_group_status. Cursors have
the form `<microseconds since group creation>-<kind>-<index>` and sort in event order.
"""

from __future__ import annotations

import asyncio
import bisect
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from .clock import Clock
from .runs import ACTIVE, Run
from .util import rfc3339

MAX_GROUP_STREAM_SECONDS = 3600.0  # "stays open for up to an hour"
STATUS, RUN_STATE, STATUS_AFTER_RUN = 0, 1, 2


@dataclass
class Group:
    taskgroup_id: str
    metadata: dict | None
    clock: Clock
    created_wall: float
    created_mono: float
    runs: list[Run] = field(default_factory=list)
    adds: list[tuple[float, int]] = field(default_factory=list)  # (mono time, runs after add)
    cached_status: dict | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _events: list[tuple[tuple, float]] | None = None  # ((key), mono time), sorted

    def status(self, now: float | None = None) -> dict:
        now = self.clock.monotonic() if now is None else now
        counts: dict[str, int] = {}
        n = 0
        last_change = self.created_mono
        for t_add, after in self.adds:
            if t_add <= now:
                n = after
                last_change = max(last_change, t_add)
        for run in self.runs[:n]:
            s = run.status(now)
            counts[s] = counts.get(s, 0) + 1
            if s not in ACTIVE:
                last_change = max(last_change, run.end_mono())
        active = any(counts.get(s, 0) for s in ACTIVE)
        done = n - sum(counts.get(s, 0) for s in ACTIVE)
        return {
            "num_task_runs": n,
            "task_run_status_counts": counts,
            "is_active": active,
            "status_message": f"{done} of {n} runs finished" if n else "",
            "modified_at": rfc3339(self.created_wall + (last_change - self.created_mono)),
        }

    def response(self, now: float | None = None) -> dict:
        return {
            "taskgroup_id": self.taskgroup_id,
            "metadata": self.metadata,
            "status": self.status(now),
            "created_at": rfc3339(self.created_wall),
        }

    def event_id(self, t: float, kind: int, index: int) -> str:
        return f"{max(0, round((t - self.created_mono) * 1e6)):015d}-{kind}-{index}"

    def timeline(self) -> list[tuple[tuple, float]]:
        """Every event the group has had or will have, in order (cached until the next add)."""
        if self._events is None:
            evs = []
            for k, (t_add, _) in enumerate(self.adds):
                evs.append(((round((t_add - self.created_mono) * 1e6), STATUS, k), t_add))
            for i, run in enumerate(self.runs):
                t = run.end_mono()
                us = round((t - self.created_mono) * 1e6)
                evs.append(((us, RUN_STATE, i), t))
                evs.append(((us, STATUS_AFTER_RUN, i), t))
            evs.sort()
            self._events = evs
        return self._events

    def render(self, key: tuple, t: float) -> dict:
        us, kind, index = key
        event_id = f"{us:015d}-{kind}-{index}"
        at = t + 1e-6  # the state just after the event
        if kind == RUN_STATE:
            return self.runs[index].state_event(at, event_id=event_id)
        return {"type": "task_group_status", "event_id": event_id, "status": self.status(at)}

    def add(self, runs: list[Run]) -> None:
        self.runs += runs
        self.adds.append((self.clock.monotonic(), len(self.runs)))
        self._events = None
        self.changed.set()
        self.changed = asyncio.Event()


_CURSOR = re.compile(r"([0-9]{1,15})-([0-9]{1,9})-([0-9]{1,9})")


def parse_cursor(raw: str | None) -> tuple | None:
    """An event cursor; ValueError when it is not one (ASCII digits only: "²".isdigit())."""
    if raw is None or raw == "":
        return None
    m = _CURSOR.fullmatch(raw)
    if m is None:
        raise ValueError(raw)
    return tuple(int(p) for p in m.groups())


class GroupStore:
    def __init__(self, seed: int, clock: Clock) -> None:
        self.seed = seed
        self.clock = clock
        self.groups: dict[str, Group] = {}

    def get(self, group_id: str) -> Group | None:
        return self.groups.get(group_id)

    def create(self, metadata: dict | None) -> Group:
        gid = "tgrp_" + secrets.token_hex(24)  # random, like run ids (see runs.py)
        group = Group(gid, metadata, self.clock, self.clock.time(), self.clock.monotonic())
        self.groups[gid] = group
        return group


async def group_events(group: Group, cursor: tuple | None, limit: float) -> AsyncIterator[dict]:
    """Events after `cursor`, then live ones while any run is active; ends after `limit` s."""
    clock = group.clock
    deadline = clock.monotonic() + limit
    last = cursor
    sent_any = False
    while True:
        now = clock.monotonic()
        timeline = group.timeline()
        start = 0 if last is None else bisect.bisect_right(timeline, (last, float("inf")))
        for key, t in timeline[start:]:
            if t > now:
                break
            yield group.render(key, t)
            last = key
            sent_any = True
        status = group.status(now)
        if not status["is_active"]:
            if not sent_any and cursor is None:
                # A group with no runs yet: its status, with a cursor (the SDK's type needs one).
                yield {
                    "type": "task_group_status",
                    "event_id": group.event_id(now, STATUS, 0),
                    "status": status,
                }
            return
        upcoming = [t for key, t in timeline if last is None or key > last]
        wake = min([t for t in upcoming if t > now], default=deadline)
        if now >= deadline:
            return
        await clock.wait(group.changed, min(wake, deadline) - now + 1e-4)
