"""Product → QBO Item (Service or NonInventory)."""

from __future__ import annotations

from typing import Any

from integrations.merge.remote import product_merge_remote
from integrations.models import CompanyKind, ExternalRef, ObjectType, ProductIncomeAccount, TaxCodeMap
from integrations.push.handlers.base import (
    Need,
    PushContext,
    PushResult,
    create_or_adopt,
    update_mapped,
    update_with_retry,
)
from integrations.qbo.names import qbo_name
from invoicing.models import Product, ProductType

_TYPES: dict[str, str] = {ProductType.SERVICE: "Service", ProductType.NON_INVENTORY: "NonInventory"}


def income_account_id(ctx: PushContext, product: Product) -> str:
    """Service and NonInventory items need an IncomeAccountRef: the account chosen for the product itself,
    else the one chosen for its type under Mappings, else a default looked up once per connection."""
    conn = ctx.connection
    chosen = product_income_accounts(ctx).get(product.pk) or conn.income_account_by_type.get(product.type)
    if chosen:
        return str(chosen)
    if not conn.income_account_qbo_id:
        rows = ctx.client.query("SELECT * FROM Account WHERE AccountType = 'Income' MAXRESULTS 10").get("Account", [])
        if not rows:
            raise ValueError("This QuickBooks company has no income account to post product sales to.")
        preferred = [r for r in rows if "service" in r.get("Name", "").lower()] or rows
        conn.income_account_qbo_id = str(preferred[0]["Id"])
        conn.save(update_fields=["income_account_qbo_id"])
    return conn.income_account_qbo_id


def product_income_accounts(ctx: PushContext) -> dict[int, str]:
    """Product id → the Income account chosen for that product alone: the connection's few rows read once
    per context (a batch of items shares them), as tax_code_qbo_ids does."""
    key = "product_income_accounts"
    if key not in ctx.shared:
        ctx.shared[key] = dict(ProductIncomeAccount.objects.filter(connection=ctx.connection)
                               .values_list("product_id", "account_id"))
    found: dict[int, str] = ctx.shared[key]
    return found


def item_payload(product: Product, income_account: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": qbo_name(product.name, 100),
        "Type": _TYPES[product.type],
        "Description": product.description[:4000],
        "UnitPrice": float(product.unit_price),
        "Taxable": product.taxable,
        "Active": product.is_active,
        "IncomeAccountRef": {"value": income_account},
    }
    if product.sku:
        body["Sku"] = product.sku[:100]
    return body


def _find(ctx: PushContext, product: Product, name: str) -> dict[str, Any] | None:
    if product.sku:
        rows = ctx.client.find_by("Item", "Sku", product.sku, include_inactive=True)
        if len(rows) == 1:
            return rows[0]
    rows = ctx.client.find_by("Item", "Name", name, include_inactive=True)
    return rows[0] if len(rows) == 1 else None


def _merged(ctx: PushContext, ref: ExternalRef, product: Product, current: dict[str, Any]) -> dict[str, Any]:
    # Both sides edited the item since the last sync: merge QBO's edits in (newest wins per field) first.
    product = product_merge_remote(connection=ctx.connection, ref=ref, product=product, entity=current)
    return item_body(ctx, product)


def item_body(ctx: PushContext, product: Product) -> dict[str, Any]:
    """The payload for this connection: outside the US an item also carries its VAT/GST code
    (SalesTaxCodeRef), the QBO code mapped to the product's own; unmapped, QBO's default stays."""
    body = item_payload(product, income_account_id(ctx, product))
    if ctx.connection.company_kind == CompanyKind.NON_US and product.tax_code_id:
        qbo_id = tax_code_qbo_ids(ctx).get(product.tax_code_id)
        if qbo_id:
            body["SalesTaxCodeRef"] = {"value": qbo_id}
    return body


def tax_code_qbo_ids(ctx: PushContext) -> dict[int, str]:
    """Local tax code id → the QBO TaxCode id it is sent as: the connection's mappings in one query per
    context, which a batch's jobs share (one read per batch, not one per item)."""
    key = "tax_code_maps"
    if key not in ctx.shared:
        ctx.shared[key] = dict(TaxCodeMap.objects.filter(connection=ctx.connection)
                               .values_list("tax_code_id", "qbo_id"))
    found: dict[int, str] = ctx.shared[key]
    return found


def push_item(ctx: PushContext) -> PushResult:
    product = ctx.load(Product.objects.all())
    body = item_body(ctx, product)
    ref = ctx.ref(ObjectType.ITEM, product.pk)
    if ref is not None:
        mapped = ref  # a name the closure keeps as ExternalRef (not Optional)
        return update_mapped(ctx, "Item", ObjectType.ITEM, mapped, body,
                             lambda current: _merged(ctx, mapped, product, current))
    entity, adopted = create_or_adopt(ctx, "Item", body, lambda: _find(ctx, product, body["Name"]),
                                      request_id=ctx.job.request_id)
    if adopted:
        ref = ctx.save_ref(ObjectType.ITEM, product.pk, entity, {})
        entity = update_with_retry(ctx, "Item", ref, body)
    ctx.save_ref(ObjectType.ITEM, product.pk, entity, body)
    return PushResult(qbo_id=str(entity["Id"]), operation="link" if adopted else "create")


def item_need(ctx: PushContext, product: Product) -> Need:
    # An invoice line pointing at another tenant's product (the admin once allowed it) is refused here,
    # before any outbox row of that product is made on this connection.
    ctx.check_own(product)
    return Need(ObjectType.ITEM, product.pk, f"product “{product.name}”")
