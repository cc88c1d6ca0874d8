"""Sign in with Parallel, end to end in Chromium.

The page, the Worker's OAuth proxy (local runtime) and the simulator's OAuth provider are all real:
the browser navigates to the simulator's consent page, clicks Approve or Deny, comes back to the
playground, which exchanges the code through the proxy and keeps the minted key.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_no_axe_violations

pytestmark = pytest.mark.e2e

SIM_KEY = "sim-dev-key"
KEY_ENTRY = "tasks-sse.apiKey"
PENDING_ENTRY = "tasks-sse.oauth.pending"
CLIENTS_ENTRY = "tasks-sse.oauth.clients"
TOKEN_PATH = "/tasks-sse/oauth/getKeys/token"
WAIT_MS = 15_000


class Recorder:
    """What the browser did: token requests (with their form bodies), callbacks, console text."""

    def __init__(self, page: Page, app_origin: str):
        self.token_requests: list[dict] = []
        self.callbacks: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []  # console errors, failed loads included
        self._origin = app_origin
        page.on("request", self._on_request)
        page.on("console", self._on_console)

    def _on_console(self, msg) -> None:
        self.console.append(msg.text)
        if msg.type == "error":
            self.errors.append(msg.text)

    def _on_request(self, request) -> None:
        if request.url.startswith(self._origin + TOKEN_PATH):
            self.token_requests.append(parse_qs(request.post_data or ""))
        elif (
            request.is_navigation_request()
            and request.url.startswith(self._origin + "/tasks-sse/")
            and ("code=" in request.url or "error=" in request.url)
        ):
            self.callbacks.append(request.url)


@pytest.fixture
def app(app_url: str, page_problems):
    """The playground's address; the page must raise no error, CSP violation or dialog."""
    yield app_url
    assert page_problems.errors == []


@pytest.fixture
def config(worker):
    return httpx.get(worker.url + "/tasks-sse/config.json", timeout=10).json()


@pytest.fixture
def rec(page: Page, worker) -> Recorder:
    return Recorder(page, worker.url)


def key_panel(page: Page):
    return page.get_by_role("region", name="API key")


def status(page: Page):
    return key_panel(page).get_by_role("status")


def stored_key(page: Page):
    return page.evaluate(f"() => localStorage.getItem({json.dumps(KEY_ENTRY)})")


def open_app(page: Page, app: str) -> None:
    page.goto(app)
    expect(page.get_by_role("button", name=re.compile("Sign in.*with Parallel"))).to_be_enabled(
        timeout=WAIT_MS
    )


def go_to_consent(page: Page, app: str, sim) -> None:
    open_app(page, app)
    page.get_by_role("button", name=re.compile("Sign in.*with Parallel")).click()
    page.wait_for_url(re.compile(re.escape(sim.url) + r"/getKeys/authorize\?"), timeout=WAIT_MS)


def click_consent(page: Page, name: str) -> None:
    page.get_by_role("button", name=re.compile(name, re.I)).click()


def sign_in(page: Page, app: str, sim) -> str:
    go_to_consent(page, app, sim)
    click_consent(page, "approve")
    expect(status(page)).to_contain_text("Signed in with Parallel", timeout=WAIT_MS)
    key = stored_key(page)
    assert key
    return key


def test_page_sends_no_referrer_and_a_strict_csp(page: Page, app: str, worker):
    response = page.goto(app)
    assert response is not None and response.ok
    headers = response.headers
    assert headers.get("referrer-policy") == "no-referrer"
    assert "connect-src 'self'" in headers.get("content-security-policy", "")
    panel = key_panel(page)
    expect(panel).to_contain_text("localStorage", timeout=WAIT_MS)


def test_sign_in_through_consent_then_create_a_run(page: Page, app: str, sim, rec: Recorder):
    key = sign_in(page, app, sim)
    # The code left the address bar before anything else happened, and no secret was logged.
    assert "code=" not in page.url and "state=" not in page.url
    assert page.url.rstrip("/").endswith("/tasks-sse")
    assert len(rec.token_requests) == 1
    form = rec.token_requests[0]
    assert form["grant_type"] == ["authorization_code"]
    assert set(form) >= {"code", "client_id", "redirect_uri", "code_verifier"}
    assert form["redirect_uri"] == [app]
    code = form["code"][0]
    assert all(key not in line and code not in line for line in rec.console)
    # The PKCE state is gone from the tab.
    assert page.evaluate(f"() => sessionStorage.getItem({json.dumps(PENDING_ENTRY)})") is None
    # The minted key works: create a run with the page's own form.
    creates = []
    page.on(
        "request",
        lambda r: (
            creates.append(r.headers)
            if r.method == "POST" and r.url.endswith("/tasks-sse/api/v1/tasks/runs")
            else None
        ),
    )
    page.get_by_label("Task input").fill("What is the capital of France?")
    page.get_by_label("Processor").select_option("lite")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^trun_[0-9a-f]{32}$"))).to_be_visible(
        timeout=WAIT_MS
    )
    assert [h.get("x-api-key") for h in creates] == [key]


def test_the_consent_page_passes_axe_and_has_its_parts_by_role(page: Page, app: str, sim):
    go_to_consent(page, app, sim)
    main = page.get_by_role("main")
    expect(main).to_have_count(1)
    expect(main.get_by_role("heading", level=1, name="Sign in with Parallel")).to_be_visible()
    expect(main.get_by_role("button", name="Approve")).to_be_visible()
    expect(main.get_by_role("button", name="Deny")).to_be_visible()
    assert_no_axe_violations(page)


def test_the_sign_in_panel_passes_axe_signed_out_signed_in_and_rejected(page: Page, app: str):
    open_app(page, app)
    assert_no_axe_violations(page, "#auth-panel")
    page.get_by_label("Or paste an API key").fill("not-a-real-key")
    page.get_by_role("button", name="Check and save key").click()
    expect(status(page)).to_contain_text("did not accept this key", timeout=WAIT_MS)
    assert_no_axe_violations(page, "#auth-panel")
    page.get_by_label("Or paste an API key").fill(SIM_KEY)
    page.get_by_role("button", name="Check and save key").click()
    expect(status(page)).to_contain_text("Key accepted", timeout=WAIT_MS)
    assert_no_axe_violations(page, "#auth-panel")
    page.evaluate("m => import('./js/auth.js').then(a => a.markKeyRejected(m))", "Unauthorized")
    expect(key_panel(page)).to_contain_text("Key rejected")
    assert_no_axe_violations(page, "#auth-panel")


def test_deny_shows_a_message_and_keeps_no_key(page: Page, app: str, sim, rec: Recorder):
    go_to_consent(page, app, sim)
    click_consent(page, "deny")
    expect(status(page)).to_contain_text("declined", timeout=WAIT_MS)
    assert "error=" not in page.url
    assert stored_key(page) is None
    assert rec.token_requests == []


def test_tampered_state_is_refused_without_a_token_request(
    page: Page, app: str, sim, rec: Recorder
):
    go_to_consent(page, app, sim)
    url = urlparse(page.url)
    query = parse_qs(url.query)
    assert query["state"][0]
    query["state"] = ["tampered-" + query["state"][0][:8]]
    page.goto(urlunparse(url._replace(query=urlencode(query, doseq=True))))
    click_consent(page, "approve")
    expect(status(page)).to_contain_text("state mismatch", timeout=WAIT_MS)
    expect(status(page)).to_contain_text("no key was requested")
    assert rec.callbacks, "the provider redirected back"
    assert rec.token_requests == []
    assert stored_key(page) is None
    assert "code=" not in page.url


def test_a_reused_code_shows_an_error(page: Page, app: str, sim, config, rec: Recorder):
    first_key = sign_in(page, app, sim)
    callback = rec.callbacks[-1]
    form = rec.token_requests[-1]
    # Replay the same authorization response with the same PKCE state, as a reload of an old
    # callback URL would: the provider must refuse the spent code, and the page must say so.
    pending = {
        "v": 1,
        "state": parse_qs(urlparse(callback).query)["state"][0],
        "verifier": form["code_verifier"][0],
        "clientId": form["client_id"][0],
        "redirectUri": form["redirect_uri"][0],
        "issuer": config["oauth"]["issuer"].rstrip("/"),
        "tokenUrl": TOKEN_PATH,
        "createdAt": 0,
    }
    page.evaluate("([k, v]) => sessionStorage.setItem(k, v)", [PENDING_ENTRY, json.dumps(pending)])
    page.goto(callback)
    expect(status(page)).to_contain_text("already used", timeout=WAIT_MS)
    assert len(rec.token_requests) == 2
    assert "code=" not in page.url
    assert stored_key(page) == first_key  # a failed sign-in loses nothing


def test_sign_out_forgets_the_key_and_can_ask_to_clear_history(
    page: Page, app: str, sim, rec: Recorder
):
    group = {"id": "tgrp_" + "ab" * 24, "label": "earlier group", "runs": 3, "at": ""}
    page.add_init_script(
        "try { localStorage.setItem('tasks-sse.groups', "
        + json.dumps(json.dumps({"version": 1, "groups": [group]}))
        + "); } catch (e) {}"
    )
    sign_in(page, app, sim)
    recent = page.get_by_role("list", name="Recent groups")
    expect(recent).to_contain_text("earlier group")
    page.evaluate(
        """() => { window.__forgetHistory = 0;
          addEventListener("tasks-sse:forget-history", () => { window.__forgetHistory += 1; }); }"""
    )
    page.get_by_label("Also clear this browser's task history").check()
    page.get_by_role("button", name="Forget key (sign out)").click()
    expect(status(page)).to_contain_text("Signed out", timeout=WAIT_MS)
    assert stored_key(page) is None
    assert page.evaluate("() => window.__forgetHistory") == 1
    expect(recent).to_be_hidden()  # the recent task groups went with the history
    assert page.evaluate("() => localStorage.getItem('tasks-sse.groups')") is None
    expect(page.get_by_role("button", name="Forget key (sign out)")).to_be_hidden()
    page.reload()
    expect(key_panel(page)).to_contain_text("Not signed in")


def test_pasted_keys_are_checked_before_they_are_kept(page: Page, app: str, rec: Recorder):
    open_app(page, app)
    field = page.get_by_label("Or paste an API key")
    field.fill("not-a-real-key")
    page.get_by_role("button", name="Check and save key").click()
    expect(status(page)).to_contain_text("did not accept this key", timeout=WAIT_MS)
    assert stored_key(page) is None
    errors_before = list(rec.errors)
    field.fill(SIM_KEY)
    page.get_by_role("button", name="Check and save key").click()
    expect(status(page)).to_contain_text("Key accepted", timeout=WAIT_MS)
    assert stored_key(page) == SIM_KEY
    expect(key_panel(page)).to_contain_text("Signed in")
    # A good key is checked with a request that succeeds: no failed request in the console.
    assert rec.errors == errors_before


def test_a_rejected_key_stops_reading_signed_in(page: Page, app: str):
    page.add_init_script(f"localStorage.setItem({json.dumps(KEY_ENTRY)}, {json.dumps(SIM_KEY)})")
    open_app(page, app)
    panel = key_panel(page)
    expect(panel).to_contain_text("Signed in")
    # What the page calls when the API answers 401 with the stored key (the same module instance).
    mark = "m => import('./js/auth.js').then(a => a.markKeyRejected(m))"
    page.evaluate(mark, "Unauthorized: invalid or missing credentials")
    expect(panel).to_contain_text("Key rejected: Parallel did not accept the API key")
    expect(panel).to_contain_text("(Unauthorized: invalid or missing credentials)")
    expect(panel).to_contain_text("Sign in again with Parallel or paste another key")
    expect(panel).not_to_contain_text("Signed in:")
    text = panel.inner_text()
    page.evaluate(mark, "Unauthorized: invalid or missing credentials")
    page.evaluate(mark, "a second report of the same rejection")
    assert panel.inner_text() == text  # once per key: repeats change nothing
    # A new key that passes the check clears it.
    page.get_by_label("Or replace it with another API key").fill(SIM_KEY)
    page.get_by_role("button", name="Check and save key").click()
    expect(status(page)).to_contain_text("Key accepted", timeout=WAIT_MS)
    expect(panel).to_contain_text("Signed in:")
    expect(panel).not_to_contain_text("Key rejected")


def test_a_rejected_client_registration_is_replaced(page: Page, app: str, sim, config):
    """A cached client_id the provider no longer knows: the page registers afresh and signs in."""
    open_app(page, app)
    issuer = config["oauth"]["issuer"].rstrip("/")
    stale = {f"{issuer} {app}": {"client_id": "client-never-issued", "registered_at": 0}}
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [CLIENTS_ENTRY, json.dumps(stale)])
    go_to_consent(page, app, sim)
    # The provider cannot redirect for an unknown client; the user comes back to the page.
    page.go_back()
    expect(status(page)).to_contain_text("did not come back", timeout=WAIT_MS)
    clients = json.loads(page.evaluate(f"() => localStorage.getItem({json.dumps(CLIENTS_ENTRY)})"))
    assert f"{issuer} {app}" not in clients
    go_to_consent(page, app, sim)
    click_consent(page, "approve")
    expect(status(page)).to_contain_text("Signed in with Parallel", timeout=WAIT_MS)


def test_a_key_check_that_cannot_complete_neither_accepts_nor_rejects(page: Page, app: str):
    open_app(page, app)
    page.route("**/tasks-sse/key-check", lambda route: route.abort())
    page.get_by_label("Or paste an API key").fill(SIM_KEY)
    page.get_by_role("button", name="Check and save key").click()
    expect(status(page)).to_contain_text("Could not check the key", timeout=WAIT_MS)
    expect(status(page)).to_contain_text("not saved")
    assert stored_key(page) is None
    # The field keeps what was typed, so nothing is lost: a retry works once the API answers.
    page.unroute("**/tasks-sse/key-check")
    page.get_by_role("button", name="Check and save key").click()
    expect(status(page)).to_contain_text("Key accepted", timeout=WAIT_MS)
    assert stored_key(page) == SIM_KEY
