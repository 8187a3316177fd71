"""Regression (a longer soak run of the state machine in test_push_stateful.py found it): an invoice whose
create QBO committed but whose answer was lost, voided here before the retry ran, must be voided in QBO
too, not skipped as "never pushed"."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import Organization
from customers.models import Customer
from integrations.models import ExternalRef, JobState, SyncJob
from invoicing import lifecycle
from invoicing.models import Invoice, Product
from tests.integrations.push_helpers import connect_org, drain, make_due

pytestmark = pytest.mark.django_db


def test_void_after_a_dropped_create_voids_the_invoice_qbo_committed(
        qbo: Any, org: Organization, make_customer: Callable[..., Customer],
        make_product: Callable[..., Product], make_invoice: Callable[..., Invoice]) -> None:
    realm = qbo.company("Void After Drop Books")
    conn = connect_org(qbo.control, org, realm)
    customer = make_customer(org, "Person 0", email="p0@example.com")
    make_product(org, "Labor")
    drain()  # customer and item are in QBO, so the invoice's create is its only write

    invoice = make_invoice(org, customer=customer, lines=[("1", "95.00")])
    lifecycle.invoice_finalize(invoice=invoice)
    qbo.control.set_faults(realm, drop_next=1)  # QBO commits the create; the client sees a reset
    [(job_id, state)] = drain()
    job = SyncJob.objects.get(pk=job_id)
    assert (state, job.outcome_unknown) == (JobState.BACKOFF, True)
    assert len(qbo.control.objects(realm, "Invoice")) == 1  # it is in QBO, unmapped here

    invoice.refresh_from_db()
    lifecycle.invoice_void(invoice=invoice)
    make_due(job)
    drain()

    job.refresh_from_db()
    assert job.state == JobState.DONE
    [theirs] = qbo.control.objects(realm, "Invoice")
    assert theirs["DocNumber"] == invoice.number
    assert Decimal(str(theirs["TotalAmt"])) == 0 and Decimal(str(theirs["Balance"])) == 0
    assert "Voided" in theirs.get("PrivateNote", "")
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert ref.qbo_id == theirs["Id"]


def _pushed_customer_and_item(qbo: Any, org: Organization, make_customer: Callable[..., Customer],
                              make_product: Callable[..., Product], name: str) -> tuple[str, Customer]:
    realm = qbo.company(name)
    connect_org(qbo.control, org, realm)
    customer = make_customer(org, "Person 0", email="p0@example.com")
    make_product(org, "Labor")
    drain()
    return realm, customer


def test_a_void_made_while_the_create_is_on_its_way_is_pushed_after_it(
        qbo: Any, org: Organization, make_customer: Callable[..., Customer],
        make_product: Callable[..., Product], make_invoice: Callable[..., Invoice], monkeypatch: Any) -> None:
    from integrations.qbo.client import QboClient

    realm, customer = _pushed_customer_and_item(qbo, org, make_customer, make_product, "Void In Flight Books")
    invoice = make_invoice(org, customer=customer, lines=[("1", "95.00")])
    lifecycle.invoice_finalize(invoice=invoice)
    create = QboClient.create

    def create_then_void(self: QboClient, entity: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
        result = create(self, entity, body, **kw)  # the real request: QBO has the invoice now
        if entity == "Invoice":  # someone voids it here while the worker is still holding QBO's answer
            lifecycle.invoice_void(invoice=Invoice.objects.get(pk=invoice.pk))
        return result

    monkeypatch.setattr(QboClient, "create", create_then_void)
    drain()

    [theirs] = qbo.control.objects(realm, "Invoice")
    assert Decimal(str(theirs["TotalAmt"])) == 0 and "Voided" in theirs.get("PrivateNote", "")
    assert set(SyncJob.objects.values_list("state", flat=True)) == {JobState.DONE}


def test_disputed_after_an_unknown_create_maps_it_so_the_end_of_the_dispute_updates_it(
        qbo: Any, org: Organization, make_customer: Callable[..., Customer],
        make_product: Callable[..., Product], make_invoice: Callable[..., Invoice]) -> None:
    realm, customer = _pushed_customer_and_item(qbo, org, make_customer, make_product, "Dispute After Drop Books")
    invoice = make_invoice(org, customer=customer, lines=[("1", "95.00")])
    lifecycle.invoice_finalize(invoice=invoice)
    qbo.control.set_faults(realm, drop_next=1)  # QBO commits the create; the client sees a reset
    [(job_id, _)] = drain()
    assert SyncJob.objects.get(pk=job_id).outcome_unknown

    lifecycle.invoice_dispute(invoice=Invoice.objects.get(pk=invoice.pk))
    make_due(SyncJob.objects.get(pk=job_id))
    drain()
    [theirs] = qbo.control.objects(realm, "Invoice")
    assert ExternalRef.objects.get(object_type="invoice", local_id=invoice.pk).qbo_id == theirs["Id"]

    lifecycle.invoice_resolve_dispute(invoice=Invoice.objects.get(pk=invoice.pk))
    lifecycle.invoice_record_payment(invoice=Invoice.objects.get(pk=invoice.pk), amount="95.00")
    drain()
    assert [i["Id"] for i in qbo.control.objects(realm, "Invoice")] == [theirs["Id"]]  # updated, not created
    assert not SyncJob.objects.filter(state=JobState.ERROR).exists()
    assert Decimal(str(qbo.control.objects(realm, "Invoice")[0]["Balance"])) == 0
