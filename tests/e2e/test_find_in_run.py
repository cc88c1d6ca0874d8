"""Find in a run: filter a run's messages by type and search their text, and select an output
field to see its citations, reasoning and confidence. The run is created through the Worker to the
simulator, then opened in a fresh browser. Elements are found by role and label."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_no_axe_violations
from tests.e2e.test_debugger import SHORT, curl_create, open_by_id

pytestmark = pytest.mark.e2e

SCHEMA = {
    "type": "json",
    "json_schema": {
        "type": "object",
        "properties": {
            "company_name": {"type": "string", "description": "The company's name"},
            "founded_year": {"type": "integer", "description": "Year founded"},
        },
        "required": ["company_name", "founded_year"],
        "additionalProperties": False,
    },
}


def test_filter_and_search_messages_then_select_an_output_field(worker, app_url, fresh):
    spec = {"output_schema": SCHEMA}
    run_id = curl_create(worker, "Solar panel makers", processor="base", task_spec=spec)
    page, problems = fresh()
    page.goto(app_url)
    open_by_id(page, run_id)
    messages = page.get_by_role("list", name="Progress messages").get_by_role("listitem")
    filters = page.get_by_role("group", name="Filter messages")
    count = filters.get_by_text(re.compile(r"^\d+ of \d+ messages?$"))

    # Search "sources" and untick "plan" while the run is (most likely) still live: messages that
    # arrive afterwards are filtered as they come.
    filters.get_by_role("searchbox", name="Search messages").fill("SOURCES")
    filters.get_by_role("checkbox", name="plan").uncheck(timeout=SHORT)
    finished = page.get_by_role("status").filter(has_text="the run finished")
    expect(finished).to_be_visible(timeout=60_000)

    shown, all_count = (int(n) for n in re.findall(r"\d+", count.inner_text()))
    assert 1 <= shown < all_count
    expect(messages).to_have_count(shown)
    # textContent, not innerText: off-screen items skip layout (content-visibility: auto), and
    # innerText is empty for a subtree that was never laid out.
    for text in messages.all_text_contents():  # time, type and text; no message says "plan"
        assert "sources" in text.lower() and "plan" not in text.lower(), text
    assert_no_axe_violations(page)

    # Clearing the filter brings everything back.
    filters.get_by_role("checkbox", name="plan").check()
    filters.get_by_role("searchbox", name="Search messages").fill("")
    expect(count).to_have_text(f"{all_count} of {all_count} messages")
    expect(messages).to_have_count(all_count)

    # Select an output field (by keyboard): its citations, reasoning and confidence show.
    fields = page.get_by_role("list", name="Output fields")
    button = fields.get_by_role("button", name="founded_year")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    details = page.get_by_role("region", name="Field details")
    expect(details).to_contain_text("founded_year")
    expect(details).to_contain_text("Reasoning: The value for founded_year")
    expect(details).to_contain_text(re.compile(r"confidence: (high|medium|low)"))
    cites = details.get_by_role("list", name="Citations for the selected field founded_year")
    expect(cites.get_by_role("link").first).to_be_visible()
    fields.get_by_role("button", name="company_name").click()
    expect(details).to_contain_text("Reasoning: The value for company_name")
    expect(button).to_have_attribute("aria-pressed", "false")
    assert_no_axe_violations(page)
    assert problems.errors == []
