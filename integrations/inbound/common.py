"""What every part of the inbound side shares: the entities we follow and QBO versions (a change itself,
`Change`, lives in integrations.merge.change: the push queue merges with it too)."""

from __future__ import annotations

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


def deleted_stub(qbo_id: str) -> dict[str, Any]:
    return {"Id": qbo_id, "status": "Deleted"}


def token_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def entity_enabled(prefs: SyncPreferences, entity: str) -> bool:
    return bool(getattr(prefs, PREFERENCE[entity]))


def enabled_entities(prefs: SyncPreferences) -> list[str]:
    return [entity for entity in ENTITIES if entity_enabled(prefs, entity)]
