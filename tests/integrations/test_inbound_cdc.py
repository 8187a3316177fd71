"""The CDC sweep against the running simulator: with webhooks switched off, one sweep brings every change;
the cursor moves only after a sweep succeeded; an old gap falls back to a full compare; preferences decide."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Organization
from customers.models import Customer
from integrations.inbound.cdc import cdc_sweep
from integrations.inbound.selectors import customer_flags
from integrations.models import (
    ExternalRef,
    InboundCursor,
    JobState,
    QuickBooksConnection,
    RemoteVersion,
    SyncJob,
    SyncPreferences,
)
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus, Product
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import drain

pytestmark = pytest.mark.django_db
S = InvoiceStatus


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("CDC Books")


@pytest.fixture
def world(conn: QuickBooksConnection, org: Organization, make_invoice: Callable[..., Invoice],
          make_product: Callable[..., Product]) -> dict[str, Any]:
    """Two invoices, their customers and a product, pushed; then a first sweep sees our own echoes."""
    product = make_product(org, "Duct cleaning", "80.00")
    paid = make_invoice(org, lines=[("1", "80.00")])
    voided = make_invoice(org, customer=paid.customer, lines=[("1", "80.00")])
    for invoice in (paid, voided):
        lifecycle.invoice_finalize(invoice=invoice)
    drain()
    assert cdc_sweep(connection=conn).mode == "cdc"
    ref = {(r.object_type, r.local_id): r.qbo_id for r in ExternalRef.objects.all()}
    return {"product": product, "paid": paid, "voided": voided, "customer": paid.customer,
            "item_id": ref[("item", product.pk)], "paid_id": ref[("invoice", paid.pk)],
            "voided_id": ref[("invoice", voided.pk)], "customer_id": ref[("customer", paid.customer_id)]}


def _past_the_connection_second(conn: QuickBooksConnection) -> None:
    """QBO times have whole seconds, and an item created in the connection's own second is left to the
    initial import; a bookkeeper's new item must come later than that (setup only, nothing is timed)."""
    assert conn.connected_at is not None
    wait = (conn.connected_at.replace(microsecond=0) + timedelta(seconds=1) - timezone.now()).total_seconds()
    if wait > 0:
        time.sleep(wait + 0.01)


def test_with_webhooks_off_one_sweep_brings_every_change(qbo: Qbo, realm: str, conn: QuickBooksConnection,
                                                         org: Organization, world: dict[str, Any]) -> None:
    control = qbo.control
    assert control.config()["webhook_url"] is None  # nothing is delivered: the sweep alone must do it
    control.entities(realm, "Item", {"Id": world["item_id"], "Name": "Duct cleaning (whole house)", "UnitPrice": 85})
    _past_the_connection_second(conn)
    new_item = control.entities(realm, "Item", {"Name": "Filter 16x25", "Type": "NonInventory", "UnitPrice": 12.5,
                                                "IncomeAccountRef": {"value": "1"}})
    control.entities(realm, "Payment", {"CustomerRef": {"value": world["customer_id"]}, "TotalAmt": 80.0, "Line": [
        {"Amount": 80.0, "LinkedTxn": [{"TxnId": world["paid_id"], "TxnType": "Invoice"}]}]})
    control.void_entity(realm, "Invoice", world["voided_id"])
    control.entities(realm, "Customer", {"Id": world["customer_id"], "Active": False})

    result = cdc_sweep(connection=conn)
    assert result.mode == "cdc" and result.applied >= 5

    world["product"].refresh_from_db()
    assert (world["product"].name, world["product"].unit_price) == ("Duct cleaning (whole house)", Decimal("85.00"))
    created = Product.objects.get(organization=org, name="Filter 16x25")
    assert created.unit_price == Decimal("12.50") and created.type == "non_inventory"
    assert ExternalRef.objects.get(object_type="item", local_id=created.pk).qbo_id == new_item["Id"]
    world["paid"].refresh_from_db()
    world["voided"].refresh_from_db()
    assert world["paid"].status == S.PAID and world["voided"].status == S.VOID
    flags = customer_flags(customer=world["customer"])
    assert flags is not None and flags.inactive and Customer.objects.get(pk=world["customer"].pk).is_active
    assert not SyncJob.objects.exclude(state=JobState.DONE).exists()


def test_cursor_moves_only_after_success_and_a_repeat_sweep_changes_nothing(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, world: dict[str, Any]) -> None:
    cursor = InboundCursor.objects.get(connection=conn)
    first = cursor.cdc_since
    qbo.control.entities(realm, "Item", {"Id": world["item_id"], "UnitPrice": 90})
    qbo.control.set_faults(realm, error_next=3)  # QBO fails the next reads with 500s
    assert cdc_sweep(connection=conn).mode == "failed"
    cursor.refresh_from_db()
    assert cursor.cdc_since == first and cursor.last_error
    qbo.control.clear_faults(realm)
    assert cdc_sweep(connection=conn).mode == "cdc"
    cursor.refresh_from_db()
    assert cursor.cdc_since is not None and first is not None
    assert cursor.cdc_since > first and cursor.last_error == ""
    world["product"].refresh_from_db()
    assert world["product"].unit_price == Decimal("90.00")
    versions = dict(RemoteVersion.objects.values_list("qbo_id", "sync_token").filter(entity="Item"))
    cdc_sweep(connection=conn)  # the overlap re-reads the same versions: nothing applies twice
    assert dict(RemoteVersion.objects.values_list("qbo_id", "sync_token").filter(entity="Item")) == versions


def test_a_gap_older_than_30_days_falls_back_to_a_full_compare(qbo: Qbo, realm: str, conn: QuickBooksConnection,
                                                               world: dict[str, Any]) -> None:
    # Connected long ago; the last successful sweep was 45 days ago (a long outage).
    type(conn).objects.filter(pk=conn.pk).update(connected_at=timezone.now() - timedelta(days=90))
    conn.refresh_from_db()
    InboundCursor.objects.filter(connection=conn).update(cdc_since=timezone.now() - timedelta(days=45))
    qbo.control.entities(realm, "Item", {"Id": world["item_id"], "Sku": "DUCT-1", "Active": False})
    qbo.control.delete_entity(realm, "Invoice", world["voided_id"])
    before = qbo.stat(realm, "GET cdc")
    result = cdc_sweep(connection=conn)
    assert result.mode == "full" and qbo.stat(realm, "GET cdc") == before  # CDC cannot look back that far
    world["product"].refresh_from_db()
    assert (world["product"].sku, world["product"].is_active) == ("DUCT-1", False)
    assert ExternalRef.objects.get(object_type="invoice", local_id=world["voided"].pk).deleted_in_qbo
    assert InboundCursor.objects.get(connection=conn).last_full_compare_at is not None


def test_preferences_decide_what_comes_back(qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
                                            world: dict[str, Any]) -> None:
    SyncPreferences.objects.filter(organization=org).update(sync_products=False, sync_payments=False)
    qbo.control.entities(realm, "Item", {"Id": world["item_id"], "UnitPrice": 999})
    qbo.control.entities(realm, "Payment", {"CustomerRef": {"value": world["customer_id"]}, "TotalAmt": 80.0, "Line": [
        {"Amount": 80.0, "LinkedTxn": [{"TxnId": world["paid_id"], "TxnType": "Invoice"}]}]})
    cdc_sweep(connection=conn)
    world["product"].refresh_from_db()
    world["paid"].refresh_from_db()
    assert world["product"].unit_price == Decimal("80.00") and world["paid"].status == S.GENERATED
    SyncPreferences.objects.filter(organization=org).update(sync_products=True, sync_payments=True)
    InboundCursor.objects.filter(connection=conn).update(cdc_since=timezone.now() - timedelta(minutes=5))
    cdc_sweep(connection=conn)  # switched back on: the next sweep from the cursor brings them
    world["product"].refresh_from_db()
    world["paid"].refresh_from_db()
    assert world["product"].unit_price == Decimal("999.00") and world["paid"].status == S.PAID


def test_customer_merged_in_qbo_is_flagged_not_deleted(qbo: Qbo, realm: str, conn: QuickBooksConnection,
                                                       org: Organization, world: dict[str, Any],
                                                       make_customer: Callable[..., Customer]) -> None:
    other = make_customer(org, "Jane Smith (duplicate)", email="jane2@example.com")
    drain()
    cdc_sweep(connection=conn)
    other_id = ExternalRef.objects.get(object_type="customer", local_id=other.pk).qbo_id
    qbo.control.merge(realm, "Customer", other_id, world["customer_id"])
    cdc_sweep(connection=conn)
    assert Customer.objects.filter(pk=other.pk).exists()
    flags = customer_flags(customer=other)
    # CDC shows only that it disappeared (a deleted stub); where it went comes with the merge webhook.
    assert flags is not None and flags.deleted and flags.merged_into_qbo_id == ""
