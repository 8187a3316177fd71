"""The change data capture sweep: per connection, ask QBO what changed since the cursor and apply it through
the same path as webhooks. It catches what a webhook missed (lost, refused, never sent) within one interval.

- The cursor moves only after a sweep succeeded, to the time that sweep started; the next one asks again
  from a minute earlier (clock skew), which is harmless because applying a version twice changes nothing.
  The first sweep starts at the connection: what QBO had before is the initial import's business.
- CDC answers at most 1000 objects: we continue from the newest time seen. If more than 1000 changed in
  one second the time cannot move on, so that second is read with a query instead (QBO's queries do not
  return deleted transactions: a delete inside such a second waits for the nightly drift report).
- CDC looks back 30 days at most: an older gap falls back to a full compare of every record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from integrations.inbound.changes import FAILED_PREFIX, NOT_NEWER_PREFIX, changes_apply
from integrations.inbound.common import NAME_LISTS, OBJECT_TYPE, enabled_entities
from integrations.inbound.fetch import fetch_one
from integrations.inbound.selectors import importing_connection_ids
from integrations.merge.change import Change
from integrations.models import ExternalRef, InboundCursor, QuickBooksConnection, SyncPreferences
from integrations.qbo.client import QboClient
from integrations.qbo.errors import QboError
from integrations.qbo.tokens import client_for
from integrations.selectors import preferences_for

log = logging.getLogger(__name__)
CDC_WINDOW = timedelta(days=30)
WINDOW_MARGIN = timedelta(hours=1)
OVERLAP = timedelta(seconds=60)
CDC_MAX = 1000
LEASE = timedelta(minutes=15)


@dataclass
class SweepResult:
    mode: str  # "cdc" | "full" | "busy" | "failed" | "waiting for the initial sync"
    applied: int = 0
    read: int = 0
    error: str = ""


def qbo_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _claim(connection: QuickBooksConnection, now: datetime) -> InboundCursor | None:
    cursor, _ = InboundCursor.objects.get_or_create(connection=connection)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = InboundCursor.objects.filter(free, pk=cursor.pk).update(lease_until=now + LEASE, last_sweep_at=now)
    return InboundCursor.objects.get(pk=cursor.pk) if taken else None


def cdc_sweep(*, connection: QuickBooksConnection) -> SweepResult:
    """One sweep of one connection. Never raises for QBO trouble: the error is kept on the cursor and the
    cursor stays where it was, so the next sweep asks again."""
    started = timezone.now()
    if importing_connection_ids().filter(connection_id=connection.pk).exists():
        return SweepResult(mode="waiting for the initial sync")  # the cursor stays: nothing is skipped
    cursor = _claim(connection, started)
    if cursor is None:
        return SweepResult(mode="busy")
    prefs = preferences_for(organization=connection.organization)
    # What QBO had before the connection is the initial import's, not a change to bring back.
    connected = connection.connected_at or connection.created_at
    since = max(cursor.cdc_since - OVERLAP, connected) if cursor.cdc_since else connected
    full = started - since > CDC_WINDOW - WINDOW_MARGIN
    try:
        client = client_for(connection)
        sweep = _Sweep(connection, prefs, client)
        applied = sweep.full_compare() if full else sweep.catch_up(since)
    except QboError as exc:
        InboundCursor.objects.filter(pk=cursor.pk).update(lease_until=None, last_error=exc.message[:2000])
        log.warning("CDC sweep of connection %s failed: %s", connection.pk, exc.message)
        return SweepResult(mode="failed", error=exc.message)
    fields: dict[str, Any] = {"cdc_since": started, "lease_until": None, "last_success_at": timezone.now(),
                              "last_error": "", "last_applied": applied}
    if full:
        fields["last_full_compare_at"] = fields["last_success_at"]
    InboundCursor.objects.filter(pk=cursor.pk).update(**fields)
    return SweepResult(mode="full" if full else "cdc", applied=applied, read=sweep.read)


class _Sweep:
    def __init__(self, connection: QuickBooksConnection, prefs: SyncPreferences, client: QboClient) -> None:
        self.connection, self.prefs, self.client = connection, prefs, client
        self.entities = enabled_entities(prefs)
        self.read = 0

    def apply(self, changes: list[Change]) -> int:
        outcomes = changes_apply(connection=self.connection, changes=changes, prefs=self.prefs)
        self.read += len(changes)
        # Pages overlap by a second and sweeps by a minute: what was already applied is not counted again.
        return sum(1 for outcome in outcomes if not outcome.startswith((FAILED_PREFIX, NOT_NEWER_PREFIX)))

    def catch_up(self, since: datetime) -> int:
        applied = 0
        while self.entities:
            changes = self._cdc(since)
            applied += self.apply(list(changes))
            if len(changes) < CDC_MAX:
                return applied
            newest = max((c.updated_at for c in changes if c.updated_at), default=since)
            if newest <= since:  # over 1000 changes in one second: read that second with queries
                applied += self.apply(self._changed_since(since))
                newest = since + timedelta(seconds=1)
            since = newest
        return applied

    def _cdc(self, since: datetime) -> list[Change]:
        changes = []
        for block in self.client.cdc(self.entities, qbo_time(since)):
            for entity, rows in block.items():
                if entity in OBJECT_TYPE and isinstance(rows, list):
                    changes += [Change(entity=entity, qbo_id=str(row["Id"]), data=row) for row in rows]
        return changes

    def _rows(self, entity: str, where: str = "") -> list[dict[str, Any]]:
        wheres = [where] if entity not in NAME_LISTS else [
            " AND ".join(w for w in (where, active) if w) for active in ("Active = true", "Active = false")]
        return [row for clause in wheres for page in self.client.query_pages(entity, clause) for row in page]

    def _changed_since(self, since: datetime) -> list[Change]:
        where = f"MetaData.LastUpdatedTime >= '{qbo_time(since)}'"
        return [Change(entity=e, qbo_id=str(r["Id"]), data=r) for e in self.entities for r in self._rows(e, where)]

    def full_compare(self) -> int:
        """Every record of every followed entity, plus a read of each mapped record QBO no longer lists."""
        changes: list[Change] = []
        for entity in self.entities:
            rows = self._rows(entity)
            changes += [Change(entity=entity, qbo_id=str(r["Id"]), data=r) for r in rows]
            changes += self._vanished(entity, {str(r["Id"]) for r in rows})
        return self.apply(changes)

    def _vanished(self, entity: str, seen: set[str]) -> list[Change]:
        refs = ExternalRef.objects.filter(connection=self.connection, object_type=OBJECT_TYPE[entity],
                                          deleted_in_qbo=False).values_list("qbo_id", flat=True)
        ids = {qbo_id.split(":", 1)[0] for qbo_id in refs} - seen  # payments are mapped per "payment:invoice"
        return [Change(entity=entity, qbo_id=i, data=fetch_one(self.client, entity, i)) for i in sorted(ids)]

