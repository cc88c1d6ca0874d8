"""The page in Chromium (placeholder until the playground's hooks land)."""

from bench.context import Ctx
from bench.report import Section


async def run(ctx: Ctx) -> Section:
    raise RuntimeError("not implemented yet")
