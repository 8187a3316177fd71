"""Called by the push queue when QBO refuses our update as stale (5010): QuickBooks changed the record since
our last sync. Before our update overwrites it, QBO's edits are merged in field by field (the same rules as
an inbound change), so which side is pushed or processed first does not decide what survives. Where ours
wins, the running push sends it: no second job (the merge's push_needed is ignored on purpose here)."""

from __future__ import annotations

from typing import Any

from customers.models import Customer
from integrations.merge.change import Change
from integrations.merge.context import ApplyContext
from integrations.merge.fields import base_of, merge_into
from integrations.merge.rules import FieldSpec
from integrations.merge.specs import CUSTOMER_FIELDS, ITEM_FIELDS, customer_label, product_label, refusal_for
from integrations.models import ExternalRef, ObjectType, QuickBooksConnection, RemoteState, RemoteVersion
from integrations.selectors import preferences_for
from integrations.suppress import sync_suppressed
from invoicing.models import Product

ENTITY: dict[str, str] = {ObjectType.ITEM: "Item", ObjectType.CUSTOMER: "Customer"}


SPECS: dict[str, list[FieldSpec]] = {ObjectType.ITEM: ITEM_FIELDS, ObjectType.CUSTOMER: CUSTOMER_FIELDS}


def remember_pushed(ref: ExternalRef, entity: dict[str, Any]) -> None:
    """After our push, QBO's returned record is the base of the next field-by-field merge. One upsert
    (as for a batch) rather than echo_seen's read, create and update: every push of a customer or item
    writes it."""
    remember_pushed_many([(ref, entity)])


def remember_pushed_many(pushed: list[tuple[ExternalRef, dict[str, Any]]]) -> None:
    """The same for a batch's created records, in one statement."""
    rows = []
    for ref, entity in pushed:
        specs = SPECS.get(ref.object_type)
        if specs and entity.get("Id"):
            change = Change(entity=ENTITY[ref.object_type], qbo_id=ref.qbo_id, data=entity)
            rows.append(RemoteState(ref=ref, base=base_of(specs, entity),
                                    remote_updated_at=change.updated_at))
    RemoteState.objects.bulk_create(rows, update_conflicts=True, unique_fields=["ref"],
                                    update_fields=["base", "remote_updated_at", "updated_at"])


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
