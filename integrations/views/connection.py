"""Connect (start OAuth), the OAuth callback, and disconnect with its confirmation step."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import org_member_required
from integrations.forms import DisconnectForm
from integrations.quickbooks.oauth import ConnectError, connect_complete, connect_start, connection_disconnect
from integrations.selectors import connection_live
from integrations.views.common import plan_refused

PAGE = "integrations:quickbooks"


def _session_key(request: HttpRequest) -> str:
    # The state is bound to this browser session; make sure it has a key before we bind to it.
    if request.session.session_key is None:
        request.session.save()
    return request.session.session_key or ""


@require_POST
@org_member_required("integration.manage")
def quickbooks_connect(request: HttpRequest) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
    if not organization.is_paid_plan:
        return plan_refused(request)
    try:
        url = connect_start(organization=organization, user=request.user, session_key=_session_key(request))
    except ConnectError as exc:
        messages.error(request, str(exc))
        return redirect(PAGE)
    return redirect(url)


@require_GET
@org_member_required("integration.manage")
def quickbooks_callback(request: HttpRequest) -> HttpResponse:
    """Where Intuit sends the browser back. Every outcome lands on the settings page with a message."""
    if not request.organization.is_paid_plan:  # type: ignore[attr-defined]
        return plan_refused(request)  # before the state is touched: nothing is exchanged
    try:
        conn = connect_complete(organization=request.organization, user=request.user,  # type: ignore[attr-defined]
                                session_key=_session_key(request), params=request.GET.dict())
    except ConnectError as exc:
        # A cancel is the person's own choice, not a failure.
        (messages.warning if request.GET.get("error") else messages.error)(request, str(exc))
        return redirect(PAGE)
    messages.success(request, f"Connected to QuickBooks company “{conn.company_name}”.")
    return redirect(PAGE)


@require_http_methods(["GET", "POST"])
@org_member_required("integration.manage")
def quickbooks_disconnect(request: HttpRequest) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
    live = connection_live(organization=organization)
    if live is None:
        if not organization.is_paid_plan:
            return plan_refused(request)
        messages.info(request, "No QuickBooks company is connected.")
        return redirect(PAGE)
    # Deliberately no plan check past this point: an organization that moved down to Starter must still
    # be able to cut the link to its accounting data.
    form = DisconnectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        revoked = connection_disconnect(connection=live, actor=request.user)
        kept = "Customers, invoices and their QuickBooks links are kept; reconnect to resume."
        if revoked:
            messages.success(request, f"Disconnected from “{live.company_name}”. {kept}")
        else:
            messages.warning(request, f"Disconnected from “{live.company_name}” here and its tokens were wiped, "
                                      "but QuickBooks could not be told to revoke them; remove the app under "
                                      f"Apps in QuickBooks to be sure. {kept}")
        return redirect(PAGE)
    return render(request, "integrations/disconnect_confirm.html", {"connection": live, "form": form},
                  status=400 if form.errors else 200)
