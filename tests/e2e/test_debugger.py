"""The playground as a debugger of runs made anywhere: open a run by id or by link, the input and
task spec it was made with, and what the page says when the API forgets a run. Runs are created
with plain HTTP straight to the Worker (as curl would), then opened in a fresh browser context.
Elements are found by role and label."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_no_axe_violations

pytestmark = pytest.mark.e2e

SIM_KEY = "sim-dev-key"
SHORT = 15_000
RUN_ID = re.compile(r"^trun_[0-9a-f]{32}$")


def curl_create(worker, text: str, processor: str = "lite", **extra) -> str:
    """Create a run as curl would: one POST to the Worker's API path, no page involved."""
    body = {"input": text, "processor": processor, "enable_events": True, **extra}
    r = httpx.post(
        worker.url + "/tasks-sse/api/v1/tasks/runs",
        json=body,
        headers={"x-api-key": SIM_KEY, "parallel-beta": "events-sse-2025-07-24"},
        timeout=10,
    )
    assert r.status_code in (200, 202), r.text
    run_id = r.json()["run_id"]
    assert RUN_ID.match(run_id)
    return run_id


def assert_shows_the_run(page: Page, run_id: str, text: str) -> None:
    expect(page.get_by_role("heading", name=run_id)).to_be_visible(timeout=SHORT)
    inputs = page.get_by_role("region", name="Input and task spec")
    expect(inputs).to_contain_text(text, timeout=SHORT)
    expect(inputs).to_contain_text("Processor: lite")
    finished = page.get_by_role("status").filter(has_text="the run finished")
    expect(finished).to_be_visible(timeout=SHORT)
    timeline = page.get_by_role("list", name="Status timeline")
    expect(timeline.get_by_role("listitem").last).to_contain_text("Completed")
    expect(page.get_by_role("region", name="Output")).not_to_be_empty()
    history = page.get_by_role("list", name="Task runs")
    expect(history.get_by_role("listitem").filter(has_text=run_id)).to_have_count(1)


def test_a_run_created_with_curl_opens_by_id_and_by_link_in_a_fresh_browser(worker, app_url, fresh):
    text = "Who founded Parallel Web Systems? (made with curl)"
    run_id = curl_create(worker, text, task_spec={"output_schema": "One short paragraph."})

    # By id, typed into "Open a run".
    page, problems = fresh()
    page.goto(app_url)
    page.get_by_label("Run id or link").fill(run_id)
    page.get_by_role("button", name="Open", exact=True).click()
    assert_shows_the_run(page, run_id, text)
    spec = page.get_by_role("group").filter(has_text="Task spec")
    spec.get_by_text("Task spec").click()
    expect(spec).to_contain_text("One short paragraph.")
    assert re.search(r"#run=" + run_id + "$", page.url)
    assert problems.errors == []

    # By link, in another fresh browser that never saw it.
    page2, problems2 = fresh()
    page2.goto(f"{app_url}#run={run_id}")
    assert_shows_the_run(page2, run_id, text)
    assert problems2.errors == []


def test_a_pasted_link_or_api_url_opens_the_run_and_nonsense_gets_a_clear_error(
    worker, app_url, fresh
):
    run_id = curl_create(worker, "Pasted link run")
    page, problems = fresh()
    page.goto(app_url)
    field = page.get_by_label("Run id or link")
    field.fill("not a run")
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="not a run id")).to_be_visible()
    missing = "trun_" + "f" * 32
    field.fill(missing)
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="404")).to_be_visible(timeout=SHORT)
    field.fill(f"curl {worker.url}/tasks-sse/api/v1/tasks/runs/{run_id}/events")
    page.get_by_role("button", name="Open", exact=True).click()
    assert_shows_the_run(page, run_id, "Pasted link run")
    assert problems.errors == []


def open_by_id(page: Page, run_id: str) -> None:
    page.get_by_label("Run id or link").fill(run_id)
    page.get_by_role("button", name="Open", exact=True).click()


def history_item(page: Page, run_id: str):
    return (
        page.get_by_role("list", name="Task runs").get_by_role("listitem").filter(has_text=run_id)
    )


def test_a_finished_run_is_kept_and_shown_offline_after_the_api_forgot_it(worker, app_url, fresh):
    text = "Kept result question"
    run_id = curl_create(worker, text)
    page, problems = fresh()
    page.goto(app_url)
    open_by_id(page, run_id)
    assert_shows_the_run(page, run_id, text)
    expect(history_item(page, run_id)).to_contain_text("kept locally", timeout=SHORT)
    output = page.get_by_role("region", name="Output").inner_text().splitlines()[-1]

    # The API is gone (offline, or it forgot the run): the result still shows, as kept.
    page.route("**/tasks-sse/api/**", lambda route: route.abort())
    page.reload()
    history_item(page, run_id).get_by_role("button").first.click()
    expect(page.get_by_role("heading", name=run_id)).to_be_visible(timeout=SHORT)
    expect(page.get_by_role("region", name="Output")).to_contain_text(output, timeout=SHORT)
    expect(page.get_by_role("region", name="Input and task spec")).to_contain_text(text)
    expect(page.get_by_role("list", name="Status timeline")).to_contain_text("Completed")
    expect(page.get_by_text("kept locally").first).to_be_visible()
    expect(page.get_by_role("button", name="Reconnect")).to_be_hidden()
    expect(page.get_by_role("alert").filter(has_text="HTTP")).to_have_count(0)
    assert problems.errors == []


def test_a_finished_run_the_api_forgot_and_not_kept_reads_finished_without_reconnect(
    app_url, fresh
):
    """History says completed, nothing is kept here (another browser's history, say), and the
    API answers 404 for the run."""
    run_id = "trun_" + "ab" * 16
    entry = {"runId": run_id, "status": "completed", "isActive": False, "processor": "lite"}
    page, problems = fresh()
    data = json.dumps(json.dumps({"v": 1, "entries": [entry]}))
    page.add_init_script(f"localStorage.setItem('tasks-sse.history', {data});")
    page.goto(app_url)
    history_item(page, run_id).get_by_role("button").first.click()
    state = page.get_by_role("status").filter(has_text="no longer has this run")
    expect(state).to_be_visible(timeout=SHORT)
    expect(state).to_contain_text("It had finished; its result was not kept")
    expect(page.get_by_role("button", name="Reconnect")).to_be_hidden()
    expect(page.get_by_role("alert").filter(has_text="HTTP 404")).to_have_count(0)
    expect(history_item(page, run_id)).to_contain_text("Completed")
    expect(page.get_by_role("term").filter(has_text="Error")).to_have_count(0)
    assert problems.errors == []


def test_without_indexeddb_runs_still_work_and_a_notice_says_results_are_not_kept(
    worker, app_url, fresh
):
    page, problems = fresh()
    page.add_init_script(
        "Object.defineProperty(window, 'indexedDB', { get() { throw new Error('blocked'); } });"
    )
    run_id = curl_create(worker, "No storage run")
    page.goto(app_url)
    open_by_id(page, run_id)
    assert_shows_the_run(page, run_id, "No storage run")
    expect(page.get_by_text("Results cannot be kept in this browser")).to_be_visible(timeout=SHORT)
    expect(history_item(page, run_id)).not_to_contain_text("kept locally")
    assert problems.errors == []


def test_run_again_and_edit_as_new_load_a_curl_runs_settings_into_the_form(worker, app_url, fresh):
    text = "Settings to run again"
    run_id = curl_create(worker, text, task_spec={"output_schema": "A one-line answer."})
    page, problems = fresh()
    creates = []
    page.on(
        "request",
        lambda r: (
            creates.append(r.post_data_json)
            if r.method == "POST" and r.url.endswith("/tasks-sse/api/v1/tasks/runs")
            else None
        ),
    )
    page.goto(app_url)
    open_by_id(page, run_id)
    assert_shows_the_run(page, run_id, text)

    page.get_by_role("button", name="Edit as new").click()
    expect(page.get_by_label("Task input")).to_have_value(text)
    expect(page.get_by_label("Task input")).to_be_focused()
    expect(page.get_by_label("Processor")).to_have_value("lite")
    assert creates == []

    page.get_by_role("button", name="Run again", exact=True).click()
    new_id = re.compile(r"^(?!" + run_id + r"$)trun_[0-9a-f]{32}$")
    expect(page.get_by_role("heading", name=new_id)).to_be_visible(timeout=SHORT)
    assert len(creates) == 1
    assert creates[0]["input"] == text and creates[0]["processor"] == "lite"
    assert creates[0]["task_spec"]["output_schema"] in (
        "A one-line answer.",
        {"type": "text", "description": "A one-line answer."},
    )
    assert problems.errors == []


def test_export_json_and_markdown_then_import_shows_a_kept_run(worker, app_url, fresh, tmp_path):
    text = "Export me"
    run_id = curl_create(worker, text)
    page, problems = fresh()
    page.goto(app_url)
    open_by_id(page, run_id)
    assert_shows_the_run(page, run_id, text)

    with page.expect_download() as md_info:
        page.get_by_role("button", name="Export Markdown").click()
    markdown = md_info.value.path().read_text()
    assert markdown.startswith(f"# Task run {run_id}")
    assert "## Output" in markdown and "## Citations" in markdown and "](https://" in markdown

    with page.expect_download() as json_info:
        page.get_by_role("button", name="Export JSON").click()
    exported = json.loads(json_info.value.path().read_text())
    assert exported["format"] == "tasks-sse.run"
    assert exported["run"]["run_id"] == run_id and exported["input"]["input"] == text
    assert exported["events"] and exported["output"]["type"] == "text"
    export_file = tmp_path / "run.json"
    export_file.write_text(json.dumps(exported))

    # Into a browser that never saw the run, with the API out of reach.
    page2, problems2 = fresh()
    page2.route("**/tasks-sse/api/**", lambda route: route.abort())
    page2.goto(app_url)
    importer = page2.get_by_label("Import a run")
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps({**exported, "events": [{"type": 1}]}))
    importer.set_input_files(hostile)
    expect(page2.get_by_role("alert").filter(has_text="Not imported")).to_contain_text("Event 1")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    importer.set_input_files(deep)
    expect(page2.get_by_role("alert").filter(has_text="Not imported")).to_be_visible()
    importer.set_input_files(export_file)
    expect(page2.get_by_role("heading", name=run_id)).to_be_visible(timeout=SHORT)
    expect(page2.get_by_role("region", name="Input and task spec")).to_contain_text(text)
    expect(page2.get_by_role("list", name="Status timeline")).to_contain_text("Completed")
    expect(page2.get_by_role("region", name="Output")).not_to_be_empty()
    expect(history_item(page2, run_id)).to_contain_text("kept locally", timeout=SHORT)
    expect(page2.get_by_role("button", name="Reconnect")).to_be_hidden()
    assert problems.errors == [] and problems2.errors == []


def test_a_stream_that_ended_in_error_leaves_a_still_progress_bar(app_url, fresh):
    run_id = "trun_" + "cd" * 16
    entry = {"runId": run_id, "status": "running", "isActive": True, "processor": "lite"}
    page, problems = fresh()
    data = json.dumps(json.dumps({"v": 1, "entries": [entry]}))
    page.add_init_script(f"localStorage.setItem('tasks-sse.history', {data});")
    page.route(f"**/runs/{run_id}/**", lambda route: route.fulfill(status=500, body="down"))
    page.goto(app_url)
    bar = page.get_by_role("progressbar", name="Progress")
    # While the stream may still bring progress, the bar is indeterminate (no value): it animates.
    expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible(timeout=SHORT)
    expect(bar).not_to_have_attribute("value", re.compile(".*"))
    page.get_by_role("button", name="Stop stream").click()
    expect(bar).to_have_attribute("value", "0")
    expect(page.get_by_text("No progress reported.")).to_be_visible()
    assert problems.errors == []


def test_deleting_a_history_entry_can_be_undone(worker, app_url, fresh):
    first = curl_create(worker, "First of two")
    second = curl_create(worker, "Second of two")
    page, problems = fresh()
    page.goto(app_url)
    open_by_id(page, first)
    assert_shows_the_run(page, first, "First of two")
    open_by_id(page, second)
    assert_shows_the_run(page, second, "Second of two")
    items = page.get_by_role("list", name="Task runs").get_by_role("listitem")
    expect(items).to_have_count(2)
    order = [items.nth(i).get_attribute("data-run-id") for i in range(2)]

    page.get_by_role("button", name=f"Delete run {first} from history").click()
    expect(items).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text=f"Removed {first}")).to_be_visible()
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    undo.click()
    expect(items).to_have_count(2)
    assert [items.nth(i).get_attribute("data-run-id") for i in range(2)] == order
    # Its kept result came back with it.
    expect(history_item(page, first)).to_contain_text("kept locally")

    page.get_by_role("button", name=f"Delete run {first} from history").click()
    page.get_by_role("status").filter(has_text=f"Removed {first}").get_by_role(
        "button", name="Dismiss"
    ).click()
    expect(items).to_have_count(1)
    page.reload()
    expect(page.get_by_role("list", name="Task runs").get_by_role("listitem")).to_have_count(1)
    assert problems.errors == []


def test_copy_id_is_named_by_its_text_and_raw_events_are_reached_by_keyboard(
    worker, app_url, fresh
):
    run_id = curl_create(worker, "Keyboard run")
    page, problems = fresh()
    page.goto(app_url)
    open_by_id(page, run_id)
    assert_shows_the_run(page, run_id, "Keyboard run")
    copy = page.get_by_role("button", name=f"Copy id {run_id}")
    expect(copy).to_have_text("Copy id")
    toggle = page.get_by_role("button", name="Show raw events")
    toggle.click()
    raw = page.get_by_role("region", name="Raw events, scrollable")
    expect(raw).to_be_visible()
    page.get_by_role("button", name="Hide raw events").focus()
    page.keyboard.press("Tab")
    expect(raw).to_be_focused()
    assert problems.errors == []


def test_axe_finds_nothing_on_the_empty_page_a_live_run_and_a_finished_run_with_raw_events(
    worker, app_url, fresh
):
    page, problems = fresh()
    page.goto(app_url)
    expect(page.get_by_label("Processor")).not_to_be_empty(timeout=SHORT)
    assert_no_axe_violations(page)

    # Live: a pro run streams for a while.
    run_id = curl_create(worker, "An accessible live run", processor="pro")
    open_by_id(page, run_id)
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible(timeout=SHORT)
    expect(
        page.get_by_role("list", name="Progress messages").get_by_role("listitem").first
    ).to_be_visible(timeout=SHORT)
    assert_no_axe_violations(page)

    finished = page.get_by_role("status").filter(has_text="the run finished")
    expect(finished).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Show raw events").click()
    expect(page.get_by_role("region", name="Raw events, scrollable")).to_be_visible()
    assert_no_axe_violations(page)
    assert problems.errors == []
