"""Regenerate the playground screenshots the README shows (`make screenshots`).

Starts the simulator and the Worker (local runtime) on 127.0.0.1, opens the playground in Debian's
chromium (never a downloaded browser) and drives it through its real UI to each scene in SCENES,
writing docs/screenshots/<name>.png. Every wait is on a condition with a deadline.

    .venv/bin/python scripts/screenshots.py                 # every scene
    .venv/bin/python scripts/screenshots.py --only find-in-run --out /tmp/shots

A scene is a name, one sentence of what it shows (the README's caption says the same in its own
words) and a function that takes a fresh page, drives it and returns what to capture: a locator,
a list of them (from the first's top to the last's bottom), or None for the whole viewport.
Append new scenes to SCENES and show each image in the README; tests/unit/test_screenshots.py
checks that the two agree.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `python scripts/screenshots.py` from anywhere finds tests/support

OUT_DIR = ROOT / "docs" / "screenshots"
# A fixed, plain browser: same size, scale, colours and motion every time, so an image changes
# only when the page does.
VIEWPORT = {"width": 1280, "height": 860}
CONTEXT = {
    "viewport": VIEWPORT,
    "device_scale_factor": 1,
    "color_scheme": "light",
    "reduced_motion": "reduce",
    "locale": "en-US",
    "timezone_id": "UTC",
}
CHROMIUM_EXTRA_ARGS = ["--hide-scrollbars"]  # beside tests/support/chromium.py's ARGS
SIM_KEY = "sim-dev-key"
API_KEY_ENTRY = "tasks-sse.apiKey"  # where the page keeps the key (localStorage)
# The ports `make dev` uses, so the images show the addresses the README does; free ones otherwise.
PREFERRED_PORTS = {"worker": 8787, "sim": 8788}
READY_MS = 30_000
RUN_MS = 120_000  # a whole run at the simulator's default speed, on a busy machine
MAX_PNG_BYTES = 200_000
LIVE_MESSAGES = 12
MARGIN = 12  # px around a captured region

FINISHED = re.compile("the run finished")
QUESTION = "Parallel Web Systems: when was it founded, where is it based, who runs it?"


@dataclass(frozen=True)
class Stage:
    """What a scene gets: the page (fresh context, simulator key set) and the servers' URLs."""

    page: object  # playwright.sync_api.Page
    app_url: str
    worker_url: str


@dataclass(frozen=True)
class Scene:
    name: str  # the file: docs/screenshots/<name>.png
    shows: str  # one sentence: what the image shows
    reach: Callable[[Stage], object]  # drives the page; returns what to capture (see the top)


# --- how to reach each state, through the page's own controls ------------------------------------


def _expect():
    from playwright.sync_api import expect

    return expect


def fill_json_form(stage: Stage, question: str = QUESTION, processor: str = "core") -> None:
    """A question, a processor and a JSON-schema output (the form inserts its example schema)."""
    page = stage.page
    page.get_by_label("Task input").fill(question)
    page.get_by_label("Processor", exact=True).select_option(processor)
    modes = page.get_by_role("radiogroup", name="Output schema")
    modes.get_by_role("radio", name="JSON schema").check()
    schema = page.get_by_label("JSON schema of the output")
    _expect()(schema).to_have_value(re.compile("founded_year"))


def run_button(page):
    return page.get_by_role("button", name="Run", exact=True)


def run_from_form(stage: Stage) -> None:
    """Press Run and wait for the run's view (its heading is the run id)."""
    page = stage.page
    run_button(page).click()
    _expect()(page.get_by_role("heading", name=re.compile(r"^trun_"))).to_be_visible(
        timeout=READY_MS
    )


def wait_finished(stage: Stage) -> None:
    status = stage.page.get_by_role("status").filter(has_text=FINISHED)
    _expect()(status).to_be_visible(timeout=RUN_MS)


def scene_form(stage: Stage):
    fill_json_form(stage)
    page = stage.page
    return [page.get_by_role("region", name="Create a task run"), run_button(page)]


def scene_run_live(stage: Stage):
    page = stage.page
    # An ultra run takes half a minute or more at the simulator's default speed: time to catch
    # it live with a screenful of messages.
    fill_json_form(stage, "Compare the three largest European solar panel makers", "ultra")
    run_from_form(stage)
    messages = page.get_by_role("list", name="Progress messages").get_by_role("listitem")
    _expect()(messages.nth(LIVE_MESSAGES - 1)).to_be_attached(timeout=RUN_MS)
    # Still live: the run's status is not final yet.
    _expect()(page.get_by_role("status").filter(has_text=FINISHED)).to_have_count(0)
    # From the run's header ("Live: receiving events") down to its messages, as far as the
    # viewport reaches.
    return [page.locator("#run-panel"), page.get_by_role("region", name="Messages", exact=True)]


def scene_run_output(stage: Stage):
    page = stage.page
    fill_json_form(stage, processor="base")
    run_from_form(stage)
    wait_finished(stage)
    fields = page.get_by_role("list", name="Output fields")
    fields.get_by_role("button", name="founded_year").click()
    details = page.get_by_role("region", name="Field details")
    _expect()(details).to_contain_text("Reasoning", timeout=READY_MS)
    return [page.get_by_role("region", name="Output", exact=True), details]


def scene_find_in_run(stage: Stage):
    page = stage.page
    fill_json_form(stage, processor="pro")  # enough messages to filter
    run_from_form(stage)
    wait_finished(stage)
    filters = page.get_by_role("group", name="Filter messages")
    filters.get_by_role("searchbox", name="Search messages").fill("sources")
    filters.get_by_role("checkbox", name="plan").uncheck()
    _expect()(filters.get_by_text(re.compile(r"^\d+ of \d+ messages?$"))).to_be_visible()
    return page.get_by_role("region", name="Messages", exact=True)


def scene_copy_as_code(stage: Stage):
    page = stage.page
    fill_json_form(stage)
    page.get_by_text("Copy as code").click()
    tab = page.get_by_role("tablist", name="Code language").get_by_role("tab", name="Python")
    tab.click()
    _expect()(page.get_by_role("tabpanel", name="Python")).to_contain_text("from parallel import")
    return page.locator("#copy-code")


def scene_open_by_link(stage: Stage):
    """A run made elsewhere (here: one POST, as curl would) opened from its link."""
    import httpx

    page = stage.page
    body = {
        "input": "Who founded Parallel Web Systems, and when?",
        "processor": "lite",
        "enable_events": True,
        "task_spec": {"output_schema": "One short paragraph."},
    }
    r = httpx.post(
        stage.worker_url + "/tasks-sse/api/v1/tasks/runs",
        json=body,
        headers={"x-api-key": SIM_KEY, "parallel-beta": "events-sse-2025-07-24"},
        timeout=30,
    )
    r.raise_for_status()
    page.goto(stage.app_url + "#run=" + r.json()["run_id"])
    wait_finished(stage)
    return None


def scene_history(stage: Stage):
    """Runs made in this browser: each finished one is kept locally, a failed one too."""
    page = stage.page
    for question, processor in [
        ("What is the capital of Australia?", "lite"),
        ("Summarise this week's news about battery recycling [sim:fail]", "base"),
        (QUESTION, "core"),
    ]:
        page.get_by_label("Task input").fill(question)
        page.get_by_label("Processor", exact=True).select_option(processor)
        run_from_form(stage)
        wait_finished(stage)
    history = page.get_by_role("list", name="Task runs").get_by_role("listitem")
    _expect()(history).to_have_count(3)
    _expect()(history.filter(has_text="kept locally")).to_have_count(3, timeout=READY_MS)
    return page.get_by_role("region", name="History")


def scene_compare(stage: Stage):
    """One JSON-schema question on three processors, every column finished, fields aligned."""
    page = stage.page
    fill_json_form(stage)
    page.get_by_text("Compare processors", exact=True).click()
    picker = page.get_by_role("group", name=re.compile("^Run it on"))
    for processor in ("lite", "base", "core"):
        picker.get_by_role("checkbox", name=processor, exact=True).check()
    page.get_by_role("button", name="Compare", exact=True).click()
    columns = page.get_by_role("list", name="Comparison columns").get_by_role("listitem")
    _expect()(columns).to_have_count(3, timeout=READY_MS)
    for i in range(3):
        done = columns.nth(i).get_by_text("Completed", exact=True)
        _expect()(done).to_be_visible(timeout=RUN_MS)
    table = page.get_by_role("region", name="JSON output, field by field")
    _expect()(table.get_by_role("row").filter(has_text="differs").first).to_be_visible()
    return page.locator("#compare-panel")


GROUP_ROWS = (
    "company,country\n"
    "Parallel Web Systems,US\n"
    "Cloudflare,US\n"
    "Mistral AI,FR\n"
    "Spotify,SE\n"
    "Shopify,CA\n"
    "Canva,AU\n"
    "Zalando,DE\n"
    "Rakuten,JP\n"
)


def scene_group(stage: Stage):
    """Eight CSV rows as a task group on lite, watched until every run has finished."""
    page = stage.page
    page.get_by_label("Processor", exact=True).select_option("lite")
    card = page.get_by_role("region", name="Task group from rows")
    card.get_by_label("Rows", exact=True).fill(GROUP_ROWS)
    card.get_by_role("button", name="Create group (8 runs)").click()
    panel = page.get_by_role("region", name="Task group", exact=True)
    finished = panel.get_by_text("8 of 8 runs finished (100%)")
    _expect()(finished).to_be_visible(timeout=RUN_MS)
    return panel


SCENES: list[Scene] = [
    Scene("form", "The create form filled in, with a JSON-schema output.", scene_form),
    Scene(
        "run-live",
        "An ultra run streaming live: status, progress and messages as the events arrive.",
        scene_run_live,
    ),
    Scene(
        "run-output",
        "A finished run's JSON output with one output field selected: its citations, "
        "reasoning and confidence.",
        scene_run_output,
    ),
    Scene(
        "find-in-run",
        "Find in a run: messages filtered by type and searched, 'N of M messages'.",
        scene_find_in_run,
    ),
    Scene(
        "copy-as-code",
        "Copy as code: the form's request as Python with Parallel's SDK.",
        scene_copy_as_code,
    ),
    Scene(
        "open-by-link",
        "A run made with curl, opened by its link; it is kept in the history with Export.",
        scene_open_by_link,
    ),
    Scene(
        "history",
        "The history of runs made in this browser, each kept locally once finished.",
        scene_history,
    ),
    Scene(
        "compare",
        "Compare: one question on three processors side by side, JSON fields aligned with "
        "differences marked.",
        scene_compare,
    ),
    Scene(
        "group",
        "A task group made from eight CSV rows: counts per status, progress and its runs.",
        scene_group,
    ),
]


# --- running ------------------------------------------------------------------------------------


def find_chromium() -> str:
    from tests.support.chromium import NOT_FOUND, chromium_path

    path = chromium_path()
    if not path:
        sys.exit(f"screenshots: {NOT_FOUND}.")
    return path


def port_for(what: str) -> int:
    from tests.support.servers import free_port

    port = PREFERRED_PORTS[what]
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def preset_api_key(page) -> None:
    """The simulator's key where the page keeps it, before any of its scripts run."""
    entry, value = json.dumps(API_KEY_ENTRY), json.dumps(SIM_KEY)
    page.add_init_script(f"try {{ localStorage.setItem({entry}, {value}); }} catch (e) {{}}")


# Scroll `el` to the top of its scroll container (the page, or the main column, which scrolls on
# its own), then back by the height of any sticky bar that would cover it (the run's stream state).
# Returns the top of that bar (it belongs in the picture), or null.
SCROLL_TO_TOP = """(el, gap) => {
  el.scrollIntoView({ block: "start" });
  const { top, left, right } = el.getBoundingClientRect();
  let cover = top;
  let barTop = null;
  for (const s of document.querySelectorAll("*")) {
    if (getComputedStyle(s).position !== "sticky" || s.contains(el) || el.contains(s)) continue;
    const r = s.getBoundingClientRect();
    const above = r.top <= top + 1 && r.bottom > top && r.left < right && r.right > left;
    if (r.height && above) {
      cover = Math.max(cover, r.bottom);
      barTop = barTop === null ? r.top : Math.min(barTop, r.top);
    }
  }
  if (cover > top) {
    let box = el.parentElement;
    const scrolls = (b) =>
      b.scrollHeight > b.clientHeight && getComputedStyle(b).overflowY !== "visible";
    while (box && !scrolls(box)) box = box.parentElement;
    (box || document.scrollingElement).scrollBy(0, -(cover - top + gap));
  }
  return barTop;
}"""


def region(page, target) -> dict:
    """The viewport area a user sees around `target` (a locator, or several: as wide as all of
    them, from the first's top to the last's bottom), with the first scrolled to the top. A
    region taller than the viewport is cut where the viewport ends, as on screen."""
    parts = target if isinstance(target, (list, tuple)) else [target]
    bar_top = parts[0].evaluate(SCROLL_TO_TOP, MARGIN + 4)
    boxes = []
    for part in parts:
        box = part.bounding_box()
        if box is None:
            raise RuntimeError(f"nothing to capture: {part} is not visible")
        boxes.append((box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]))
    left = max(0, min(b[0] for b in boxes) - MARGIN)
    top = max(0, (boxes[0][1] if bar_top is None else min(bar_top, boxes[0][1])) - MARGIN)
    right = min(VIEWPORT["width"], max(b[2] for b in boxes) + MARGIN)
    bottom = min(VIEWPORT["height"], boxes[-1][3] + MARGIN)
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}


def shoot(browser, scene: Scene, app_url: str, worker_url: str, out: Path) -> Path:
    context = browser.new_context(**CONTEXT)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        preset_api_key(page)
        page.goto(app_url)
        ready = page.get_by_text("Simulator mode")
        _expect()(ready).to_be_visible(timeout=READY_MS)
        target = scene.reach(Stage(page, app_url, worker_url))
        path = out / f"{scene.name}.png"
        options = {"path": str(path), "animations": "disabled", "caret": "hide"}
        if target is None:
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(**options)
        else:
            page.screenshot(clip=region(page, target), **options)
        if errors:
            raise RuntimeError(f"scene {scene.name}: the page reported errors: {errors}")
        return path
    finally:
        context.close()


def main(argv: list[str] | None = None) -> None:
    names = [s.name for s in SCENES]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=names, help="a scene (repeatable)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"default {OUT_DIR}")
    args = parser.parse_args(argv)
    scenes = [s for s in SCENES if not args.only or s.name in args.only]
    executable = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("screenshots: Playwright is missing; run `make setup` first.")
    from tests.support.chromium import ARGS
    from tests.support.servers import start_sim, start_worker

    args.out.mkdir(parents=True, exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="tasks-sse-screenshots-"))
    servers = []
    try:
        sim = start_sim(logs, port=port_for("sim"))
        servers.append(sim)
        worker = start_worker(
            logs,
            upstream=sim.url,
            port=port_for("worker"),
            env={"OAUTH_ISSUER": sim.url, "UPSTREAM_MODE": "simulator"},
        )
        servers.append(worker)
        app_url = worker.url + "/tasks-sse/"
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=executable, args=[*ARGS, *CHROMIUM_EXTRA_ARGS]
            )
            try:
                for scene in scenes:
                    started = time.monotonic()
                    path = shoot(browser, scene, app_url, worker.url, args.out)
                    size = path.stat().st_size
                    took = time.monotonic() - started
                    big = size > MAX_PNG_BYTES
                    note = "  (over 200 KB: capture a smaller region)" if big else ""
                    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                    print(f"{shown}  {size / 1000:.0f} KB  {took:.1f} s{note}", flush=True)
            finally:
                browser.close()
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
