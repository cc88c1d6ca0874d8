"""The processor table and the request limits, read from the one data file the playground and the
tests read too (task_api.json, a link to public/tasks-sse/task-api.json)."""

from __future__ import annotations

import json
from pathlib import Path

DATA_FILE = Path(__file__).with_name("task_api.json")
DATA = json.loads(DATA_FILE.read_text(encoding="utf-8"))
PROCESSOR_ROWS: list[dict] = DATA["processors"]
LIMITS: dict[str, int] = DATA["limits"]
OUTPUT_SCHEMA: dict = DATA["output_schema"]
