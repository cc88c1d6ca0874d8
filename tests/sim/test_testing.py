"""parallel_sim.testing, as a developer uses it from their own tests with Parallel's SDK."""

from __future__ import annotations

from parallel import Parallel

from parallel_sim.testing import InProcessSimulator, serve


def test_serve_gives_a_base_url_and_key_for_the_sdk():
    with serve(speed=100) as sim:
        client = Parallel(base_url=sim.base_url, api_key=sim.api_key, max_retries=0)
        result = client.task_run.execute(
            input="What is 2 + 2?", processor="lite", output="A number"
        )
        assert result.run.status == "completed"


def test_in_process_with_the_sdk_and_no_socket():
    with InProcessSimulator(api_key="my-key") as sim, sim.client() as http:
        client = Parallel(base_url=sim.base_url, api_key="my-key", http_client=http)
        # An ultra8x run lasts minutes on the real API; the fast-forward clock skips the wait.
        run = client.task_run.create(input="A long question", processor="ultra8x")
        assert client.task_run.retrieve(run.run_id).status == "queued"
        events = list(client.task_run.events(run.run_id))
        assert events[-1].run.status == "completed"
        assert client.task_run.result(run.run_id).run.status == "completed"


def test_the_clock_can_be_moved_by_hand():
    with InProcessSimulator() as sim, sim.client() as http:
        run = http.post("/v1/tasks/runs", json={"input": "x", "processor": "pro"}).json()
        assert run["status"] == "queued"
        sim.clock.advance(3600)
        assert http.get(f"/v1/tasks/runs/{run['run_id']}").json()["status"] == "completed"
