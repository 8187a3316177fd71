"""Template helpers of the push queue: the invoice's sync action, QBO record links, the queue banner."""

from __future__ import annotations

from typing import Any

from django import template

from integrations.models import ObjectType
from integrations.push.display import qbo_record_url
from integrations.push.selectors import SyncAction, invoice_sync_action
from integrations.push.views import banner_context
from invoicing.models import Invoice

register = template.Library()


@register.simple_tag
def invoice_sync_for(invoice: Invoice) -> SyncAction:
    """One invoice's action (the detail page). Lists pass theirs from the view, in constant queries."""
    return invoice_sync_action(invoice=invoice)


@register.filter
def qbo_invoice_url(qbo_id: str, realm_id: str) -> str:
    return qbo_record_url(realm_id=realm_id, object_type=ObjectType.INVOICE, qbo_id=qbo_id)


@register.simple_tag
def qbo_url(object_type: str, qbo_id: str, realm_id: str) -> str:
    return qbo_record_url(realm_id=realm_id, object_type=object_type, qbo_id=qbo_id)


@register.inclusion_tag("integrations/push/_banner.html", takes_context=True)
def qbo_queue_banner(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    return {**banner_context(request), "request": request, "csrf_token": context.get("csrf_token"),
            "perms_org": context.get("perms_org")}
