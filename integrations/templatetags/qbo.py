"""Template helpers of the QuickBooks settings page, and the QuickBooks note on the invoice settings page
(invoicing's template loads it: the domain names no QuickBooks)."""

from __future__ import annotations

from django import template

from integrations.connection.panel import ending_soon
from integrations.models import CompanyKind
from integrations.selectors import connection_live

register = template.Library()

AUDIT_LABELS = {
    "connected": "Connected",
    "reconnected": "Reconnected (reauthorized)",
    "disconnected": "Disconnected",
    "connect_cancelled": "Connection cancelled",
    "switch_pending": "Company switch awaiting confirmation",
    "switch_cancelled": "Company switch cancelled",
    "preferences_changed": "Preferences changed",
    "authorization_expired": "Authorization expired",
    "refresh_failed": "Token refresh failed",
    "invoice_tax_taken": "QuickBooks' tax taken for an invoice",
}


@register.filter
def audit_label(action: str) -> str:
    # Other parts of the integration add their own actions; show those readably too.
    return AUDIT_LABELS.get(action, action.replace("_", " ").capitalize())


@register.inclusion_tag("integrations/_authorization_banner.html", takes_context=True)
def qbo_authorization_banner(context: template.Context) -> dict[str, object]:
    """On every page of a signed-in member: the QuickBooks authorization ends soon (Intuit asks apps to
    prompt a reconnect before the 5-year hard limit)."""
    badge = context.get("qbo_queue")  # the nav badge's one query carries the dates (context processor)
    if badge is None or not ending_soon(status=badge.status, rolling=badge.refresh_token_expires_at,
                                        hard=badge.refresh_token_hard_expires_at):
        return {"show": False}
    ends = min(d for d in (badge.refresh_token_expires_at, badge.refresh_token_hard_expires_at) if d)
    return {"show": True, "ends_at": ends, "company": badge.company_name}


@register.inclusion_tag("integrations/_discount_note.html", takes_context=True)
def qbo_discount_note(context: template.Context) -> dict[str, object]:
    """Beside "tax after the discount": what the connected QuickBooks company does with a discount
    (outside the US it always taxes the discounted amount; with discounts off it gets them in the lines)."""
    organization = getattr(context.get("request"), "organization", None)
    conn = connection_live(organization=organization) if organization is not None else None
    if conn is None or conn.company_read_at is None:
        return {}
    return {"country": conn.company_country, "non_us": conn.company_kind == CompanyKind.NON_US,
            "discounts_off": not conn.allow_discount}
