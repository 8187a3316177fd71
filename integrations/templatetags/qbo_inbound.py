"""Template tags of the inbound side: the summary card on the QuickBooks page and the QuickBooks flags on a
customer's page (each one line in the host template)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.permissions import can
from customers.models import Customer
from integrations.inbound.selectors import customer_flags, inbound_summary

register = template.Library()


@register.inclusion_tag("integrations/inbound/_summary.html", takes_context=True)
def qbo_inbound_summary(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    organization = getattr(request, "organization", None)
    if organization is None:
        return {"summary": None}
    return {"summary": inbound_summary(organization=organization),
            "can_manage": can(getattr(request, "role", None), "integration.manage"),
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("integrations/inbound/_customer_flags.html")
def qbo_customer_flags(customer: Customer) -> dict[str, Any]:
    return {"flags": customer_flags(customer=customer)}
