"""Reads of the initial sync: the panel on the QuickBooks page and the Needs review list."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from accounts.models import Organization
from integrations.importer.progress import DATA_TYPE_LABELS, DATA_TYPES
from integrations.importer.run import run_is_stale
from integrations.models import (
    OPEN_IMPORT_STATES,
    ImportRun,
    ImportState,
    QuickBooksConnection,
    ReviewItem,
    ReviewState,
)
from integrations.selectors import connection_live

SUMMARY_LABELS = [("linked", "Linked"), ("created_here", "Created here"), ("created_in_qbo", "Created in QuickBooks"),
                  ("needs_review", "Needs review"), ("skipped", "Skipped"), ("failed", "Failed"),
                  ("renamed", "Renamed in QuickBooks"), ("differs", "Linked, values differ"),
                  ("unchanged", "Already linked")]


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else min(100, self.done * 100 // self.total)


@dataclass(frozen=True)
class ImportPanel:
    connection: QuickBooksConnection | None
    run: ImportRun | None
    bars: list[Bar] = field(default_factory=list)
    summary: list[tuple[str, str, int]] = field(default_factory=list)  # (key, label, count)
    notes: list[dict[str, str]] = field(default_factory=list)
    open_reviews: int = 0
    stale: bool = False
    version: str = ""

    @property
    def active(self) -> bool:
        return self.run is not None and self.run.state in OPEN_IMPORT_STATES and not self.stale

    @property
    def shown_state(self) -> str:
        """A run between two slices (or waiting for QBO) is queued, but to a person it is running."""
        if self.run is not None and self.run.state == ImportState.QUEUED and self.run.started_at is not None:
            return ImportState.RUNNING
        return self.run.state if self.run is not None else "never"

    @property
    def finished(self) -> bool:
        return self.run is not None and self.run.state in (ImportState.DONE, ImportState.FAILED, ImportState.PAUSED)

    @property
    def can_run(self) -> bool:
        return self.connection is not None and self.connection.is_connected and not self.active


def import_latest(*, connection: QuickBooksConnection) -> ImportRun | None:
    return ImportRun.objects.filter(connection=connection).first()


def _bars(run: ImportRun) -> list[Bar]:
    return [Bar(key, DATA_TYPE_LABELS[key], int(run.progress[key]["done"]), int(run.progress[key]["total"]))
            for key in DATA_TYPES if key in run.progress]


def import_panel(*, organization: Organization) -> ImportPanel:
    connection = connection_live(organization=organization)
    if connection is None:
        return ImportPanel(connection=None, run=None, version="none")
    run = import_latest(connection=connection)
    open_reviews = ReviewItem.objects.filter(connection=connection, state=ReviewState.OPEN).count()
    if run is None:
        return ImportPanel(connection=connection, run=None, open_reviews=open_reviews,
                           version=_version(connection, None, open_reviews, False))
    stale = run_is_stale(run)
    summary = [(key, label, int(run.summary.get(key, 0))) for key, label in SUMMARY_LABELS]
    return ImportPanel(connection=connection, run=run, bars=_bars(run), summary=summary, notes=list(run.notes),
                       open_reviews=open_reviews, stale=stale, version=_version(connection, run, open_reviews, stale))


def _version(connection: QuickBooksConnection, run: ImportRun | None, open_reviews: int, stale: bool) -> str:
    # A fingerprint of what the panel shows: the poll answers "no change" (204) while it holds.
    parts = (connection.pk, connection.status, run and (run.pk, run.state, run.status_reason, run.progress,
                                                         run.summary, len(run.notes)), open_reviews, stale)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def review_items(*, organization: Organization, state: str | None = ReviewState.OPEN) -> list[ReviewItem]:
    """The pairs of the organization's live connection; open ones by default, oldest first."""
    connection = connection_live(organization=organization)
    if connection is None:
        return []
    items = ReviewItem.objects.filter(connection=connection).select_related("decided_by")
    if state is not None:
        items = items.filter(state=state)
    return list(items.order_by("object_type", "id"))


def review_decided_recent(*, organization: Organization, limit: int = 20) -> list[ReviewItem]:
    connection = connection_live(organization=organization)
    if connection is None:
        return []
    return list(ReviewItem.objects.filter(connection=connection).exclude(state=ReviewState.OPEN)
                .select_related("decided_by").order_by("-decided_at", "-id")[:limit])
