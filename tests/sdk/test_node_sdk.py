"""Parallel's official TypeScript SDK (npm `parallel-web`), run by Node against each target."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("node_sdk_contract.mjs")


def test_the_npm_sdk_contract(target):
    r = subprocess.run(
        ["node", str(SCRIPT), target.base_url, target.key],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=SCRIPT.parents[2],
    )
    assert r.returncode == 0, r.stdout + r.stderr
