"""Reads of the inbound side: what the QuickBooks page, the changes page and the customer page show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.db.models import Count, Model, Q, QuerySet
from django.utils import timezone

from accounts.models import Organization, Plan
from customers.models import Customer
from integrations.models import (
    OPEN_IMPORT_STATES,
    ConnectionStatus,
    DriftItem,
    DriftRun,
    EventState,
    ExternalRef,
    ImportRun,
    InboundCursor,
    ObjectType,
    QuickBooksConnection,
    SyncConflict,
    WebhookEvent,
)
from invoicing.models import Invoice, Product

CONFLICT_WINDOW = timedelta(days=30)


def connections_syncing() -> QuerySet[QuickBooksConnection]:
    """Connected companies of organizations whose plan includes the integration."""
    return (QuickBooksConnection.objects.filter(status=ConnectionStatus.CONNECTED,
                                                organization__plan__in=[Plan.PRO, Plan.ENTERPRISE])
            .select_related("organization").order_by("id"))


IMPORT_ALIVE = timedelta(minutes=10)


class ConnectionIdRow(TypedDict):
    connection_id: int


def importing_connection_ids() -> QuerySet[ImportRun, ConnectionIdRow]:
    """Connections whose initial sync is under way (queued or running, and alive). Changes coming back
    wait for it: it links and creates records itself, and CDC from the cursor catches up afterwards."""
    alive = timezone.now() - IMPORT_ALIVE
    return (ImportRun.objects.filter(state__in=OPEN_IMPORT_STATES)
            .filter(Q(heartbeat_at__gt=alive) | Q(heartbeat_at__isnull=True, created_at__gt=alive))
            .values("connection_id"))


def connection_for_inbound(*, organization: Organization) -> QuickBooksConnection | None:
    """The link whose inbound records the pages show: the live one, else the latest."""
    links = QuickBooksConnection.objects.filter(organization=organization).order_by("-id")
    return links.exclude(status=ConnectionStatus.DISCONNECTED).first() or links.first()


@dataclass(frozen=True)
class InboundSummary:
    connection: QuickBooksConnection | None
    drift_run: DriftRun | None
    drift_open: int
    conflicts_recent: int
    deleted_in_qbo: int
    events_pending: int
    events_failed: int
    cursor: InboundCursor | None


def inbound_summary(*, organization: Organization) -> InboundSummary:
    connection = connection_for_inbound(organization=organization)
    if connection is None:
        return InboundSummary(None, None, 0, 0, 0, 0, 0, None)
    run = DriftRun.objects.filter(connection=connection).first()
    events = WebhookEvent.objects.filter(connection=connection).aggregate(
        pending=Count("id", filter=Q(state__in=[EventState.PENDING, EventState.RUNNING])),
        failed=Count("id", filter=Q(state=EventState.FAILED)))
    return InboundSummary(
        connection=connection, drift_run=run,
        drift_open=DriftItem.objects.filter(run=run, resolution="").count() if run else 0,
        conflicts_recent=SyncConflict.objects.filter(
            connection=connection, created_at__gte=timezone.now() - CONFLICT_WINDOW).count(),
        deleted_in_qbo=ExternalRef.objects.filter(connection=connection, deleted_in_qbo=True).count(),
        events_pending=events["pending"], events_failed=events["failed"],
        cursor=InboundCursor.objects.filter(connection=connection).first(),
    )


def conflicts_recent(*, connection: QuickBooksConnection, limit: int = 100) -> list[SyncConflict]:
    return list(SyncConflict.objects.filter(connection=connection)[:limit])


def drift_items_open(*, run: DriftRun | None) -> list[DriftItem]:
    return list(DriftItem.objects.filter(run=run, resolution="")) if run is not None else []


@dataclass(frozen=True)
class DeletedRecord:
    ref: ExternalRef
    label: str
    flagged_at: datetime | None


def deleted_in_qbo(*, connection: QuickBooksConnection) -> list[DeletedRecord]:
    refs = list(ExternalRef.objects.filter(connection=connection, deleted_in_qbo=True)
                .exclude(object_type=ObjectType.PAYMENT).select_related("remote_state").order_by("-id")[:200])
    models = {ObjectType.CUSTOMER: Customer, ObjectType.ITEM: Product, ObjectType.INVOICE: Invoice}
    objects: dict[str, Mapping[int, Model]] = {t: m.objects.in_bulk([r.local_id for r in refs if r.object_type == t]) for t, m in models.items()}
    out = []
    for ref in refs:
        obj = objects.get(ref.object_type, {}).get(ref.local_id)
        state = getattr(ref, "remote_state", None)
        out.append(DeletedRecord(ref=ref, label=f"{ref.get_object_type_display()} {obj or ref.local_id}",
                                 flagged_at=state.flagged_at if state else None))
    return out


@dataclass(frozen=True)
class CustomerFlags:
    inactive: bool
    deleted: bool
    merged_into: Customer | None
    merged_into_qbo_id: str
    since: datetime | None


def customer_flags(*, customer: Customer) -> CustomerFlags | None:
    """What QuickBooks says about this customer that its page shows (None when nothing)."""
    ref = (ExternalRef.objects.filter(object_type=ObjectType.CUSTOMER, local_id=customer.pk,
                                      connection__organization_id=customer.organization_id)
           .filter(Q(deleted_in_qbo=True) | Q(remote_state__inactive_in_qbo=True))
           .select_related("remote_state").first())
    if ref is None:
        return None
    state = getattr(ref, "remote_state", None)
    merged_into = state.merged_into_qbo_id if state else ""
    target = None
    if merged_into:
        target_ref = ExternalRef.objects.filter(connection_id=ref.connection_id, object_type=ObjectType.CUSTOMER,
                                                qbo_id=merged_into).first()
        target = Customer.objects.filter(pk=target_ref.local_id).first() if target_ref else None
    return CustomerFlags(inactive=bool(state and state.inactive_in_qbo), deleted=ref.deleted_in_qbo and not merged_into,
                         merged_into=target, merged_into_qbo_id=merged_into, since=state.flagged_at if state else None)
