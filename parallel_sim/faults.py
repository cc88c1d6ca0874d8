"""Fault injection: `name=value` pairs separated by `;`, from config, run metadata and request.

Later sources override earlier ones per name: config < run metadata `sim_fault` < request
(header `x-sim-fault` or query parameter `sim_fault`).
"""

from __future__ import annotations

from dataclasses import dataclass

HEADER = "x-sim-fault"
PARAM = "sim_fault"
NAMES = (
    "drop-after",
    "max-stream-seconds",
    "chunk-bytes",
    "first-byte-delay-ms",
    "fail-first",
    "retry-after-ms",
    "stream-error-after",
    "tag",
)
# A delay that parses as a float but is no real wait (1e400 is inf) is refused like NaN.
MAX_DELAY_MS = 600_000.0


class FaultSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Faults:
    drop_after: int | None = None
    max_stream_seconds: float | None = None
    chunk_bytes: int | None = None
    first_byte_delay_ms: float | None = None
    fail_first: tuple[int, int] | None = None  # (N, STATUS)
    # The wait fail-first's 429/503 answers ask for (Retry-After and retry-after-ms).
    retry_after_ms: int | None = None
    # An in-stream `error` event after N events of every stream, which then ends.
    stream_error_after: int | None = None
    # No effect: a label that makes a fault text, and so its fail-first count, its own.
    tag: str | None = None

    def merged(self, other: Faults) -> Faults:
        """`other`'s settings win where set."""
        return Faults(
            **{
                k: (getattr(other, k) if getattr(other, k) is not None else getattr(self, k))
                for k in self.__dataclass_fields__
            }
        )


NONE = Faults()


def parse(text: str | None) -> Faults:
    """Parse a fault list; raise FaultSyntaxError naming the bad part."""
    if not text or not text.strip():
        return NONE
    values: dict = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, raw = part.partition("=")
        name, raw = name.strip().lower(), raw.strip()
        if not sep or name not in NAMES:
            raise FaultSyntaxError(f"unknown fault {part!r}; known: {', '.join(NAMES)}")
        try:
            if name == "tag":
                values["tag"] = raw
            elif name == "fail-first":
                count, _, status = raw.partition(":")
                n, code = int(count), int(status or "503")
                if n < 0 or not 400 <= code <= 599:
                    raise ValueError
                values["fail_first"] = (n, code)
            elif name in ("max-stream-seconds", "first-byte-delay-ms"):
                v = float(raw)
                if not 0 <= v < float("inf") or (
                    name == "first-byte-delay-ms" and v > MAX_DELAY_MS
                ):
                    raise ValueError
                values[name.replace("-", "_")] = v
            else:
                v = int(raw)
                if v < (1 if name == "chunk-bytes" else 0):
                    raise ValueError
                values[name.replace("-", "_")] = v
        except ValueError:
            raise FaultSyntaxError(f"bad value in {part!r}") from None
    return Faults(**values)


class FailCounter:
    """Counts requests per key so `fail-first=N:STATUS` fails exactly the first N."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def should_fail(self, key: str, n: int) -> bool:
        seen = self._seen.get(key, 0)
        self._seen[key] = seen + 1
        return seen < n
