from __future__ import annotations

import base64
import mimetypes

from django.http import HttpRequest

from accounts.models import Membership, Organization

SESSION_ORG_KEY = "current_org_id"


def membership_for_request(request: HttpRequest) -> Membership | None:
    """The membership of the organization the user works in now (their choice, else their first)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("organization").filter(user=user).order_by("id")
    wanted = request.session.get(SESSION_ORG_KEY) if hasattr(request, "session") else None
    if wanted is not None:
        chosen = memberships.filter(organization_id=wanted).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def organization_logo_data_uri(organization: Organization) -> str:
    """The logo inlined as a data: URI ("" without one): invoices and the settings page need no media URL."""
    if not organization.logo:
        return ""
    try:
        with organization.logo.open("rb") as handle:
            data = handle.read()
    except OSError:  # the file was removed from storage: show no logo rather than fail
        return ""
    mime = mimetypes.guess_type(organization.logo.name or "")[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
