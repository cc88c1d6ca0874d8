"""config.json shape and the Worker's own error bodies."""

import json
import uuid

from config import build_config
from errors import error_body, error_json, reason


def test_config_shape_for_the_simulator():
    cfg = build_config("http://127.0.0.1:8788/", "http://127.0.0.1:8788", "simulator")
    assert cfg == {
        "apiBase": "/tasks-sse/api",
        "keyCheckUrl": "/tasks-sse/key-check",
        "mode": "simulator",
        "upstream": "http://127.0.0.1:8788",
        "oauth": {
            "issuer": "http://127.0.0.1:8788",
            "proxyBase": "/tasks-sse/oauth",
            "scope": "key:read",
            "authorizationEndpoint": "http://127.0.0.1:8788/getKeys/authorize",
            "registrationEndpoint": "http://127.0.0.1:8788/getKeys/register",
            "tokenEndpoint": "http://127.0.0.1:8788/getKeys/token",
        },
    }


def test_config_defaults_are_live():
    cfg = build_config("", None, "")
    assert cfg["mode"] == "live"
    assert cfg["upstream"] == "https://api.parallel.ai"
    assert cfg["oauth"]["issuer"] == "https://platform.parallel.ai"
    assert cfg["oauth"]["tokenEndpoint"] == "https://platform.parallel.ai/getKeys/token"


def test_error_shape_matches_parallel():
    body = error_body("Upstream unreachable", {"x": 1})
    assert body["type"] == "error"
    assert set(body["error"]) == {"ref_id", "message", "detail"}
    uuid.UUID(body["error"]["ref_id"])
    assert body["error"]["message"] == "Upstream unreachable"
    assert json.loads(error_json("m"))["error"]["detail"] is None
    assert error_body("a")["error"]["ref_id"] != error_body("a")["error"]["ref_id"]


def test_reason_phrases():
    assert reason(404) == "Not Found"
    assert reason(599) == ""
