"""`/tasks-sse/config.json`: what the page needs at start, built from the Worker's vars. Pure."""

from __future__ import annotations

DEFAULT_API_ORIGIN = "https://api.parallel.ai"
DEFAULT_OAUTH_ISSUER = "https://platform.parallel.ai"
API_BASE = "/tasks-sse/api"
KEY_CHECK_URL = "/tasks-sse/key-check"
OAUTH_PROXY_BASE = "/tasks-sse/oauth"
OAUTH_SCOPE = "key:read"


def build_config(api_origin: str | None, oauth_issuer: str | None, mode: str | None) -> dict:
    upstream = (api_origin or DEFAULT_API_ORIGIN).strip().rstrip("/")
    issuer = (oauth_issuer or DEFAULT_OAUTH_ISSUER).strip().rstrip("/")
    return {
        "apiBase": API_BASE,
        "keyCheckUrl": KEY_CHECK_URL,
        "mode": "simulator" if (mode or "").strip().lower() == "simulator" else "live",
        "upstream": upstream,
        "oauth": {
            "issuer": issuer,
            "proxyBase": OAUTH_PROXY_BASE,
            "scope": OAUTH_SCOPE,
            "authorizationEndpoint": f"{issuer}/getKeys/authorize",
            "registrationEndpoint": f"{issuer}/getKeys/register",
            "tokenEndpoint": f"{issuer}/getKeys/token",
        },
    }
