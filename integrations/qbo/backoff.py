"""When to try again: exponential backoff with full jitter, capped; then give up as an error."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    base = settings.QBO_BACKOFF_BASE_SECONDS
    cap = settings.QBO_BACKOFF_CAP_SECONDS
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    # Full jitter spreads retries of many jobs that failed together (a 5xx burst) over the window.
    return timedelta(seconds=(rng or random).uniform(base / 2, ceiling))


def next_attempt_at(attempts: int) -> datetime:
    return timezone.now() + backoff_delay(attempts)


def throttle_wait() -> datetime:
    # QBO asks for 60 s after a 429; throttling does not spend an attempt.
    return timezone.now() + timedelta(seconds=settings.QBO_THROTTLE_WAIT_SECONDS)


def dependency_wait() -> datetime:
    # Another worker is pushing this record's customer or item; that takes about one request.
    return timezone.now() + timedelta(seconds=2)
