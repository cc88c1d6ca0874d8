"""Fixtures shared by the browser tests: the playground's address and a page that fails on
uncaught errors, CSP violations or dialogs (the playground never uses alert/confirm)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import SIM_KEY

API_KEY_ENTRY = "tasks-sse.apiKey"
READY_MS = 15_000


@pytest.fixture
def app_url(worker) -> str:
    """The playground's URL, served by the Worker (TEST_WORKER picks which) before the simulator."""
    return worker.url + "/tasks-sse/"


def preset_api_key(page, key: str) -> None:
    """Put `key` where the page keeps it before any of the page's scripts run (every navigation)."""
    entry, value = json.dumps(API_KEY_ENTRY), json.dumps(key)
    page.add_init_script(f"try {{ localStorage.setItem({entry}, {value}); }} catch (e) {{}}")


class PageProblems:
    """Uncaught page errors, CSP violations reported on the console, and dialogs."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._on_console)
        page.on("dialog", self._on_dialog)

    def _on_console(self, msg) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.errors.append(f"csp: {msg.text}")

    def _on_dialog(self, dialog) -> None:
        self.errors.append(f"dialog: {dialog.type} {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def page_problems(page) -> PageProblems:
    return PageProblems(page)


@pytest.fixture
def ready(page, app_url: str, page_problems):
    """The playground with the simulator's key set, loaded and wired (its form shows, its mode
    badge says simulator); fails the test on any page error it collected. (The form's processor
    is found by its exact label: other panels have labels that contain the word.)"""
    preset_api_key(page, SIM_KEY)
    page.goto(app_url)
    expect(page.get_by_label("Processor", exact=True)).to_have_value("lite", timeout=READY_MS)
    expect(page.get_by_text("Simulator mode")).to_be_visible(timeout=READY_MS)
    yield page
    assert page_problems.errors == []


@pytest.fixture
def fresh(browser: Browser):
    """A new browser context with the simulator's key and nothing else: no history, no runs."""
    contexts = []

    def make() -> tuple[Page, PageProblems]:
        ctx = browser.new_context()
        contexts.append(ctx)
        page = ctx.new_page()
        preset_api_key(page, SIM_KEY)
        return page, PageProblems(page)

    yield make
    for ctx in contexts:
        ctx.close()
