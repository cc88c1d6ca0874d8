"""The stack the page sections measure: the simulator (speed 20), the Worker (local runtime) in
front of it, and a headless Debian chromium, all on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bench.context import Ctx
from bench.procs import launch_sim, launch_worker
from tests.support.chromium import ARGS, NOT_FOUND, chromium_path

SIM_SPEED = "20"
SIM_KEY = "sim-dev-key"


async def keyed_page(browser) -> tuple[object, object]:
    """A new context whose page has the simulator's key where the playground keeps it."""
    ctx = await browser.new_context()
    await ctx.add_init_script(f"localStorage.setItem('tasks-sse.apiKey', '{SIM_KEY}');")
    return ctx, await ctx.new_page()


@asynccontextmanager
async def page_stack(ctx: Ctx) -> AsyncIterator[tuple[object, str]]:
    """Yield (browser, the Worker's URL); everything started is stopped on the way out."""
    path = chromium_path()
    if not path:
        raise RuntimeError(NOT_FOUND)
    from playwright.async_api import async_playwright

    sim, _ = await launch_sim(ctx.log_dir, env={"PARALLEL_SIM_SPEED": SIM_SPEED})
    worker = None
    try:
        worker, _ = await launch_worker(
            ctx.log_dir, sim.url, env={"OAUTH_ISSUER": sim.url, "UPSTREAM_MODE": "simulator"}
        )
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=path, args=list(ARGS), headless=True)
            try:
                yield browser, worker.url
            finally:
                await browser.close()
    finally:
        if worker:
            worker.stop()
        sim.stop()
