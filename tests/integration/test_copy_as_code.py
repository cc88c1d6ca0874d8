""" "Copy as code" runs as copied: the playground's generated snippets (public/tasks-sse/js/
request-code.js), made from hostile form values, executed as they are shown (Python with the
official `parallel-web` SDK, the TypeScript with the npm SDK under Node, curl with bash) against the
simulator, and the one-call curl against the Worker. Each run's stored input must equal the body
the form would send: nothing lost or changed by quoting.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import SIM_KEY

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "public" / "tasks-sse" / "js"
# Things a shell, Python or JS literal could mistake for code: quotes of every kind, backslashes,
# new lines, command substitution, a variable, a heredoc end, and text outside ASCII.
HOSTILE = 'it\'s "quoted" \\ back\\slash\n$(touch /tmp/pwned) `id` $HOME \\n EOF\t☃ 😀 \u2028 é'

FORM = {
    "inputMode": "json",
    "input": json.dumps({"question": HOSTILE, "company": "O'Brien & Co"}),
    "processor": "lite",
    "outputMode": "json",
    "outputSchema": json.dumps(
        {
            "type": "object",
            "properties": {"answer": {"type": "string", "description": HOSTILE}},
            "required": ["answer"],
            "additionalProperties": False,
        }
    ),
    "outputDescription": "",
    "inputSchema": "A question ' with \" quotes",
    "includeDomains": ["example.com", "docs.python.org/3"],
    "excludeDomains": [],
    "afterDate": "2024-01-02",
    "webhookUrl": "https://hooks.example.com/p?x='1'&y=$(id)",
    "webhookEventTypes": ["task_run.status"],
    "metadata": [{"key": "who", "value": HOSTILE[:200]}, {"key": "q'\"", "value": "`x`"}],
    "mcpServers": json.dumps(
        [{"type": "url", "name": "t", "url": "https://mcp.example/m", "headers": {"a": "b'c"}}]
    ),
    "enableEvents": True,
}

# The body and beta values exactly as the page computes them, and the four snippets.
GENERATE = """
import { buildCreateRequest } from "./api.js";
import { requestCode } from "./request-code.js";
const [form, where] = JSON.parse(process.argv[1]);
const r = buildCreateRequest(form);
if (!r.body) throw new Error(JSON.stringify(r.errors));
const betas = r.headers["parallel-beta"];
console.log(JSON.stringify({ body: r.body, betas, code: requestCode(r.body, betas, where) }));
"""


def generate(form: dict, where: dict) -> dict:
    out = subprocess.run(
        ["node", "--input-type=module", "-e", GENERATE, json.dumps([form, where])],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


def env_for(sim_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARALLEL_")}
    return {**env, "PARALLEL_BASE_URL": sim_url, "PARALLEL_API_KEY": SIM_KEY}


def run_snippet(args: list, env: dict, cwd: Path = ROOT) -> str:
    out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout


def stored_input(sim_url: str, run_id: str) -> dict:
    r = httpx.get(f"{sim_url}/v1/tasks/runs/{run_id}/input", headers={"x-api-key": SIM_KEY})
    r.raise_for_status()
    return r.json()


def first_run_id(text: str) -> str:
    match = re.search(r"\btrun_[A-Za-z0-9_-]+", text)
    assert match, text
    return match.group(0)


@pytest.fixture(scope="module")
def generated(sim, worker):
    where = {"mode": "simulator", "upstream": sim.url, "origin": worker.url}
    return generate(FORM, where)


def test_the_body_carries_every_option(generated):
    body = generated["body"]
    assert set(body) == {
        "input",
        "processor",
        "task_spec",
        "source_policy",
        "metadata",
        "webhook",
        "mcp_servers",
        "enable_events",
    }
    assert generated["betas"].split(",") == [
        "events-sse-2025-07-24",
        "webhook-2025-08-12",
        "mcp-server-2025-07-17",
    ]


def test_python_snippet_runs_as_shown(sim, generated, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(generated["code"]["python"], encoding="utf-8")
    out = run_snippet([sys.executable, str(script)], env_for(sim.url), cwd=tmp_path)
    assert out.startswith("run trun_")
    assert stored_input(sim.url, first_run_id(out)) == generated["body"]


def test_typescript_snippet_runs_as_shown(sim, generated, tmp_path):
    # The snippet is TypeScript without type annotations, so Node runs the very text shown as an
    # ES module. It sits in the repo (beside node_modules) so `import "parallel-web"` resolves.
    script = ROOT / "tests" / "integration" / f".copy-as-code-{os.getpid()}.mjs"
    script.write_text(generated["code"]["typescript"], encoding="utf-8")
    try:
        out = run_snippet(["node", str(script)], env_for(sim.url))
    finally:
        script.unlink()
    assert out.startswith("run trun_")
    assert stored_input(sim.url, first_run_id(out)) == generated["body"]


@pytest.fixture
def bash():
    path = shutil.which("bash")
    if not path or not shutil.which("curl"):
        pytest.skip("bash and curl are needed to run the curl snippets")
    return path


def test_curl_snippet_creates_then_streams(sim, generated, bash, tmp_path):
    out = run_snippet([bash, "-c", generated["code"]["curl"]], env_for(sim.url), cwd=tmp_path)
    run_id = first_run_id(out)
    assert stored_input(sim.url, run_id) == generated["body"]
    # The events stream followed the create and went on to the run's end.
    assert "event: task_run.state" in out
    assert '"status":"completed"' in out.replace(" ", "")
    assert not Path("/tmp/pwned").exists()


def test_one_call_snippet_runs_through_the_worker(sim, generated, bash, tmp_path):
    out = run_snippet([bash, "-c", generated["code"]["run"]], env_for(sim.url), cwd=tmp_path)
    assert "event: run" in out and "event: done" in out
    assert stored_input(sim.url, first_run_id(out)) == generated["body"]


def test_live_mode_targets_the_api_and_the_sdks_defaults(sim, worker):
    code = generate(
        {**FORM, "inputMode": "text", "input": "hello"},
        {"mode": "live", "upstream": "https://api.parallel.ai", "origin": worker.url},
    )["code"]
    assert "client = Parallel()" in code["python"]
    assert "new Parallel();" in code["typescript"]
    assert "'https://api.parallel.ai/v1/tasks/runs'" in code["curl"]
    assert "sim-dev-key" not in "".join(code.values())
