"""Template helpers of the push queue: the invoice pages' sync blocks, QBO record links, the queue banner.

The invoice pages (invoicing) know nothing of QuickBooks: their templates call these tags, which read
the sync actions themselves.
"""

from __future__ import annotations

from typing import Any

from django import template

from integrations.models import ObjectType
from integrations.push.display import qbo_record_url
from integrations.push.selectors import SyncAction, invoice_sync_action, invoice_sync_actions
from integrations.push.views import banner_context
from invoicing.models import Invoice
from invoicing.validators import invoice_can_override_tax

register = template.Library()


def _page_context(context: template.Context) -> dict[str, Any]:
    """What the sync blocks read from the page around them (see each template's comment)."""
    return {name: context.get(name) for name in ("request", "perms_org", "qbo_queue", "csrf_token", "next_url")}


@register.inclusion_tag("integrations/push/_detail_sync.html", takes_context=True)
def invoice_sync_block(context: template.Context, invoice: Invoice) -> dict[str, Any]:
    """The QuickBooks part of the invoice detail page's action bar."""
    request = context.get("request")
    return {**_page_context(context), "invoice": invoice, "sync": invoice_sync_action(invoice=invoice),
            "can_take_tax": invoice_can_override_tax(invoice=invoice, role=getattr(request, "role", None))}


@register.simple_tag(takes_context=True)
def invoice_sync_actions_for(context: template.Context, invoices: list[Invoice]) -> dict[int, SyncAction]:
    """Every invoice's action on a list page, in constant queries, for invoice_row_sync to show row by row."""
    return invoice_sync_actions(organization=context["request"].organization, invoices=invoices)


@register.inclusion_tag("integrations/push/_row_sync.html", takes_context=True)
def invoice_row_sync(context: template.Context, invoice: Invoice, detail_url: str,
                     actions: dict[int, SyncAction]) -> dict[str, Any]:
    """The QuickBooks part of an invoice row's menu; `actions` comes from invoice_sync_actions_for."""
    return {**_page_context(context), "invoice": invoice, "detail_url": detail_url, "sync": actions[invoice.pk]}


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
