"""What people do to the push queue: sync one invoice, retry one item, sync all pending."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from integrations.models import ExternalRef, JobState, ObjectType, QuickBooksConnection, SyncJob
from integrations.push.enqueue import doorbell_ring, sync_enqueue
from integrations.push.handlers.invoice_tax import UNMAPPED_TAX_CODE
from integrations.push.policy import OBJECT_TYPE_OF
from integrations.push.selectors import invoice_sync_action
from integrations.selectors import connection_active
from integrations.services.audit import audit_record
from invoicing.models import Invoice


def invoice_sync_request(*, invoice: Invoice, actor: AbstractBaseUser | None = None) -> SyncJob:
    """The per-invoice action: Sync to QuickBooks / Force re-sync / Retry / Create in QuickBooks again
    (a person's explicit intent)."""
    action = invoice_sync_action(invoice=invoice)
    if not action.enabled:
        if not action.label:  # hidden: a status that never syncs (a draft)
            raise ValidationError(f"{invoice.get_status_display()} invoices do not sync to QuickBooks.")
        raise ValidationError(action.tooltip or f"“{action.label}” is not available for this invoice.")
    if action.kind == "recreate":
        ref = ExternalRef.objects.get(connection=connection_active(organization=invoice.organization),
                                      object_type=ObjectType.INVOICE, local_id=invoice.pk)
        return ref_repush(ref=ref, actor=actor)
    with transaction.atomic():
        job = sync_enqueue(organization=invoice.organization, obj=invoice, by_person=True)
    if job is None:
        raise ValidationError("This invoice cannot be synced now (check the QuickBooks sync preferences).")
    return job


def job_retry(*, organization: Organization, job_id: int) -> SyncJob:
    """A person's per-item Retry: run it now with fresh attempts, even inside its backoff window."""
    connection = connection_active(organization=organization)
    if connection is None:
        raise PermissionDenied("QuickBooks is not connected.")
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().filter(connection=connection, pk=job_id).first()
        if job is None:
            raise SyncJob.DoesNotExist(f"No sync item {job_id} in this organization.")
        if job.state not in (JobState.ERROR, JobState.BACKOFF):
            raise ValidationError(f"This item is {job.get_state_display().lower()}; only failed items can be retried.")
        job.state, job.attempts, job.next_attempt_at = JobState.QUEUED, 0, timezone.now()
        job.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
        transaction.on_commit(doorbell_ring)
    return job


def jobs_retry_unmapped_tax(*, connection: QuickBooksConnection) -> int:
    """After tax-code mappings are saved: the invoices that stopped on an unmapped code go again, with
    fresh attempts (a person chose the mapping, as a Retry would). Returns how many were queued."""
    queued = SyncJob.objects.filter(connection=connection, state=JobState.ERROR,
                                    last_fault_code=UNMAPPED_TAX_CODE).update(
        state=JobState.QUEUED, attempts=0, next_attempt_at=timezone.now(), updated_at=timezone.now())
    if queued:
        transaction.on_commit(doorbell_ring)
    return queued


def jobs_sync_all_pending(*, connection: QuickBooksConnection) -> int:
    """Run now everything queued or already due. Items still inside their backoff window keep their
    schedule, and failed items wait for a per-item Retry."""
    due = SyncJob.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()),
        connection=connection, state__in=[JobState.QUEUED, JobState.BACKOFF],
    )
    count = due.count()
    for _ in range(min(count, 4)):  # a few doorbells: each drains due work for a time slice
        transaction.on_commit(doorbell_ring)
    return count


MODEL_OF = {object_type: model for model, object_type in OBJECT_TYPE_OF.items()}


def ref_repush(*, ref: ExternalRef, actor: AbstractBaseUser | None) -> SyncJob:
    """Re-create in QuickBooks, on purpose, a record deleted there: the mark and the dead link go, and a
    create is queued with a fresh requestid (QBO would replay the first create for the old one)."""
    if not ref.deleted_in_qbo:
        raise ValidationError("This record was not deleted in QuickBooks.")
    model = MODEL_OF.get(ref.object_type)
    obj = model.objects.filter(pk=ref.local_id).first() if model else None
    if obj is None:
        raise ValidationError("The record no longer exists here.")
    old_qbo_id, connection = ref.qbo_id, ref.connection
    with transaction.atomic():
        ref.delete()
        job = sync_enqueue(organization=connection.organization, obj=obj, by_person=True)
        if job is None:
            raise ValidationError("This record cannot be sent to QuickBooks now (check the sync preferences).")
        job.new_request_id()
        job.outcome_unknown = False
        job.save(update_fields=["request_id", "outcome_unknown", "updated_at"])
        audit_record(connection=connection, action="recreated_in_quickbooks", actor=actor,
                     detail=f"{ref.get_object_type_display()} {obj} was deleted in QuickBooks (Id {old_qbo_id}); "
                            "queued to be created there again.")
    return job
