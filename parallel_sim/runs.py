"""Task runs: the store and the clock-driven lifecycle (queued -> running -> completed|failed).

Nothing ticks: a run's whole timeline (status changes, trace, output) is fixed at creation from
seed + input + processor, and every read computes the state for "now".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from . import events, outputs, processors
from .clock import Clock
from .util import canonical, ref_id, rfc3339, rng, unit
from .validation import Checked

FAIL_TRIGGER = "[sim:fail]"
# Input markers that end a run in the other statuses the API's types list.
CANCEL_TRIGGER = "[sim:cancel]"
ACTION_TRIGGER = "[sim:action-required]"
QUEUED_FRACTION = 0.05  # share of a run's duration spent queued
FAIL_AT_FRACTION = 0.6  # a failing, cancelled or action-required run stops here
CANCELLING_FRACTION = 0.1  # a cancelled run's last share of its time is spent `cancelling`
ACTIVE = ("queued", "running", "cancelling")
# Every status of the API's TaskRun type: the three active ones, then where a run can stop.
STATUSES = (*ACTIVE, "action_required", "completed", "failed", "cancelled")


def draw_duration(proc: processors.Resolved, speed: float, *key: object) -> float:
    """Seconds from creation to completion: a point in the documented latency range, skewed
    towards its fast end (most runs finish near the low bound), divided by the speed factor."""
    lo, hi = proc.latency
    return (lo + (hi - lo) * unit("duration", *key) ** 5) / speed


@dataclass
class Run:
    run_id: str
    body: dict  # the TaskRunInput as submitted
    checked: Checked
    api_key: str
    clock: Clock
    created_wall: float
    created_mono: float
    running_at: float  # offsets in seconds after creation
    end_at: float
    final: str  # completed | failed | cancelled | action_required
    seed: int
    taskgroup_id: str | None = None
    trace: list[events.TraceEvent] = field(default_factory=list)
    error: dict | None = None
    streams_opened: int = 0
    _output: dict | None = None

    @property
    def processor(self) -> str:
        return self.checked.processor.name

    def elapsed(self, now: float | None = None) -> float:
        return (self.clock.monotonic() if now is None else now) - self.created_mono

    @property
    def fails(self) -> bool:
        return self.final == "failed"

    def status(self, now: float | None = None) -> str:
        e = self.elapsed(now)
        if e >= self.end_at:
            return self.final
        if e < self.running_at:
            return "queued"
        if self.final == "cancelled" and e >= self.end_at * (1 - CANCELLING_FRACTION):
            return "cancelling"
        return "running"

    def is_done(self, now: float | None = None) -> bool:
        return self.status(now) not in ACTIVE

    def remaining(self, now: float | None = None) -> float:
        return max(0.0, self.end_at - self.elapsed(now))

    def end_mono(self) -> float:
        return self.created_mono + self.end_at

    def snapshot(self, now: float | None = None) -> dict:
        """The TaskRun object, fields in the order the API serialises them."""
        status = self.status(now)
        changed = {
            "queued": 0.0,
            "running": self.running_at,
            "cancelling": self.end_at * (1 - CANCELLING_FRACTION),
        }.get(status, self.end_at)
        meta = self.body.get("metadata")
        return {
            "run_id": self.run_id,
            "interaction_id": self.run_id,  # equal in every OpenAPI example
            "status": status,
            "is_active": status in ACTIVE,
            "warnings": self.checked.warnings or None,
            "error": self.error if status == "failed" else None,
            "processor": self.processor,
            "metadata": meta if meta is not None else {},
            "taskgroup_id": self.taskgroup_id,
            "created_at": rfc3339(self.created_wall),
            "modified_at": rfc3339(self.created_wall + changed),
        }

    def output(self) -> dict:
        """The run's output (computed once, on first need)."""
        if self._output is None:
            c = self.checked
            self._output = outputs.generate(
                c.spec.output,
                c.spec.json_schema,
                self.body["input"],
                self.seed,
                self.processor,
                c.processor.base.deep_research,
                self.body.get("mcp_servers"),
                c.processor.base.max_tool_calls,
            )
        return self._output

    def events_enabled(self) -> bool:
        flag = self.body.get("enable_events")
        return self.checked.processor.base.events_by_default if flag is None else flag

    def state_event(
        self,
        now: float | None = None,
        with_output: bool = False,
        event_id: str | None = None,
        include_input: bool = False,
    ) -> dict:
        status = self.status(now)
        return {
            "type": "task_run.state",
            "event_id": event_id,
            "input": self.body if include_input else None,
            "run": self.snapshot(now),
            "output": self.output() if with_output and status == "completed" else None,
        }


def final_status(text: str, failure_rate: float, key: tuple) -> str:
    """Where a run ends: the input's markers first, then the configured failure rate."""
    if FAIL_TRIGGER in text:
        return "failed"
    if CANCEL_TRIGGER in text:
        return "cancelled"
    if ACTION_TRIGGER in text:
        return "action_required"
    if failure_rate > 0 and unit("fail", *key) < failure_rate:
        return "failed"
    return "completed"


class RunStore:
    def __init__(self, seed: int, speed: float, failure_rate: float, clock: Clock) -> None:
        self.clock = clock
        self.seed = seed
        self.speed = speed
        self.failure_rate = failure_rate
        self.runs: dict[str, Run] = {}

    def _new_id(self) -> str:
        # Random, unlike everything else about a run: a restarted simulator must never hand out
        # an id that a browser's task history already holds for another run.
        return "trun_" + uuid.uuid4().hex

    def create(self, checked: Checked, api_key: str, taskgroup_id: str | None = None) -> Run:
        body = checked.body
        proc = checked.processor
        key = (self.seed, proc.name, body["input"], body.get("task_spec"))
        duration = draw_duration(proc, self.speed, *key)
        text = body["input"] if isinstance(body["input"], str) else canonical(body["input"])
        final = final_status(text, self.failure_rate, key)
        fails = final == "failed"
        running_at = duration * QUEUED_FRACTION
        end_at = duration if final == "completed" else duration * FAIL_AT_FRACTION
        now_wall, now_mono = self.clock.time(), self.clock.monotonic()
        run = Run(
            self._new_id(),
            body,
            checked,
            api_key,
            self.clock,
            now_wall,
            now_mono,
            running_at,
            end_at,
            final,
            self.seed,
            taskgroup_id,
        )
        if fails:
            run.error = {
                "ref_id": ref_id(),
                "message": "Task execution failed",
                "detail": {
                    "reason": "simulated failure"
                    + (f" ({FAIL_TRIGGER} in input)" if FAIL_TRIGGER in text else " (failure rate)")
                },
            }
        enabled = run.events_enabled()
        base = proc.base
        if enabled:
            n_msgs, n_stats = base.messages, min(10, max(3, base.messages // 2))
        else:  # "frequency of events will be reduced"
            n_msgs, n_stats = (0 if base.messages <= 3 else max(1, base.messages // 4)), 2
        run.trace = events.build_trace(
            topic=outputs.topic_of(body["input"]),
            created_wall=now_wall,
            start=running_at,
            end=end_at,
            messages=n_msgs,
            stats=n_stats,
            completes=final == "completed",
            r=rng("trace", *key),
        )
        self.runs[run.run_id] = run
        return run

    def get(self, run_id: str) -> Run | None:
        return self.runs.get(run_id)
