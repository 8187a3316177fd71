"""One limiter per QBO company, shared by every worker on every machine.

QBO allows 500 requests a minute and 10 in flight per company. A token bucket refilling at
QBO_RATE_PER_MINUTE with a burst of BURST keeps any 60 s window under BURST + rate (490 by default),
and a lease set caps requests in flight. Redis holds both (one Lua script, atomic) when configured;
otherwise the database holds the bucket, and in-flight requests are bounded by the worker count.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import RateBucket
from integrations.quickbooks.errors import QboThrottled

BURST = 10
# QBO also caps batch requests (40 a minute per company and app in Intuit's limits page; 120 per company
# after its 2025 change): a batch takes a slot of a second bucket, QBO_BATCH_PER_MINUTE (default 35).
BATCH_BURST = 3
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


@lru_cache(maxsize=1)
def _redis() -> redis.Redis | None:
    url = settings.QBO_LIMITER_REDIS_URL
    return redis.Redis.from_url(url) if url else None


def _limits(kind: str) -> tuple[str, float, int]:
    """(bucket key prefix, tokens per second, burst) of a request kind."""
    if kind == "batch":
        return "qbo:rlb", settings.QBO_BATCH_PER_MINUTE / 60.0, BATCH_BURST
    return "qbo:rl", settings.QBO_RATE_PER_MINUTE / 60.0, BURST


def _redis_wait_ms(client: redis.Redis, realm_id: str, member: str, kind: str) -> int:
    prefix, rate, burst = _limits(kind)
    script = client.register_script(_ACQUIRE)
    # The batch bucket has no in-flight cap of its own (one huge cap); the general one has QBO's.
    max_inflight = 10**6 if kind == "batch" else settings.QBO_MAX_IN_FLIGHT
    inflight_key = f"qbo:inflightb:{realm_id}" if kind == "batch" else f"qbo:inflight:{realm_id}"
    return int(script(keys=[f"{prefix}:{realm_id}", inflight_key],
                      args=[time.time(), rate, burst, max_inflight, LEASE_SECONDS, member]))


def _db_wait_ms(realm_id: str, kind: str) -> int:
    prefix, rate, burst = _limits(kind)
    with transaction.atomic():
        now = timezone.now()
        bucket, _ = RateBucket.objects.select_for_update().get_or_create(
            realm_id=f"{prefix}:{realm_id}", defaults={"tokens": burst, "updated_at": now})
        elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
        tokens = min(burst, bucket.tokens + elapsed * rate)
        granted = tokens >= 1
        bucket.tokens, bucket.updated_at = (tokens - 1 if granted else tokens), now
        bucket.save(update_fields=["tokens", "updated_at"])
    return 0 if granted else int((1 - tokens) / rate * 1000) + 1


def _wait(client: redis.Redis | None, realm_id: str, member: str, kind: str, deadline: float) -> None:
    while True:
        wait_ms = _redis_wait_ms(client, realm_id, member, kind) if client else _db_wait_ms(realm_id, kind)
        if wait_ms == 0:
            return
        if time.monotonic() + wait_ms / 1000 > deadline:
            raise QboThrottled("Our own limiter for this QuickBooks company is saturated; trying again later.")
        time.sleep(wait_ms / 1000)


@contextmanager
def request_slot(realm_id: str, *, kind: str = "request") -> Iterator[None]:
    """Wait for a slot for one request to this company (a batch also needs a batch slot); give up, as
    throttled, after MAX_WAIT_SECONDS."""
    client, member = _redis(), uuid.uuid4().hex
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    if kind == "batch":
        _wait(client, realm_id, member, "batch", deadline)
    _wait(client, realm_id, member, "request", deadline)
    try:
        yield
    finally:
        if client:
            client.zrem(f"qbo:inflight:{realm_id}", member)
            if kind == "batch":
                client.zrem(f"qbo:inflightb:{realm_id}", member)
