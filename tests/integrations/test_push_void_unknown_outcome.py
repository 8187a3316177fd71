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
