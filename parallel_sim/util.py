"""Small shared helpers: timestamps, deterministic randomness, ids, JSON and error responses."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from datetime import UTC, datetime

from starlette.responses import Response


def rfc3339(epoch: float) -> str:
    """RFC 3339 with microseconds and Z, as the API writes timestamps."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(*parts: object) -> bytes:
    h = hashlib.sha256()
    for part in parts:
        h.update(canonical(part).encode())
        h.update(b"\x00")
    return h.digest()


def rng(*parts: object) -> random.Random:
    """A generator seeded only by `parts`, so the same seed + input gives the same run."""
    return random.Random(int.from_bytes(digest(*parts)[:16], "big"))


def unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from `parts`."""
    return int.from_bytes(digest(*parts)[:8], "big") / 2**64


def ref_id() -> str:
    return str(uuid.uuid4())


def dumps(obj: object) -> str:
    """One-line JSON (SSE data lines must not contain newlines)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def json_response(obj: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(dumps(obj), status_code=status, headers=headers, media_type="application/json")


def error_body(message: str, detail: object = None) -> dict:
    """Parallel's ErrorResponse shape."""
    return {"type": "error", "error": {"ref_id": ref_id(), "message": message, "detail": detail}}


def error_response(
    status: int, message: str, detail: object = None, headers: dict | None = None
) -> Response:
    return json_response(error_body(message, detail), status, headers)
