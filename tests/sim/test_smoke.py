"""`python -m parallel_sim` as a real process: it starts, prints its key, serves the API and a
stream over HTTP/1.1, and `--log-requests` writes one line per request (never the key)."""

from __future__ import annotations

import re

import httpx

from tests.sim.helpers import FAST, create, wait_until
from tests.sim.sse_reader import read_stream
from tests.support.servers import start_sim

KEY = "smoke-test-key"


def test_the_simulator_process(log_dir):
    server = start_sim(
        log_dir,
        env={"PARALLEL_SIM_SPEED": FAST, "PARALLEL_SIM_API_KEY": KEY},
        args=["--log-requests"],
    )
    try:
        with httpx.Client(base_url=server.url, headers={"x-api-key": KEY}, timeout=30) as c:
            run = create(c, {"input": "smoke", "processor": "lite"})
            status, events, _ = read_stream(c, f"/v1/tasks/runs/{run['run_id']}/events")
            assert status == 200 and events[-1].json["run"]["status"] == "completed"
            assert c.get(f"/v1/tasks/runs/{run['run_id']}/result").status_code == 200
            assert (
                c.get("/v1/tasks/runs/trun_missing", headers={"x-api-key": "wrong"}).status_code
                == 401
            )

        def access_lines() -> list[str]:
            return [
                line
                for line in server.log().splitlines()
                if re.search(r" (GET|POST) /v1/tasks/runs\S* \d{3} ", line)
            ]

        lines = wait_until(lambda: len(access_lines()) == 4 and access_lines(), 10, "4 log lines")
        assert [line.split()[1:4] for line in lines] == [
            ["POST", "/v1/tasks/runs", "202"],
            ["GET", f"/v1/tasks/runs/{run['run_id']}/events", "200"],
            ["GET", f"/v1/tasks/runs/{run['run_id']}/result", "200"],
            ["GET", "/v1/tasks/runs/trun_missing", "401"],
        ]
        log = server.log()
        assert f"development API key (x-api-key): {KEY}" in log  # printed once, at start
        assert log.count(KEY) == 1 and "wrong" not in log
    finally:
        server.stop()
