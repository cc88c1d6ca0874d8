"""One source for the processor table and the request limits: the data file the simulator, the
playground and these tests all read; no second hand-written copy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from parallel_sim import processors, table, validation

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "public" / "tasks-sse" / "task-api.json"
PAGE_JS = ROOT / "public" / "tasks-sse" / "js"


def test_the_simulator_reads_the_served_file():
    assert table.DATA_FILE.resolve() == DATA.resolve()
    assert json.loads(DATA.read_text()) == table.DATA


def test_the_simulator_uses_the_file_s_processors_and_limits():
    rows = json.loads(DATA.read_text())
    assert [p.name for p in processors.BASE.values()] == [r["name"] for r in rows["processors"]]
    for r in rows["processors"]:
        p = processors.BASE[r["name"]]
        assert (p.usd_per_1k, list(p.latency), list(p.fast_latency), p.max_fields) == (
            r["usd_per_1k_runs"],
            r["latency_s"],
            r["fast_latency_s"],
            r["fields"],
        )
    lim = rows["limits"]
    assert lim["metadata_key_chars"] == validation.MAX_METADATA_KEY
    assert lim["task_spec_and_input_chars"] == validation.MAX_SPEC_AND_INPUT_CHARS
    assert lim["schema_depth"] == validation.MAX_DEPTH


def test_the_page_reads_the_same_file():
    script = f"""
const p = await import({json.dumps((PAGE_JS / "processors.js").as_uri())});
const s = await import({json.dumps((PAGE_JS / "schema-check.js").as_uri())});
const a = await import({json.dumps((PAGE_JS / "api.js").as_uri())});
console.log(JSON.stringify({{processors: p.PROCESSORS, limits: s.LIMITS, request: a.LIMITS}}));
"""
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    page = json.loads(out)
    rows = json.loads(DATA.read_text())
    standard = [p for p in page["processors"] if not p["fast"]]
    assert [(p["name"], p["pricePer1k"]) for p in standard] == [
        (r["name"], r["usd_per_1k_runs"]) for r in rows["processors"]
    ]
    assert len(page["processors"]) == 2 * len(rows["processors"])
    assert page["limits"]["taskSpecChars"] == rows["limits"]["task_spec_chars"]
    assert page["limits"]["depth"] == rows["limits"]["schema_depth"]
    assert page["request"] == {
        "metadataKey": rows["limits"]["metadata_key_chars"],
        "metadataValue": rows["limits"]["metadata_value_chars"],
        "domains": rows["limits"]["source_policy_entries"],
        "mcpServers": rows["limits"]["mcp_servers"],
    }


def test_no_hand_written_copy_is_left():
    for name in ("processors.js", "schema-check.js"):
        text = (PAGE_JS / name).read_text()
        for figure in ("2400", "25000", "15000", "7500"):
            assert figure not in text, f"{name} still holds {figure}"
    assert "2400" not in (ROOT / "parallel_sim" / "processors.py").read_text()
