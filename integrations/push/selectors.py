"""Reads for people: the per-invoice sync action and the sync-queue banner. The UI shows these as-is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Organization
from integrations.models import (
    ConnectionStatus,
    ExternalRef,
    JobState,
    ObjectType,
    QuickBooksConnection,
    SyncAttempt,
    SyncJob,
)
from integrations.push.policy import SYNCABLE_INVOICE_STATUSES
from integrations.selectors import connection_active
from invoicing.models import Invoice, InvoiceStatus
from invoicing.validators import invoice_tax_override_refusal

# The open push job of an invoice may change its lines in QBO: the figure on the mapping is the last push's.
QBO_TAX_PENDING = "QuickBooks' tax can be taken once the invoice's latest changes reach QuickBooks."
SETTINGS_HINT = "Connect QuickBooks in Settings → Integrations → QuickBooks to sync invoices."
RECREATE_LABEL = "Create in QuickBooks again"
AUTH_EXPIRED_HINT = ("QuickBooks authorization expired; syncing resumes when the Owner reconnects in "
                     "Settings → Integrations → QuickBooks.")


@dataclass(frozen=True)
class SyncAction:
    """What the invoice's sync menu item says and whether it can be pressed."""

    label: str
    enabled: bool
    kind: str  # sync | resync | recreate | queued | retry | paused | disputed | not_connected | hidden
    tooltip: str = ""
    qbo_id: str = ""
    error: str = ""
    # US automated sales tax: QBO computes its own tax; shown when it differs from ours.
    tax_note: str = ""
    qbo_tax: Decimal | None = None  # QBO's figure, when it differs from ours
    # Why QBO's figure can no longer be taken (sent, paid, void...; invoicing's rule); "" when it can.
    tax_take_refusal: str = ""
    # The number QBO gave the invoice when the company numbers invoices itself (ours is not sent then).
    qbo_number: str = ""


def _action(invoice: Invoice, connection: QuickBooksConnection | None, job: SyncJob | None,
            ref: ExternalRef | None, live: QuickBooksConnection | None = None) -> SyncAction:
    qbo_id = ref.qbo_id if ref else ""
    if invoice.status == InvoiceStatus.DISPUTED:
        return SyncAction("Resolve the dispute first", False, "disputed",
                          "Disputed invoices do not sync; resolve the dispute to sync again.", qbo_id)
    if invoice.status not in SYNCABLE_INVOICE_STATUSES:
        return SyncAction("", False, "hidden")
    if connection is None and live is not None and live.status == ConnectionStatus.AUTH_EXPIRED:
        return SyncAction("Sync paused", False, "paused", AUTH_EXPIRED_HINT, qbo_id)
    if connection is None:
        return SyncAction("Sync to QuickBooks", False, "not_connected", SETTINGS_HINT, qbo_id)
    if job is not None and job.state in (JobState.QUEUED, JobState.RUNNING):
        return SyncAction("Sync queued", False, "queued", "Waiting for a worker; it will run shortly.", qbo_id)
    if job is not None and job.state == JobState.PAUSED:
        return SyncAction("Sync paused", False, "paused", job.last_error, qbo_id)
    if ref is not None and ref.deleted_in_qbo:
        # Force re-sync / Retry would update a record QBO no longer has (610) and fail every time; the only
        # way on is the deliberate one, a new record in QBO (the inbound page offers the same).
        return SyncAction(RECREATE_LABEL, True, "recreate",
                          f"Deleted in QuickBooks (it was Id {ref.qbo_id}). Press to create it there again as a "
                          "new record.", "", job.last_error if job is not None else "")
    if job is not None and job.state in (JobState.BACKOFF, JobState.ERROR):
        return SyncAction("Retry", True, "retry", job.last_error_hint, qbo_id, job.last_error)
    if ref is not None:
        return SyncAction("Force re-sync", True, "resync", "Push the latest data to QuickBooks again.", qbo_id)
    return SyncAction("Sync to QuickBooks", True, "sync", "Create this invoice in QuickBooks.")


def invoice_sync_actions(*, organization: Organization, invoices: Iterable[Invoice]) -> dict[int, SyncAction]:
    """The action of every invoice on a page in a constant number of queries (no per-row lookups)."""
    invoices = list(invoices)
    connection = connection_active(organization=organization)
    ids = [inv.pk for inv in invoices]
    jobs: dict[int, SyncJob] = {}
    refs: dict[int, ExternalRef] = {}
    live = connection or QuickBooksConnection.objects.filter(organization=organization).exclude(
        status="disconnected").first()
    if live is not None and ids:
        jobs = {j.local_id: j for j in SyncJob.objects.filter(
            connection=live, object_type=ObjectType.INVOICE, local_id__in=ids).exclude(state=JobState.DONE)}
        refs = {r.local_id: r for r in ExternalRef.objects.filter(
            connection=live, object_type=ObjectType.INVOICE, local_id__in=ids)}
    actions = {inv.pk: _action(inv, connection, jobs.get(inv.pk), refs.get(inv.pk), live) for inv in invoices}
    for inv in invoices:
        ref = refs.get(inv.pk)
        if ref is not None and ref.qbo_total_tax is not None and ref.qbo_total_tax != inv.tax_amount:
            actions[inv.pk] = replace(actions[inv.pk], tax_note=f"QuickBooks computed tax {ref.qbo_total_tax}, ours {inv.tax_amount}",
                                      qbo_tax=ref.qbo_total_tax,
                                      tax_take_refusal=invoice_tax_override_refusal(inv)
                                      or (QBO_TAX_PENDING if inv.pk in jobs else ""))
        if ref is not None and ref.qbo_doc_number and ref.qbo_doc_number != inv.number:
            actions[inv.pk] = replace(actions[inv.pk], qbo_number=ref.qbo_doc_number)
    return actions


def invoice_sync_action(*, invoice: Invoice) -> SyncAction:
    return invoice_sync_actions(organization=invoice.organization, invoices=[invoice])[invoice.pk]


WAITING_SHOWN = 5  # backoff items the banner names; the rest are "and N more"


def retry_wait(next_at: datetime | None, *, now: datetime) -> str:
    """ "in 42 seconds", "in 3 minutes", "in 1 h 05 min", or "due now". Backoffs start at 30 s, so Django's
    timeuntil (whole minutes, rounded down) said "in 0 minutes" for nearly every retry."""
    if next_at is None:
        return ""
    seconds = int((next_at - now).total_seconds() + 0.999)
    if seconds <= 0:
        return "due now"
    if seconds < 60:
        return f"in {seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f"in {minutes} minutes" if minutes != 1 else "in 1 minute"
    return f"in {minutes // 60} h {minutes % 60:02d} min"


@dataclass
class QueueBanner:
    state: str  # empty | pending | errors | paused | not_connected
    pending_retry: int = 0
    next_retry_at: datetime | None = None
    next_retry_in: str = ""
    waiting: list[SyncJob] = field(default_factory=list)  # the first WAITING_SHOWN in backoff, soonest first
    queued: int = 0
    errors: list[SyncJob] = field(default_factory=list)
    paused: int = 0
    paused_reason: str = ""

    @property
    def open_total(self) -> int:
        return self.pending_retry + self.queued + len(self.errors) + self.paused

    @property
    def waiting_more(self) -> int:
        return self.pending_retry - len(self.waiting)


def queue_banner(*, organization: Organization) -> QueueBanner:
    connection = QuickBooksConnection.objects.filter(organization=organization).exclude(
        status="disconnected").first()
    if connection is None:
        return QueueBanner(state="not_connected")
    # Open jobs only: finished ones (a million, for a big company) are read through no index and shown nowhere.
    jobs = SyncJob.objects.filter(connection=connection).exclude(state=JobState.DONE)
    # One pass over the open jobs for every figure the banner shows.
    counts = jobs.aggregate(
        pending=Count("id", filter=Q(state=JobState.BACKOFF)),
        next_at=Min("next_attempt_at", filter=Q(state=JobState.BACKOFF)),
        queued=Count("id", filter=Q(state__in=[JobState.QUEUED, JobState.RUNNING])),
        paused=Count("id", filter=Q(state=JobState.PAUSED)),
    )
    banner = QueueBanner(
        state="empty",
        pending_retry=counts["pending"],
        next_retry_at=counts["next_at"],
        next_retry_in=retry_wait(counts["next_at"], now=timezone.now()),
        waiting=list(jobs.filter(state=JobState.BACKOFF).order_by("next_attempt_at", "pk")[:WAITING_SHOWN])
        if counts["pending"] else [],
        queued=counts["queued"],
        # Each error with the intuit_tid of its last answer from QBO: Intuit's support asks for it.
        errors=list(jobs.filter(state=JobState.ERROR).annotate(last_intuit_tid=Subquery(
            SyncAttempt.objects.filter(job=OuterRef("pk")).exclude(intuit_tid="")
            .order_by("-started_at", "-id").values("intuit_tid")[:1])).order_by("-updated_at")[:100]),
        paused=counts["paused"],
    )
    if banner.paused:
        banner.state = "paused"
        banner.paused_reason = jobs.filter(state=JobState.PAUSED).values_list("last_error", flat=True).first() or ""
    elif banner.errors:
        banner.state = "errors"
    elif banner.pending_retry:
        banner.state = "pending"
    elif banner.queued:
        banner.state = "queued"
    return banner
