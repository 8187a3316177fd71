"""The drift report against the running simulator: differences found with full-page reads, fixed one record
at a time in the direction the Owner picks; and the pages that show it, with their role and tenancy rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import Organization, Role
from customers.models import Customer
from fsm.celery import app as celery_app
from integrations.inbound.cdc import cdc_sweep
from integrations.inbound.drift import drift_execute
from integrations.inbound.services import drift_fix, drift_request
from integrations.models import (
    DriftItem,
    DriftResolution,
    DriftRun,
    ExternalRef,
    JobState,
    QuickBooksConnection,
    SyncJob,
    WebhookEvent,
)
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus, Product
from qbo_sim.webhooks import sign
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import drain

pytestmark = pytest.mark.django_db
PAGE = "/settings/integrations/quickbooks/changes/"


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Drift Books")


@pytest.fixture
def world(conn: QuickBooksConnection, org: Organization, make_invoice: Callable[..., Invoice]) -> dict[str, Any]:
    invoice = make_invoice(org, lines=[("2", "95.00")])
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    cdc_sweep(connection=conn)
    refs = {(r.object_type, r.local_id): r.qbo_id for r in ExternalRef.objects.all()}
    product = Product.objects.get(organization=org)
    return {"invoice": invoice, "customer": invoice.customer, "product": product,
            "invoice_id": refs[("invoice", invoice.pk)], "customer_id": refs[("customer", invoice.customer_id)],
            "item_id": refs[("item", product.pk)]}


def _drift(conn: QuickBooksConnection) -> DriftRun:
    run = drift_request(connection=conn, actor=None)
    assert drift_execute(run_id=run.pk) == "done"
    return DriftRun.objects.get(pk=run.pk)


def _open(run: DriftRun) -> set[tuple[str, str, str, str]]:
    return {(i.label, i.field, i.ours, i.theirs) for i in DriftItem.objects.filter(run=run, resolution="")}


def _qbo_drifts(qbo: Qbo, realm: str, world: dict[str, Any]) -> None:
    """A bookkeeper's edits that nothing has brought back yet (webhooks are off in these tests)."""
    qbo.control.entities(realm, "Item", {"Id": world["item_id"], "UnitPrice": 99})
    qbo.control.entities(realm, "Customer", {"Id": world["customer_id"],
                                             "PrimaryEmailAddr": {"Address": "jane@smith.example"}})
    qbo.control.entities(realm, "Payment", {"CustomerRef": {"value": world["customer_id"]}, "TotalAmt": 190.0,
                                            "Line": [{"Amount": 190.0, "LinkedTxn": [
                                                {"TxnId": world["invoice_id"], "TxnType": "Invoice"}]}]})


def test_a_clean_company_has_no_drift(conn: QuickBooksConnection, world: dict[str, Any]) -> None:
    run = _drift(conn)
    assert run.compared == 3 and _open(run) == set()


def test_drift_lists_differences_and_each_direction_fixes_them(qbo: Qbo, realm: str, conn: QuickBooksConnection,
                                                               world: dict[str, Any]) -> None:
    _qbo_drifts(qbo, realm, world)
    invoice, product, customer = world["invoice"], world["product"], world["customer"]
    run = _drift(conn)
    assert _open(run) == {
        (f"Product {product.name}", "Price", "95.00", "99.00"),
        (f"Customer {customer.display_name}", "Email", "", "jane@smith.example"),
        (f"Invoice {invoice.number}", "Balance", "190.00", "0.00"),
        (f"Invoice {invoice.number}", "Status", "Open", "Paid"),
    }
    items = {i.field: i for i in DriftItem.objects.filter(run=run)}

    drift_fix(item=items["Price"], direction="push", actor=None)  # ours is right: send it again
    assert SyncJob.objects.get(object_type="item", state=JobState.QUEUED).requested_by_person
    drain()
    assert qbo.control.object(realm, "Item", world["item_id"])["UnitPrice"] == 95.0

    drift_fix(item=items["Email"], direction="theirs", actor=None)
    customer.refresh_from_db()
    assert customer.email == "jane@smith.example"

    drift_fix(item=items["Status"], direction="theirs", actor=None)  # balance and status follow QBO's payment
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (InvoiceStatus.PAID, Decimal("0.00"))
    assert set(DriftItem.objects.filter(run=run).values_list("resolution", flat=True)) == {
        DriftResolution.PUSHED_OURS, DriftResolution.TOOK_THEIRS}
    assert not SyncJob.objects.exclude(state=JobState.DONE).exists()  # taking theirs pushes nothing back
    assert _open(_drift(conn)) == set()


def test_an_invoice_total_cannot_be_taken_from_qbo(qbo: Qbo, realm: str, conn: QuickBooksConnection,
                                                   world: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    qbo.control.entities(realm, "Invoice", {"Id": world["invoice_id"], "Line": [
        {"DetailType": "SalesItemLineDetail", "Amount": 250.0,
         "SalesItemLineDetail": {"ItemRef": {"value": world["item_id"]}, "Qty": 1, "UnitPrice": 250}}]})
    run = _drift(conn)
    total = DriftItem.objects.get(run=run, field="Total")
    assert (total.ours, total.theirs) == ("190.00", "250.00")
    with pytest.raises(ValidationError):
        drift_fix(item=total, direction="theirs", actor=None)
    drift_fix(item=total, direction="push", actor=None)
    drain()
    assert qbo.control.object(realm, "Invoice", world["invoice_id"])["TotalAmt"] == 190.0


def test_pages_show_counts_and_only_the_owner_fixes(qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
                                                    other_org: Organization, world: dict[str, Any],
                                                    client_for: Callable[[Organization, str], Client]) -> None:
    _qbo_drifts(qbo, realm, world)
    run = _drift(conn)
    owner, tech = client_for(org, Role.OWNER), client_for(org, Role.TECHNICIAN)
    page = owner.get(PAGE)
    assert page.status_code == 200 and page.content.count(b'data-testid="qbo-drift-item"') == 4
    assert b'data-testid="qbo-drift-theirs"' in page.content
    summary = owner.get("/settings/integrations/quickbooks/")
    assert b'data-testid="qbo-drift-count">4 differences open' in summary.content

    tech_page = tech.get(PAGE)
    assert tech_page.status_code == 200 and b'data-testid="qbo-drift-push"' not in tech_page.content
    item = DriftItem.objects.filter(run=run, field="Email").get()
    assert tech.post(f"{PAGE}drift/{item.pk}/fix/", {"direction": "theirs"}).status_code == 403
    stranger = client_for(other_org, Role.OWNER)
    assert stranger.post(f"{PAGE}drift/{item.pk}/fix/", {"direction": "theirs"}).status_code == 404
    assert owner.post(f"{PAGE}drift/{item.pk}/fix/", {"direction": "sideways"}).status_code == 302
    assert DriftItem.objects.get(pk=item.pk).resolution == ""  # a bad direction fixes nothing
    assert owner.post(f"{PAGE}drift/{item.pk}/fix/", {"direction": "theirs"}).status_code == 302
    assert Customer.objects.get(pk=world["customer"].pk).email == "jane@smith.example"


def test_customer_page_shows_the_quickbooks_flags(qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
                                                  world: dict[str, Any],
                                                  client_for: Callable[[Organization, str], Client]) -> None:
    customer = world["customer"]
    client = client_for(org, Role.DISPATCHER)
    assert b'data-testid="qbo-customer-flags"' not in client.get(f"/customers/{customer.pk}/").content
    qbo.control.entities(realm, "Customer", {"Id": world["customer_id"], "Active": False})
    cdc_sweep(connection=conn)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="qbo-customer-flags"' in page and "Inactive in QuickBooks" in page


def test_a_stored_webhook_rings_the_worker_which_applies_it(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, world: dict[str, Any], client: Client,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    qbo.control.entities(realm, "Item", {"Id": world["item_id"], "Name": "Furnace tune-up (rung)"})
    body = json.dumps([{"specversion": "1.0", "id": "evt-doorbell", "type": "qbo.item.updated.v1",
                        "intuitentityid": world["item_id"], "intuitaccountid": realm,
                        "time": "2025-09-10T21:31:25.179851517Z", "data": {}}]).encode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/hooks/quickbooks/", body, content_type="application/json",
                               headers={"intuit-signature": sign(body, settings.QBO_WEBHOOK_VERIFIER_TOKEN)})
    assert response.status_code == 200 and response.json() == {"received": 1, "stored": 1}
    assert len(callbacks) == 1 and WebhookEvent.objects.get().state == "pending"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # the worker, in this process: the doorbell runs the task
    try:
        callbacks[0]()
    finally:
        celery_app.conf.task_always_eager = eager
    assert WebhookEvent.objects.get().state == "done"
    assert Product.objects.get(pk=world["product"].pk).name == "Furnace tune-up (rung)"
