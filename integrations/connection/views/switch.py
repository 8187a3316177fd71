"""Switching QuickBooks company: the confirmation page between the OAuth callback and any push."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import org_member_required
from accounts.requests import OrgRequest
from integrations.connection.oauth import ConnectError
from integrations.connection.switch import switch_cancel, switch_confirm, switch_pending

PAGE = "integrations:quickbooks"


@require_http_methods(["GET", "POST"])
@org_member_required("integration.manage")
def quickbooks_switch(request: OrgRequest) -> HttpResponse:
    organization = request.organization
    pending = switch_pending(organization=organization)
    if pending is None:
        messages.info(request, "No company switch is waiting for confirmation.")
        return redirect(PAGE)
    if request.method == "GET":
        return render(request, "integrations/switch_confirm.html", {"pending": pending})
    decision = request.POST.get("decision", "")
    if decision == "cancel":
        switch_cancel(organization=organization, user=request.user)
        messages.info(request, f"Switch cancelled: nothing was sent to “{pending.connection.company_name}”, and "
                               "its authorization was withdrawn.")
        return redirect(PAGE)
    if decision != "confirm":
        return render(request, "integrations/switch_confirm.html",
                      {"pending": pending, "error": "Choose Switch or Cancel."}, status=400)
    try:
        conn = switch_confirm(organization=organization, user=request.user)
    except ConnectError as exc:
        messages.error(request, str(exc))
        return redirect(PAGE)
    messages.success(request, f"Connected to QuickBooks company “{conn.company_name}”. The initial sync is matching "
                              "your records against it before it creates anything.")
    return redirect(PAGE)
