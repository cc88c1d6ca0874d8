"""The OAuth provider end to end over HTTP: discovery, registration, consent, token, key use."""

from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

REDIRECT = "http://127.0.0.1:8787/tasks-sse/"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


class FormParser(HTMLParser):
    """The consent page's form: action, hidden fields, submit buttons; and any script tags."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.method = None
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []
        self.scripts = 0
        self.inline_styles = 0
        self._in_button = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "style" in a:
            self.inline_styles += 1
        if tag == "script":
            self.scripts += 1
        elif tag == "form":
            self.action, self.method = a.get("action"), a.get("method")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._in_button = (a.get("name"), a.get("value"))

    def handle_data(self, data):
        if self._in_button and data.strip():
            self.buttons.append((data.strip(), *self._in_button))
            self._in_button = None


@pytest.fixture
def oauth(fast_sim):
    with fast_sim.client(headers={}, follow_redirects=False) as c:
        yield c


def register(oauth, uris=(REDIRECT,)) -> str:
    r = oauth.post(
        "/getKeys/register",
        json={
            "client_name": "tasks-sse test",
            "redirect_uris": list(uris),
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["client_id"]


def authorize_params(client_id, **over) -> dict:
    return {
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "key:read",
        "state": "st-" + secrets.token_hex(4),
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **over,
    }


def consent(oauth, params) -> FormParser:
    r = oauth.get("/getKeys/authorize", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    form = FormParser()
    form.feed(r.text)
    return form


def decide(oauth, form: FormParser, decision: str) -> dict:
    r = oauth.post(form.action, data={**form.fields, "decision": decision})
    assert r.status_code == 302, r.text
    location = r.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(oauth, client_id=None, **over) -> tuple[str, dict]:
    client_id = client_id or register(oauth)
    params = authorize_params(client_id, **over)
    back = decide(oauth, consent(oauth, params), "approve")
    assert back["state"] == params["state"]
    return back["code"], params


def token(oauth, code, verifier=VERIFIER, **over):
    return oauth.post(
        "/getKeys/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": REDIRECT,
            **over,
        },
    )


def test_metadata_names_this_origin_as_issuer(oauth, fast_sim):
    meta = oauth.get("/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == fast_sim.url
    assert meta["authorization_endpoint"] == fast_sim.url + "/getKeys/authorize"
    assert meta["token_endpoint"] == fast_sim.url + "/getKeys/token"
    assert meta["registration_endpoint"] == fast_sim.url + "/getKeys/register"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "none" in meta["token_endpoint_auth_methods_supported"]
    assert meta["response_types_supported"] == ["code"]
    # The issuer follows the Host the caller used (e.g. localhost instead of 127.0.0.1).
    port = 8788
    other = oauth.get(
        "/.well-known/oauth-authorization-server", headers={"host": f"localhost:{port}"}
    ).json()
    assert other["issuer"] == f"http://localhost:{port}"


def test_protected_resource_metadata(oauth, fast_sim):
    prm = oauth.get("/.well-known/oauth-protected-resource").json()
    assert prm["resource"] == fast_sim.url
    assert prm["authorization_servers"] == [fast_sim.url]
    assert prm["bearer_methods_supported"] == ["header"]


def test_full_flow_mints_a_key_that_works_on_the_api(oauth, fast_sim):
    code, _ = get_code(oauth)
    assert code.startswith("auth_")
    r = token(oauth, code)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    tok = r.json()
    assert tok["token_type"] == "bearer" and tok["scope"] == "key:read"
    key = tok["access_token"]
    created = fast_sim.client(headers={}).post(
        "/v1/tasks/runs",
        headers={"x-api-key": key},
        json={"input": "minted key", "processor": "lite"},
    )
    assert created.status_code == 202
    # A second sign-in mints a different key; both work.
    code2, _ = get_code(oauth)
    key2 = token(oauth, code2).json()["access_token"]
    assert key2 != key
    assert (
        fast_sim.client(headers={})
        .get("/v1/tasks/runs/" + created.json()["run_id"], headers={"x-api-key": key2})
        .status_code
        == 200
    )


def test_consent_page_is_a_plain_form(oauth):
    client_id = register(oauth)
    params = authorize_params(client_id, state="<script>alert(1)</script>")
    r = oauth.get("/getKeys/authorize", params=params)
    assert "<script>alert" not in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    form = FormParser()
    form.feed(r.text)
    assert form.scripts == 0 and form.inline_styles == 0
    assert form.method == "post" and form.action == "/getKeys/authorize"
    labels = {label: value for label, _, value in form.buttons}
    assert labels == {"Approve": "approve", "Deny": "deny"}
    assert form.fields["state"] == params["state"]
    assert form.fields["code_challenge"] == CHALLENGE
    css = oauth.get("/getKeys/consent.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_deny_redirects_with_access_denied(oauth):
    client_id = register(oauth)
    params = authorize_params(client_id)
    back = decide(oauth, consent(oauth, params), "deny")
    assert back["error"] == "access_denied" and back["state"] == params["state"]
    assert "code" not in back


def test_decision_on_the_alternate_path(oauth):
    client_id = register(oauth)
    form = consent(oauth, authorize_params(client_id))
    form.action = "/getKeys/authorize/decision"
    assert "code" in decide(oauth, form, "approve")


def test_wrong_verifier_is_invalid_grant(oauth):
    code, _ = get_code(oauth)
    r = token(oauth, code, verifier="x" * 43)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant" and r.json()["error_description"]


def test_reused_code_is_invalid_grant(oauth):
    code, _ = get_code(oauth)
    assert token(oauth, code).status_code == 200
    again = token(oauth, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "already used" in again.json()["error_description"]


def test_long_verifiers_are_accepted(oauth):
    verifier = secrets.token_urlsafe(112)[:150]
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    code, _ = get_code(oauth, code_challenge=challenge)
    assert token(oauth, code, verifier=verifier).status_code == 200


@pytest.mark.parametrize(
    "form,error",
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code_verifier": VERIFIER}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "auth_x"}, "invalid_request"),
        (
            {"grant_type": "authorization_code", "code": "auth_x", "code_verifier": "short"},
            "invalid_request",
        ),
        (
            {"grant_type": "authorization_code", "code": "auth_unknown", "code_verifier": VERIFIER},
            "invalid_grant",
        ),
    ],
)
def test_token_errors(oauth, form, error):
    r = oauth.post("/getKeys/token", data=form)
    assert r.status_code == 400 and r.json()["error"] == error


def test_token_requires_a_form_body(oauth):
    r = oauth.post("/getKeys/token", json={"grant_type": "authorization_code"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_token_checks_redirect_uri_and_client_when_sent(oauth):
    code, _ = get_code(oauth)
    r = token(oauth, code, redirect_uri="http://127.0.0.1:9/other")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    code, _ = get_code(oauth)
    r = token(oauth, code, client_id="client_someone_else")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_unregistered_redirect_uri_is_refused_without_redirect(oauth):
    client_id = register(oauth)
    for uri in (
        "http://127.0.0.1:8787/tasks-sse/other",
        "http://127.0.0.1:8787/tasks-sse",
        "https://evil.example/",
    ):
        r = oauth.get("/getKeys/authorize", params=authorize_params(client_id, redirect_uri=uri))
        assert r.status_code == 400 and "location" not in r.headers
    posted = oauth.post(
        "/getKeys/authorize",
        data={
            **authorize_params(client_id, redirect_uri="https://evil.example/"),
            "decision": "approve",
        },
    )
    assert posted.status_code == 400 and "location" not in posted.headers


def test_unknown_client_is_refused_without_redirect(oauth):
    r = oauth.get("/getKeys/authorize", params=authorize_params("client-never-issued"))
    assert r.status_code == 400 and "location" not in r.headers


@pytest.mark.parametrize(
    "over,error",
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_bad_authorization_requests_go_back_with_an_error(oauth, over, error):
    client_id = register(oauth)
    params = {k: v for k, v in authorize_params(client_id, **over).items() if v is not None}
    r = oauth.get("/getKeys/authorize", params=params)
    assert r.status_code == 302
    back = parse_qs(urlsplit(r.headers["location"]).query)
    assert back["error"] == [error] and back["state"] == [params["state"]]


@pytest.mark.parametrize(
    "body,error",
    [
        ({}, "invalid_redirect_uri"),
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"redirect_uris": ["http://example.com/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://app.example/cb#frag"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["not a url"]}, "invalid_redirect_uri"),
        (
            {
                "redirect_uris": ["https://app.example/cb"],
                "token_endpoint_auth_method": "client_secret_basic",
            },
            "invalid_client_metadata",
        ),
        ([], "invalid_client_metadata"),
    ],
)
def test_registration_errors(oauth, body, error):
    r = oauth.post("/getKeys/register", json=body)
    assert r.status_code == 400 and r.json()["error"] == error


@pytest.mark.parametrize(
    "uri", ["http://localhost:5173/cb", "http://127.0.0.1/cb", "https://app.example/callback?x=1"]
)
def test_registration_accepts_https_and_loopback_http(oauth, uri):
    r = oauth.post("/getKeys/register", json={"redirect_uris": [uri]})
    assert r.status_code == 201
    body = r.json()
    assert body["redirect_uris"] == [uri] and body["token_endpoint_auth_method"] == "none"
    assert body["client_id"] and body["grant_types"] == ["authorization_code"]


def test_redirect_keeps_an_existing_query(oauth):
    uri = "https://app.example/callback?x=1"
    client_id = oauth.post("/getKeys/register", json={"redirect_uris": [uri]}).json()["client_id"]
    form = consent(oauth, authorize_params(client_id, redirect_uri=uri))
    r = oauth.post(form.action, data={**form.fields, "decision": "approve"})
    assert r.headers["location"].startswith(uri + "&code=auth_")


def test_browser_called_endpoints_answer_cors(oauth):
    origin = {"origin": "http://127.0.0.1:8787"}
    for path in ("/.well-known/oauth-authorization-server", "/getKeys/register", "/getKeys/token"):
        pre = oauth.options(
            path,
            headers={
                **origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        assert pre.status_code == 200, path
        assert pre.headers["access-control-allow-origin"] in ("*", origin["origin"])
    r = oauth.post("/getKeys/token", data={"grant_type": "x"}, headers=origin)
    assert r.headers["access-control-allow-origin"] in ("*", origin["origin"])
