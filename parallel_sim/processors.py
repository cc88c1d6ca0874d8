"""The processors (price, latency ranges, field guidance, event richness), from the data file."""

from __future__ import annotations

from dataclasses import dataclass

from .table import PROCESSOR_ROWS


@dataclass(frozen=True)
class Processor:
    name: str
    usd_per_1k: float
    latency: tuple[float, float]  # seconds, documented standard range
    fast_latency: tuple[float, float]  # seconds, documented -fast range
    max_fields: int
    # Progress messages in a run's trace when events are enabled (lite/base: "few").
    messages: int
    # Whether enable_events defaults to true ("pro and above").
    events_by_default: bool
    deep_research: bool  # auto output schema gives a structured report (pro and above)
    max_tool_calls: int | None  # lite and core invoke at most one MCP tool


_TABLE = [
    Processor(
        row["name"],
        row["usd_per_1k_runs"],
        tuple(row["latency_s"]),
        tuple(row["fast_latency_s"]),
        row["fields"],
        row["messages"],
        row["events_by_default"],
        row["deep_research"],
        row["max_tool_calls"],
    )
    for row in PROCESSOR_ROWS
]

BASE = {p.name: p for p in _TABLE}
NAMES = [p.name for p in _TABLE] + [p.name + "-fast" for p in _TABLE]


@dataclass(frozen=True)
class Resolved:
    """A processor as named in a request (with or without -fast)."""

    name: str
    base: Processor
    fast: bool

    @property
    def latency(self) -> tuple[float, float]:
        return self.base.fast_latency if self.fast else self.base.latency

    @property
    def price_usd(self) -> float:
        """Cost of one run: -fast variants cost the same as the standard ones."""
        return self.base.usd_per_1k / 1000.0


def resolve(name: object) -> Resolved | None:
    """The processor named `name`, or None when it is not a known processor (a 403)."""
    if not isinstance(name, str):
        return None
    fast = name.endswith("-fast")
    base = BASE.get(name[: -len("-fast")] if fast else name)
    return Resolved(name, base, fast) if base else None
