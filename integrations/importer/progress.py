"""The run's progress, summary, notes and cursor, kept in memory and written to its ImportRun row with
each page (inside the page's transaction, so the numbers and the cursor never run ahead of what was
committed). A slice starts from what the row holds (`Reporter.resume`), so a run can stop after any page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from integrations.models import ImportRun

MAX_NOTES = 200  # enough to act on; the rest is counted in the summary
SUMMARY_KEYS = ("linked", "created_here", "created_in_qbo", "needs_review", "skipped", "failed", "unchanged",
                "renamed", "differs")
# The bars, in the order the job works through them.
DATA_TYPES = ("customers", "items", "projects", "push")
DATA_TYPE_LABELS = {"customers": "Customers from QuickBooks", "items": "Products and services",
                    "projects": "Projects and sub-customers", "push": "Customers sent to QuickBooks"}


@dataclass
class Reporter:
    run: ImportRun
    on_change: Callable[[Reporter], None] | None = None
    counts: Counter[str] = field(default_factory=Counter)
    progress: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)
    # Where the run stands (ImportRun.cursor); each phase moves it before the commit that makes it true.
    cursor: dict[str, Any] = field(default_factory=dict)
    # What the run is doing now, for the waiting line ("QuickBooks asked us to slow down while …").
    doing: str = ""
    steps: int = 0  # steps committed by this slice (a failure after progress starts a fresh count of attempts)

    @classmethod
    def resume(cls, run: ImportRun, on_change: Callable[[Reporter], None] | None = None) -> Reporter:
        """The numbers as last committed: a slice adds to them, never starts them again."""
        return cls(run=run, on_change=on_change, counts=Counter({k: int(v) for k, v in run.summary.items()}),
                   progress={k: dict(v) for k, v in run.progress.items()}, notes=list(run.notes),
                   cursor=dict(run.cursor))

    def start(self, data_type: str, total: int) -> None:
        self.progress[data_type] = {"done": 0, "total": max(total, 0)}
        self.flush()

    def advance(self, data_type: str, n: int) -> None:
        bar = self.progress.setdefault(data_type, {"done": 0, "total": 0})
        bar["done"] += n
        # A record added in QBO after the COUNT would push done past total; the bar stays honest.
        bar["total"] = max(bar["total"], bar["done"])

    def finish(self, data_type: str) -> None:
        bar = self.progress.setdefault(data_type, {"done": 0, "total": 0})
        bar["total"] = bar["done"]  # rows that vanished after the COUNT must not hold the bar under 100 %

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def note(self, kind: str, data_type: str, name: str, reason: str) -> None:
        """kind: skipped | failed | renamed | differs. Counted always, listed up to MAX_NOTES."""
        self.count(kind)
        if len(self.notes) < MAX_NOTES:
            self.notes.append({"kind": kind, "type": data_type, "name": name[:200], "reason": reason[:500]})

    def summary(self) -> dict[str, int]:
        return {key: self.counts.get(key, 0) for key in SUMMARY_KEYS}

    def flush(self, **fields: Any) -> None:
        """Write the numbers, the cursor (and `fields`, e.g. status_reason) to the run; doubles as the
        heartbeat."""
        ImportRun.objects.filter(pk=self.run.pk).update(
            progress=self.progress, summary=self.summary(), notes=self.notes, cursor=self.cursor,
            heartbeat_at=timezone.now(), **fields)
        if self.on_change is not None:
            self.on_change(self)
