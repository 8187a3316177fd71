"""One limiter per QBO company, shared by every worker on every machine.

QBO allows 500 requests a minute and 10 in flight per company. A token bucket refilling at
QBO_RATE_PER_MINUTE with a burst of BURST keeps any 60 s window under BURST + rate (490 by default),
and a lease set caps requests in flight. Batch requests also take a place in a sliding window (below).
Redis holds all of it (Lua scripts, atomic) when configured; otherwise the database holds the bucket
and the window, and in-flight requests are bounded by the worker count.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import cast

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import RateBucket
from integrations.qbo.errors import QboThrottled

BURST = 10
# QBO also caps batch requests: 40 a minute per company and app (Intuit's limits page; the 2025 figure of
# 120 a minute is per company, across all its apps, on top of that). A token bucket would have to keep
# burst + rate under 40 and so waste most of the minute; a sliding window of the last batch requests
# allows QBO_BATCH_PER_MINUTE (default 38) at once and then as old ones age out, which is the most QBO
# accepts. The window is a second longer than QBO's minute because our stamp is taken before the request
# travels and QBO's on arrival: a slow first request must not make the 41st look early.
BATCH_WINDOW_SECONDS = 61.0
MAX_WAIT_SECONDS = 90.0
LEASE_SECONDS = 150  # a request holding a slot longer than QBO's 120 s timeout is certainly dead

_ACQUIRE = """
local bucket, inflight = KEYS[1], KEYS[2]
local now, rate, burst, max_inflight, lease, member =
  tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
if redis.call('ZCARD', inflight) >= max_inflight then return 250 end
local state = redis.call('HMGET', bucket, 'tokens', 'ts')
local tokens, ts = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate)
if tokens < 1 then
  redis.call('HSET', bucket, 'tokens', tokens, 'ts', now)
  return math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', bucket, 'tokens', tokens - 1, 'ts', now)
redis.call('EXPIRE', bucket, 120)
redis.call('ZADD', inflight, now + lease, member)
redis.call('EXPIRE', inflight, lease)
return 0
"""


_BATCH_WINDOW = """
local key = KEYS[1]
local now, window, limit, member = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('EXPIRE', key, math.ceil(window) + 1)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) * 1000))
"""


@lru_cache(maxsize=1)
def _redis() -> redis.Redis | None:
    url = settings.QBO_LIMITER_REDIS_URL
    return redis.Redis.from_url(url) if url else None


def _redis_wait_ms(client: redis.Redis, realm_id: str, member: str, kind: str) -> int:
    """0 when a slot was taken, else how long to wait before asking again."""
    if kind == "batch":
        script = client.register_script(_BATCH_WINDOW)
        return int(script(keys=[f"qbo:rlbw:{realm_id}"],
                          args=[time.time(), BATCH_WINDOW_SECONDS, settings.QBO_BATCH_PER_MINUTE, member]))
    script = client.register_script(_ACQUIRE)
    return int(script(keys=[f"qbo:rl:{realm_id}", f"qbo:inflight:{realm_id}"],
                      args=[time.time(), settings.QBO_RATE_PER_MINUTE / 60.0, BURST, settings.QBO_MAX_IN_FLIGHT,
                            LEASE_SECONDS, member]))


def _db_wait_ms(realm_id: str, kind: str) -> int:
    """A slot now (0), or how long until one: nothing is reserved when it is not 0."""
    return _db_take(realm_id, kind, patience_ms=0)[0]


def _db_take(realm_id: str, kind: str, *, patience_ms: int) -> tuple[int, bool]:
    if kind == "batch":
        wait_ms = _db_window_wait_ms(realm_id)
        return wait_ms, wait_ms == 0
    return _db_bucket_reserve(realm_id, patience_ms)


def _db_bucket_reserve(realm_id: str, patience_ms: int) -> tuple[int, bool]:
    """Take the next token of the company's bucket, now or at a later moment within `patience_ms`: the
    tokens may go below zero, each negative token being a slot a waiting request already holds. So a
    waiting request costs one round trip, not one per poll, and waiters are served in arrival order.
    Returns (milliseconds to wait, whether the slot was taken)."""
    rate = settings.QBO_RATE_PER_MINUTE / 60.0
    with transaction.atomic():
        now = timezone.now()
        bucket, _ = RateBucket.objects.select_for_update().get_or_create(
            realm_id=f"qbo:rl:{realm_id}", defaults={"tokens": BURST, "updated_at": now})
        elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
        tokens = min(BURST, bucket.tokens + elapsed * rate)
        wait_ms = 0 if tokens >= 1 else int((1 - tokens) / rate * 1000) + 1
        taken = wait_ms <= patience_ms
        bucket.tokens, bucket.updated_at = (tokens - 1 if taken else tokens), now
        bucket.save(update_fields=["tokens", "updated_at"])
    return wait_ms, taken


def _db_window_wait_ms(realm_id: str) -> int:
    """The batch window in the database: the row's `stamps` hold the last batch requests' times."""
    with transaction.atomic():
        now = timezone.now()
        row, _ = RateBucket.objects.select_for_update().get_or_create(
            realm_id=f"qbo:rlbw:{realm_id}", defaults={"updated_at": now})
        at = now.timestamp()
        stamps = sorted(t for t in row.stamps if t > at - BATCH_WINDOW_SECONDS)
        granted = len(stamps) < settings.QBO_BATCH_PER_MINUTE
        row.stamps, row.updated_at = (stamps + [at] if granted else stamps), now
        row.save(update_fields=["stamps", "updated_at"])
    return 0 if granted else max(1, int((stamps[0] + BATCH_WINDOW_SECONDS - at) * 1000) + 1)


def batch_window_wait(realm_id: str) -> float:
    """Seconds until the company's batch window has a place (0: now), without taking one. The push queue
    asks before it claims a batch, so that a worker never claims thirty jobs only to wait for the window."""
    client, now = _redis(), time.time()
    if client:
        key = f"qbo:rlbw:{realm_id}"
        # withscores: (member, score) pairs, oldest first (redis-py's stubs type the reply loosely).
        rows = cast(list[tuple[bytes, float]],
                    client.zrangebyscore(key, now - BATCH_WINDOW_SECONDS, "+inf", withscores=True))
        stamps = [float(score) for _, score in rows]
    else:
        row = RateBucket.objects.filter(realm_id=f"qbo:rlbw:{realm_id}").only("stamps").first()
        stamps = sorted(t for t in (row.stamps if row else []) if t > now - BATCH_WINDOW_SECONDS)
    if len(stamps) < settings.QBO_BATCH_PER_MINUTE:
        return 0.0
    return max(0.0, stamps[len(stamps) - settings.QBO_BATCH_PER_MINUTE] + BATCH_WINDOW_SECONDS - now)


class BatchWindowFull(QboThrottled):
    """No batch slot within the caller's patience; raised before anything was sent."""

    def __init__(self, message: str, *, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


def _wait(client: redis.Redis | None, realm_id: str, member: str, kind: str, deadline: float) -> None:
    while True:
        if client:
            wait_ms = _redis_wait_ms(client, realm_id, member, kind)
            taken = wait_ms == 0
        else:
            patience_ms = max(int((deadline - time.monotonic()) * 1000), 0)
            wait_ms, taken = _db_take(realm_id, kind, patience_ms=patience_ms)
        if taken:
            time.sleep(wait_ms / 1000)  # 0, or until the reserved slot comes (the database bucket)
            return
        if time.monotonic() + wait_ms / 1000 > deadline:
            if kind == "batch":
                raise BatchWindowFull(f"QuickBooks' batch limit for this company is used up for {wait_ms / 1000:.0f} s.",
                                      wait_seconds=wait_ms / 1000)
            raise QboThrottled("Our own limiter for this QuickBooks company is saturated; trying again later.")
        # Pacing, not a retry: the wait for the company's next request slot (at 8 a second, milliseconds;
        # at most MAX_WAIT_SECONDS, then QboThrottled and the caller's row waits through retry_after).
        time.sleep(wait_ms / 1000)


@contextmanager
def request_slot(realm_id: str, *, kind: str = "request", batch_patience: float = MAX_WAIT_SECONDS
                 ) -> Iterator[None]:
    """Wait for a slot for one request to this company (a batch first needs a place in the batch window,
    for at most `batch_patience` seconds: BatchWindowFull); give up, as throttled, after MAX_WAIT_SECONDS."""
    client, member = _redis(), uuid.uuid4().hex
    now = time.monotonic()
    if kind == "batch":
        _wait(client, realm_id, member, "batch", now + min(batch_patience, MAX_WAIT_SECONDS))
    _wait(client, realm_id, member, "request", now + MAX_WAIT_SECONDS)
    try:
        yield
    finally:
        if client:
            client.zrem(f"qbo:inflight:{realm_id}", member)
