"""QBO throttles per realm: 500 requests/min, 10 in flight, and 40 batch requests/min per
realm and app (reference §3). Only admitted requests count toward the windows, so a client
that backs off after a 429 is not punished twice."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

WINDOW_S = 60.0


class Limits(Protocol):
    """The throttle settings of ``config.SimConfig``, as a protocol: importing the config here would
    close a cycle (config -> kinds -> store, which holds a ``ThrottleState`` per company)."""

    @property
    def throttle(self) -> bool: ...
    @property
    def throttle_per_minute(self) -> int: ...
    @property
    def throttle_concurrent(self) -> int: ...
    @property
    def throttle_batch_per_minute(self) -> int: ...


@dataclass
class ThrottleState:
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    window: deque[float] = field(default_factory=deque)
    batch_windows: dict[str, deque[float]] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    max_per_minute: int = 0
    rejected: int = 0

    def admit(self, cfg: Limits, is_batch: bool, client_id: str) -> bool:
        """Admit the request (returns True) or reject it; always call ``release`` after True."""
        now = time.monotonic()
        with self.lock:
            _trim(self.window, now)
            batch = self.batch_windows.setdefault(client_id, deque()) if is_batch else None
            if batch is not None:
                _trim(batch, now)
            if cfg.throttle and (
                    self.in_flight >= cfg.throttle_concurrent
                    or len(self.window) >= cfg.throttle_per_minute
                    or (batch is not None and len(batch) >= cfg.throttle_batch_per_minute)):
                self.rejected += 1
                return False
            self.in_flight += 1
            self.window.append(now)
            if batch is not None:
                batch.append(now)
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.max_per_minute = max(self.max_per_minute, len(self.window))
            return True

    def release(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def reset(self) -> None:
        with self.lock:
            self.window.clear()
            self.batch_windows.clear()
            self.max_in_flight = self.max_per_minute = self.rejected = 0

    def as_dict(self) -> dict[str, int]:
        with self.lock:
            _trim(self.window, time.monotonic())
            return {"in_flight": self.in_flight, "max_in_flight": self.max_in_flight,
                    "requests_last_minute": len(self.window), "max_requests_per_minute": self.max_per_minute,
                    "rejected": self.rejected}


def _trim(window: deque[float], now: float) -> None:
    while window and now - window[0] >= WINDOW_S:
        window.popleft()
