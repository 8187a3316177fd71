"""What every part of the inbound side shares: the entities we follow, a change, QBO times and versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.models import ObjectType, SyncPreferences

# The QBO entities whose changes come back here, in the order a sweep applies them (names before the
# transactions that point at them).
ENTITIES = ("Customer", "Item", "Invoice", "Payment")
OBJECT_TYPE = {"Customer": ObjectType.CUSTOMER, "Item": ObjectType.ITEM, "Invoice": ObjectType.INVOICE,
               "Payment": ObjectType.PAYMENT}
PREFERENCE = {"Customer": "sync_customers", "Item": "sync_products", "Invoice": "sync_invoices",
              "Payment": "sync_payments"}
NAME_LISTS = frozenset({"Customer", "Item"})  # inactive rows are hidden from queries unless asked for


@dataclass(frozen=True)
class Change:
    """One QBO entity that changed. `data` is the entity as QBO returned it from a read (a re-read after a
    webhook, or a CDC row) — never a webhook payload, which carries ids only."""

    entity: str
    qbo_id: str
    data: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. a merge's deletedId

    @property
    def deleted(self) -> bool:
        return self.data.get("status") == "Deleted"

    @property
    def sync_token(self) -> str:
        return str(self.data.get("SyncToken", ""))

    @property
    def updated_at(self) -> datetime | None:
        return parse_qbo_time((self.data.get("MetaData") or {}).get("LastUpdatedTime"))


def deleted_stub(qbo_id: str) -> dict[str, Any]:
    return {"Id": qbo_id, "status": "Deleted"}


def parse_qbo_time(value: object) -> datetime | None:
    """QBO and webhook timestamps: '2025-03-01T10:08:51-08:00', '...-0800', '...123456789Z'."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def token_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def entity_enabled(prefs: SyncPreferences, entity: str) -> bool:
    return bool(getattr(prefs, PREFERENCE[entity]))


def enabled_entities(prefs: SyncPreferences) -> list[str]:
    return [entity for entity in ENTITIES if entity_enabled(prefs, entity)]
