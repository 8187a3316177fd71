"""The URLs an Intuit app registers for its review: Launch, Reconnect and the Disconnect landing page.

- Launch: Intuit's app card opens it; sign in (Django's login keeps `next`), then the QuickBooks page.
- Reconnect: where Intuit sends a person whose authorization ended; the Owner goes straight to Intuit's
  authorize page, anyone else to the QuickBooks page with a word on why.
- Disconnected: where Intuit sends a person who disconnected the app from inside QuickBooks; it says
  what happened and how to reconnect. It changes nothing (an unauthenticated GET must not).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import MemberRequest, OrgRequest
from integrations.connection.panel import authorization_warning
from integrations.connection.views.connect import PAGE, redirect_to_intuit
from integrations.models import ConnectionStatus
from integrations.selectors import connection_live


@require_GET
@org_member_required("integration.view")
def quickbooks_launch(request: OrgRequest) -> HttpResponse:
    return redirect(PAGE)


@require_GET
@org_member_required("integration.view")
def quickbooks_reconnect(request: OrgRequest) -> HttpResponse:
    organization = request.organization
    live = connection_live(organization=organization)
    if live is not None and live.status == ConnectionStatus.CONNECTED and not authorization_warning(live):
        messages.info(request, f"QuickBooks company “{live.company_name}” is connected; nothing to reconnect.")
        return redirect(PAGE)
    if not can(request.role, "integration.manage"):
        messages.info(request, "Only the organization’s Owner can reconnect QuickBooks. Ask them to open this page.")
        return redirect(PAGE)
    return redirect_to_intuit(request, organization)


@require_GET
def quickbooks_disconnected(request: MemberRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated and request.organization is not None
    return render(request, "integrations/disconnected_landing.html",
                  {"signed_in": signed_in, "support_email": settings.FSM_SUPPORT_EMAIL})


__all__ = ["quickbooks_disconnected", "quickbooks_launch", "quickbooks_reconnect"]
