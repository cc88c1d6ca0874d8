"""Reconnect backoff and the per-stream upstream request budget (a fake clock, no waiting)."""

from reconnect import (
    BURST_REQUESTS,
    MAX_DELAY_SECONDS,
    REQUESTS_PER_MINUTE,
    RequestBudget,
    reconnect_delay,
)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_every_reconnect_waits_and_idle_ones_wait_longer_up_to_a_cap():
    delays = [reconnect_delay(idle) for idle in range(12)]
    assert all(d > 0 for d in delays)
    assert delays == sorted(delays)
    assert delays[1] > delays[0]
    assert delays[-1] == MAX_DELAY_SECONDS


def test_a_burst_is_free_then_requests_are_spaced_to_the_rate():
    clock = Clock()
    budget = RequestBudget(clock=clock)
    assert [budget.reserve() for _ in range(BURST_REQUESTS)] == [0.0] * BURST_REQUESTS
    waits = [budget.reserve() for _ in range(3)]
    spacing = 60 / REQUESTS_PER_MINUTE
    assert waits == [spacing, 2 * spacing, 3 * spacing]


def test_an_upstream_that_closes_at_once_forever_gets_a_bounded_request_rate():
    """Simulate a client that follows every wait: count requests sent in ten minutes."""
    clock = Clock()
    budget = RequestBudget(clock=clock)
    sent = []
    start = clock.now
    while clock.now - start < 600:
        clock.now += budget.reserve() + reconnect_delay(0)
        sent.append(clock.now)
    per_minute = [sum(1 for t in sent if m * 60 <= t - start < (m + 1) * 60) for m in range(10)]
    assert max(per_minute) <= BURST_REQUESTS + REQUESTS_PER_MINUTE
    assert all(n <= REQUESTS_PER_MINUTE + 1 for n in per_minute[1:])


def test_tokens_come_back_while_idle_but_never_beyond_the_burst():
    clock = Clock()
    budget = RequestBudget(clock=clock)
    for _ in range(BURST_REQUESTS):
        budget.reserve()
    clock.now += 3600
    assert [budget.reserve() for _ in range(BURST_REQUESTS)] == [0.0] * BURST_REQUESTS
    assert budget.reserve() > 0
