""" "Copy as code" in Chromium: options set in the real form show up in each tab's snippet, the tabs
work from the keyboard, and the snippets target the simulator the page runs against.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_no_axe_violations

pytestmark = pytest.mark.e2e

SIM_KEY = "sim-dev-key"
SHORT = 15_000  # ms
TABS = ["curl", "Python", "TypeScript", "One call"]


def test_copy_as_code_shows_the_forms_options(ready: Page, sim, worker):
    page = ready
    page.get_by_label("Task input").fill('Who founded O\'Brien & Co? "quoted"')
    page.get_by_label("Processor").select_option("core")
    page.get_by_role("radiogroup", name="Output schema").get_by_role("radio", name="Text").check()
    page.get_by_label("Describe the text output").fill("Two short paragraphs")
    page.get_by_text("More options").click()
    page.get_by_label("Include domains").fill("example.com")
    page.get_by_label("Include domains").press("Enter")
    page.get_by_label("URL notified when the run finishes").fill("https://hooks.example.com/p")
    page.get_by_label("Metadata key 1").fill("team")
    page.get_by_label("Metadata value 1").fill("research")
    page.get_by_label("Record progress events").uncheck()

    page.get_by_text("Copy as code").click()
    tablist = page.get_by_role("tablist", name="Code language")
    expect(tablist.get_by_role("tab")).to_have_text(TABS)

    tab = tablist.get_by_role("tab", name="Python")
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    python = page.get_by_role("tabpanel", name="Python")
    for text in [
        'input="Who founded O\'Brien & Co? \\"quoted\\""',
        'processor="core"',
        '"description": "Two short paragraphs"',
        '"include_domains": [',
        '"example.com"',
        '"url": "https://hooks.example.com/p"',
        '"team": "research"',
        "enable_events=False",
        '"webhook-2025-08-12"',
        f'"PARALLEL_BASE_URL", "{sim.url}"',
    ]:
        expect(python).to_contain_text(text)
    expect(python).not_to_contain_text(SIM_KEY + '"')

    # The keyboard moves between tabs: arrows wrap, Home and End jump.
    tab.press("ArrowRight")
    ts = tablist.get_by_role("tab", name="TypeScript")
    expect(ts).to_be_focused()
    expect(page.get_by_role("tabpanel", name="TypeScript")).to_contain_text("enable_events: false")
    expect(python).to_be_hidden()
    ts.press("End")
    one_call = page.get_by_role("tabpanel", name="One call")
    expect(one_call).to_contain_text(f"'{worker.url}/tasks-sse/run'")
    tablist.get_by_role("tab", name="One call").press("ArrowRight")
    curl = page.get_by_role("tabpanel", name="curl")
    expect(curl).to_contain_text(f"'{sim.url}/v1/tasks/runs'")
    expect(curl).to_contain_text("O'\\''Brien")
    expect(curl).to_contain_text("x-api-key: $PARALLEL_API_KEY")

    # The code follows the form as it changes.
    page.get_by_label("Processor").select_option("base")
    expect(curl).to_contain_text('"processor": "base"')

    assert_no_axe_violations(page, "#copy-code")


def test_copy_button_puts_the_snippet_on_the_clipboard(ready: Page, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = ready
    page.get_by_label("Task input").fill("What is the capital of France?")
    page.get_by_text("Copy as code").click()
    page.get_by_role("tab", name="Python").click()
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.get_by_role("tabpanel", name="Python").inner_text()
    assert 'input="What is the capital of France?"' in copied
