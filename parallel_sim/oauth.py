"""Parallel's OAuth "key vending" provider (spec section 13): RFC 8414 metadata, RFC 9728
protected-resource metadata, RFC 7591 registration, authorization code + PKCE (S256 only) with a
consent page, and a token endpoint whose access_token is a newly minted API key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from . import limits
from .auth import KeyRing
from .bodies import parse_json, read_limited
from .util import json_response
from .validation import InvalidRequest

SCOPE = "key:read"
CODE_TTL_SECONDS = 600.0
_LOOPBACK = {"localhost", "127.0.0.1", "[::1]", "::1"}
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,}$")  # no 128 cap: the cookbook sends ~150 chars
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$")
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}

CONSENT_CSS = """\
body { font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; }
.app { font-weight: 600; word-break: break-all; }
.note { color: #555; font-size: .9rem; }
.buttons { display: flex; gap: .75rem; margin-top: 1.5rem; }
button { font: inherit; padding: .5rem 1.2rem; border-radius: 6px; border: 1px solid #888; }
button.approve { background: #1d4ed8; color: #fff; border-color: #1d4ed8; }
.error { color: #b91c1c; }
"""
PAGE_HEADERS = {
    # The consent form posts to this origin and the provider then redirects to the client, so
    # form-action must not be 'self' only (Chromium applies form-action to the redirect too).
    "content-security-policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}


@dataclass
class Client:
    client_id: str
    redirect_uris: list[str]
    client_name: str | None
    issued_at: int


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    expires: float
    used: bool = False


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def redirect_uri_problem(uri: object) -> str | None:
    """Why `uri` cannot be registered, or None: https, or http on a loopback host only."""
    if not isinstance(uri, str) or not uri:
        return "redirect URIs must be non-empty strings"
    try:
        parts = urlsplit(uri)
    except ValueError:
        return f"{uri!r} is not a URL"
    if parts.fragment:
        return f"{uri!r} has a fragment"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in _LOOPBACK | {"::1"}:
        return None
    return f"{uri!r} must use https (http is allowed only for localhost and 127.0.0.1)"


def _with_params(uri: str, params: dict) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status, NO_STORE)


async def read_form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (first value of each field)."""
    raw = await read_limited(request, limits.MAX_OAUTH_BODY_BYTES)
    body = raw.decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


class OAuthProvider:
    def __init__(self, keys: KeyRing, fixed_issuer: str = "") -> None:
        self.keys = keys
        self.fixed_issuer = fixed_issuer
        self.clients: dict[str, Client] = {}
        self.grants: dict[str, Grant] = {}

    # --- discovery ---------------------------------------------------------------------------
    def issuer(self, request: Request) -> str:
        """The simulator's origin as the caller sees it (Host header), unless fixed by config."""
        if self.fixed_issuer:
            return self.fixed_issuer
        host = request.headers.get("host", "")
        if not _HOST.match(host):
            host = f"{request.url.hostname}:{request.url.port}"
        return f"{request.url.scheme}://{host}"

    async def metadata(self, request: Request) -> Response:
        iss = self.issuer(request)
        return json_response(
            {
                "issuer": iss,
                "authorization_endpoint": iss + "/getKeys/authorize",
                "token_endpoint": iss + "/getKeys/token",
                "registration_endpoint": iss + "/getKeys/register",
                "scopes_supported": [SCOPE],
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code"],
                "token_endpoint_auth_methods_supported": ["none"],
                "code_challenge_methods_supported": ["S256"],
                "service_documentation": "https://docs.parallel.ai",
            }
        )

    async def protected_resource(self, request: Request) -> Response:
        iss = self.issuer(request)
        return json_response(
            {
                "resource": iss,
                "authorization_servers": [iss],
                "scopes_supported": [SCOPE],
                "bearer_methods_supported": ["header"],
                "resource_name": "Parallel Task API (simulator)",
            }
        )

    # --- registration (RFC 7591) ---------------------------------------------------------------
    async def register(self, request: Request) -> Response:
        try:
            meta = parse_json(await read_limited(request, limits.MAX_OAUTH_BODY_BYTES))
        except InvalidRequest as e:
            return _oauth_error(400, "invalid_client_metadata", f"the body must be JSON: {e.msg}")
        if not isinstance(meta, dict):
            return _oauth_error(400, "invalid_client_metadata", "the body must be a JSON object")
        uris = meta.get("redirect_uris")
        if not isinstance(uris, list) or not uris:
            return _oauth_error(400, "invalid_redirect_uri", "redirect_uris is required")
        if len(uris) > limits.MAX_REDIRECT_URIS:
            return _oauth_error(
                400, "invalid_redirect_uri", f"at most {limits.MAX_REDIRECT_URIS} redirect_uris"
            )
        for uri in uris:
            problem = redirect_uri_problem(uri)
            if problem:
                return _oauth_error(400, "invalid_redirect_uri", problem)
        method = meta.get("token_endpoint_auth_method", "none")
        if method != "none":
            return _oauth_error(
                400,
                "invalid_client_metadata",
                "only public clients are supported: token_endpoint_auth_method must be 'none'",
            )
        name = meta.get("client_name")
        client = Client(
            "client_" + secrets.token_hex(16),
            list(uris),
            name if isinstance(name, str) else None,
            int(time.time()),
        )
        self.clients[client.client_id] = client
        while len(self.clients) > limits.MAX_OAUTH_CLIENTS:  # bounded: the oldest goes first
            del self.clients[next(iter(self.clients))]
        body = {
            "client_id": client.client_id,
            "client_id_issued_at": client.issued_at,
            "redirect_uris": client.redirect_uris,
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "scope": SCOPE,
        }
        if client.client_name:
            body["client_name"] = client.client_name
        return json_response(body, 201, NO_STORE)

    # --- authorization -------------------------------------------------------------------------
    def _check(self, p: dict[str, str]) -> tuple[Client | None, Response | None]:
        """Validate an authorization request. Errors about the client or redirect URI are shown
        to the user (never redirected, RFC 6749 4.1.2.1); the rest go back to the client."""
        client = self.clients.get(p.get("client_id", ""))
        if client is None:
            return None, self._error_page(
                "Unknown application",
                "This sign-in link names an "
                "application that is not registered (unknown "
                "client_id).",
            )
        redirect = p.get("redirect_uri", "")
        if redirect not in client.redirect_uris:  # exact string comparison
            return None, self._error_page(
                "Unregistered return address",
                "The redirect_uri in this sign-in link is not registered for the application.",
            )
        state = {"state": p["state"]} if p.get("state") else {}
        if p.get("response_type") != "code":
            return None, RedirectResponse(
                _with_params(
                    redirect,
                    {
                        "error": "unsupported_response_type",
                        "error_description": "response_type must be 'code'",
                        **state,
                    },
                ),
                302,
            )
        if p.get("code_challenge_method") != "S256":
            return None, RedirectResponse(
                _with_params(
                    redirect,
                    {
                        "error": "invalid_request",
                        "error_description": "PKCE is required: code_challenge_method must be S256",
                        **state,
                    },
                ),
                302,
            )
        if not _CHALLENGE.match(p.get("code_challenge", "")):
            return None, RedirectResponse(
                _with_params(
                    redirect,
                    {
                        "error": "invalid_request",
                        "error_description": "code_challenge must be base64url SHA-256 (43 chars)",
                        **state,
                    },
                ),
                302,
            )
        return client, None

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        client, problem = self._check(params)
        if problem:
            return problem
        assert client is not None
        return self._consent(client, params)

    async def decide(self, request: Request) -> Response:
        params = await read_form(request)
        client, problem = self._check(params)  # hidden fields are re-validated, never trusted
        if problem:
            return problem
        redirect = params["redirect_uri"]
        state = {"state": params["state"]} if params.get("state") else {}
        if params.get("decision") != "approve":
            return RedirectResponse(
                _with_params(
                    redirect,
                    {
                        "error": "access_denied",
                        "error_description": "The user denied the request",
                        **state,
                    },
                ),
                302,
            )
        code = "auth_" + secrets.token_hex(28)
        self.grants[code] = Grant(
            client.client_id,
            redirect,
            params["code_challenge"],
            params.get("scope") or SCOPE,
            time.monotonic() + CODE_TTL_SECONDS,
        )
        self._forget_expired()
        return RedirectResponse(
            _with_params(redirect, {"code": code, **state}),
            302,
            headers={"cache-control": "no-store"},
        )

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for code in [c for c, g in self.grants.items() if g.expires < now - CODE_TTL_SECONDS]:
            del self.grants[code]

    def _page(self, title: str, body_html: str, status: int = 200) -> HTMLResponse:
        """A minimal page: no script, one same-origin stylesheet, `body_html` already escaped."""
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)} - Parallel (simulator)</title>"
            '<link rel="stylesheet" href="/getKeys/consent.css"></head><body><main>'
            f"<h1>{html.escape(title)}</h1>{body_html}</main></body></html>"
        )
        return HTMLResponse(page, status, headers=PAGE_HEADERS)

    def _error_page(self, title: str, text: str) -> HTMLResponse:
        return self._page(title, f'<p class="error">{html.escape(text)}</p>', 400)

    def _consent(self, client: Client, p: dict[str, str]) -> HTMLResponse:
        app = urlsplit(p["redirect_uri"])
        who = html.escape(client.client_name or app.hostname or p["redirect_uri"])
        fields = (
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
        )
        hidden = "".join(
            f'<input type="hidden" name="{f}" value="{html.escape(p.get(f, ""), True)}">'
            for f in fields
        )
        body = (
            f'<p><span class="app">{who}</span> wants an API key for your Parallel account '
            f"(scope <code>{html.escape(p.get('scope') or SCOPE)}</code>).</p>"
            f'<p class="note">Approving sends you back to '
            f"<code>{html.escape(app.scheme + '://' + app.netloc)}</code> with a one-time code. "
            "This is the offline simulator: the key it mints works only against it.</p>"
            f'<form method="post" action="/getKeys/authorize">{hidden}'
            '<div class="buttons">'
            '<button type="submit" name="decision" value="approve" class="approve">'
            "Approve</button>"
            '<button type="submit" name="decision" value="deny">Deny</button>'
            "</div></form>"
        )
        return self._page("Sign in with Parallel", body)

    async def consent_css(self, request: Request) -> Response:
        return Response(
            CONSENT_CSS, media_type="text/css", headers={"cache-control": "max-age=300"}
        )

    # --- token ---------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        ctype = request.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" not in ctype:
            return _oauth_error(
                400, "invalid_request", "the body must be application/x-www-form-urlencoded"
            )
        form = await read_form(request)
        if form.get("grant_type") != "authorization_code":
            return _oauth_error(
                400, "unsupported_grant_type", "grant_type must be authorization_code"
            )
        code, verifier = form.get("code", ""), form.get("code_verifier", "")
        if not code:
            return _oauth_error(400, "invalid_request", "code is required")
        if not verifier:
            return _oauth_error(400, "invalid_request", "code_verifier is required")
        if not _VERIFIER.match(verifier):
            return _oauth_error(
                400,
                "invalid_request",
                "code_verifier must be 43 or more characters of [A-Za-z0-9-._~]",
            )
        grant = self.grants.get(code)
        if grant is None:
            return _oauth_error(400, "invalid_grant", "unknown authorization code")
        if grant.used:
            return _oauth_error(400, "invalid_grant", "authorization code already used")
        grant.used = True  # any redemption attempt spends the code
        if time.monotonic() > grant.expires:
            return _oauth_error(400, "invalid_grant", "authorization code expired")
        if form.get("client_id") and form["client_id"] != grant.client_id:
            return _oauth_error(400, "invalid_grant", "client_id does not match the code")
        if form.get("redirect_uri") and form["redirect_uri"] != grant.redirect_uri:
            return _oauth_error(400, "invalid_grant", "redirect_uri does not match the code")
        if not hmac.compare_digest(s256(verifier), grant.challenge):
            return _oauth_error(
                400, "invalid_grant", "code_verifier does not match the code_challenge"
            )
        # The access token *is* an API key (no expiry, no refresh token), as on Parallel.
        return json_response(
            {"access_token": self.keys.mint(), "token_type": "bearer", "scope": grant.scope},
            200,
            NO_STORE,
        )
