"""Every push handler loads its object through the organization of the job's connection: another
organization's row (an invoice line pointing at its product, a job with a foreign id) never reaches
this company's QuickBooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Organization
from customers.models import Customer
from integrations.models import JobState, SyncJob
from integrations.push.outbox import upsert_open_job
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceLine, Product
from tests.integrations.push_helpers import drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def realm(qbo: Any) -> str:
    return qbo.company("Tenancy Books")


def _names(qbo: Any, realm: str, entity: str) -> list[str]:
    return [row.get("Name") or row.get("DisplayName") for row in qbo.control.objects(realm, entity)]


def test_an_invoice_line_with_another_organizations_product_is_refused(
        qbo: Any, realm: str, conn: Any, org: Organization, other_org: Organization,
        make_invoice: Callable[..., Invoice], make_product: Callable[..., Product]) -> None:
    theirs = make_product(other_org, "Rival secret valve", "999.00")
    invoice = make_invoice(org)
    InvoiceLine.objects.filter(invoice=invoice).update(product=theirs)  # what the unscoped admin inline saved

    lifecycle.invoice_finalize(invoice=invoice)
    drain()

    job = SyncJob.objects.get(object_type="invoice", local_id=invoice.pk)
    assert job.state == JobState.ERROR
    assert "belongs to another organization" in job.last_error
    assert "Rival secret valve" not in _names(qbo, realm, "Item")
    assert not qbo.control.objects(realm, "Invoice")
    assert not SyncJob.objects.filter(object_type="item", local_id=theirs.pk).exists()


@pytest.mark.parametrize("object_type", ["item", "customer", "invoice", "payment"])
def test_a_job_naming_another_organizations_row_sends_nothing(
        qbo: Any, realm: str, conn: Any, other_org: Organization, object_type: str,
        make_invoice: Callable[..., Invoice], make_customer: Callable[..., Customer]) -> None:
    invoice = make_invoice(other_org, lines=[("1", "40.00")])
    lifecycle.invoice_finalize(invoice=invoice)
    payment = lifecycle.invoice_record_payment(invoice=invoice, amount="10.00")
    foreign_id = {"item": invoice.lines.get().product_id, "customer": invoice.customer_id,
                  "invoice": invoice.pk, "payment": payment.pk}[object_type]
    entities = ("Item", "Customer", "Invoice", "Payment")
    books = {entity: qbo.control.objects(realm, entity) for entity in entities}
    before = qbo.control.stats(realm)["requests"]["total"]
    job = upsert_open_job(conn, object_type, foreign_id, "upsert", by_person=True)

    drain()

    job.refresh_from_db()
    assert job.state == JobState.ERROR
    assert "belongs to another organization" in job.last_error
    assert {entity: qbo.control.objects(realm, entity) for entity in entities} == books
    assert qbo.control.stats(realm)["requests"]["total"] - before <= 1  # at most the token's company lookup
