"""`GET /tasks-sse/key-check`: is this API key accepted? Answered without side effects.

The Task API has no "who am I" call, and every call that answers 2xx for any valid key creates
something. The Worker asks for a run that cannot exist instead: the API answers 404 to a key it
accepts and 401/403 to one it does not. A browser logs every 4xx it receives as a console error,
so the verdict comes back as a 200 with JSON (`{"valid": true}` or `{"valid": false, "status",
"message"}`); any other upstream answer (429, 5xx) is passed on with its status.
"""

from __future__ import annotations

import headers as header_policy
import limits
from interop import error_response, header_pairs, json_response, unreachable_response
from relay import compact
from upstream import Upstream, upstream_error_text

PROBE_RUN_ID = "trun_00000000000000000000000000000000"
MAX_MESSAGE_CHARS = 200


async def handle_key_check(js_request, origin: str, cors):
    incoming = header_pairs(js_request.headers)
    credentials = header_policy.get(incoming, "x-api-key") or header_policy.get(
        incoming, "authorization"
    )
    if not credentials:
        return error_response(400, "Send the key to check in x-api-key", cors)
    try:
        resp = await Upstream(origin, incoming).run(PROBE_RUN_ID)
    except Exception as exc:
        return unreachable_response("key-check", exc, cors)
    status = int(resp.status)
    message = _message(await upstream_error_text(resp))
    if status in (200, 404):
        return json_response(compact({"valid": True}), 200, cors)
    if status in (401, 403):
        verdict = {"valid": False, "status": status, "message": message}
        return json_response(compact(verdict), 200, cors)
    detail = {"status": status, "message": message}
    return error_response(
        status if 400 <= status <= 599 else 502, "The key could not be checked", cors, detail
    )


def _message(text: str) -> str:
    """The API's error message, if its answer had one (short, one line)."""
    try:
        body = limits.loads(text)
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str):
        return ""
    return " ".join(message.split())[:MAX_MESSAGE_CHARS]
