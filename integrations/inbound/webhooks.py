"""Intuit webhooks: verify the signature over the raw bytes, parse both payload formats, store each event
once. Nothing here talks to QBO: processing happens later, in a Celery task, from the stored rows."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import models, transaction

from integrations.inbound.common import OBJECT_TYPE
from integrations.inbound.selectors import connections_syncing
from integrations.merge.change import parse_qbo_time
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


# Intuit's payloads are a few levels deep (eventNotifications → dataChangeEvent → entities → entry); a
# signed body nested deeper than this is not one of theirs, and unbounded depth would exhaust the parser.
MAX_DEPTH = 16
# Each event's values go into these columns: longer ones are refused (a database would reject the row).
def _max_length(name: str) -> int:
    column = WebhookEvent._meta.get_field(name)
    assert isinstance(column, models.CharField) and column.max_length is not None, f"{name} is not a bounded column"
    return column.max_length


_LIMITS = {name: _max_length(name) for name in ("realm_id", "entity", "entity_id", "operation")}
MAX_EVENT_ID = 200


@dataclass(frozen=True)
class ParsedDelivery:
    events: list[ParsedEvent]
    rejected: list[str]  # one plain reason per event that could not be read; the others are kept


def _depth(data: object) -> int:
    """Nesting depth, without recursion (a hostile body must not exhaust the stack here either)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse(body: bytes) -> ParsedDelivery:
    """The events of a delivery. A body that is not one of Intuit's two formats raises MalformedWebhook;
    an event that cannot be read is listed in `rejected` and the readable ones are still returned."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise MalformedWebhook(f"Body is nested deeper than {MAX_DEPTH} levels.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedWebhook(f"Body is not JSON: {exc}") from None
    if _depth(data) > MAX_DEPTH:
        raise MalformedWebhook(f"Body is nested deeper than {MAX_DEPTH} levels.")
    events: list[ParsedEvent] = []
    rejected: list[str] = []
    if isinstance(data, list):  # CloudEvents: an array of events, each with its own id and realm
        for index, item in enumerate(data):
            _read(_cloudevent, item, f"Event {index}", events, rejected)
        return ParsedDelivery(events, rejected)
    if isinstance(data, dict) and isinstance(data.get("eventNotifications"), list):
        for index, note in enumerate(data["eventNotifications"]):
            _legacy(note, f"eventNotifications[{index}]", events, rejected)
        return ParsedDelivery(events, rejected)
    raise MalformedWebhook("Expected a CloudEvents array or an eventNotifications object.")


def _read(parse: Callable[[object], ParsedEvent], raw: object, where: str, events: list[ParsedEvent],
          rejected: list[str]) -> None:
    try:
        events.append(parse(raw))
    except MalformedWebhook as exc:
        rejected.append(f"{where}: {exc}")


def _required(obj: dict[str, Any], key: str, where: str, limit: int | None = None) -> str:
    value = obj.get(key)
    if value in (None, "") or isinstance(value, dict | list):
        raise MalformedWebhook(f"{where} has no {key}.")
    text = str(value)
    if limit is not None and len(text) > limit:
        raise MalformedWebhook(f"{where} has a {key} longer than {limit} characters.")
    return text


def _cloudevent(item: object) -> ParsedEvent:
    if not isinstance(item, dict):
        raise MalformedWebhook("Each CloudEvent must be an object.")
    event_id = _required(item, "id", "A CloudEvent", MAX_EVENT_ID)
    kind = _required(item, "type", f"CloudEvent {event_id}").split(".")
    if len(kind) < 3 or kind[0] != "qbo":
        raise MalformedWebhook(f"CloudEvent {event_id} has an unknown type.")
    entity = _ENTITY_BY_LOWER.get(kind[1].lower(), kind[1])
    operation = OPERATIONS.get(kind[2].lower(), kind[2])
    for name, value in (("entity", entity), ("operation", operation)):
        if len(value) > _LIMITS[name]:
            raise MalformedWebhook(f"CloudEvent {event_id} has an {name} longer than {_LIMITS[name]} characters.")
    data = item.get("data") if isinstance(item.get("data"), dict) else {}
    return ParsedEvent(
        dedupe_key=_key("ce", event_id), format="cloudevents",
        realm_id=_required(item, "intuitaccountid", f"CloudEvent {event_id}", _LIMITS["realm_id"]),
        entity=entity, entity_id=_required(item, "intuitentityid", f"CloudEvent {event_id}", _LIMITS["entity_id"]),
        operation=operation, occurred_at=parse_qbo_time(item.get("time")),
        payload={"data": data, "type": item.get("type"), "id": event_id},
    )


def _legacy(note: object, where: str, events: list[ParsedEvent], rejected: list[str]) -> None:
    if not isinstance(note, dict) or not isinstance(note.get("dataChangeEvent"), dict):
        rejected.append(f"{where}: each eventNotification needs a realmId and a dataChangeEvent.")
        return
    try:
        realm = _required(note, "realmId", "An eventNotification", _LIMITS["realm_id"])
    except MalformedWebhook as exc:
        rejected.append(f"{where}: {exc}")
        return
    entities = note["dataChangeEvent"].get("entities")
    if not isinstance(entities, list):
        rejected.append(f"{where}: dataChangeEvent.entities must be a list.")
        return
    for index, entry in enumerate(entities):
        _read(partial(_legacy_entity, realm), entry, f"{where}.entities[{index}]", events, rejected)


def _legacy_entity(realm: str, entry: object) -> ParsedEvent:
    if not isinstance(entry, dict):
        raise MalformedWebhook("Each entity entry must be an object.")
    name = _required(entry, "name", "An entity entry", _LIMITS["entity"])
    ident = _required(entry, "id", "An entity entry", _LIMITS["entity_id"])
    operation, updated = _required(entry, "operation", ident, _LIMITS["operation"]), str(entry.get("lastUpdated", ""))
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
