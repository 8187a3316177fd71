"""Pages of the push queue: the per-invoice sync action, the queue banner (polled), Retry, Sync All
Pending, the nav badge partial and the sync log. Every read and write goes through the push selectors
and services; nothing here decides a label or a state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import org_member_required
from accounts.permissions import can
from accounts.requests import OrgRequest
from integrations.models import JobState, QuickBooksConnection, SyncJob
from integrations.push.ast_tax import invoice_take_qbo_tax
from integrations.push.display import ObjectLabel, backoff_waiting, object_labels, queue_badge
from integrations.push.log import OPERATION_LABELS, OUTCOME_LABELS, SyncLogFilterForm, outcome_tone, sync_log
from integrations.push.selectors import QueueBanner, queue_banner
from integrations.push.services import invoice_sync_request, job_retry, jobs_sync_all_pending
from integrations.selectors import connection_active
from invoicing.models import Invoice
from invoicing.validators import invoice_tax_override_check

PAGE = "integrations:quickbooks"
LOG_PER_PAGE = 50
QUEUE_CHANGED = "qbo-queue-changed"  # htmx event: the nav badge refreshes when the banner acted


@dataclass(frozen=True)
class ErrorItem:
    job: SyncJob
    object: ObjectLabel


def _version(banner: QueueBanner) -> str:
    """Changes whenever what the banner shows changes (or a minute passes: "next retry in …" moves)."""
    errors = [(job.pk, job.updated_at.isoformat()) for job in banner.errors]
    waiting = [(job.pk, job.updated_at.isoformat()) for job in banner.waiting]
    minute = int(timezone.now().timestamp() // 60)
    raw = repr((banner.state, banner.pending_retry, banner.next_retry_at, banner.next_retry_in, banner.queued,
                banner.paused, banner.paused_reason, errors, waiting, minute))
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def banner_context(request: OrgRequest, *, notice: str = "", notice_tone: str = "success") -> dict[str, Any]:
    """What the banner partial shows; the QuickBooks page's template tag and the polled view share it."""
    organization = request.organization
    banner = queue_banner(organization=organization)
    labels = object_labels(organization=organization,
                           keys=[(j.object_type, j.local_id) for j in [*banner.errors, *banner.waiting]])
    return {
        "banner": banner,
        "error_items": [ErrorItem(job, labels[(job.object_type, job.local_id)]) for job in banner.errors],
        "waiting_items": [ErrorItem(job, labels[(job.object_type, job.local_id)]) for job in banner.waiting],
        "version": _version(banner),
        "can_sync": can(request.role, "invoice.sync"),
        "notice": notice,
        "notice_tone": notice_tone,
    }


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _banner_response(request: OrgRequest, notice: str, tone: str) -> HttpResponse:
    response = render(request, "integrations/push/_banner.html", banner_context(request, notice=notice,
                                                                                  notice_tone=tone))
    response["HX-Trigger"] = QUEUE_CHANGED
    return response


def _done(request: OrgRequest, notice: str, tone: str = "success") -> HttpResponse:
    """htmx posts get the fresh banner with the notice in it; plain posts a flash message and a redirect."""
    if _is_htmx(request):
        return _banner_response(request, notice, tone)
    getattr(messages, tone)(request, notice)
    return redirect(_next_url(request) or PAGE)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


@require_GET
@org_member_required("integration.view")
def queue_banner_partial(request: OrgRequest) -> HttpResponse:
    """The banner alone, polled every few seconds. 204 when nothing changed, so htmx leaves the DOM (and a
    Retry button under the pointer) alone."""
    context = banner_context(request)
    if request.GET.get("v") == context["version"]:
        return HttpResponse(status=204)
    return render(request, "integrations/push/_banner.html", context)


@require_GET
@org_member_required("integration.view")
def nav_badge_partial(request: OrgRequest) -> HttpResponse:
    badge = queue_badge(organization=request.organization)
    return render(request, "integrations/push/_nav_badge.html", {"qbo_queue": badge})


@require_POST
@org_member_required("invoice.sync")
def queue_sync_all_pending(request: OrgRequest) -> HttpResponse:
    connection = connection_active(organization=request.organization)
    if connection is None:
        return _done(request, "QuickBooks is not connected, so nothing can run; reconnect first.", "error")
    count = jobs_sync_all_pending(connection=connection)
    return _done(request, sync_all_notice(count, connection))


def sync_all_notice(count: int, connection: QuickBooksConnection) -> str:
    """What Sync All Pending did, and what it deliberately did not do."""
    text = f"Sync All Pending: {count} item{'' if count == 1 else 's'} queued to run now."
    waiting, next_at = backoff_waiting(connection=connection)
    if waiting and next_at:
        when = date_format(timezone.localtime(next_at), "H:i:s")
        text += f" Items in backoff keep their schedule ({waiting} waiting, next at {when})."
    else:
        text += " Items in backoff keep their schedule."
    if SyncJob.objects.filter(connection=connection, state=JobState.ERROR).exists():
        text += " Failed items wait for their own Retry."
    return text


@require_POST
@org_member_required("invoice.sync")
def queue_job_retry(request: OrgRequest, job_id: int) -> HttpResponse:
    organization = request.organization
    # Another organization's item looks nonexistent, whatever state this organization's link is in.
    if not SyncJob.objects.filter(connection__organization=organization, pk=job_id).exists():
        raise Http404("No such sync item.")
    try:
        job = job_retry(organization=organization, job_id=job_id)
    except (ValidationError, PermissionDenied, SyncJob.DoesNotExist) as exc:
        return _done(request, _message(exc), "error")
    label = object_labels(organization=organization, keys=[(job.object_type, job.local_id)])
    return _done(request, f"Retrying {label[(job.object_type, job.local_id)].label} now.")


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "This item cannot be retried now."


@require_POST
@org_member_required("invoice.sync")
def invoice_sync(request: OrgRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.for_org(request.organization), pk=pk)
    try:
        invoice_sync_request(invoice=invoice, actor=request.user)
    except ValidationError as exc:
        messages.error(request, f"Invoice {invoice.number}: {_message(exc)}")
    else:
        messages.success(request, f"Invoice {invoice.number} is queued for QuickBooks.")
    return redirect(_next_url(request) or reverse("invoicing:invoice_detail", args=[invoice.pk]))


def _expected(raw: str) -> Decimal | None:
    try:
        return Decimal(raw) if raw else None
    except ArithmeticError:
        return None


@require_POST
@org_member_required("invoice.view")
def invoice_take_tax(request: OrgRequest, pk: int) -> HttpResponse:
    """Use QuickBooks' tax (US automated sales tax) for an unsent invoice; a role that may not change a
    finalized invoice's money gets 403 (invoicing's rule)."""
    invoice = get_object_or_404(Invoice.objects.for_org(request.organization), pk=pk)
    try:
        invoice_tax_override_check(invoice=invoice, role=request.role)
        saved = invoice_take_qbo_tax(invoice=invoice, user=request.user,
                                     expected=_expected(request.POST.get("expected", "")))
    except ValidationError as exc:
        messages.error(request, f"Invoice {invoice.number}: {_message(exc)}")
    else:
        messages.success(request, f"Invoice {saved.number} now uses QuickBooks' tax ({saved.tax_amount}); total "
                                  f"{saved.total}. It is queued to be updated in QuickBooks.")
    return redirect(reverse("invoicing:invoice_detail", args=[invoice.pk]))


@require_GET
@org_member_required("integration.view")
def sync_log_page(request: OrgRequest) -> HttpResponse:
    organization = request.organization
    form = SyncLogFilterForm(request.GET or None)
    attempts = sync_log(organization=organization, **(form.filters() if form.is_bound else {}))
    page = Paginator(attempts, LOG_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    labels = object_labels(organization=organization, keys=[(a.object_type, a.local_id) for a in rows])
    context = {
        "form": form, "page": page,
        "rows": [{"attempt": a, "object": labels[(a.object_type, a.local_id)], "tone": outcome_tone(a.outcome),
                  "outcome_label": OUTCOME_LABELS.get(a.outcome, a.outcome),
                  "operation_label": OPERATION_LABELS.get(a.operation, a.operation)} for a in rows],
        "filtered": form.is_bound and bool(form.filters()),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "integrations/push/sync_log.html", context, status=status)
