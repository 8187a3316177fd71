"""`sync_suppressed()`: while a change that came FROM QuickBooks is applied here (a webhook, CDC, the
import, a merge before our own push), the domain saves it causes must not be pushed straight back, or the
two sides would ping-pong. The push queue's enqueue reads it; everything applying QBO's data sets it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_suppressed: ContextVar[bool] = ContextVar("qbo_sync_suppressed", default=False)


@contextmanager
def sync_suppressed() -> Iterator[None]:
    """Inside this block sync_enqueue queues nothing."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def sync_is_suppressed() -> bool:
    return _suppressed.get()
