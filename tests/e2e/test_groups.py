"""Task groups in the browser: rows pasted as CSV or JSON Lines become a group through the Worker
to the simulator; the panel follows the group's event stream to the end; a run opens in the run
view; a group opens by link in a fresh browser; results export as CSV and JSON Lines; a large
group's table stays usable. Elements are found by role and label."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import SIM_KEY
from tests.e2e.axe import assert_no_axe_violations
from tests.e2e.test_debugger import SHORT

pytestmark = pytest.mark.e2e

LONG = 60_000
GROUP_HASH = re.compile(r"#group=(tgrp_[0-9a-f]{48})$")

CSV_TEXT = (
    "company,country\r\n"
    "Parallel Web Systems,US\r\n"
    '"Acme, Inc.",US\r\n'
    '"=HYPERLINK(""x"")",DE\r\n'
    '"Multi\nline",FR\r\n'
    "Example Corp,JP\r\n"
)


def card(page: Page):
    return page.get_by_role("region", name="Task group from rows")


def panel(page: Page):
    return page.get_by_role("region", name="Task group", exact=True)


def paste_rows(page: Page, text: str) -> None:
    card(page).get_by_label("Rows", exact=True).fill(text)


def create_group(page: Page, runs: int) -> str:
    name = f"Create group ({runs:,} run{'s' if runs != 1 else ''})"
    card(page).get_by_role("button", name=name).click()
    expect(page).to_have_url(GROUP_HASH, timeout=SHORT)
    return GROUP_HASH.search(page.url).group(1)


def expect_all_completed(page: Page, n: int) -> None:
    p = panel(page)
    runs = "run" if n == 1 else "runs"
    expect(p.get_by_text(f"{n} of {n} {runs} finished (100%)")).to_be_visible(timeout=LONG)
    expect(p.get_by_role("list", name="Runs per status")).to_have_text(
        f"{n} completed", timeout=SHORT
    )
    expect(p.get_by_role("progressbar", name=re.compile("runs? finished"))).to_have_attribute(
        "value", str(n)
    )


def test_csv_rows_become_a_live_group_whose_runs_open_and_whose_results_export(
    ready: Page, tmp_path
):
    page = ready
    expect(card(page)).to_be_visible()
    assert_no_axe_violations(page, "#group-create")
    paste_rows(page, CSV_TEXT)
    summary = card(page).get_by_role("status").filter(has_text="rows")
    expect(summary).to_have_text("CSV: 5 rows, columns company, country.")
    expect(card(page).get_by_role("table", name=re.compile("First 5 of 5 rows"))).to_contain_text(
        "Acme, Inc."
    )
    assert_no_axe_violations(page, "#group-create")

    group_id = create_group(page, 5)
    expect(panel(page).get_by_role("heading", name="Task group")).to_be_focused()
    expect(panel(page).get_by_text(group_id)).to_be_visible()
    expect_all_completed(page, 5)
    rows = (
        panel(page).get_by_role("table", name="Runs in this group").locator("tbody tr[data-run-id]")
    )
    expect(rows).to_have_count(5)
    expect(rows.nth(1)).to_contain_text("Acme, Inc.")
    expect(rows.nth(0)).to_contain_text("completed")
    assert_no_axe_violations(page, "#group-panel")

    # Exports: one row per run with the input fields, status and output.
    with page.expect_download() as dl:
        panel(page).get_by_role("button", name="Export CSV").click()
    path = tmp_path / "out.csv"
    dl.value.save_as(path)
    assert dl.value.suggested_filename == f"{group_id}-results.csv"
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    assert [r["company"] for r in table] == [
        "Parallel Web Systems",
        "Acme, Inc.",
        '\'=HYPERLINK("x")',  # neutralised for spreadsheets
        "Multi\nline",
        "Example Corp",
    ]
    assert {r["status"] for r in table} == {"completed"}
    assert all(r["output"] for r in table), table[0]
    expect(panel(page).get_by_text("Exported 5 runs.")).to_be_visible()
    with page.expect_download() as dl:
        panel(page).get_by_role("button", name="Export JSON Lines").click()
    path = tmp_path / "out.jsonl"
    dl.value.save_as(path)
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [x["input"]["country"] for x in lines] == ["US", "US", "DE", "FR", "JP"]
    assert all(x["status"] == "completed" and x["output"]["content"] for x in lines)

    # A row opens its run in the run view.
    run_id = rows.nth(0).get_attribute("data-run-id")
    rows.nth(0).get_by_role("button", name=run_id).click()
    expect(page.get_by_role("heading", name=run_id)).to_be_visible(timeout=SHORT)
    expect(page).to_have_url(re.compile(f"#run={run_id}$"))

    # Its link back shows the same group again, nothing lost.
    page.get_by_role("link", name="← Back to the task group").click()
    expect(page).to_have_url(re.compile(f"#group={group_id}$"))
    expect_all_completed(page, 5)
    rows.nth(0).get_by_role("button", name=run_id).click()
    expect(page.get_by_role("heading", name=run_id)).to_be_visible(timeout=SHORT)

    # The group is listed as recent and opens again from there.
    card(page).get_by_role("list", name="Recent groups").get_by_role("button").first.click()
    expect(page).to_have_url(re.compile(f"#group={group_id}$"))
    expect_all_completed(page, 5)


def test_json_lines_group_and_a_bad_line_sends_nothing(ready: Page):
    page = ready
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/tasks/groups" in r.url else None)
    paste_rows(page, '{"q": "one"}\n{"q": "two"}\n\n[1, 2]\n"just text"\n{"q": 3\n')
    errors = card(page).get_by_role("list", name="Problems in the rows")
    expect(errors).to_contain_text("line 4: not a JSON object (an array)")
    expect(errors).to_contain_text("line 6: not valid JSON")
    expect(card(page).get_by_role("button", name="Create group")).to_be_disabled()
    assert requests == []

    # A file loads into the box; its extension picks the format.
    card(page).get_by_label("Or load a file").set_input_files(
        files=[
            {
                "name": "rows.jsonl",
                "mimeType": "application/x-ndjson",
                "buffer": b'{"q": "one"}\n"just text"\n{"q": "three [sim:fail]"}\n',
            }
        ]
    )
    expect(card(page).get_by_label("Format")).to_have_value("jsonl")
    expect(card(page).get_by_role("status").filter(has_text="rows")).to_have_text(
        "JSON Lines: 3 rows, column q."
    )
    create_group(page, 3)
    p = panel(page)
    expect(p.get_by_text("3 of 3 runs finished (100%)")).to_be_visible(timeout=LONG)
    counts = p.get_by_role("list", name="Runs per status")
    expect(counts).to_contain_text("2 completed")
    expect(counts).to_contain_text("1 failed")
    p.get_by_label("Show", exact=True).select_option("failed")
    rows = p.locator("tbody tr[data-run-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("three [sim:fail]")


def test_a_group_opens_by_link_and_by_id_in_a_fresh_browser(worker, app_url, fresh):
    group_id = api_group(worker, [f"Question {i}" for i in range(4)])
    page, problems = fresh()
    page.goto(f"{app_url}#group={group_id}")
    expect_all_completed(page, 4)
    rows = panel(page).locator("tbody tr[data-run-id]")
    expect(rows).to_have_count(4)
    expect(rows.nth(2)).to_contain_text("Question 2")

    page2, problems2 = fresh()
    page2.goto(app_url)
    page2.get_by_label("Run id or link").fill(f"https://example.com/tasks-sse/#group={group_id}")
    page2.get_by_role("button", name="Open", exact=True).click()
    expect_all_completed(page2, 4)
    expect(page2).to_have_url(re.compile(f"#group={group_id}$"))

    page2.get_by_label("Run id or link").fill("tgrp_" + "0" * 48)
    page2.get_by_role("button", name="Open", exact=True).click()
    expect(panel(page2).get_by_text(re.compile(r"has no group .* \(404\)"))).to_be_visible(
        timeout=SHORT
    )
    assert problems.errors == [] and problems2.errors == []


def test_a_group_link_opened_without_a_key_opens_once_a_key_is_pasted(worker, app_url, browser):
    group_id = api_group(worker, ["Keyless question"])
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"{app_url}#group={group_id}")
        expect(panel(page).get_by_text("Sign in or paste an API key first")).to_be_visible(
            timeout=SHORT
        )
        page.get_by_label("Or paste an API key").fill(SIM_KEY)
        page.get_by_role("button", name="Check and save key").click()
        expect_all_completed(page, 1)
        expect(panel(page).locator("tbody tr[data-run-id]")).to_contain_text("Keyless question")
    finally:
        ctx.close()


def test_a_failed_batch_names_its_rows_keeps_the_rest_and_a_1050_run_table_stays_usable(
    ready: Page,
):
    """1,050 rows go in two batches (the API takes 1,000 per request). The first add answers 503
    once (injected in the browser's network layer; the retry and everything else reach the
    simulator): the panel names the rows not added, keeps the 50 that were, and Retry adds them."""
    page = ready
    n = 1050
    failed_once: list[str] = []

    def fail_first_add(route):
        if route.request.method == "POST" and not failed_once:
            failed_once.append(route.request.url)
            route.fulfill(
                status=503,
                content_type="application/json",
                body=json.dumps(
                    {
                        "type": "error",
                        "error": {"ref_id": "e2e", "message": "Try again later", "detail": None},
                    }
                ),
            )
        else:
            route.continue_()

    page.route("**/tasks-sse/api/v1/tasks/groups/*/runs*", fail_first_add)
    paste_rows(page, "topic\n" + "".join(f"Topic number {i}\n" for i in range(n)))
    expect(card(page).get_by_role("status").filter(has_text="rows")).to_have_text(
        f"CSV: {n:,} rows, column topic."
    )
    create_group(page, n)
    p = panel(page)
    expect(
        p.get_by_text("Rows 1–1,000 (lines 2–1,001) were not added (HTTP 503): Try again later")
    ).to_be_visible(timeout=LONG)
    expect(p.get_by_text(f"50 of {n:,} runs added; 1,000 not added.")).to_be_visible()
    table = p.get_by_role("table", name="Runs in this group")
    expect(table).to_have_attribute("aria-rowcount", "51")
    expect(table.locator('tbody tr[aria-rowindex="2"]')).to_contain_text("Topic number 1000")

    p.get_by_role("button", name="Retry the rows not added").click()
    expect(p.get_by_text(f"All {n:,} runs added.")).to_be_visible(timeout=LONG)
    expect(table).to_have_attribute("aria-rowcount", str(n + 1))
    # Only the rows in sight are in the DOM, however large the group.
    rendered = table.locator("tbody tr[data-run-id]").count()
    assert 0 < rendered < 80, rendered
    # Scroll to the end while runs finish: the last rows render and open.
    scroller = p.get_by_role("region", name="Runs in this group (scrolls)")
    scroller.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
    last = table.locator(f'tbody tr[aria-rowindex="{n + 1}"]')
    expect(last).to_contain_text(f"Topic number {n - 51}", timeout=SHORT)
    expect(p.get_by_text(f"{n:,} of {n:,} runs finished (100%)")).to_be_visible(timeout=LONG)
    expect(last).to_contain_text("completed")
    # Jumps build the rows in sight again (a few per frame): back to the top and to the end.
    scroller.evaluate("(el) => { el.scrollTop = 0; }")
    expect(table.locator('tbody tr[aria-rowindex="2"]')).to_contain_text("Topic number 1000")
    expect(table.locator('tbody tr[aria-rowindex="12"]')).to_be_visible(timeout=SHORT)
    scroller.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
    expect(last).to_be_visible(timeout=SHORT)
    run_id = last.get_attribute("data-run-id")
    last.get_by_role("button").click()
    expect(page.get_by_role("heading", name=run_id)).to_be_visible(timeout=SHORT)


def api_group(worker, texts: list[str]) -> str:
    """A group made without the page: created and filled over the Worker's API path."""
    base = worker.url + "/tasks-sse/api/v1/tasks/groups"
    headers = {"x-api-key": SIM_KEY}
    r = httpx.post(base, json={}, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    group_id = r.json()["taskgroup_id"]
    inputs = [{"input": t, "processor": "lite"} for t in texts]
    r = httpx.post(f"{base}/{group_id}/runs", json={"inputs": inputs}, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    return group_id
