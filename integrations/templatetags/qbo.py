"""Template helpers of the QuickBooks settings page."""

from __future__ import annotations

from django import template

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
