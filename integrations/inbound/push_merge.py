"""Called by the push queue when QBO refuses our update as stale (5010): QuickBooks changed the record since
our last sync. Before our update overwrites it, QBO's edits are merged in field by field (the same rules as
an inbound change), so which side is pushed or processed first does not decide what survives."""

from __future__ import annotations

from typing import Any

from customers.models import Customer
from integrations.inbound.apply.context import ApplyContext
from integrations.inbound.apply.customers import CUSTOMER_FIELDS
from integrations.inbound.apply.customers import label_of as customer_label
from integrations.inbound.apply.fields import echo_seen, merge_into
from integrations.inbound.apply.items import ITEM_FIELDS, refusal_for
from integrations.inbound.apply.items import label_of as product_label
from integrations.inbound.common import Change
from integrations.models import ExternalRef, ObjectType, QuickBooksConnection, RemoteVersion
from integrations.push.enqueue import sync_suppressed
from integrations.selectors import preferences_for
from invoicing.models import Product

ENTITY = {ObjectType.ITEM: "Item", ObjectType.CUSTOMER: "Customer"}


def remember_pushed(ref: ExternalRef, entity: dict[str, Any]) -> None:
    """After our push, QBO's returned record is the base of the next field-by-field merge."""
    specs = {ObjectType.ITEM: ITEM_FIELDS, ObjectType.CUSTOMER: CUSTOMER_FIELDS}.get(ref.object_type)
    if specs and entity.get("Id"):
        echo_seen(ref, specs, Change(entity=ENTITY[ref.object_type], qbo_id=ref.qbo_id, data=entity))


def _context(connection: QuickBooksConnection) -> ApplyContext:
    return ApplyContext(connection=connection, prefs=preferences_for(organization=connection.organization))


def _seen(connection: QuickBooksConnection, change: Change) -> None:
    RemoteVersion.objects.update_or_create(connection=connection, entity=change.entity, qbo_id=change.qbo_id,
                                           defaults={"sync_token": change.sync_token, "deleted": False})


def product_merge_remote(*, connection: QuickBooksConnection, ref: ExternalRef, product: Product,
                         entity: dict[str, Any]) -> Product:
    """Merge QBO's current item into the product; returns the product as it should now be pushed."""
    change = Change(entity="Item", qbo_id=ref.qbo_id, data=entity)
    with sync_suppressed():  # the running push sends the merged record; no second job for it
        merge_into(_context(connection), ref=ref, obj=product, specs=ITEM_FIELDS, change=change,
                   label=product_label(product), refuse=refusal_for(product))
    _seen(connection, change)
    return product


def customer_merge_remote(*, connection: QuickBooksConnection, ref: ExternalRef, customer: Customer,
                          entity: dict[str, Any]) -> Customer:
    change = Change(entity="Customer", qbo_id=ref.qbo_id, data=entity)
    with sync_suppressed():
        merge_into(_context(connection), ref=ref, obj=customer, specs=CUSTOMER_FIELDS, change=change,
                   label=customer_label(customer))
    _seen(connection, change)
    return customer
