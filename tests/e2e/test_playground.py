"""The playground end to end in Chromium: the real page, served and proxied by the Worker in the
local runtime, against the simulator. Every wait is Playwright's auto-waiting expect() with a
deadline.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import preset_api_key

pytestmark = pytest.mark.e2e

SIM_KEY = "sim-dev-key"
SHORT = 15_000  # ms: UI reactions, a fast run
LONG = 60_000  # ms: a run on a slower processor (simulator time is scaled down)
XSS_INPUT = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> Paris facts'


class Requests:
    """Create calls and event-stream connections the page makes."""

    def __init__(self, page: Page):
        self.creates: list[dict] = []
        self.streams: list[str] = []
        page.on("request", self._on_request)

    def _on_request(self, request) -> None:
        if request.method == "POST" and request.url.endswith("/tasks-sse/api/v1/tasks/runs"):
            self.creates.append({"headers": request.headers, "body": request.post_data_json})
        elif request.url.endswith("/events") and "/tasks-sse/api/" in request.url:
            self.streams.append(request.url)


@pytest.fixture
def requests_seen(page: Page) -> Requests:
    return Requests(page)


@pytest.fixture
def ready(page: Page, app_url: str, page_problems):
    """The playground with the simulator's key set, loaded and wired."""
    preset_api_key(page, SIM_KEY)
    page.goto(app_url)
    expect(page.locator("#mode-badge")).to_have_attribute("data-mode", "simulator", timeout=SHORT)
    expect(page.locator("#processor option")).to_have_count(18)
    yield page
    assert page_problems.errors == []


def create_run(page: Page, text: str, processor: str = "lite", metadata: dict | None = None) -> str:
    page.locator("#input").fill(text)
    page.locator("#processor").select_option(processor)
    if metadata:
        page.locator("#advanced > summary").click()
        for i, (k, v) in enumerate(metadata.items()):
            if i:
                page.locator("#metadata-add").click()
            page.locator(".meta-key").nth(i).fill(k)
            page.locator(".meta-value").nth(i).fill(v)
    title = page.locator("#run-title")
    previous = title.inner_text() if title.count() else ""
    page.locator("#run-button").click()
    # The view switches to the new run (a new id, not the run shown before).
    new_id = re.compile(r"^(?!" + re.escape(previous) + r"$)trun_[0-9a-f]{32}$")
    expect(title).to_have_text(new_id, timeout=SHORT)
    return title.inner_text()


def wait_until_finished(page: Page, timeout: int = LONG) -> None:
    expect(page.locator("#run-panel .stream-state")).to_have_attribute(
        "data-state", "ended", timeout=timeout
    )
    expect(page.locator("#run-panel .stream-state")).to_contain_text("the run finished")


def message_keys(page: Page) -> list[tuple[str, str, str]]:
    return page.eval_on_selector_all(
        "#run-panel .msg",
        "els => els.map(e => [e.dataset.kind, e.querySelector('time').getAttribute('datetime'),"
        " e.querySelector('.msg-text').textContent])",
    )


def assert_no_duplicates(page: Page) -> None:
    keys = [tuple(k) for k in message_keys(page)]
    assert keys, "no messages rendered"
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert dupes == [], f"duplicate messages on screen: {dupes}"
    statuses = page.eval_on_selector_all(
        "#run-panel .tl-item .badge", "els => els.map(e => e.textContent)"
    )
    assert len(statuses) == len(set(statuses)), f"duplicate timeline entries: {statuses}"
    expect(page.locator("#run-panel .output-content:visible")).to_have_count(1)


def test_fast_run_goes_from_state_to_messages_stats_and_output(
    ready: Page, requests_seen: Requests
):
    page = ready
    run_id = create_run(page, "What is the capital of France?", "lite")

    # The request: events beta only, the body the form describes.
    assert len(requests_seen.creates) == 1
    create = requests_seen.creates[0]
    assert create["headers"]["parallel-beta"] == "events-sse-2025-07-24"
    assert create["headers"]["x-api-key"] == SIM_KEY
    assert create["body"] == {
        "input": "What is the capital of France?",
        "processor": "lite",
        "enable_events": True,
    }

    panel = page.locator("#run-panel")
    expect(panel.locator(".tl-item").first).to_be_visible(timeout=SHORT)
    expect(panel.locator(".msg").first).to_be_visible(timeout=SHORT)
    wait_until_finished(page, SHORT)
    expect(panel.locator(".tl-item .badge").last).to_have_text("Completed")
    expect(panel.locator(".stat-read")).to_have_text(re.compile(r"^\d+$"))
    expect(panel.locator(".stat-considered")).to_have_text(re.compile(r"^\d+$"))
    assert panel.locator("progress").evaluate("p => p.value") == 100
    expect(panel.locator(".progress-label")).to_have_text("100%")
    expect(panel.locator(".output-content:visible")).to_have_count(1)
    expect(panel.locator(".output-content:visible")).not_to_be_empty()
    # The raw view shows every accepted event, formatted.
    info = panel.locator(".stream-info").inner_text()
    accepted = int(re.match(r"(\d+) events?", info).group(1))
    panel.get_by_role("button", name="Show raw events").click()
    expect(panel.locator(".raw-item")).to_have_count(accepted, timeout=SHORT)
    expect(panel.locator(".raw-item .raw-type").first).to_contain_text("task_run.state")
    # The history lists it, completed, newest first.
    item = page.locator("#history .history-item").first
    expect(item).to_have_attribute("data-run-id", run_id)
    expect(item.get_by_text("Completed", exact=True)).to_be_visible()
    expect(item.get_by_text("kept locally", exact=True)).to_be_visible()
    expect(page.locator("#run-panel .stream-state")).to_have_attribute("role", "status")


def test_json_schema_run_renders_basis_and_citations(ready: Page, requests_seen: Requests):
    page = ready
    page.locator("input[name=outputMode][value=json]").check()
    expect(page.locator("#output-schema")).to_have_value(re.compile("founded_year"))
    create_run(page, "Parallel Web Systems", "lite")
    body = requests_seen.creates[0]["body"]
    assert body["task_spec"]["output_schema"]["type"] == "json"
    assert "founded_year" in body["task_spec"]["output_schema"]["json_schema"]["properties"]

    wait_until_finished(page, SHORT)
    panel = page.locator("#run-panel")
    expect(panel.locator(".json-view")).to_contain_text("founded_year")
    basis = panel.locator(".basis-item")
    # One basis per output field, and per element of array fields.
    expect(basis.first).to_be_visible()
    assert basis.count() >= 4
    first = basis.first
    expect(first.locator(".confidence")).to_have_text(re.compile(r"confidence: (high|medium|low)"))
    expect(first.locator(".basis-reasoning")).not_to_be_empty()
    link = first.locator(".citation a").first
    expect(link).to_have_attribute("href", re.compile(r"^https?://"))
    expect(link).to_have_attribute("rel", re.compile("noopener"))
    expect(first.locator(".excerpts li").first).not_to_be_empty()


def test_an_invalid_schema_is_blocked_with_a_message(ready: Page, requests_seen: Requests):
    page = ready
    page.locator("#input").fill("Anything")
    page.locator("input[name=outputMode][value=json]").check()
    page.locator("#output-schema").fill(
        '{"type": "array", "items": {"type": "string", "format": "date"}}'
    )
    problems = page.locator("#output-schema-problems")
    # Checked as you type, before any submit.
    expect(problems.locator(".problem-error")).to_have_count(3, timeout=SHORT)
    expect(problems).to_contain_text('The root "type" must be "object"')
    expect(problems.locator(".problem-path")).to_contain_text(
        ["$.type", "$.properties", "$.items.format"]
    )
    page.locator("#run-button").click()
    expect(page.locator("#form-error")).to_contain_text("Not sent")
    expect(page.locator("#output-schema")).to_be_focused()
    expect(page.locator("#output-schema")).to_have_attribute("aria-invalid", "true")
    assert requests_seen.creates == []


def test_reopening_the_page_mid_run_resumes_the_stream(
    ready: Page, app_url: str, requests_seen: Requests
):
    page = ready
    run_id = create_run(page, "The history of the Eiffel Tower", "pro")
    expect(page.locator("#run-panel .msg").first).to_be_visible(timeout=SHORT)
    assert page.locator("#run-panel .stream-state").get_attribute("data-state") == "live"
    streams_before = len(requests_seen.streams)

    # Open the playground afresh (no run id in the address): the active run is found in history.
    page.goto(app_url)
    expect(page.locator("#run-title")).to_have_text(run_id, timeout=SHORT)
    expect(page.locator("#run-panel .stream-state")).to_have_attribute(
        "data-state", "live", timeout=SHORT
    )
    expect(page.locator("#run-panel .msg").first).to_be_visible()
    assert len(requests_seen.streams) > streams_before
    # The replay starts at Running, but every run was queued first: the step is still there.
    steps = page.get_by_role("list", name="Status timeline").get_by_role("listitem")
    expect(steps.first).to_contain_text("Queued")
    wait_until_finished(page, LONG)
    assert_no_duplicates(page)
    expect(steps).to_have_count(3)
    expect(steps.last).to_contain_text("Completed")
    history = page.get_by_role("list", name="Task runs").get_by_role("listitem").first
    expect(history.get_by_text("Completed", exact=True)).to_be_visible()


@pytest.mark.parametrize(
    "fault",
    [
        "drop-after=5",  # the first stream is cut after 5 events
        "max-stream-seconds=1",  # every stream closed cleanly after 1 s (the API: 570 s)
    ],
)
def test_a_cut_stream_reconnects_and_shows_everything_once(
    ready: Page, requests_seen: Requests, fault: str
):
    page = ready
    create_run(page, "Renewable energy in Denmark", "core", metadata={"sim_fault": fault})
    assert requests_seen.creates[0]["body"]["metadata"] == {"sim_fault": fault}
    if fault.startswith("max-stream-seconds"):
        # Closed every second while the run is active: the state says so, with a countdown.
        state = page.locator("#run-panel .stream-state")
        expect(state).to_have_attribute("data-state", "reconnecting", timeout=SHORT)
        expect(state).to_contain_text(re.compile(r"Reconnecting in \d+ s"))
    wait_until_finished(page, LONG)
    assert len(requests_seen.streams) >= 2, requests_seen.streams
    info = page.locator("#run-panel .stream-info")
    expect(info).to_contain_text(re.compile(r"\b([2-9]|\d\d+) connections\b"))
    expect(info).to_contain_text(re.compile(r"\b[1-9]\d* replayed events? skipped"))
    assert_no_duplicates(page)
    expect(page.locator("#run-panel .tl-item .badge").last).to_have_text("Completed")


def test_markup_in_the_input_and_in_event_messages_renders_as_text(ready: Page):
    page = ready
    page.evaluate("() => { delete window.__xss; }")
    create_run(page, XSS_INPUT, "lite")
    wait_until_finished(page, SHORT)
    panel = page.locator("#run-panel")
    # The simulator echoes the input into its plan message and into the output.
    expect(panel.locator(".msg-text", has_text="<img src=x")).to_have_count(1)
    expect(page.locator("#history .history-preview").first).to_contain_text(
        "<script>window.__xss=2</script>"
    )
    expect(panel.locator(".run-meta")).to_contain_text("<img src=x")
    page.locator("#history .history-open").first.click()
    expect(page.locator("#history .history-input")).to_contain_text('onerror="window.__xss=1"')
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("img").count() == 0
    assert page.locator("main script").count() == 0


def test_a_401_shows_a_sign_in_prompt(
    page: Page, app_url: str, requests_seen: Requests, page_problems
):
    preset_api_key(page, "not-a-valid-key")
    page.goto(app_url)
    expect(page.locator("#mode-badge")).to_have_attribute("data-mode", "simulator", timeout=SHORT)
    page.locator("#input").fill("Will this work?")
    page.locator("#run-button").click()
    # Reported once where it is answered (the form) and once as the key's state (the key panel).
    key_panel = page.get_by_role("region", name="API key")
    expect(key_panel).to_contain_text("Key rejected", timeout=SHORT)
    expect(page.get_by_role("alert").filter(has_text="401")).to_have_count(1)
    expect(page.locator("#form-error")).to_contain_text("HTTP 401")
    expect(page.locator("#form-error")).to_contain_text(re.compile("Unauthorized", re.I))
    expect(page.locator("#form-error .ref-id")).to_contain_text("ref_id")
    assert len(requests_seen.creates) == 1
    assert page_problems.errors == []


def test_a_failed_run_shows_its_error_with_ref_id(ready: Page):
    page = ready
    create_run(page, "Please fail [sim:fail]", "lite")
    wait_until_finished(page, SHORT)
    panel = page.locator("#run-panel")
    expect(panel.locator(".tl-item .badge").last).to_have_text("Failed")
    failure = panel.locator(".output .api-error")
    expect(failure).to_contain_text("The run failed")
    expect(failure.locator(".ref-id")).to_contain_text(re.compile(r"ref_id [0-9a-f-]{36}"))
    history = page.get_by_role("list", name="Task runs").get_by_role("listitem").first
    expect(history.get_by_text("Failed", exact=True)).to_be_visible()


def test_stop_ends_the_stream_at_once_and_reconnect_resumes(ready: Page):
    page = ready
    create_run(page, "A slow question about tides", "core")
    state = page.locator("#run-panel .stream-state")
    expect(state).to_have_attribute("data-state", "live", timeout=SHORT)
    page.get_by_role("button", name="Stop stream").click()
    expect(state).to_have_attribute("data-state", "ended")
    expect(state).to_contain_text("stopped by you")
    page.get_by_role("button", name="Reconnect").click()
    wait_until_finished(page, LONG)
    assert_no_duplicates(page)


def test_history_set_aside_corrupt_data_delete_one_and_clear_all(
    page: Page, app_url: str, page_problems
):
    preset_api_key(page, SIM_KEY)
    # Corrupt the history from a document of the same origin that runs none of the playground's
    # scripts: a running playground may write its history back in the meantime.
    page.goto(app_url + "styles.css")
    page.evaluate("() => localStorage.setItem('tasks-sse.history', '{this is not json')")
    page.goto(app_url)
    notice = page.locator("#history .notice")
    expect(notice).to_contain_text("not valid JSON", timeout=SHORT)
    backup_keys = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('tasks-sse.history.backup'))"
    )
    assert len(backup_keys) == 1
    assert page.evaluate(f"() => localStorage.getItem({backup_keys[0]!r})") == "{this is not json"

    first = create_run(page, "First question", "lite")
    wait_until_finished(page, SHORT)
    second = create_run(page, "Second question", "lite")
    items = page.locator("#history .history-item")
    expect(items).to_have_count(2)
    expect(items.first).to_have_attribute("data-run-id", second)
    page.get_by_role("button", name=f"Delete run {first} from history").click()
    expect(items).to_have_count(1)
    page.reload()
    expect(page.locator("#history .history-item")).to_have_count(1, timeout=SHORT)
    page.get_by_role("button", name="Clear all").click()
    page.get_by_role("button", name="Yes, clear all").click()
    expect(page.locator("#history .history-item")).to_have_count(0)
    expect(page.locator("#run-empty")).to_be_visible()
    assert (
        page.evaluate("() => JSON.parse(localStorage.getItem('tasks-sse.history')).entries") == []
    )
    assert page_problems.errors == []


def test_json_input_is_checked_as_you_type_and_the_form_works_by_keyboard(ready: Page):
    page = ready
    page.locator("input[name=inputMode][value=json]").check()
    page.locator("#input").fill('{"company": ')
    error = page.locator("#input-error")
    expect(error).to_contain_text("Invalid JSON", timeout=SHORT)
    expect(page.locator("#input")).to_have_attribute("aria-invalid", "true")
    page.locator("#input").fill('{"company": "Parallel Web Systems"}')
    expect(error).to_be_hidden()
    # Domain chips by keyboard: Enter adds, a bad entry is explained, duplicates are refused.
    page.locator("#advanced > summary").press("Enter")
    domain = page.locator("#include-domain")
    domain.fill("Example.com")
    domain.press("Enter")
    chips = page.locator("[data-chips=includeDomains] .chip")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("example.com")
    entry_error = page.locator("#includeDomains-entry-error")
    domain.fill("example.com")
    domain.press("Enter")
    expect(entry_error).to_contain_text("already in the list")
    domain.fill("https://parallel.ai/docs")
    domain.press("Enter")
    expect(entry_error).to_contain_text("enter only the domain, e.g. parallel.ai")
    expect(domain).to_have_value("https://parallel.ai/docs")  # kept, to be corrected
    expect(chips).to_have_count(1)
    domain.fill("parallel.ai")
    domain.press("Enter")
    expect(chips).to_have_count(2)
    expect(entry_error).to_be_hidden()
    expect(page.locator("#domain-count")).to_have_text("2 of 200 domains.")
    page.locator("#run-button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#run-title")).to_be_focused(timeout=SHORT)
    wait_until_finished(page, SHORT)


def _seed_history(page: Page, entries: list[dict]) -> None:
    """Write a history in the page's storage format before the page's scripts run."""
    data = json.dumps({"v": 1, "entries": entries})
    page.add_init_script(
        f"if (!sessionStorage.getItem('seeded')) {{ sessionStorage.setItem('seeded', '1');"
        f" localStorage.setItem('tasks-sse.history', {json.dumps(data)}); }}"
    )


GHOST = {
    "runId": "trun_" + "0" * 31 + "1",
    "status": "running",
    "isActive": True,
    "processor": "pro",
    "createdAt": "2025-08-06T00:52:58.619503Z",
    "inputPreview": "a run this simulator never saw",
}


def test_a_stream_answering_404_stops_with_a_clear_message(
    page: Page, app_url: str, requests_seen: Requests, page_problems
):
    preset_api_key(page, SIM_KEY)
    _seed_history(page, [GHOST])
    page.goto(app_url)
    expect(page.locator("#run-title")).to_have_text(GHOST["runId"], timeout=SHORT)
    state = page.locator("#run-panel .stream-state")
    expect(state).to_have_attribute("data-state", "ended", timeout=SHORT)
    # History knew it as running: the page says the API forgot an active run, in words.
    expect(state).to_contain_text("no longer has this run (HTTP 404)")
    expect(state).to_contain_text("still active")
    expect(page.get_by_role("button", name="Reconnect")).to_be_hidden()
    assert len(requests_seen.streams) == 1  # no retry on 404
    page.locator("#history .history-open").first.click()
    expect(page.locator("#history .history-details")).to_contain_text("no longer has this run")
    assert page_problems.errors == []


def test_a_stream_answering_401_shows_a_sign_in_prompt(
    page: Page, app_url: str, requests_seen: Requests, page_problems
):
    preset_api_key(page, "a-forgotten-key")
    _seed_history(page, [GHOST])
    page.goto(app_url)
    # One report: the key panel says the key was rejected; the run's status line points there.
    key_panel = page.get_by_role("region", name="API key")
    expect(key_panel).to_contain_text("Key rejected", timeout=SHORT)
    expect(page.locator("#run-panel .stream-state")).to_contain_text("HTTP 401")
    expect(page.get_by_role("alert").filter(has_text="401")).to_have_count(0)
    assert len(requests_seen.streams) == 1  # no retry on 401
    assert page_problems.errors == []
