"""The "Changes from QuickBooks" page (drift report, conflict log, records deleted in QuickBooks, webhook and
CDC status) and its Owner-only actions."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import OrgRequest
from integrations.inbound import selectors
from integrations.inbound.services import drift_fix, drift_request, push_only
from integrations.models import DriftItem, ExternalRef, QuickBooksConnection, WebhookEvent
from integrations.push.services import ref_repush
from integrations.qbo.errors import QboError, with_reference
from integrations.selectors import connection_active

PAGE = "integrations:inbound"


@dataclass
class DriftRecord:
    """One record's open differences, fixed together in one direction."""

    first: DriftItem
    items: list[DriftItem] = field(default_factory=list)

    @property
    def can_take_theirs(self) -> bool:
        return any(not push_only(item.field) for item in self.items)


def _records(items: list[DriftItem]) -> list[DriftRecord]:
    grouped: dict[tuple[str, int], DriftRecord] = {}
    for item in items:
        grouped.setdefault((item.object_type, item.local_id), DriftRecord(first=item)).items.append(item)
    return list(grouped.values())


@require_GET
@org_member_required("integration.view")
def inbound_page(request: OrgRequest) -> HttpResponse:
    organization = request.organization
    summary = selectors.inbound_summary(organization=organization)
    connection = summary.connection
    context = {
        "summary": summary,
        "can_manage": can(request.role, "integration.manage"),
        "records": _records(selectors.drift_items_open(run=summary.drift_run)),
        "conflicts": selectors.conflicts_recent(connection=connection) if connection else [],
        "deleted": selectors.deleted_in_qbo(connection=connection) if connection else [],
        "events": list(WebhookEvent.objects.filter(connection=connection).order_by("-id")[:20]) if connection else [],
    }
    return render(request, "integrations/inbound/page.html", context)


def _active(request: OrgRequest) -> QuickBooksConnection | None:
    connection = connection_active(organization=request.organization)
    if connection is None:
        messages.error(request, "QuickBooks is not connected.")
    return connection


@require_POST
@org_member_required("integration.manage")
def inbound_drift_run(request: OrgRequest) -> HttpResponse:
    connection = _active(request)
    if connection is not None:
        drift_request(connection=connection, actor=request.user)
        messages.success(request, "The drift report is running; reload this page in a moment to see it.")
    return redirect(PAGE)


@require_POST
@org_member_required("integration.manage")
def inbound_drift_fix(request: OrgRequest, item_id: int) -> HttpResponse:
    item = (DriftItem.objects.select_related("run__connection__organization")
            .filter(pk=item_id, run__connection__organization=request.organization).first())
    if item is None:
        raise Http404("No such difference in this organization.")
    direction = request.POST.get("direction", "")
    try:
        outcome = drift_fix(item=item, direction=direction, actor=request.user)
    except (ValidationError, QboError) as exc:
        text = ("; ".join(exc.messages) if isinstance(exc, ValidationError)
                else with_reference(exc.message, exc.call.intuit_tid))
        messages.error(request, f"{item.label}: {text}")
    else:
        messages.success(request, f"{item.label}: {outcome}.")
    return redirect(PAGE)


@require_POST
@org_member_required("integration.manage")
def inbound_repush(request: OrgRequest, ref_id: int) -> HttpResponse:
    ref = (ExternalRef.objects.select_related("connection__organization")
           .filter(pk=ref_id, connection__organization=request.organization).first())
    if ref is None:
        raise Http404("No such QuickBooks link in this organization.")
    try:
        ref_repush(ref=ref, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Queued to be created in QuickBooks again.")
    return redirect(PAGE)
