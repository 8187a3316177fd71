"""Template helpers of the QuickBooks settings page."""

from __future__ import annotations

from django import template

from integrations.panel import authorization_end, authorization_warning
from integrations.selectors import connection_active

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
}


@register.filter
def audit_label(action: str) -> str:
    # Other parts of the integration add their own actions; show those readably too.
    return AUDIT_LABELS.get(action, action.replace("_", " ").capitalize())


@register.inclusion_tag("integrations/_authorization_banner.html", takes_context=True)
def qbo_authorization_banner(context: template.Context) -> dict[str, object]:
    """On every page of a signed-in member: the QuickBooks authorization ends soon (Intuit asks apps to
    prompt a reconnect before the 5-year hard limit)."""
    request = context.get("request")
    organization = getattr(request, "organization", None)
    conn = connection_active(organization=organization) if organization is not None else None
    if conn is None or not authorization_warning(conn):
        return {"show": False}
    return {"show": True, "ends_at": authorization_end(conn), "company": conn.company_name}
