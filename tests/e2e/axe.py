"""axe-core in the page under test: the pinned npm copy, run against the live DOM.

The playground's CSP forbids inline and foreign scripts, so `add_script_tag` is refused.
Playwright's `page.evaluate` goes through the DevTools protocol, which CSP does not govern, so the
library is evaluated that way: the page itself is left exactly as served.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.x A and AA plus axe's best practices: what the playground promises.
DEFAULT_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} missing: run `npm ci`")
    # A statement list wrapped so evaluate() takes it as one expression.
    return "(() => {" + AXE_JS.read_text(encoding="utf-8") + "\n})()"


def _inject(page: Page) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())


def axe_violations(
    page: Page,
    include: str | None = None,
    tags: tuple[str, ...] = DEFAULT_TAGS,
    disable: tuple[str, ...] = (),
) -> list[dict]:
    """axe's violations for the page (or the part under the CSS selector `include`)."""
    _inject(page)
    options = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "rules": {rule: {"enabled": False} for rule in disable},
        "resultTypes": ["violations"],
    }
    return page.evaluate(
        """async ([include, options]) => {
            const scope = include ? { include: [include] } : document;
            const result = await window.axe.run(scope, options);
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
            }));
        }""",
        [include, options],
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"  {json.dumps(node['target'])}: {node['summary']}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page, include: str | None = None, **kwargs) -> None:
    violations = axe_violations(page, include, **kwargs)
    assert violations == [], "axe found:\n" + format_violations(violations)
