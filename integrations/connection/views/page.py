"""The QuickBooks settings page, its polled status partial and the preferences form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import OrgRequest
from integrations.connection.forms import SyncPreferencesForm
from integrations.connection.panel import quickbooks_panel
from integrations.connection.preferences import preferences_update
from integrations.connection.views.common import page_context, plan_refused
from integrations.selectors import preferences_for


@require_GET
@org_member_required("integration.view")
def quickbooks_page(request: OrgRequest) -> HttpResponse:
    return render(request, "integrations/quickbooks.html", page_context(request))


@require_GET
@org_member_required("integration.view")
def quickbooks_status(request: OrgRequest) -> HttpResponse:
    """The status panel alone, polled by the page. 204 when nothing changed since version `v`, so htmx
    leaves the DOM (and any button under the pointer) alone."""
    panel = quickbooks_panel(organization=request.organization)
    if request.GET.get("v") == panel.version:
        return HttpResponse(status=204)
    context = {"panel": panel, "can_manage": can(request.role, "integration.manage"),
               "paid_plan": request.organization.is_paid_plan}
    return render(request, "integrations/_status_panel.html", context)


@require_POST
@org_member_required("integration.manage")
def quickbooks_preferences(request: OrgRequest) -> HttpResponse:
    organization = request.organization
    if not organization.is_paid_plan:
        return plan_refused(request)
    form = SyncPreferencesForm(request.POST, instance=preferences_for(organization=organization))
    if form.is_valid():
        try:
            changed = preferences_update(organization=organization, actor=request.user, changes=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Sync preferences saved." if changed else "Nothing changed.")
            return redirect("integrations:quickbooks")
    return render(request, "integrations/quickbooks.html", page_context(request, form=form), status=400)
