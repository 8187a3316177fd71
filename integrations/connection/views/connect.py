"""Connect (start OAuth), the OAuth callback, and disconnect with its confirmation step."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import org_member_required
from accounts.models import Organization
from accounts.permissions import can
from accounts.requests import OrgRequest, UserRequest, is_org_request
from integrations.connection.forms import DisconnectForm
from integrations.connection.oauth import ConnectError, connect_complete, connect_start, connection_disconnect
from integrations.connection.views.common import PLAN_MESSAGE, plan_refused
from integrations.selectors import connection_live

PAGE = "integrations:quickbooks"
SWITCH = "integrations:quickbooks_switch"
log = logging.getLogger(__name__)


def session_key_of(request: HttpRequest) -> str:
    # The state is bound to this browser session; make sure it has a key before we bind to it.
    if request.session.session_key is None:
        request.session.save()
    return request.session.session_key or ""


@require_POST
@org_member_required("integration.manage")
def quickbooks_connect(request: OrgRequest) -> HttpResponse:
    organization = request.organization
    if not organization.is_paid_plan:
        return plan_refused(request)
    return redirect_to_intuit(request, organization)


def redirect_to_intuit(request: OrgRequest, organization: Organization) -> HttpResponse:
    """Off to Intuit's authorize page (Connect and the Reconnect URL), or back here saying why not."""
    try:
        url = connect_start(organization=organization, user=request.user, session_key=session_key_of(request))
    except ConnectError as exc:
        messages.error(request, str(exc))
        return redirect(PAGE)
    return redirect(url)


@require_GET
@login_required
def quickbooks_callback(request: UserRequest) -> HttpResponse:
    """Where Intuit sends the browser back. Intuit's review: this URL answers with a redirect and a
    message on every path (a wrong role, the plan, a refusal, a bug), never a rendered page or a 500."""
    # login_required only: without an organization this too answers with a redirect and a message (see
    # above), not org_member_required's 403 page.
    if not is_org_request(request):
        messages.error(request, "Choose an organization first, then connect QuickBooks again.")
        return redirect("dashboard")
    organization = request.organization
    if not can(request.role, "integration.manage"):
        messages.error(request, "Only the organization’s Owner can connect QuickBooks; nothing was connected.")
        return redirect(PAGE)
    if not organization.is_paid_plan:
        messages.error(request, PLAN_MESSAGE)  # before the state is touched: nothing is exchanged
        return redirect(PAGE)
    try:
        conn = connect_complete(organization=organization, user=request.user,
                                session_key=session_key_of(request), params=request.GET.dict())
    except ConnectError as exc:
        # A cancel is the person's own choice, not a failure.
        (messages.warning if request.GET.get("error") else messages.error)(request, str(exc))
        return redirect(PAGE)
    except Exception:
        log.exception("qbo.callback_failed organization=%s", organization.pk)
        messages.error(request, "Something went wrong while finishing the connection, and nothing was connected. "
                                f"Try again; if it keeps happening, write to {settings.FSM_SUPPORT_EMAIL}.")
        return redirect(PAGE)
    if conn.switch_pending_at is not None:
        return redirect(SWITCH)
    messages.success(request, f"Connected to QuickBooks company “{conn.company_name}”.")
    return redirect(PAGE)


@require_http_methods(["GET", "POST"])
@org_member_required("integration.manage")
def quickbooks_disconnect(request: OrgRequest) -> HttpResponse:
    organization = request.organization
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
