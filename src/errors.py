"""The Worker's own errors, in the shape Parallel's API uses, so clients handle both alike. Pure."""

from __future__ import annotations

import json
import uuid
from http import HTTPStatus
from typing import Any


def error_body(message: str, detail: Any = None) -> dict:
    return {
        "type": "error",
        "error": {"ref_id": str(uuid.uuid4()), "message": message, "detail": detail},
    }


def error_json(message: str, detail: Any = None) -> str:
    return json.dumps(error_body(message, detail), separators=(",", ":"))


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
