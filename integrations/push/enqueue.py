"""sync_enqueue(): write (or coalesce into) the object's open outbox row in the caller's transaction,
and ring the doorbell once that transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization
from integrations.models import ExternalRef, JobState, ObjectType, QuickBooksConnection, SyncJob
from integrations.push import policy
from integrations.selectors import connection_active, preferences_for
from invoicing.models import Invoice, InvoiceStatus, Payment, PaymentKind

log = logging.getLogger(__name__)
# Set while a change that came FROM QuickBooks is applied here: pushing it straight back would ping-pong.
_suppressed: ContextVar[bool] = ContextVar("qbo_sync_suppressed", default=False)


@contextmanager
def sync_suppressed() -> Iterator[None]:
    """Inside this block sync_enqueue queues nothing (inbound changes applied locally)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def _ring_doorbell() -> None:
    from integrations.push.tasks import push_doorbell

    try:
        push_doorbell.delay()
    except Exception:  # a lost doorbell is fine: the sweeper finds the row
        log.warning("push doorbell could not be sent; the sweeper will pick the job up", exc_info=True)


def _is_mapped(object_type: str, obj: object, connection: QuickBooksConnection) -> bool:
    return ExternalRef.objects.filter(connection=connection, object_type=object_type,
                                      local_id=obj.pk).exists()  # type: ignore[attr-defined]


def _operation_for(object_type: str, obj: object, connection: QuickBooksConnection, *, mapped: bool) -> str | None:
    if object_type == ObjectType.INVOICE and obj.status == InvoiceStatus.VOID:  # type: ignore[attr-defined]
        if mapped:
            return "void"
        # Not in QBO as far as we know, but a create may be under way (a worker is sending it, or it is
        # retrying after an answer that never came): the void joins that job, so it runs after the
        # create instead of being forgotten. With no open job there is nothing to void in QBO.
        return "void" if SyncJob.objects.filter(connection=connection, object_type=object_type,
                                                local_id=obj.pk, state__in=_OPEN).exists() else None  # type: ignore[attr-defined]
    return "upsert"


def _should_push(object_type: str, obj: object, connection: QuickBooksConnection, *, by_person: bool,
                 mapped: bool) -> bool:
    prefs = preferences_for(organization=connection.organization)
    if not policy.type_enabled(prefs, object_type):
        return False
    if object_type == ObjectType.PAYMENT:
        return _payment_should_push(obj, connection)  # type: ignore[arg-type]
    if object_type != ObjectType.INVOICE:
        return True
    assert isinstance(obj, Invoice)
    if obj.status in policy.NEVER_SYNC_STATUSES:
        return False
    if by_person:
        return obj.status in policy.SYNCABLE_INVOICE_STATUSES
    if mapped:
        return True  # every later change to a synced invoice follows it
    return policy.invoice_reached_trigger(obj, prefs) and not policy.invoice_predates_connection(obj, connection)


def _payment_should_push(payment: Payment, connection: QuickBooksConnection) -> bool:
    """A payment follows its invoice: only money on an invoice that is (or will be) in QBO."""
    if payment.kind != PaymentKind.PAYMENT:
        return False
    invoice = payment.invoice
    return _should_push(ObjectType.INVOICE, invoice, connection, by_person=False,
                        mapped=_is_mapped(ObjectType.INVOICE, invoice, connection))


def sync_enqueue(*, organization: Organization, obj: object, by_person: bool = False) -> SyncJob | None:
    """Queue a push of `obj`'s current state, if the organization syncs it. Returns the open job."""
    if _suppressed.get():
        return None
    object_type = policy.OBJECT_TYPE_OF.get(type(obj))
    connection = connection_active(organization=organization)
    if object_type is None or connection is None:
        return None
    # One mapping lookup per save (invoices are saved often); customers, items and payments need none.
    mapped = object_type == ObjectType.INVOICE and _is_mapped(object_type, obj, connection)
    if not _should_push(object_type, obj, connection, by_person=by_person, mapped=mapped):
        return None
    operation = _operation_for(object_type, obj, connection, mapped=mapped)
    if operation is None:
        return None
    job = upsert_open_job(connection, object_type, obj.pk, operation, by_person=by_person)  # type: ignore[attr-defined]
    transaction.on_commit(_ring_doorbell)
    return job


def upsert_open_job(connection: QuickBooksConnection, object_type: str, local_id: int, operation: str, *,
                     by_person: bool) -> SyncJob:
    now = timezone.now()
    with transaction.atomic():
        job = (SyncJob.objects.select_for_update()
               .filter(connection=connection, object_type=object_type, local_id=local_id)
               .exclude(state=JobState.DONE).first())
        if job is None:
            job = SyncJob(connection=connection, object_type=object_type, local_id=local_id, operation=operation,
                          state=JobState.QUEUED, next_attempt_at=now, requested_by_person=by_person)
            job.new_request_id()
            try:
                with transaction.atomic():
                    job.save()
                return job
            except IntegrityError:  # a concurrent writer created it first: coalesce into theirs
                job = SyncJob.objects.select_for_update().get(
                    connection=connection, object_type=object_type, local_id=local_id, state__in=_OPEN)
        return _coalesce(job, operation, by_person=by_person, now=now)


_OPEN = [JobState.QUEUED, JobState.RUNNING, JobState.BACKOFF, JobState.ERROR, JobState.PAUSED]


def _coalesce(job: SyncJob, operation: str, *, by_person: bool, now: object) -> SyncJob:
    # A void supersedes an update; an update never downgrades a pending void.
    if operation == "void" or job.operation != "void":
        job.operation = operation
    job.requested_by_person = job.requested_by_person or by_person
    if job.state == JobState.RUNNING:
        job.dirty = True  # the worker pushes again after it finishes, with the newest data
    elif job.state in (JobState.QUEUED, JobState.ERROR) or (job.state == JobState.BACKOFF and by_person):
        # A new edit of a failed item is a new chance; Backoff keeps its schedule unless a person asks.
        job.state, job.next_attempt_at = JobState.QUEUED, now
        if by_person:
            job.attempts = 0
    job.save()
    return job
