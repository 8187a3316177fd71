"""QBO Item → Product: changes to linked items merge field by field; a new QBO item becomes a product."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from integrations.inbound.apply.following import merge_and_follow
from integrations.merge.change import Change, parse_qbo_time
from integrations.merge.context import ApplyContext
from integrations.merge.fields import echo_seen
from integrations.merge.rules import flag, money, text
from integrations.merge.specs import ITEM_FIELDS, product_label, refusal_for
from integrations.models import ConflictWinner, ExternalRef, ObjectType
from integrations.selectors import tax_code_for_qbo
from integrations.suppress import sync_suppressed
from invoicing.models import Product, ProductType

_TYPES = {"Service": ProductType.SERVICE, "NonInventory": ProductType.NON_INVENTORY,
          "Inventory": ProductType.NON_INVENTORY}


def apply_item(ctx: ApplyContext, change: Change) -> str:
    ref = ctx.ref(ObjectType.ITEM, change.qbo_id)
    if ref is None:
        return _new_item(ctx, change)
    if change.deleted:
        ExternalRef.objects.filter(pk=ref.pk).update(deleted_in_qbo=True)
        return "item gone from QuickBooks: marked"
    product = Product.objects.select_for_update().filter(pk=ref.local_id, organization=ctx.organization).first()
    if product is None:
        return "linked product no longer exists here"
    product.organization = ctx.organization  # the same row: saves a query per use
    result = merge_and_follow(ctx, ref=ref, obj=product, specs=ITEM_FIELDS, change=change, label=product_label(product),
                        refuse=refusal_for(product))
    return _describe(result.take, result.keep, len(result.conflicts))


def echo_item(ref: ExternalRef, change: Change) -> None:
    echo_seen(ref, ITEM_FIELDS, change)


def _describe(taken: dict[str, Any], kept: list[str], conflicts: int) -> str:
    parts = [f"took {', '.join(sorted(taken))}" if taken else "", f"kept ours: {', '.join(kept)}" if kept else "",
             f"{conflicts} conflict(s)" if conflicts else ""]
    return "; ".join(p for p in parts if p) or "no field changed"


def _same_product(ctx: ApplyContext, entity: dict[str, Any]) -> Product | None:
    """An unlinked product that is evidently this item (same SKU, else same name): link, never duplicate.
    This is also how a webhook for an item our own push just created finds its product."""
    products = Product.objects.for_org(ctx.organization)
    sku, name = text(entity.get("Sku")), text(entity.get("Name"))
    found = products.filter(sku=sku).first() if sku else None
    if found is None and name:
        found = products.annotate(lname=Lower("name")).filter(lname=name.lower()).first()
    return found


def _new_item(ctx: ApplyContext, change: Change) -> str:
    entity = change.data
    if change.deleted or flag(entity.get("Active", True)) == "false":
        return "unlinked inactive item: ignored"
    created = parse_qbo_time((entity.get("MetaData") or {}).get("CreateTime"))
    connected = ctx.connection.connected_at or ctx.connection.created_at
    if created is not None and created < connected:
        # QBO times have whole seconds: this includes the connection's own second, which the initial
        # import (it runs after connecting) reads anyway.
        return "item predates the connection: the initial import's"
    kind = _TYPES.get(str(entity.get("Type", "")))
    if kind is None:
        return f"{entity.get('Type')} items do not become products"
    existing = _same_product(ctx, entity)
    if existing is not None:
        return _link(ctx, existing, change)
    # Outside the US an item carries its VAT/GST code: the product keeps the local code mapped to it.
    tax_code = tax_code_for_qbo(connection=ctx.connection,
                                qbo_id=str((entity.get("SalesTaxCodeRef") or {}).get("value") or ""))
    with sync_suppressed():
        product = Product.objects.create(
            organization=ctx.organization, name=text(entity.get("Name"))[:100], sku=text(entity.get("Sku"))[:100],
            type=kind, description=str(entity.get("Description") or "")[:4000],
            unit_price=Decimal(money(entity.get("UnitPrice"))),
            taxable=bool(entity.get("Taxable", False)) or tax_code is not None, tax_code=tax_code,
        )
    ref = ExternalRef.objects.create(connection=ctx.connection, object_type=ObjectType.ITEM, local_id=product.pk,
                                     qbo_id=change.qbo_id, sync_token=change.sync_token)
    ctx.remember(ref)
    ref.last_synced_at = product.updated_at
    ref.save(update_fields=["last_synced_at"])
    echo_item(ref, change)
    return f"created product {product.pk}"


def _link(ctx: ApplyContext, product: Product, change: Change) -> str:
    taken = ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.ITEM, local_id=product.pk)
    other = taken.first()
    if other is not None and other.qbo_id != change.qbo_id:
        ctx.conflict(object_type=ObjectType.ITEM, local_id=product.pk, qbo_id=change.qbo_id, label=product_label(product),
                     note=f"A new QuickBooks item has this product's name or SKU, but the product is linked to "
                          f"QuickBooks item {other.qbo_id}; the new item was not imported.",
                     winner=ConflictWinner.NONE, theirs=text(change.data.get("Name")))
        return "new item collides with a linked product"
    try:
        with transaction.atomic():
            ref, _ = ExternalRef.objects.get_or_create(
                connection=ctx.connection, object_type=ObjectType.ITEM, local_id=product.pk,
                defaults={"qbo_id": change.qbo_id, "sync_token": ""})
    except IntegrityError:  # our push is saving the same link right now: its mapping wins
        return "link being saved by the push queue"
    ctx.remember(ref)
    result = merge_and_follow(ctx, ref=ref, obj=product, specs=ITEM_FIELDS, change=change, label=product_label(product),
                        refuse=refusal_for(product))
    return f"linked product {product.pk}; " + _describe(result.take, result.keep, len(result.conflicts))
