"""The one retry policy for every QBO call, whoever makes it (push queue, initial import, inbound sync):
after a failure, `retry_after(exc, attempts)` says whether to pause, wait until a time, or give up.

Like a transport's `TransportError(permanent=)`, the error's type decides:
- authorization gone (QboReauthorizationRequired): pause, no attempt spent, resume on reconnect;
- throttled (429): wait QBO_THROTTLE_WAIT_SECONDS (QBO asks for 60 s), no attempt spent;
- a record we need is being pushed by another worker: wait about one request;
- transient (5xx, timeout, reset): exponential backoff with full jitter, until QBO_MAX_ATTEMPTS;
- anything else (a refusal QBO will repeat): give up; a person fixes the cause and retries.
Callers never sleep on it: they store `at` on their row (job, event, import run) and a worker comes back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.utils import timezone

from integrations.qbo.errors import (
    QboDependencyPending,
    QboError,
    QboReauthorizationRequired,
    QboThrottled,
    QboTransient,
)


class Verdict(Enum):
    PAUSE = "pause"
    WAIT = "wait"
    GIVE_UP = "give_up"


@dataclass(frozen=True)
class Retry:
    verdict: Verdict
    at: datetime | None = None  # when to try again (WAIT)
    spends_attempt: bool = True
    exhausted: bool = False  # GIVE_UP because QBO_MAX_ATTEMPTS transient failures in a row


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    base = settings.QBO_BACKOFF_BASE_SECONDS
    cap = settings.QBO_BACKOFF_CAP_SECONDS
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    # Full jitter spreads retries of many jobs that failed together (a 5xx burst) over the window.
    return timedelta(seconds=(rng or random).uniform(base / 2, ceiling))


def throttle_wait() -> datetime:
    # QBO asks for 60 s after a 429; throttling does not spend an attempt.
    return timezone.now() + timedelta(seconds=settings.QBO_THROTTLE_WAIT_SECONDS)


def dependency_wait() -> datetime:
    # Another worker is pushing this record's customer or item; that takes about one request (100-700 ms
    # measured with 100 ms latency on a loaded machine).
    return timezone.now() + timedelta(seconds=1)


def retry_after(exc: QboError, attempts: int) -> Retry:
    """What to do after `exc`; `attempts` counts the failed attempts so far, this one included."""
    if isinstance(exc, QboReauthorizationRequired):
        return Retry(Verdict.PAUSE, spends_attempt=False)
    if isinstance(exc, QboThrottled):
        return Retry(Verdict.WAIT, at=throttle_wait(), spends_attempt=False)
    if isinstance(exc, QboDependencyPending):
        at = dependency_wait()
        if isinstance(exc.retry_at, datetime) and exc.retry_at > at:
            at = exc.retry_at  # the needed record's own job waits longer (its backoff)
        return Retry(Verdict.WAIT, at=at, spends_attempt=False)
    if isinstance(exc, QboTransient):
        if attempts >= settings.QBO_MAX_ATTEMPTS:
            return Retry(Verdict.GIVE_UP, exhausted=True)
        return Retry(Verdict.WAIT, at=timezone.now() + backoff_delay(attempts))
    return Retry(Verdict.GIVE_UP)
