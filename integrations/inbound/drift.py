"""The drift report: every mapped record's key fields compared on both sides, from full-page reads (one
query per 1000 records, never one read per record), listed with a fix direction per record. Tax codes
(products and invoices, per kind of company) are compared in `drift_tax.py` from the same reads."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from integrations.inbound.apply.invoices import is_voided
from integrations.inbound.common import NAME_LISTS, entity_enabled
from integrations.inbound.drift_tax import Pair, tax_drift
from integrations.inbound.selectors import connections_syncing
from integrations.merge.rules import FieldSpec, money
from integrations.merge.specs import CUSTOMER_FIELDS, ITEM_FIELDS
from integrations.models import DriftItem, DriftRun, DriftRunState, ExternalRef, ObjectType, QuickBooksConnection
from integrations.qbo.client import QboClient
from integrations.qbo.errors import QboError
from integrations.qbo.names import is_sync_rename
from integrations.qbo.tokens import client_for
from integrations.selectors import preferences_for
from invoicing.models import Invoice, InvoiceStatus, Product

log = logging.getLogger(__name__)
S = InvoiceStatus
# Key fields per kind (the issue: names, emails, prices; invoice totals, balances, statuses).
PRODUCT_KEYS = [spec for spec in ITEM_FIELDS if spec.name in ("name", "unit_price", "sku", "is_active")]
CUSTOMER_KEYS = [spec for spec in CUSTOMER_FIELDS if spec.name in ("display_name", "email")]
_OPEN = {S.GENERATED, S.SENT, S.OVERDUE}


def invoice_status_ours(invoice: Invoice) -> str:
    status = invoice.status_before_dispute if invoice.status == S.DISPUTED else invoice.status
    if status == S.VOID:
        return "Void"
    if status in (S.PAID, S.REFUNDED, S.PARTIALLY_REFUNDED):
        return "Paid"
    return "Partially paid" if status == S.PARTIALLY_PAID else "Open"


def invoice_status_theirs(entity: dict[str, Any]) -> str:
    if is_voided(entity):
        return "Void"
    total, balance = Decimal(money(entity.get("TotalAmt"))), Decimal(money(entity.get("Balance")))
    if balance == 0 and total > 0:
        return "Paid"
    return "Partially paid" if 0 < balance < total else "Open"


INVOICE_KEYS = [
    FieldSpec("total", "Total", lambda e: money(e.get("TotalAmt")), lambda i: money(i.total)),
    FieldSpec("balance", "Balance", lambda e: money(e.get("Balance")), lambda i: money(i.balance)),
    FieldSpec("status", "Status", invoice_status_theirs, invoice_status_ours),
]


@dataclass(frozen=True)
class Kind:
    entity: str
    object_type: str
    model: type[Customer | Product | Invoice]
    specs: list[FieldSpec]
    label: Callable[[Any], str]
    preference: str


KINDS = [
    Kind("Customer", ObjectType.CUSTOMER, Customer, CUSTOMER_KEYS, lambda c: f"Customer {c.display_name}", "Customer"),
    Kind("Item", ObjectType.ITEM, Product, PRODUCT_KEYS, lambda p: f"Product {p.name}", "Item"),
    Kind("Invoice", ObjectType.INVOICE, Invoice, INVOICE_KEYS, lambda i: f"Invoice {i.number}", "Invoice"),
]


def drift_execute(*, run_id: int) -> str:
    """Run a drift comparison already recorded as running. Returns its final state."""
    run = DriftRun.objects.select_related("connection__organization").get(pk=run_id)
    if run.state != DriftRunState.RUNNING:
        return run.state
    try:
        client = client_for(run.connection)
        items, compared = compare_all(run.connection, client)
    except QboError as exc:
        DriftRun.objects.filter(pk=run.pk).update(state=DriftRunState.FAILED, error=exc.message[:2000],
                                                  finished_at=timezone.now())
        return DriftRunState.FAILED
    with transaction.atomic():
        for item in items:
            item.run = run
        DriftItem.objects.bulk_create(items, batch_size=500)
        DriftRun.objects.filter(pk=run.pk).update(state=DriftRunState.DONE, compared=compared,
                                                  finished_at=timezone.now())
    return DriftRunState.DONE


def compare_all(connection: QuickBooksConnection, client: QboClient) -> tuple[list[DriftItem], int]:
    prefs = preferences_for(organization=connection.organization)
    items: list[DriftItem] = []
    compared = 0
    for kind in KINDS:
        if not entity_enabled(prefs, kind.preference):
            continue
        refs = list(ExternalRef.objects.filter(connection=connection, object_type=kind.object_type,
                                               deleted_in_qbo=False))
        if not refs:
            continue
        theirs = _all_rows(client, kind.entity)
        locals_ = kind.model.objects.in_bulk([ref.local_id for ref in refs])
        pairs: list[Pair] = []
        for ref in refs:
            obj = locals_.get(ref.local_id)
            if obj is not None:
                compared += 1
                entity = theirs.get(ref.qbo_id)
                items += _differences(kind, ref, obj, entity)
                if entity is not None and not _both_void(kind, obj, entity):
                    pairs.append((ref, obj, entity, kind.label(obj)))
        items += tax_drift(connection, kind.object_type, pairs)
    return items, compared


def _all_rows(client: QboClient, entity: str) -> dict[str, dict[str, Any]]:
    wheres = ["Active = true", "Active = false"] if entity in NAME_LISTS else [""]
    return {str(row["Id"]): row for where in wheres for page in client.query_pages(entity, where) for row in page}


def _differences(kind: Kind, ref: ExternalRef, obj: Any, entity: dict[str, Any] | None) -> Iterable[DriftItem]:
    label = kind.label(obj)
    if entity is None:
        return [DriftItem(object_type=kind.object_type, local_id=obj.pk, qbo_id=ref.qbo_id, label=label,
                          field="Record", ours="present", theirs="missing in QuickBooks")]
    if _both_void(kind, obj, entity):
        return []  # QBO zeroes a voided invoice's amounts; we keep what it was for
    return [DriftItem(object_type=kind.object_type, local_id=obj.pk, qbo_id=ref.qbo_id, label=label,
                      field=spec.label, ours=spec.ours(obj), theirs=spec.theirs(entity))
            for spec in kind.specs
            if spec.ours(obj) != spec.theirs(entity) and not _sync_named(spec, spec.ours(obj), spec.theirs(entity))]


def _both_void(kind: Kind, obj: Any, entity: dict[str, Any]) -> bool:
    return kind.entity == "Invoice" and invoice_status_ours(obj) == "Void" == invoice_status_theirs(entity)


# QBO's name limits (Customer DisplayName 500, Item Name 100): a name the sync suffixed is cut to fit them.
_NAME_LIMITS = {"display_name": 500, "name": 100}


def _sync_named(spec: FieldSpec, ours: str, theirs: str) -> bool:
    """A name the sync chose on purpose is not drift: the initial sync creates a customer whose name QBO
    already holds (a vendor, an inactive customer) as "Name (2)", and a product whose name is taken here
    as "Name (2)". "Push ours" on it would only meet QBO's 6240 Duplicate Name again."""
    limit = _NAME_LIMITS.get(spec.name)
    return limit is not None and (is_sync_rename(ours, theirs, limit) or is_sync_rename(theirs, ours, limit))


def drift_run_due() -> int:
    """The nightly job: a drift report of every connected company, run here and now (this is a worker)."""
    ran = 0
    for connection in connections_syncing():
        run = DriftRun.objects.create(connection=connection)
        drift_execute(run_id=run.pk)
        ran += 1
    return ran
