"""The fields that merge field by field, per QBO entity: how each reads from QBO's JSON and from our record.
The inbound sync, the push queue's stale-update merge and the drift report all compare through these."""

from __future__ import annotations

from decimal import Decimal

from customers.models import Customer
from integrations.merge.fields import Refusal
from integrations.merge.rules import FieldSpec, flag, money, ref_value, text
from integrations.qbo.names import qbo_name
from invoicing.models import Product
from invoicing.services import product_name_taken, product_sku_taken

CUSTOMER_FIELDS = [
    FieldSpec("display_name", "Display name", lambda e: text(e.get("DisplayName")),
              lambda c: qbo_name(c.display_name, 500), max_length=200),
    FieldSpec("email", "Email", lambda e: ref_value(e, "PrimaryEmailAddr", "Address"), lambda c: text(c.email),
              max_length=254),
    FieldSpec("company_name", "Company", lambda e: text(e.get("CompanyName")), lambda c: text(c.company_name)[:100],
              max_length=100),
    FieldSpec("phone", "Phone", lambda e: ref_value(e, "PrimaryPhone", "FreeFormNumber"),
              lambda c: text(c.phone)[:30], max_length=30),
]


def customer_label(customer: Customer) -> str:
    return f"Customer {customer.display_name}"


ITEM_FIELDS = [
    FieldSpec("name", "Name", lambda e: text(e.get("Name")), lambda p: qbo_name(p.name, 100), max_length=100),
    FieldSpec("sku", "SKU", lambda e: text(e.get("Sku")), lambda p: p.sku[:100], max_length=100),
    FieldSpec("unit_price", "Price", lambda e: money(e.get("UnitPrice")), lambda p: money(p.unit_price),
              to_local=Decimal),
    FieldSpec("description", "Description", lambda e: str(e.get("Description") or "").strip(),
              lambda p: p.description[:4000].strip(), max_length=4000),
    FieldSpec("is_active", "Active", lambda e: flag(e.get("Active", True)), lambda p: flag(p.is_active),
              to_local=lambda v: v == "true"),
]


def product_label(product: Product) -> str:
    return f"Product {product.name}"


def refusal_for(product: Product) -> Refusal:
    def refuse(spec: FieldSpec, value: str) -> str | None:
        org = product.organization
        if spec.name == "name" and product_name_taken(organization=org, name=value, exclude_id=product.pk):
            return f"Another product here is already named “{value}”."
        if spec.name == "sku" and product_sku_taken(organization=org, sku=value, exclude_id=product.pk):
            return f"Another product here already has SKU “{value}”."
        return None

    return refuse
