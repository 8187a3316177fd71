"""Active QBO items -> local products. Service and NonInventory map to our two product types; the
other kinds (Inventory, Group, Category) have no local counterpart and are listed as skipped."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower

from accounts.models import Organization
from integrations.importer.common import (
    Ctx,
    PageWrites,
    next_page,
    page_read,
    phase_count,
    qbo_item_card,
    remembered_review,
)
from integrations.importer.matching import CREATE, LINK, ItemIndex, Local, normalize_sku
from integrations.models import ExternalRef, ObjectType, ReviewItem
from invoicing.models import Product, ProductType

TYPES = {"Service": ProductType.SERVICE, "NonInventory": ProductType.NON_INVENTORY}
SKIP_REASONS = {
    "Inventory": "Inventory items (quantity on hand) have no counterpart here; add it as a product if you bill it.",
    "Group": "Bundles (groups) have no counterpart here; their member items are imported on their own.",
    "Category": "Categories only organise items in QuickBooks; there is nothing to bill.",
}


def _price(value: Any) -> Decimal:
    try:
        return Decimal(str(value or 0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal("0.00")


class ItemState:
    """What the item phase knows: built from the database at the start of each slice."""

    def __init__(self, ctx: Ctx) -> None:
        self.qbo_to_local = dict(ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.ITEM)
                                 .values_list("qbo_id", "local_id"))
        rows = list(Product.objects.for_org(ctx.organization).values_list("id", "name", "sku", "unit_price"))
        self.index = ItemIndex((Local(pk, name, sku=sku) for pk, name, sku, _ in rows),
                               taken=self.qbo_to_local.values())
        self.ours = {pk: (name, sku, price) for pk, name, sku, price in rows}
        self.reviews = dict(ReviewItem.objects.filter(connection=ctx.connection, object_type=ObjectType.ITEM)
                            .values_list("qbo_id", "state"))
        # The database's own uniqueness rules (name case-insensitive, SKU when set): a new product must
        # not trip them even when matching sent its twin to review.
        self.names, self.skus = taken_product_keys(ctx.organization)


def product_from_qbo(organization: Organization, row: dict[str, Any], *, names: set[str], skus: set[str]) -> Product:
    """A local product from a QBO item, never tripping the product uniqueness rules: a taken SKU is left
    blank and a taken name (case-insensitive) gets a " (n)" suffix."""
    base = str(row.get("Name", ""))[:100]
    name, n = base, 2
    while name.lower() in names:
        name, n = f"{base[:94]} ({n})", n + 1
    sku = str(row.get("Sku") or "")[:100]
    return Product(organization=organization, name=name, sku="" if sku in skus else sku,
                   type=TYPES[row["Type"]], description=str(row.get("Description") or "")[:4000],
                   unit_price=_price(row.get("UnitPrice")), taxable=bool(row.get("Taxable", False)), is_active=True)


def taken_product_keys(organization: Organization) -> tuple[set[str], set[str]]:
    """Lower-cased names and SKUs already used by the organization's products."""
    products = Product.objects.for_org(organization)
    names = set(products.annotate(n=Lower("name")).values_list("n", flat=True))
    return names, set(products.exclude(sku="").values_list("sku", flat=True))


def differences(ours: tuple[str, str, Decimal], row: dict[str, Any]) -> list[str]:
    """What a link by name or SKU leaves different on the two sides (price, SKU), both values said."""
    _, sku, price = ours
    theirs_price, theirs_sku = _price(row.get("UnitPrice")), str(row.get("Sku") or "")
    found = []
    if price != theirs_price:
        found.append(f"price ${price:,.2f} here, ${theirs_price:,.2f} in QuickBooks")
    if normalize_sku(sku) != normalize_sku(theirs_sku):
        found.append(f"SKU “{sku or '(none)'}” here, “{theirs_sku or '(none)'}” in QuickBooks")
    return found


def _row(ctx: Ctx, st: ItemState, writes: PageWrites, new: list[tuple[Product, dict[str, Any]]],
         row: dict[str, Any]) -> None:
    qid, name, kind = str(row["Id"]), str(row.get("Name", "")), str(row.get("Type") or "")
    rep = ctx.reporter
    if qid in st.qbo_to_local:
        rep.count("unchanged")
        return
    if kind not in TYPES:
        rep.note("skipped", "items", name, SKIP_REASONS.get(kind, f"Item type “{kind}” is not supported here."))
        return
    if qid in st.reviews:
        remembered_review(ctx, st.reviews[qid], "items", name)
        return
    decision = st.index.decide(name, row.get("Sku"))
    if decision.kind == CREATE and name[:100].lower() not in st.names:
        product = product_from_qbo(ctx.organization, row, names=st.names, skus=st.skus)
        st.names.add(product.name.lower())
        if product.sku:
            st.skus.add(product.sku)
        new.append((product, row))
        rep.count("created_here")
    elif decision.kind == LINK:
        assert decision.local_id is not None
        writes.link(decision.local_id, row)
        st.index.take(decision.local_id)
        st.qbo_to_local[qid] = decision.local_id
        rep.count("linked")
        ours = st.ours[decision.local_id]
        if found := differences(ours, row):
            # Linked all the same (the same product by SKU or name), but not silently: the Owner sees both
            # values and decides which is right (the drift report fixes either side).
            rep.note("differs", "items", ours[0], f"Linked to QuickBooks “{name}”, which differs: "
                     f"{'; '.join(found)}. Check which is right; the drift report can fix either side.")
    else:
        cands = [{"id": c.id, "name": c.name, "sku": c.sku} for c in decision.candidates]
        reason = decision.reason or "A local product already uses this name."
        writes.review(row, qbo_item_card(row), cands, reason)
        st.reviews[qid] = "open"
        rep.count("needs_review")


def items_step(ctx: Ctx, st: ItemState) -> None:
    """One step of the item phase: the COUNT, or the next page (decided and committed with the cursor)."""
    ctx.reporter.doing = "reading products"
    if "start" not in ctx.cursor:
        phase_count(ctx, "items", "Item")
        return
    # QBO leaves Sku out of SELECT * on items.
    rows, last = next_page(ctx, "Item", select="*, Sku")
    with transaction.atomic():
        writes = PageWrites(ctx, ObjectType.ITEM)
        new: list[tuple[Product, dict[str, Any]]] = []
        for row in rows:
            _row(ctx, st, writes, new, row)
        Product.objects.bulk_create([p for p, _ in new], batch_size=500)
        for product, row in new:
            writes.link(product.pk, row)
            st.index.add(Local(product.pk, product.name, sku=product.sku))
            st.index.take(product.pk)
            st.qbo_to_local[str(row["Id"])] = product.pk
        page_read(ctx, last)
        if last:
            ctx.reporter.finish("items")
        writes.save("items", len(rows))
