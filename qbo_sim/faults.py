"""Per-company fault injection: latency, 5xx answers, timeouts, commit-then-drop, 429 bursts.

Rates are drawn from a per-company ``random.Random`` so a given seed replays the same sequence.
The ``*_next`` counters are deterministic one-shots for tests ("the next create is dropped").
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, fault_body

_INT_KEYS = ("latency_ms", "latency_jitter_ms", "throttle_burst", "error_next", "drop_next",
             "timeout_next")
_FLOAT_KEYS = ("error_rate", "drop_rate", "timeout_rate")
_OTHER_KEYS = ("error_statuses", "timeout_commits", "drop_reads", "seed")


@dataclass
class FaultPlan:
    latency_s: float = 0.0
    error_status: int | None = None
    drop: bool = False        # commit, then reset the connection without answering
    hang: bool = False        # hang for timeout_hang_seconds, then close without answering
    hang_commits: bool = False


NO_FAULTS = FaultPlan()


@dataclass
class FaultSettings:
    latency_ms: int = 0
    latency_jitter_ms: int = 0
    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: [500, 503])
    drop_rate: float = 0.0
    drop_reads: bool = False   # by default only writes are dropped (that is the ambiguous case)
    timeout_rate: float = 0.0
    timeout_commits: bool = False
    throttle_burst: int = 0
    error_next: int = 0
    drop_next: int = 0
    timeout_next: int = 0
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (*_INT_KEYS, *_FLOAT_KEYS, *_OTHER_KEYS)}

    def update(self, patch: dict[str, Any]) -> None:
        for key, value in patch.items():
            if key in _INT_KEYS:
                setattr(self, key, max(0, int(value)))
            elif key in _FLOAT_KEYS:
                setattr(self, key, min(1.0, max(0.0, float(value))))
            elif key == "error_statuses":
                setattr(self, key, [int(v) for v in value] or [500])
            elif key in ("timeout_commits", "drop_reads"):
                setattr(self, key, bool(value))
            elif key == "seed":
                self.seed = None if value is None else int(value)
                self.rng = random.Random(self.seed)
            else:
                raise ApiError(400, fault_body("2010", "Unknown fault setting", key))

    def quiet(self) -> bool:
        return not (self.latency_ms or self.latency_jitter_ms or self.error_rate or self.drop_rate
                    or self.timeout_rate or self.error_next or self.drop_next or self.timeout_next)

    def take_burst(self) -> bool:
        """Consume one forced 429 (checked before admission, so it uses no throttle slot)."""
        if self.throttle_burst:
            self.throttle_burst -= 1
            return True
        return False

    def plan(self, is_write: bool) -> FaultPlan:
        """Decide the faults for one request. Caller holds the company's lock."""
        if self.quiet():
            return NO_FAULTS
        plan = FaultPlan()
        jitter = self.rng.uniform(0, self.latency_jitter_ms) if self.latency_jitter_ms else 0.0
        plan.latency_s = (self.latency_ms + jitter) / 1000.0
        if self.error_next or (self.error_rate and self.rng.random() < self.error_rate):
            self.error_next = max(0, self.error_next - 1)
            plan.error_status = self.rng.choice(self.error_statuses)
        elif self.timeout_next or (self.timeout_rate and self.rng.random() < self.timeout_rate):
            self.timeout_next = max(0, self.timeout_next - 1)
            plan.hang, plan.hang_commits = True, self.timeout_commits
        elif (is_write or self.drop_reads) and (
                self.drop_next or (self.drop_rate and self.rng.random() < self.drop_rate)):
            self.drop_next = max(0, self.drop_next - 1)
            plan.drop = True
        return plan
