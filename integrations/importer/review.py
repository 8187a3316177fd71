"""The Owner's decision on an ambiguous pair, applied at once and remembered (a rerun never asks again).

- Link: the QBO record and the chosen local record become one (a mapping row).
- Create new: they are different; the QBO record gets its own local record, linked. The local
  candidates are free again, and the next run sends them to QBO under a distinct name.
- Skip: leave both sides alone; neither is imported nor sent, and the pair is not asked again.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from integrations.importer.customers import customer_from_qbo
from integrations.importer.items import TYPES, product_from_qbo, taken_product_keys
from integrations.models import ExternalRef, ObjectType, ReviewItem, ReviewState
from integrations.push.currency import currency_of
from integrations.selectors import tax_codes_by_qbo
from integrations.services.audit import audit_record
from invoicing.models import Product

LINK, CREATE, SKIP = "link", "create", "skip"
CHOICES = (LINK, CREATE, SKIP)


class ReviewError(Exception):
    """A decision that cannot be applied; the message is for the person, and nothing was changed."""


def _mapped(item: ReviewItem, *, local_id: int | None = None) -> bool:
    refs = ExternalRef.objects.filter(connection=item.connection, object_type=item.object_type)
    return refs.filter(qbo_id=item.qbo_id).exists() or (
        local_id is not None and refs.filter(local_id=local_id).exists())


def _link(item: ReviewItem, local_id: int) -> None:
    ExternalRef.objects.create(connection=item.connection, object_type=item.object_type, local_id=local_id,
                               qbo_id=item.qbo_id, sync_token=str(item.qbo_data.get("sync_token", "")),
                               last_synced_at=timezone.now(), qbo_currency=currency_of(item.qbo_data.get("raw") or {}))


def _create_local(item: ReviewItem) -> int:
    row = item.qbo_data.get("raw") or {}
    organization = item.connection.organization
    # bulk_create, not save(): no post_save, so the push queue does not send QBO its own data back.
    if item.object_type == ObjectType.CUSTOMER:
        customer = customer_from_qbo(organization, row)
        Customer.objects.bulk_create([customer])
        return customer.pk
    if row.get("Type") not in TYPES:
        raise ReviewError("This QuickBooks item type cannot be created here.")
    names, skus = taken_product_keys(organization)
    product = product_from_qbo(organization, row, names=names, skus=skus,
                               tax_codes=tax_codes_by_qbo(connection=item.connection))
    Product.objects.bulk_create([product])
    return product.pk


def review_decide(*, item: ReviewItem, choice: str, actor: User, local_id: int | None = None) -> ReviewItem:
    if choice not in CHOICES:
        raise ReviewError("Choose Link, Create new or Skip.")
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().select_related("connection__organization").get(pk=item.pk)
        if item.state != ReviewState.OPEN:
            raise ReviewError(f"This pair was already decided ({item.get_state_display().lower()}).")
        if choice == LINK:
            ids = [int(c["id"]) for c in item.candidates]
            if local_id is None and len(ids) == 1:
                local_id = ids[0]
            if local_id not in ids:
                raise ReviewError("Choose which of the local records shown is the same as the QuickBooks one.")
            if _mapped(item, local_id=local_id):
                raise ReviewError("One of the two is already linked to another record; choose Create new or Skip.")
            _link(item, local_id)
            item.state, item.local_id = ReviewState.LINKED, local_id
        elif choice == CREATE:
            if _mapped(item):
                raise ReviewError("The QuickBooks record is already linked; choose Skip.")
            item.local_id = _create_local(item)
            _link(item, item.local_id)
            item.state = ReviewState.CREATED
        else:
            item.state = ReviewState.SKIPPED
        item.decided_by, item.decided_at = actor, timezone.now()
        item.save(update_fields=["state", "local_id", "decided_by", "decided_at"])
        audit_record(connection=item.connection, action="import_review", actor=actor,
                     detail=f"{item.get_state_display()}: QuickBooks {item.object_type} “{item.qbo_data.get('name')}”"
                            f" (Id {item.qbo_id})" + (f" ↔ local {item.local_id}" if item.local_id else ""))
    return item
