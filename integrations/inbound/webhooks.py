"""Intuit webhooks: verify the signature over the raw bytes, parse both payload formats, store each event
once. Nothing here talks to QBO: processing happens later, in a Celery task, from the stored rows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from integrations.inbound.common import OBJECT_TYPE, parse_qbo_time
from integrations.inbound.selectors import connections_syncing
from integrations.models import QuickBooksConnection, WebhookEvent

MAX_BODY_BYTES = 1024 * 1024
OPERATIONS = {"created": "Create", "updated": "Update", "deleted": "Delete", "voided": "Void", "merged": "Merge",
              "emailed": "Emailed"}
_ENTITY_BY_LOWER = {name.lower(): name for name in OBJECT_TYPE}


class MalformedWebhook(ValueError):
    """Signed by Intuit but not a payload we understand (400)."""


@dataclass(frozen=True)
class ParsedEvent:
    dedupe_key: str
    format: str
    realm_id: str
    entity: str  # as QBO names it ("Item"); may be one we do not follow
    entity_id: str
    operation: str
    occurred_at: datetime | None
    payload: dict[str, Any]


def signature_valid(body: bytes, header: str | None, verifier_token: str) -> bool:
    """intuit-signature = base64(HMAC-SHA256(verifier token, raw body)), compared in constant time."""
    if not header or not verifier_token:
        return False
    expected = base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, header.strip().encode())


def parse(body: bytes) -> list[ParsedEvent]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedWebhook(f"Body is not JSON: {exc}") from None
    if isinstance(data, list):  # CloudEvents: an array of events, each with its own id and realm
        return [_cloudevent(item) for item in data]
    if isinstance(data, dict) and isinstance(data.get("eventNotifications"), list):
        return [event for note in data["eventNotifications"] for event in _legacy(note)]
    raise MalformedWebhook("Expected a CloudEvents array or an eventNotifications object.")


def _required(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if value in (None, "") or isinstance(value, dict | list):
        raise MalformedWebhook(f"{where} has no {key}.")
    return str(value)


def _cloudevent(item: object) -> ParsedEvent:
    if not isinstance(item, dict):
        raise MalformedWebhook("Each CloudEvent must be an object.")
    event_id = _required(item, "id", "A CloudEvent")
    kind = _required(item, "type", f"CloudEvent {event_id}").split(".")
    if len(kind) < 3 or kind[0] != "qbo":
        raise MalformedWebhook(f"CloudEvent {event_id} has an unknown type.")
    data = item.get("data") if isinstance(item.get("data"), dict) else {}
    return ParsedEvent(
        dedupe_key=_key("ce", event_id), format="cloudevents", realm_id=_required(item, "intuitaccountid", event_id),
        entity=_ENTITY_BY_LOWER.get(kind[1].lower(), kind[1]), entity_id=_required(item, "intuitentityid", event_id),
        operation=OPERATIONS.get(kind[2].lower(), kind[2]), occurred_at=parse_qbo_time(item.get("time")),
        payload={"data": data, "type": item.get("type"), "id": event_id},
    )


def _legacy(note: object) -> list[ParsedEvent]:
    if not isinstance(note, dict) or not isinstance(note.get("dataChangeEvent"), dict):
        raise MalformedWebhook("Each eventNotification needs a realmId and a dataChangeEvent.")
    realm = _required(note, "realmId", "An eventNotification")
    entities = note["dataChangeEvent"].get("entities")
    if not isinstance(entities, list):
        raise MalformedWebhook("dataChangeEvent.entities must be a list.")
    return [_legacy_entity(realm, entry) for entry in entities]


def _legacy_entity(realm: str, entry: object) -> ParsedEvent:
    if not isinstance(entry, dict):
        raise MalformedWebhook("Each entity entry must be an object.")
    name, ident = _required(entry, "name", "An entity entry"), _required(entry, "id", "An entity entry")
    operation, updated = _required(entry, "operation", ident), str(entry.get("lastUpdated", ""))
    # Legacy events have no id: the same realm, entity, id, operation and time is the same event.
    return ParsedEvent(
        dedupe_key=_key("lg", f"{realm}|{name}|{ident}|{operation}|{updated}"), format="legacy", realm_id=realm,
        entity=name, entity_id=ident, operation=operation, occurred_at=parse_qbo_time(updated),
        payload={"data": {k: v for k, v in entry.items() if k == "deletedId"}, "entry": entry},
    )


def _key(prefix: str, raw: str) -> str:
    return f"{prefix}:{hashlib.sha256(raw.encode()).hexdigest()}"


def events_store(*, events: list[ParsedEvent]) -> int:
    """Store the events of connected companies we follow, once per connection of that company; replays are
    dropped by the unique key. Returns how many new rows were written."""
    followed = [e for e in events if e.entity in OBJECT_TYPE]
    connections: dict[str, list[QuickBooksConnection]] = {}
    for conn in connections_syncing().filter(realm_id__in={e.realm_id for e in followed}):
        connections.setdefault(conn.realm_id, []).append(conn)
    rows = [WebhookEvent(dedupe_key=f"{conn.pk}:{e.dedupe_key}", connection=conn, realm_id=e.realm_id,
                         format=e.format, entity=e.entity, entity_id=e.entity_id, operation=e.operation,
                         occurred_at=e.occurred_at, payload=e.payload)
            for e in followed for conn in connections.get(e.realm_id, [])]
    if not rows:
        return 0
    keys = [row.dedupe_key for row in rows]
    with transaction.atomic():
        before = WebhookEvent.objects.filter(dedupe_key__in=keys).count()
        WebhookEvent.objects.bulk_create(rows, ignore_conflicts=True)
        return WebhookEvent.objects.filter(dedupe_key__in=keys).count() - before
