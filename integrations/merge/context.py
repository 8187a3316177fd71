"""What the per-entity appliers share: the connection, mappings, remote state and the conflict log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import Organization
from integrations.merge.change import Change
from integrations.models import (
    ConflictWinner,
    ExternalRef,
    QuickBooksConnection,
    RemoteState,
    SyncConflict,
    SyncPreferences,
)


@dataclass
class ApplyContext:
    connection: QuickBooksConnection
    prefs: SyncPreferences
    now: datetime = field(default_factory=timezone.now)

    @property
    def organization(self) -> Organization:
        return self.connection.organization

    # Mappings looked up in this batch of changes (one query per batch and type, not per change).
    refs: dict[tuple[str, str], ExternalRef | None] = field(default_factory=dict)

    def ref(self, object_type: str, qbo_id: str) -> ExternalRef | None:
        key = (object_type, qbo_id)
        if key not in self.refs:
            self.refs[key] = (ExternalRef.objects.filter(connection=self.connection, object_type=object_type,
                                                         qbo_id=qbo_id).select_related("remote_state").first())
        return self.refs[key]

    def preload(self, object_type: str, qbo_ids: list[str]) -> None:
        found = {r.qbo_id: r for r in ExternalRef.objects.filter(
            connection=self.connection, object_type=object_type, qbo_id__in=qbo_ids).select_related("remote_state")}
        self.refs.update({(object_type, qbo_id): found.get(qbo_id) for qbo_id in qbo_ids})

    def remember(self, ref: ExternalRef) -> None:
        self.refs[(ref.object_type, ref.qbo_id)] = ref

    def forget(self, object_type: str, qbo_id: str) -> None:
        """After a change failed and rolled back, the cached mapping may hold values the database lost."""
        self.refs.pop((object_type, qbo_id), None)

    def conflict(self, *, object_type: str, local_id: int | None, qbo_id: str, label: str, note: str,
                 winner: str = ConflictWinner.NONE, field_name: str = "", ours: Any = "", theirs: Any = "",
                 ours_at: datetime | None = None, theirs_at: datetime | None = None) -> SyncConflict:
        return SyncConflict.objects.create(
            connection=self.connection, object_type=object_type, local_id=local_id, qbo_id=qbo_id,
            label=label[:300], field=field_name, ours=str(ours), theirs=str(theirs), winner=winner,
            ours_changed_at=ours_at, theirs_changed_at=theirs_at, note=note[:500],
        )


def remote_state(ref: ExternalRef) -> RemoteState:
    try:
        return ref.remote_state  # loaded with the mapping, or created earlier in this change
    except RemoteState.DoesNotExist:
        state, _ = RemoteState.objects.get_or_create(ref=ref)
        ref.remote_state = state
        return state


def ref_synced(ref: ExternalRef, change: Change) -> None:
    """The mapping now knows QBO's newest version, so our next push does not hit a stale SyncToken.
    Stamped after the local save, so that save does not count as an edit made here since the sync."""
    ref.sync_token = change.sync_token or ref.sync_token
    ref.last_synced_at = timezone.now()
    ref.save(update_fields=["sync_token", "last_synced_at"])
