"""The product page's QuickBooks card: the Income account the product's sales post to (invoicing's product
template loads it: the domain names no QuickBooks)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.permissions import can
from integrations.connection.product_accounts import product_income_choice
from integrations.selectors import connection_live
from invoicing.models import Product

register = template.Library()


@register.inclusion_tag("integrations/_product_income.html", takes_context=True)
def qbo_product_income_account(context: template.Context, product: Product) -> dict[str, Any]:
    """Shown once the product exists and a QuickBooks company is connected with its accounts read; the Owner
    chooses, others read."""
    request = context.get("request")
    organization = getattr(request, "organization", None)
    conn = connection_live(organization=organization) if organization is not None and product.pk else None
    if conn is None or conn.company_read_at is None:
        return {"show": False}
    return {"show": True, "product": product, "choice": product_income_choice(connection=conn, product=product),
            "accounts": conn.qbo_income_accounts, "can_manage": can(getattr(request, "role", None), "integration.manage"),
            "csrf_token": context.get("csrf_token")}
