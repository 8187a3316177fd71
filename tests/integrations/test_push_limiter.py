"""The per-company limiter: a token bucket and an in-flight cap, in Redis (shared by every worker) or
in the database. Checked through what it answers, never by timing."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
import redis

from integrations.push import limiter

REDIS_URL = "redis://127.0.0.1:6379/12"


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI's second leg runs this)")
    return client


def test_redis_bucket_grants_the_burst_then_asks_to_wait(settings: Any) -> None:
    client = _redis_or_skip()
    settings.QBO_RATE_PER_MINUTE, settings.QBO_MAX_IN_FLIGHT = 60, 1000
    realm = uuid.uuid4().hex[:12]
    waits = [limiter._redis_wait_ms(client, realm, uuid.uuid4().hex, "request") for _ in range(limiter.BURST + 1)]
    assert waits[: limiter.BURST] == [0] * limiter.BURST
    assert 0 < waits[-1] <= 1000  # one token a second at 60/minute


def test_redis_in_flight_cap_is_shared_and_released(settings: Any) -> None:
    client = _redis_or_skip()
    settings.QBO_RATE_PER_MINUTE, settings.QBO_MAX_IN_FLIGHT = 60_000, 3
    realm = uuid.uuid4().hex[:12]
    members = [uuid.uuid4().hex for _ in range(3)]
    assert [limiter._redis_wait_ms(client, realm, m, "request") for m in members] == [0, 0, 0]
    assert limiter._redis_wait_ms(client, realm, "fourth", "request") > 0  # full: 3 in flight
    client.zrem(f"qbo:inflight:{realm}", members[0])
    assert limiter._redis_wait_ms(client, realm, "fourth", "request") == 0


def test_batch_needs_its_own_slot_too(settings: Any) -> None:
    client = _redis_or_skip()
    settings.QBO_RATE_PER_MINUTE = 60_000
    realm = uuid.uuid4().hex[:12]
    grants = [limiter._redis_wait_ms(client, realm, uuid.uuid4().hex, "batch") for _ in range(limiter.BATCH_BURST + 1)]
    assert grants[:-1] == [0] * limiter.BATCH_BURST and grants[-1] > 0


@pytest.mark.django_db(transaction=True)
def test_database_bucket_is_shared_by_threads(settings: Any) -> None:
    settings.QBO_RATE_PER_MINUTE = 1  # refill is negligible however slowly the threads run
    realm = uuid.uuid4().hex[:12]
    results: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        from django.db import connection

        try:
            wait = limiter._db_wait_ms(realm, "request")
            with lock:
                results.append(wait)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(limiter.BURST + 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Exactly the burst is granted at once, whatever the interleaving; the rest are told to wait.
    assert results.count(0) == limiter.BURST
    assert all(w > 0 for w in results if w) and len(results) == limiter.BURST + 5
