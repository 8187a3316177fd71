"""Pages of the initial sync: the progress panel (polled), "Run initial sync", and Needs review."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import OrgRequest
from integrations.importer.review import ReviewError, review_decide
from integrations.importer.selectors import import_panel, review_decided_recent, review_items
from integrations.importer.services import import_request
from integrations.models import ReviewItem, ReviewState
from integrations.selectors import connection_active, connection_live

PAGE = "integrations:quickbooks"
REVIEW = "integrations:importer:review"


@require_GET
@org_member_required("integration.view")
def import_status(request: OrgRequest) -> HttpResponse:
    """The panel alone: loaded by the QuickBooks page and polled while a run is going. 204 when nothing
    changed since version `v`, so htmx leaves the DOM (and a button under the pointer) alone."""
    panel = import_panel(organization=request.organization)
    if request.GET.get("v") == panel.version:
        return HttpResponse(status=204)
    return render(request, "integrations/_import_panel.html",
                  {"imp": panel, "can_manage": can(request.role, "integration.manage")})


@require_POST
@org_member_required("integration.manage")
def import_start(request: OrgRequest) -> HttpResponse:
    connection = connection_active(organization=request.organization)
    if connection is None:
        messages.error(request, "Connect QuickBooks (on a Pro or Enterprise plan) before running the initial sync.")
        return redirect(PAGE)
    run = import_request(connection=connection, actor=request.user)
    messages.success(request, f"Initial sync {'queued' if run.state == 'queued' else 'already running'}: "
                              "progress shows below and updates by itself.")
    return redirect(PAGE)


@require_GET
@org_member_required("integration.view")
def review_list(request: OrgRequest) -> HttpResponse:
    organization = request.organization
    return render(request, "integrations/review.html", {
        "items": review_items(organization=organization),
        "decided": review_decided_recent(organization=organization),
        "can_manage": can(request.role, "integration.manage"),
        "connected": connection_live(organization=organization) is not None,
    })


@require_POST
@org_member_required("integration.manage")
def review_apply(request: OrgRequest, pk: int) -> HttpResponse:
    connection = connection_live(organization=request.organization)
    item = ReviewItem.objects.filter(pk=pk, connection=connection).first() if connection else None
    if item is None:
        raise Http404("No such review item in this organization.")
    raw_local = request.POST.get("local_id", "")
    try:
        local_id = int(raw_local) if raw_local else None
    except ValueError:
        local_id = -1  # not one of the candidates: review_decide says so
    try:
        item = review_decide(item=item, choice=request.POST.get("choice", ""), actor=request.user, local_id=local_id)
    except ReviewError as exc:
        messages.error(request, f"“{item.qbo_data.get('name')}”: {exc}")
        return redirect(REVIEW)
    outcomes: dict[str, str] = {ReviewState.LINKED: "linked", ReviewState.CREATED: "created as a new record here",
                                ReviewState.SKIPPED: "skipped"}
    done = outcomes[item.state]
    messages.success(request, f"“{item.qbo_data.get('name')}” {done}.")
    return redirect(REVIEW)
