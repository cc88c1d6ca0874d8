"""Compare processors: one input on 2 to 6 processors at once, through the Worker to the simulator.
Columns side by side reach a final status with output; JSON outputs line up field by field with
differences marked; a comparison is one history entry that survives a reload and reopens; a create
that fails leaves its column with the error in words. Elements are found by role and label."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import SIM_KEY
from tests.e2e.axe import assert_no_axe_violations
from tests.e2e.conftest import READY_MS, PageProblems, preset_api_key
from tests.support.servers import start_sim, start_worker

pytestmark = pytest.mark.e2e

FINISH_MS = 60_000
# A comparison's link names its runs too, so it opens in any browser whose key reads them.
COMPARE_LINK = re.compile(r"#compare=cmp_[0-9a-f]+&runs=lite:trun_[0-9a-f]+,base:trun_[0-9a-f]+$")
# The simulator's JSON values are drawn per processor: the same schema gives different values on
# two processors, except where the schema leaves one choice (a one-value enum).
SCHEMA = {
    "type": "object",
    "properties": {
        "company_name": {"type": "string", "description": "The company's name"},
        "founded_year": {"type": "integer", "description": "Year founded"},
        "kind": {"type": "string", "enum": ["company"], "description": "Always company"},
        "headquarters": {
            "type": "object",
            "description": "Where it is based",
            "properties": {"city": {"type": "string", "description": "City"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
    "required": ["company_name", "founded_year", "kind", "headquarters"],
    "additionalProperties": False,
}


def history_items(page: Page):
    return page.get_by_role("list", name="Task runs").get_by_role("listitem")


def columns(page: Page):
    return page.get_by_role("list", name="Comparison columns").get_by_role("listitem")


def column(page: Page, processor: str):
    return page.get_by_role("list", name="Comparison columns").get_by_role(
        "listitem", name=processor, exact=True
    )


def pick(page: Page, processors: list[str]) -> None:
    box = page.locator("#compare-box")
    if box.get_attribute("open") is None:
        box.get_by_text("Compare processors", exact=True).click()
    picker = page.get_by_role("group", name=re.compile("^Run it on"))
    for p in processors:
        picker.get_by_role("checkbox", name=p, exact=True).check()


def assert_all_completed(page: Page, processors: list[str]) -> None:
    expect(columns(page)).to_have_count(len(processors))
    for p in processors:
        col = column(page, p)
        expect(col.get_by_text("Completed", exact=True)).to_be_visible(timeout=FINISH_MS)
        expect(col.locator(".compare-output")).not_to_contain_text("Not yet")
        expect(col.locator(".compare-events")).not_to_have_text("0")
        expect(col.locator(".compare-elapsed")).to_have_text(re.compile(r"^\d+\.\d s$|min"))


def test_two_processors_json_aligned_one_history_entry_reload_and_reopen(
    ready: Page, app_url, fresh
):
    page = ready
    page.get_by_label("Task input").fill("Parallel Web Systems")
    page.locator("input[name=outputMode][value=json]").check()
    page.get_by_label("JSON schema of the output").fill(json.dumps(SCHEMA))

    # Fewer than two processors: said, nothing sent.
    pick(page, ["lite"])
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="Pick at least 2 processors")).to_be_visible()
    expect(history_items(page)).to_have_count(0)

    pick(page, ["base"])
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", name="Comparison of 2 processors")).to_be_visible(
        timeout=READY_MS
    )
    assert_all_completed(page, ["lite", "base"])
    expect(column(page, "lite").locator(".compare-price")).to_have_text("$0.005")
    expect(column(page, "base").locator(".compare-price")).to_have_text("$0.01")

    # Aligned fields: the one-value enum is the same on both, generated values differ.
    table = page.get_by_role("region", name="JSON output, field by field").get_by_role("table")
    kind = table.get_by_role("row", name=re.compile(r"^kind "))
    expect(kind.get_by_role("cell").first).to_have_text("same", timeout=FINISH_MS)
    year = table.get_by_role("row", name=re.compile(r"^founded_year "))
    expect(year.get_by_role("cell").first).to_have_text("differs")
    city = table.get_by_role("row", name=re.compile(r"^headquarters\.city "))
    expect(city).to_have_count(1)
    page.get_by_label("Only fields that differ").check()
    expect(kind).to_have_count(0)
    expect(year).to_have_count(1)
    page.get_by_label("Only fields that differ").uncheck()
    assert_no_axe_violations(page, include="#compare-panel")

    # One history entry for the comparison; its runs are not listed on their own.
    expect(history_items(page)).to_have_count(1)
    entry = history_items(page).first
    expect(entry).to_contain_text("Compare")
    expect(entry).to_contain_text("2 processors")
    expect(entry).to_contain_text("Parallel Web Systems")
    assert COMPARE_LINK.search(page.url)

    # A column's run opens in the run view (sharing its stream); the history stays one entry.
    column(page, "lite").get_by_role("button", name="Open in run view (lite)").click()
    expect(page.locator("#run-panel")).to_be_visible()
    expect(page.locator("#compare-panel")).to_be_hidden()
    expect(history_items(page)).to_have_count(1)

    # Its link back leads to the comparison, and from there to the run again.
    page.get_by_role("link", name="← Back to the comparison").click()
    expect(page.get_by_role("heading", name="Comparison of 2 processors")).to_be_visible()
    assert_all_completed(page, ["lite", "base"])
    column(page, "lite").get_by_role("button", name="Open in run view (lite)").click()
    expect(page.locator("#run-panel")).to_be_visible()

    # Back to the comparison from its history entry (the same sessions, nothing read again).
    history_items(page).first.get_by_role("button", name=re.compile("Compare")).click()
    expect(page.get_by_role("heading", name="Comparison of 2 processors")).to_be_visible()
    assert_all_completed(page, ["lite", "base"])

    # Reload: its link (the address) shows it again, read from the API.
    assert COMPARE_LINK.search(page.url)
    page.reload()
    expect(page.get_by_role("heading", name="Comparison of 2 processors")).to_be_visible(
        timeout=READY_MS
    )
    assert_all_completed(page, ["lite", "base"])
    expect(
        table.get_by_role("row", name=re.compile(r"^kind ")).get_by_role("cell").first
    ).to_have_text("same")

    # A fresh load without the link: the entry survives and reopens the comparison.
    page.goto("about:blank")
    page.goto(app_url)
    expect(history_items(page)).to_have_count(1, timeout=READY_MS)
    expect(page.locator("#compare-panel")).to_be_hidden()
    history_items(page).first.get_by_role("button", name=re.compile("Compare")).click()
    expect(page.get_by_role("heading", name="Comparison of 2 processors")).to_be_visible()
    assert_all_completed(page, ["lite", "base"])
    expect(history_items(page)).to_have_count(1)

    # Its link in another browser (same key, empty history): the comparison opens from the API,
    # with its input, and joins that browser's history as one entry.
    link = app_url + COMPARE_LINK.search(page.url).group(0)
    other, problems = fresh()
    other.goto(link)
    expect(other.get_by_role("heading", name="Comparison of 2 processors")).to_be_visible(
        timeout=READY_MS
    )
    assert_all_completed(other, ["lite", "base"])
    expect(other.locator("#compare-panel")).to_contain_text("Input: Parallel Web Systems")
    expect(history_items(other)).to_have_count(1)
    expect(history_items(other).first).to_contain_text("Parallel Web Systems")
    assert problems.errors == []

    # Deleting the entry closes the comparison; Undo brings the entry back.
    history_items(page).first.get_by_role("button", name=re.compile("^Delete comparison")).click()
    expect(history_items(page)).to_have_count(0)
    expect(page.locator("#compare-panel")).to_be_hidden()
    page.get_by_role("button", name="Undo").click()
    expect(history_items(page)).to_have_count(1)


def test_six_processors_stream_side_by_side_to_the_end(ready: Page):
    page = ready
    procs = ["lite", "lite-fast", "base", "base-fast", "core-fast", "core2x-fast"]
    page.get_by_label("Task input").fill("Compare six processors on one question")
    pick(page, procs)
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", name="Comparison of 6 processors")).to_be_visible(
        timeout=READY_MS
    )
    assert_all_completed(page, procs)
    for p in procs:  # text outputs (auto below pro) are shown as text
        expect(column(page, p).locator(".compare-text")).not_to_be_empty()
    marks = page.evaluate(
        "() => ['tasks-sse:compare-click', 'tasks-sse:compare-first-event-all']"
        ".map((n) => performance.getEntriesByName(n).length)"
    )
    assert marks == [1, 1]
    # No JSON output anywhere: no field table.
    expect(page.get_by_role("region", name="JSON output, field by field")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="All 6 columns are done")).to_have_count(1)
    expect(history_items(page)).to_have_count(1)
    assert_no_axe_violations(page, include="#compare-panel")


def test_the_form_is_checked_first_then_compare_asks_to_sign_in(app_url, page: Page, page_problems):
    page.goto(app_url)
    expect(page.get_by_label("Processor")).to_have_value("lite", timeout=READY_MS)
    pick(page, ["lite", "base"])
    # The form's own checks come first, as for Run.
    page.get_by_role("button", name="Compare", exact=True).click()
    problems = page.get_by_role("alert").filter(has_text="Not compared: 1 problem in the form")
    expect(problems).to_contain_text("Enter the task input.")
    page.get_by_label("Task input").fill("No key yet")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="No API key yet")).to_be_visible()
    expect(page.locator("#signin-prompt")).to_be_visible()
    expect(history_items(page)).to_have_count(0)
    assert page_problems.errors == []


@pytest.fixture(scope="module")
def poor_worker(log_dir):
    """A simulator whose account holds $0.02 (a core run costs $0.025), behind its own Worker."""
    sim = start_sim(log_dir, env={"PARALLEL_SIM_SPEED": "20", "PARALLEL_SIM_CREDITS": "0.02"})
    try:
        worker = start_worker(log_dir, upstream=sim.url, env={"UPSTREAM_MODE": "simulator"})
    except Exception:
        sim.stop()
        raise
    yield worker
    worker.stop()
    sim.stop()


def test_a_create_that_fails_leaves_its_column_with_the_error(poor_worker, page: Page):
    problems = PageProblems(page)
    preset_api_key(page, SIM_KEY)
    page.goto(poor_worker.url + "/tasks-sse/")
    expect(page.get_by_text("Simulator mode")).to_be_visible(timeout=READY_MS)
    page.get_by_label("Task input").fill("Not enough credit for core")
    pick(page, ["lite", "core"])
    page.get_by_role("button", name="Compare", exact=True).click()
    core = column(page, "core")
    expect(core.get_by_text("Not created", exact=True)).to_be_visible(timeout=READY_MS)
    expect(core).to_contain_text("HTTP 402: Payment required")
    expect(core.get_by_role("button", name=re.compile("Open in run view"))).to_be_hidden()
    expect(column(page, "lite").get_by_text("Completed", exact=True)).to_be_visible(
        timeout=FINISH_MS
    )
    expect(page.get_by_role("status").filter(has_text="All 2 columns are done")).to_have_count(1)
    # Still one comparison in the history, the failed column kept with its error.
    expect(history_items(page)).to_have_count(1)
    page.reload()
    history_items(page).first.get_by_role("button", name=re.compile("Compare")).click()
    expect(column(page, "core")).to_contain_text("HTTP 402: Payment required")
    expect(column(page, "lite").get_by_text("Completed", exact=True)).to_be_visible(
        timeout=FINISH_MS
    )
    assert_no_axe_violations(page, include="#compare-panel")
    assert problems.errors == []
