"""Per-company counters that tests assert on (``GET /_sim/companies/{realm}/stats``)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    by_endpoint: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_status: Counter[str] = field(default_factory=Counter)
    counters: Counter[str] = field(default_factory=Counter)

    def request(self, endpoint: str, status: str) -> None:
        with self.lock:
            self.by_endpoint[endpoint][status] += 1
            self.by_status[status] += 1
            if status == "429":
                self.counters["throttled_429"] += 1

    def bump(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counters[name] += n

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {"total": sum(self.by_status.values()),
                    "by_status": dict(self.by_status),
                    "by_endpoint": {k: dict(v) for k, v in self.by_endpoint.items()},
                    **{k: v for k, v in self.counters.items()}}
