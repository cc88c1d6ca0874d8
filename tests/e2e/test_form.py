"""The create form end to end in Chromium: the real page, served and proxied by the Worker, against
the simulator. Elements are found by role and label, as a user (or a screen reader) finds them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_no_axe_violations

pytestmark = pytest.mark.e2e

SIM_KEY = "sim-dev-key"
SHORT = 15_000  # ms
CREATE_PATH = "/tasks-sse/api/v1/tasks/runs"


class Creates:
    """The create requests the page sends (bodies)."""

    def __init__(self, page: Page):
        self.bodies: list[dict] = []
        page.on(
            "request",
            lambda r: (
                self.bodies.append(r.post_data_json)
                if r.method == "POST" and r.url.endswith(CREATE_PATH)
                else None
            ),
        )


@pytest.fixture
def creates(page: Page) -> Creates:
    return Creates(page)


def run_button(page: Page):
    return page.get_by_role("button", name="Run", exact=True)


def form_alert(page: Page):
    return page.get_by_role("region", name="Create a task run").get_by_role("alert")


def open_more_options(page: Page) -> None:
    page.get_by_text("More options").click()


def test_a_text_description_over_the_spec_limit_shows_its_problem_on_the_field(
    ready: Page, creates: Creates
):
    page = ready
    page.get_by_label("Task input").fill("Summarise the history of tides.")
    page.get_by_role("radiogroup", name="Output schema").get_by_role("radio", name="Text").check()
    description = page.get_by_label("Describe the text output")
    description.fill("x" * 15_001)
    run_button(page).click()
    expect(form_alert(page)).to_contain_text("1 problem to fix (shown next to the fields)")
    # The field the message points at does show it, is marked invalid, and has the focus.
    problem = page.get_by_text(
        re.compile(r"The task spec is 15,\d{3} characters; the limit is 15,000")
    )
    expect(problem).to_be_visible()
    expect(description).to_have_accessible_description(re.compile("the limit is 15,000"))
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_be_focused()
    assert creates.bodies == []
    # Shortened, it goes.
    description.fill("Two paragraphs.")
    expect(problem).to_be_hidden()
    run_button(page).click()
    expect(page.get_by_role("heading", name=re.compile(r"^trun_"))).to_be_visible(timeout=SHORT)
    assert creates.bodies[0]["task_spec"] == {
        "output_schema": {"type": "text", "description": "Two paragraphs."}
    }


def test_domains_are_checked_as_domains_and_paths_are_kept(ready: Page, creates: Creates):
    page = ready
    open_more_options(page)
    include = page.get_by_label("Include domains")
    chips = page.get_by_role("list", name="Included domains").get_by_role("listitem")
    include.fill("not a domain")
    include.press("Enter")
    # One entry, explained, kept in the box to be fixed: not three chips.
    expect(
        page.get_by_text('"not a domain" is not a domain: a domain has no spaces.')
    ).to_be_visible()
    expect(include).to_have_value("not a domain")
    expect(chips).to_have_count(0)
    # Left there, it stops the run: a domain the user typed is never silently dropped.
    page.get_by_label("Task input").fill("What changed in the standard library?")
    run_button(page).click()
    expect(form_alert(page)).to_contain_text("1 problem to fix (shown next to the fields)")
    expect(include).to_have_attribute("aria-invalid", "true")
    expect(include).to_be_focused()
    assert creates.bodies == []
    include.fill("wikipedia")
    include.press("Enter")
    expect(
        page.get_by_text('"wikipedia" is not a domain: use a full domain such as wikipedia.com')
    ).to_be_visible()
    expect(chips).to_have_count(0)
    # A domain with a path prefix and an extension are what the API takes; the path keeps its case.
    include.fill("Docs.Python.org/3/Library/, .gov")
    include.press("Enter")
    expect(chips).to_have_count(2)
    expect(chips.nth(0)).to_contain_text("docs.python.org/3/Library")
    expect(chips.nth(1)).to_contain_text(".gov")
    expect(include).to_have_value("")
    run_button(page).click()
    expect(page.get_by_role("heading", name=re.compile(r"^trun_"))).to_be_visible(timeout=SHORT)
    assert creates.bodies[0]["source_policy"] == {
        "include_domains": ["docs.python.org/3/Library", ".gov"]
    }


def test_the_domain_limit_notice_goes_when_there_is_room_again(ready: Page):
    page = ready
    open_more_options(page)
    include = page.get_by_label("Include domains")
    chips = page.get_by_role("list", name="Included domains").get_by_role("listitem")
    include.fill(", ".join(f"d{i}.example" for i in range(200)))
    include.press("Enter")
    expect(chips).to_have_count(200)
    expect(page.get_by_text("200 of 200 domains.")).to_be_visible()
    exclude = page.get_by_label("Exclude domains")
    exclude.fill("one-more.example")
    exclude.press("Enter")
    notice = page.get_by_text("At most 200 domains in all")
    expect(notice).to_be_visible()
    expect(exclude).to_have_value("one-more.example")  # kept, not lost
    # Removing a domain in the other field makes room: the notice goes.
    page.get_by_role("button", name="Remove d7.example").click()
    expect(notice).to_have_count(0)
    expect(page.get_by_text("199 of 200 domains.")).to_be_visible()
    # Fill it again, then remove every domain: no notice is left behind.
    exclude.press("Enter")
    expect(page.get_by_text("200 of 200 domains.")).to_be_visible()
    include.fill("again.example")
    include.press("Enter")
    expect(notice).to_be_visible()
    include.fill("")
    for _ in range(199):
        include.press("Backspace")
    page.get_by_role("button", name="Remove one-more.example").click()
    expect(page.get_by_text("0 of 200 domains.")).to_be_visible()
    expect(notice).to_have_count(0)


def test_a_422_is_shown_beside_the_field_it_names(ready: Page, creates: Creates):
    page = ready
    page.get_by_label("Task input").fill("A question with a fault list the simulator cannot read")
    open_more_options(page)
    page.get_by_label("Metadata key 1").fill("sim_fault")
    value = page.get_by_label("Metadata value 1")
    value.fill("no-such-fault=1")
    run_button(page).click()
    # The box says what happened and keeps the ref_id; the API's words go beside the field.
    alert = form_alert(page)
    expect(alert).to_contain_text(
        "HTTP 422: The API found a problem, shown next to its field.", timeout=SHORT
    )
    expect(alert).to_contain_text("ref_id")
    problem = page.locator("#metadata-error")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("metadata.sim_fault: ")
    text = problem.inner_text()
    assert "{" not in text and "errors:" not in text and "loc" not in text, text
    # The focus goes to the row the API named.
    expect(page.get_by_label("Metadata key 1")).to_be_focused()
    assert len(creates.bodies) == 1
    # Changing the field clears its problem.
    value.fill("drop-after=5")
    expect(problem).to_be_hidden()


def test_a_422_about_an_mcp_server_goes_to_that_field_until_it_changes_or_the_next_run(
    ready: Page, creates: Creates
):
    """The form checks each MCP server's name and url; the API also refuses a type other than
    'url' (the simulator's 422 names mcp_servers[0].type): the page lets it through, the API
    answers 422 through the Worker, and the page shows it on the MCP field."""
    page = ready
    page.get_by_label("Task input").fill("Which tools does this server offer?")
    open_more_options(page)
    mcp = page.get_by_label("MCP servers (beta; JSON array)")
    server = '[{"type": "stdio", "name": "tools", "url": "https://mcp.example.com/mcp"}]'
    mcp.fill(server)
    run_button(page).click()
    alert = form_alert(page)
    expect(alert).to_contain_text("HTTP 422: The API found a problem", timeout=SHORT)
    expect(alert).not_to_contain_text("mcp_servers")  # said once, beside the field
    said = "mcp_servers[0].type: type must be 'url'"
    expect(page.get_by_text(said)).to_be_visible()
    expect(mcp).to_have_accessible_description(re.compile(re.escape(said)))
    expect(mcp).to_have_attribute("aria-invalid", "true")
    expect(mcp).to_be_focused()
    assert [b["mcp_servers"][0]["type"] for b in creates.bodies] == ["stdio"]
    assert_no_axe_violations(page, "#create-form")

    # Another field changing leaves it; the next Run starts without it: while that create is
    # held on its way, neither the field nor the box shows the old answer.
    page.get_by_label("Task input").fill("Which tools does this server offer, in short?")
    expect(page.get_by_text(said)).to_be_visible()
    held = []
    page.route("**" + CREATE_PATH, lambda route: held.append(route))
    run_button(page).click()
    expect(page.get_by_role("button", name="Creating…")).to_be_disabled(timeout=SHORT)
    expect(page.get_by_text(said)).to_be_hidden()
    expect(alert).to_be_hidden()
    held[0].continue_()  # the API answers the same 422 again
    expect(page.get_by_text(said)).to_be_visible(timeout=SHORT)
    page.unroute("**" + CREATE_PATH)
    assert len(creates.bodies) == 2

    # Its own field changing clears it.
    mcp.press("End")
    mcp.type(" ")
    expect(page.get_by_text(said)).to_be_hidden()
    expect(mcp).to_have_attribute("aria-invalid", "false")
    expect(alert).to_be_visible()  # the box stays until the next Run or a reset

    # Fixed, the run goes.
    mcp.fill(server.replace("stdio", "url"))
    run_button(page).click()
    expect(page.get_by_role("heading", name=re.compile(r"^trun_"))).to_be_visible(timeout=SHORT)
    expect(alert).to_be_hidden()
    assert len(creates.bodies) == 3


def test_a_hanging_create_can_be_cancelled(ready: Page, creates: Creates):
    page = ready
    # The simulator holds this create's answer back (its first-byte-delay fault, sent as the
    # x-sim-fault header, which the Worker forwards); the page must not hang with it.
    page.route(
        "**" + CREATE_PATH,
        lambda route: route.continue_(
            headers={**route.request.headers, "x-sim-fault": "first-byte-delay-ms=120000"}
        ),
    )
    page.get_by_label("Task input").fill("A question the API will sit on")
    run = run_button(page)
    run.click()
    busy = page.get_by_role("button", name="Creating…")
    expect(busy).to_be_disabled(timeout=SHORT)
    cancel = page.get_by_role("button", name="Cancel")
    expect(cancel).to_be_focused()
    cancel.click()
    expect(form_alert(page)).to_contain_text("Cancelled", timeout=SHORT)
    expect(form_alert(page)).to_contain_text("may still have been created")
    expect(run).to_be_enabled()
    expect(cancel).to_be_hidden()
    assert len(creates.bodies) == 1
    # The next Run goes through normally.
    page.unroute("**" + CREATE_PATH)
    run.click()
    expect(page.get_by_role("heading", name=re.compile(r"^trun_"))).to_be_visible(timeout=SHORT)


def test_the_form_passes_axe_empty_with_problems_and_with_every_option_open(ready: Page):
    page = ready
    form = "#create"
    assert_no_axe_violations(page, form)
    # Problems shown next to their fields, and the form's own alert.
    page.get_by_role("radiogroup", name="Input format").get_by_role(
        "radio", name="JSON object"
    ).check()
    page.get_by_label("Task input").fill('{"company": ')
    open_more_options(page)
    page.get_by_label("Include domains").fill("not a domain")
    page.get_by_label("Include domains").press("Enter")
    page.get_by_label("Exclude domains").fill("example.org")
    page.get_by_label("Exclude domains").press("Enter")
    page.get_by_label("URL notified when the run finishes").fill("ftp://example.com")
    page.get_by_label("Metadata key 1").fill("k" * 17)
    page.get_by_role("radiogroup", name="Output schema").get_by_role(
        "radio", name="JSON schema"
    ).check()
    page.get_by_label("JSON schema of the output").fill(
        '{"type": "object", "properties": {"a": {"type": "null"}}}'
    )
    run_button(page).click()
    expect(form_alert(page)).to_contain_text("problems to fix")
    assert_no_axe_violations(page, form)
