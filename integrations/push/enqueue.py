"""Domain writes → outbox rows. `sync_enqueue()` writes (or coalesces into) the object's open outbox row
in the caller's transaction and rings the doorbell once that transaction commits.

Signals (`signals_connect`, called once from the app's ready()) catch every writer (pages, API, admin,
shell) and run inside the writer's transaction (ATOMIC_REQUESTS and the services' atomic blocks), so the
change and its job commit together."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from accounts.models import Organization
from customers.models import Customer
from integrations.models import ExternalRef, ObjectType, QuickBooksConnection, SyncJob
from integrations.push import policy
from integrations.push.outbox import OPEN_STATES, upsert_open_job
from integrations.push.policy import Synced
from integrations.push.tasks import push_doorbell
from integrations.selectors import connection_active, preferences_for
from integrations.suppress import sync_is_suppressed
from invoicing.models import Invoice, InvoiceStatus, Payment, PaymentKind, Product

log = logging.getLogger(__name__)


def doorbell_ring() -> None:
    """Wake a worker (after the caller's transaction commits). The row is the work; this is only a hint."""
    try:
        push_doorbell.delay()
    except Exception:  # a lost doorbell is fine: the sweeper finds the row
        log.warning("push doorbell could not be sent; the sweeper will pick the job up", exc_info=True)


def _is_mapped(object_type: str, obj: Synced, connection: QuickBooksConnection) -> bool:
    return ExternalRef.objects.filter(connection=connection, object_type=object_type,
                                      local_id=obj.pk).exists()


def _operation_for(object_type: str, obj: Synced, connection: QuickBooksConnection, *, mapped: bool) -> str | None:
    if isinstance(obj, Invoice) and obj.status == InvoiceStatus.VOID:
        if mapped:
            return "void"
        # Not in QBO as far as we know, but a create may be under way (a worker is sending it, or it is
        # retrying after an answer that never came): the void joins that job, so it runs after the
        # create instead of being forgotten. With no open job there is nothing to void in QBO.
        return "void" if SyncJob.objects.filter(connection=connection, object_type=object_type,
                                                local_id=obj.pk, state__in=OPEN_STATES).exists() else None
    return "upsert"


def _should_push(object_type: str, obj: Synced, connection: QuickBooksConnection, *, by_person: bool,
                 mapped: bool) -> bool:
    prefs = preferences_for(organization=connection.organization)
    if not policy.type_enabled(prefs, object_type):
        return False
    if isinstance(obj, Payment):
        return _payment_should_push(obj, connection)
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


def sync_enqueue(*, organization: Organization, obj: Synced, by_person: bool = False) -> SyncJob | None:
    """Queue a push of `obj`'s current state, if the organization syncs it. Returns the open job."""
    if sync_is_suppressed():
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
    job = upsert_open_job(connection, object_type, obj.pk, operation, by_person=by_person)
    transaction.on_commit(doorbell_ring)
    return job


def _changed(sender: type, instance: Any, raw: bool = False, **_: Any) -> None:
    if raw:  # loaddata: not a user's change
        return
    sync_enqueue(organization=instance.organization, obj=instance)


def signals_connect() -> None:
    for model in (Customer, Product, Invoice, Payment):
        post_save.connect(_changed, sender=model, dispatch_uid=f"qbo-push-{model.__name__}")
