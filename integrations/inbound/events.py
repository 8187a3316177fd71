"""Processing stored webhook events: claim due rows, re-read their entities from QBO (batched), apply each
entity once through the common change path, and record what happened on every event row.

Safe to run in several workers at once: a claim stamps rows with its own lease, and applying the same QBO
version twice changes nothing (RemoteVersion). A worker that dies leaves rows whose lease expires."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.inbound.changes import FAILED_PREFIX, changes_apply
from integrations.inbound.common import ENTITIES, entity_enabled
from integrations.inbound.fetch import fetch_many
from integrations.inbound.selectors import importing_connection_ids
from integrations.merge.change import Change
from integrations.models import ConnectionStatus, EventState, QuickBooksConnection, WebhookEvent
from integrations.qbo.errors import QboError
from integrations.qbo.retry import Retry, Verdict, retry_after
from integrations.qbo.tokens import client_for
from integrations.selectors import preferences_for

BATCH = 500
LEASE = timedelta(minutes=5)
LINGER = timedelta(milliseconds=400)
LINGER_BATCH = 100
Key = tuple[str, str]  # (entity, QBO id)


def due_filter() -> Q:
    now = timezone.now()
    waiting = Q(state=EventState.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(state=EventState.RUNNING, lease_until__lt=now)
    return ((waiting | abandoned) & Q(connection__status=ConnectionStatus.CONNECTED)
            & ~Q(connection_id__in=importing_connection_ids()))


def events_due_count() -> int:
    return WebhookEvent.objects.filter(due_filter()).count()


def events_claim(*, limit: int = BATCH) -> list[WebhookEvent]:
    """Take up to `limit` due events. The lease value identifies this claim, so two workers racing for the
    same rows (SQLite has no SKIP LOCKED) each get only the rows their UPDATE won."""
    lease = timezone.now() + LEASE + timedelta(microseconds=time.perf_counter_ns() % 1_000_000)
    with transaction.atomic():
        ids = list(WebhookEvent.objects.filter(due_filter()).order_by("id").values_list("id", flat=True)[:limit])
        WebhookEvent.objects.filter(due_filter(), pk__in=ids).update(
            state=EventState.RUNNING, lease_until=lease, attempts=F("attempts") + 1)
    return list(WebhookEvent.objects.filter(pk__in=ids, state=EventState.RUNNING, lease_until=lease)
                .select_related("connection__organization").order_by("id"))


def _linger() -> None:
    """Events arriving one delivery at a time (a burst of bookkeeping) are worth reading together: one QBO
    query serves up to 100 of them and reads count against the 500/minute limit. While a burst is still
    arriving and the batch is small, wait a moment for the rest."""
    fresh = WebhookEvent.objects.filter(due_filter(), received_at__gt=timezone.now() - LINGER)
    if 0 < fresh.count() < LINGER_BATCH:
        time.sleep(LINGER.total_seconds())


def events_process(*, limit: int = BATCH, time_budget: float = 20.0) -> int:
    """Process due events for up to `time_budget` seconds. Returns how many were handled."""
    handled, deadline = 0, time.monotonic() + time_budget
    while time.monotonic() < deadline:
        _linger()
        events = events_claim(limit=limit)
        if not events:
            break
        by_connection: dict[int, list[WebhookEvent]] = defaultdict(list)
        for event in events:
            by_connection[event.connection_id].append(event)
        for group in by_connection.values():
            _process_connection(group[0].connection, group)
        handled += len(events)
    return handled


def _finish(events: list[WebhookEvent], state: str, outcome: str) -> None:
    WebhookEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        state=state, outcome=outcome[:500], processed_at=timezone.now(), lease_until=None)


def _finish_each(results: dict[Key, tuple[list[WebhookEvent], str]]) -> None:
    """Record every event's outcome in one statement per few hundred rows."""
    now, rows = timezone.now(), []
    for events, outcome in results.values():
        for event in events:
            event.state = EventState.FAILED if outcome.startswith(FAILED_PREFIX) else EventState.DONE
            event.outcome, event.processed_at, event.lease_until = outcome[:500], now, None
            rows.append(event)
    WebhookEvent.objects.bulk_update(rows, ["state", "outcome", "processed_at", "lease_until"], batch_size=300)


def _process_connection(connection: QuickBooksConnection, events: list[WebhookEvent]) -> None:
    prefs = preferences_for(organization=connection.organization)
    groups: dict[Key, list[WebhookEvent]] = defaultdict(list)
    for event in events:
        groups[(event.entity, event.entity_id)].append(event)
    off = [e for key, evs in groups.items() if not entity_enabled(prefs, key[0]) for e in evs]
    _finish(off, EventState.SKIPPED, "skipped: this kind of record does not sync (preferences)")
    pending = {key: evs for key, evs in groups.items() if entity_enabled(prefs, key[0])}
    try:
        client = client_for(connection)
        for entity in sorted({key[0] for key in pending}, key=_entity_order):
            keys = [key for key in pending if key[0] == entity]
            fetched = fetch_many(client, entity, [key[1] for key in keys])
            changes = [Change(entity=entity, qbo_id=key[1], data=fetched[key[1]], extra=_extra(pending[key]))
                       for key in keys]
            outcomes = changes_apply(connection=connection, changes=changes, prefs=prefs)
            _finish_each({key: (pending.pop(key), outcome) for key, outcome in zip(keys, outcomes, strict=True)})
    except QboError as exc:
        _release([e for evs in pending.values() for e in evs], exc)


def _entity_order(entity: str) -> int:
    return ENTITIES.index(entity) if entity in ENTITIES else len(ENTITIES)


def _extra(events: list[WebhookEvent]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for event in events:
        extra.update((event.payload or {}).get("data") or {})
    return extra


def _release(events: list[WebhookEvent], exc: QboError) -> None:
    """QBO could not be read now: the shared retry policy decides, per attempt count (an event's own
    attempts). Authorization problems wait (no attempt spent) for the reconnect; a throttle or outage
    retries later; anything else fails — the CDC sweep still brings the change."""
    by_attempts: dict[int, list[WebhookEvent]] = defaultdict(list)
    for event in events:
        by_attempts[event.attempts].append(event)
    for attempts, group in by_attempts.items():
        _release_group(group, exc, retry_after(exc, attempts))


def _release_group(events: list[WebhookEvent], exc: QboError, retry: Retry) -> None:
    rows = WebhookEvent.objects.filter(pk__in=[e.pk for e in events])
    outcome = exc.message[:500]
    unspent = {} if retry.spends_attempt else {"attempts": F("attempts") - 1}
    if retry.verdict == Verdict.PAUSE:
        rows.update(state=EventState.PENDING, lease_until=None, outcome=outcome, **unspent)
    elif retry.verdict == Verdict.WAIT:
        rows.update(state=EventState.PENDING, lease_until=None, next_attempt_at=retry.at, outcome=outcome, **unspent)
    elif retry.exhausted:
        rows.update(state=EventState.FAILED, lease_until=None, outcome=outcome, processed_at=timezone.now())
    else:
        _finish(events, EventState.FAILED, f"QuickBooks refused the read: {exc.message}")


RETENTION = timedelta(days=30)


def events_prune() -> int:
    """Processed webhook events are kept 30 days (what came in, and what was done with it)."""
    cutoff = timezone.now() - RETENTION
    finished = [EventState.DONE, EventState.SKIPPED, EventState.FAILED]
    deleted, _ = WebhookEvent.objects.filter(state__in=finished, received_at__lt=cutoff).delete()
    return deleted
