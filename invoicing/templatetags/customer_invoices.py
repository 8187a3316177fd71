"""The customer page's Invoices card: customers cannot import invoicing, so invoicing renders it."""

from __future__ import annotations

from typing import Any

from django import template

from customers.models import Customer
from invoicing.selectors import customer_invoices as latest_invoices

register = template.Library()


@register.inclusion_tag("invoicing/_customer_invoices.html")
def customer_invoices(customer: Customer) -> dict[str, Any]:
    return {"customer": customer, "invoices": latest_invoices(customer=customer)}
