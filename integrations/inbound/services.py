"""What people (and the nightly job) do with what came back from QuickBooks: run the drift report, fix a
difference in a chosen direction (re-creating a record deleted in QuickBooks is the push queue's: push/services.py ref_repush)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from integrations.inbound.drift_tax import is_tax_field
from integrations.inbound.resolve import ref_take_theirs
from integrations.inbound.tasks import drift_run_one
from integrations.models import (
    DriftItem,
    DriftResolution,
    DriftRun,
    DriftRunState,
    ExternalRef,
    ObjectType,
    QuickBooksConnection,
)
from integrations.push.enqueue import sync_enqueue
from integrations.services.audit import audit_record
from invoicing.models import Invoice, Product

log = logging.getLogger(__name__)
STALE_RUN = timedelta(hours=1)
MODELS: dict[str, type[Customer | Product | Invoice]] = {
    ObjectType.CUSTOMER: Customer, ObjectType.ITEM: Product, ObjectType.INVOICE: Invoice}
# Fields QBO's side cannot be taken for: QBO's invoice lines are not imported, so its total cannot be ours.
PUSH_ONLY_FIELDS = frozenset({"Total", "Record"})


def push_only(field: str) -> bool:
    """A difference only "push ours" fixes: the fields above, and tax codes (drift_tax.is_tax_field)."""
    return field in PUSH_ONLY_FIELDS or is_tax_field(field)


def _start_task(run_id: int) -> None:
    try:
        drift_run_one.delay(run_id)
    except Exception:  # the nightly job or the next button press runs it; the row says it is pending
        log.warning("drift report task could not be sent", exc_info=True)


def drift_request(*, connection: QuickBooksConnection, actor: User | None) -> DriftRun:
    """The drift report button: one run at a time per company, done by a worker."""
    running = DriftRun.objects.filter(connection=connection, state=DriftRunState.RUNNING,
                                      started_at__gt=timezone.now() - STALE_RUN).first()
    if running is not None:
        return running
    run = DriftRun.objects.create(connection=connection, requested_by=actor if isinstance(actor, User) else None)
    audit_record(connection=connection, action="drift_report_requested", actor=actor)
    transaction.on_commit(lambda: _start_task(run.pk))
    return run


def _ref_and_object(item: DriftItem) -> tuple[ExternalRef, Customer | Product | Invoice]:
    ref = ExternalRef.objects.filter(connection=item.run.connection, object_type=item.object_type,
                                     local_id=item.local_id).first()
    model = MODELS.get(item.object_type)
    obj = model.objects.filter(pk=item.local_id).first() if model is not None else None
    if ref is None or obj is None:
        raise ValidationError("This record is no longer linked to QuickBooks.")
    return ref, obj


def drift_fix(*, item: DriftItem, direction: str, actor: User | None) -> str:
    """Fix one record's differences: "push" sends ours (a person's push request), "theirs" takes QBO's."""
    if item.resolution:
        raise ValidationError("This difference was already fixed.")
    ref, obj = _ref_and_object(item)
    same_record = DriftItem.objects.filter(run=item.run, object_type=item.object_type, local_id=item.local_id,
                                           resolution="")
    if direction == "push":
        with transaction.atomic():
            if sync_enqueue(organization=item.run.connection.organization, obj=obj, by_person=True) is None:
                raise ValidationError("This record cannot be pushed now (check the sync preferences and its status).")
        outcome, resolution = "push queued", DriftResolution.PUSHED_OURS
    elif direction == "theirs":
        if push_only(item.field):
            raise ValidationError(f"QuickBooks' {item.field.lower()} cannot be taken here; push ours or correct it "
                                  "in QuickBooks.")
        outcome, resolution = ref_take_theirs(ref=ref), DriftResolution.TOOK_THEIRS
        same_record = same_record.exclude(pk__in=[i.pk for i in same_record if push_only(i.field)])
    else:
        raise ValidationError(f"Unknown fix direction {direction!r}.")
    same_record.update(resolution=resolution, resolved_at=timezone.now(),
                       resolved_by=actor if actor and actor.is_authenticated else None)
    audit_record(connection=item.run.connection, action="drift_fixed", actor=actor,
                 detail=f"{item.label}: {DriftResolution(resolution).label.lower()} ({outcome})")
    return outcome
