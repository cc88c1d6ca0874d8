"""The processor table (spec section 12): price, latency ranges, field guidance, event richness."""

from __future__ import annotations

from dataclasses import dataclass

MIN = 60.0


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
    Processor("lite", 5, (10, 60), (10, 20), 2, 2, False, False, 1),
    Processor("base", 10, (15, 100), (15, 50), 5, 3, False, False, None),
    Processor("core", 25, (60, 5 * MIN), (15, 100), 10, 6, False, False, 1),
    Processor("core2x", 50, (60, 10 * MIN), (15, 3 * MIN), 10, 8, False, False, None),
    Processor("pro", 100, (2 * MIN, 10 * MIN), (30, 5 * MIN), 20, 14, True, True, None),
    Processor("ultra", 300, (5 * MIN, 25 * MIN), (MIN, 10 * MIN), 20, 20, True, True, None),
    Processor("ultra2x", 600, (5 * MIN, 50 * MIN), (MIN, 20 * MIN), 25, 24, True, True, None),
    Processor("ultra4x", 1200, (5 * MIN, 90 * MIN), (MIN, 40 * MIN), 25, 28, True, True, None),
    Processor("ultra8x", 2400, (5 * MIN, 120 * MIN), (MIN, 60 * MIN), 25, 32, True, True, None),
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
