"""The per-company limiter: a token bucket and an in-flight cap, in Redis (shared by every worker) or
in the database. Checked through what it answers, never by timing."""

from __future__ import annotations

import threading
import uuid
from typing import cast

import pytest
import redis
from pytest_django import Settings

from integrations.qbo import limiter

REDIS_URL = "redis://127.0.0.1:6379/12"


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI's second leg runs this)")
    return client


def test_redis_bucket_grants_the_burst_then_asks_to_wait(settings: Settings) -> None:
    client = _redis_or_skip()
    settings.QBO_RATE_PER_MINUTE, settings.QBO_MAX_IN_FLIGHT = 60, 1000
    realm = uuid.uuid4().hex[:12]
    waits = [limiter._redis_wait_ms(client, realm, uuid.uuid4().hex, "request") for _ in range(limiter.BURST + 1)]
    assert waits[: limiter.BURST] == [0] * limiter.BURST
    assert 0 < waits[-1] <= 1000  # one token a second at 60/minute


def test_redis_in_flight_cap_is_shared_and_released(settings: Settings) -> None:
    client = _redis_or_skip()
    settings.QBO_RATE_PER_MINUTE, settings.QBO_MAX_IN_FLIGHT = 60_000, 3
    realm = uuid.uuid4().hex[:12]
    members = [uuid.uuid4().hex for _ in range(3)]
    assert [limiter._redis_wait_ms(client, realm, m, "request") for m in members] == [0, 0, 0]
    assert limiter._redis_wait_ms(client, realm, "fourth", "request") > 0  # full: 3 in flight
    client.zrem(f"qbo:inflight:{realm}", members[0])
    assert limiter._redis_wait_ms(client, realm, "fourth", "request") == 0


def test_redis_batch_window_grants_the_limit_at_once_then_waits_for_the_oldest(settings: Settings) -> None:
    client = _redis_or_skip()
    settings.QBO_RATE_PER_MINUTE, settings.QBO_BATCH_PER_MINUTE = 60_000, 4
    realm = uuid.uuid4().hex[:12]
    grants = [limiter._redis_wait_ms(client, realm, uuid.uuid4().hex, "batch") for _ in range(5)]
    assert grants[:4] == [0] * 4
    assert 59_000 < grants[4] <= limiter.BATCH_WINDOW_SECONDS * 1000  # until the first one ages out
    # Age every stamp past the window (the test moves the stamps, not the clock): room again.
    key = f"qbo:rlbw:{realm}"
    members = cast(list[bytes], client.zrange(key, 0, -1))  # without withscores: the members alone
    client.zadd(key, {m: 1.0 for m in members})
    assert limiter._redis_wait_ms(client, realm, uuid.uuid4().hex, "batch") == 0


@pytest.mark.django_db
def test_database_batch_window_grants_the_limit_then_waits_and_forgets_old_stamps(settings: Settings) -> None:
    from integrations.models import RateBucket

    settings.QBO_BATCH_PER_MINUTE = 3
    realm = uuid.uuid4().hex[:12]
    grants = [limiter._db_wait_ms(realm, "batch") for _ in range(4)]
    assert grants[:3] == [0, 0, 0] and 59_000 < grants[3] <= limiter.BATCH_WINDOW_SECONDS * 1000 + 1
    row = RateBucket.objects.get(realm_id=f"qbo:rlbw:{realm}")
    assert len(row.stamps) == 3  # a refusal records nothing
    row.stamps = [row.stamps[0] - limiter.BATCH_WINDOW_SECONDS] + row.stamps[1:]
    row.save()
    assert limiter._db_wait_ms(realm, "batch") == 0
    assert len(RateBucket.objects.get(pk=row.pk).stamps) == 3  # the aged-out stamp was dropped


@pytest.mark.django_db
def test_a_full_batch_window_raises_before_anything_is_sent(settings: Settings) -> None:
    settings.QBO_LIMITER_REDIS_URL, settings.QBO_BATCH_PER_MINUTE = "", 1
    limiter._redis.cache_clear()
    realm = uuid.uuid4().hex[:12]
    with limiter.request_slot(realm, kind="batch", batch_patience=1):
        pass
    with pytest.raises(limiter.BatchWindowFull), limiter.request_slot(realm, kind="batch", batch_patience=1):
        raise AssertionError("the body must not run")
    limiter._redis.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_database_bucket_is_shared_by_threads(settings: Settings) -> None:
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


@pytest.mark.django_db
def test_the_batch_window_can_be_looked_at_without_taking_a_place(settings: Settings) -> None:
    """The push queue looks before it claims a batch; looking must not use up the window."""
    settings.QBO_LIMITER_REDIS_URL, settings.QBO_BATCH_PER_MINUTE = "", 2
    limiter._redis.cache_clear()
    realm = uuid.uuid4().hex[:12]
    assert [limiter.batch_window_wait(realm) for _ in range(3)] == [0.0] * 3
    assert limiter._db_wait_ms(realm, "batch") == 0
    assert limiter.batch_window_wait(realm) == 0.0  # one place left
    assert limiter._db_wait_ms(realm, "batch") == 0
    assert 59 < limiter.batch_window_wait(realm) <= limiter.BATCH_WINDOW_SECONDS
    limiter._redis.cache_clear()


def test_the_redis_batch_window_can_be_looked_at_without_taking_a_place(settings: Settings) -> None:
    client = _redis_or_skip()
    settings.QBO_LIMITER_REDIS_URL, settings.QBO_BATCH_PER_MINUTE = REDIS_URL, 2
    limiter._redis.cache_clear()
    realm = uuid.uuid4().hex[:12]
    assert limiter.batch_window_wait(realm) == 0.0
    assert limiter._redis_wait_ms(client, realm, "a", "batch") == 0
    assert limiter.batch_window_wait(realm) == 0.0
    assert limiter._redis_wait_ms(client, realm, "b", "batch") == 0
    assert 59 < limiter.batch_window_wait(realm) <= limiter.BATCH_WINDOW_SECONDS
    limiter._redis.cache_clear()
