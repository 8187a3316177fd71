"""Issue 16, payments and terms as QBO means them: a pushed payment carries our reference as PaymentRefNum,
the company's PaymentMethod of the same name and the deposit account chosen (Undeposited Funds by
default); an invoice carries the Term of its number of days. Simulator over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.models import ExternalRef, JobState, QuickBooksConnection, SyncAttempt, SyncJob
from invoicing import lifecycle
from invoicing.models import Invoice
from invoicing.services import InvoiceMoney, LineInput, invoice_create
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import drain
from tests.integrations.test_push_books_match import PAGE, _connect

pytestmark = pytest.mark.django_db
ISSUED = date(2026, 11, 2)


def _invoice(org: Organization, customer: Customer, terms_days: int | None = None) -> Invoice:
    invoice = invoice_create(organization=org, customer=customer, issue_date=ISSUED,
                             lines=[LineInput(description="Visit", quantity=Decimal(1), unit_price=Decimal("120.00"))],
                             money=InvoiceMoney(terms_days=terms_days))
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    return invoice


def _pay(qbo: Qbo, invoice: Invoice, *, method: str, reference: str) -> tuple[dict[str, Any], SyncJob]:
    """Record a payment here, push it, and return the QBO Payment as the simulator holds it."""
    payment = lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("50.00"), method=method,
                                               reference=reference)
    drain()
    job = SyncJob.objects.get(object_type="payment", local_id=payment.pk)
    assert job.state == JobState.DONE, job.last_error
    ref = ExternalRef.objects.get(object_type="payment", local_id=payment.pk)
    return qbo.control.object(ref.connection.realm_id, "Payment", ref.qbo_id), job


def _by_name(qbo: Qbo, conn: QuickBooksConnection, entity: str, name: str) -> str:
    return next(str(r["Id"]) for r in qbo.control.objects(conn.realm_id, entity) if r["Name"] == name)


@pytest.fixture
def customer(make_customer: Callable[..., Customer], org: Organization) -> Customer:
    return make_customer(org)


@pytest.fixture
def conn(qbo: Qbo, org: Organization) -> QuickBooksConnection:
    return _connect(qbo, org, "us_manual")


def test_payment_carries_reference_method_and_undeposited_funds(qbo: Qbo, conn: QuickBooksConnection,
                                                                 customer: Customer, org: Organization) -> None:
    assert {m["name"] for m in conn.qbo_payment_methods} >= {"Cash", "Check", "Credit Card"}
    assert [a["name"] for a in conn.qbo_deposit_accounts] == ["Undeposited Funds", "Checking"]
    invoice = _invoice(org, customer)
    sent, job = _pay(qbo, invoice, method="check", reference="1042")
    assert sent["PaymentRefNum"] == "1042"
    assert sent["PaymentMethodRef"]["value"] == _by_name(qbo, conn, "PaymentMethod", "Check")
    assert sent["DepositToAccountRef"]["value"] == _by_name(qbo, conn, "Account", "Undeposited Funds")
    attempt = SyncAttempt.objects.filter(job=job).last()
    assert attempt is not None
    assert "payment method" not in attempt.message


def test_unknown_method_is_omitted_and_the_log_says_so(qbo: Qbo, conn: QuickBooksConnection,
                                                       customer: Customer, org: Organization) -> None:
    invoice = _invoice(org, customer)
    sent, job = _pay(qbo, invoice, method="Venmo", reference="V-77")
    assert "PaymentMethodRef" not in sent
    assert sent["PaymentRefNum"] == "V-77"
    attempt = SyncAttempt.objects.filter(job=job).last()
    assert attempt is not None
    message = attempt.message
    assert "Venmo" in message and "no QuickBooks payment method" in message


def test_owner_chooses_a_bank_account_for_deposits(qbo: Qbo, conn: QuickBooksConnection, customer: Customer,
                                                   org: Organization, owner_client: Client) -> None:
    checking = _by_name(qbo, conn, "Account", "Checking")
    page = owner_client.get(PAGE).content.decode()
    assert 'data-testid="qbo-deposit-select"' in page and "Checking" in page
    bad = owner_client.post("/settings/integrations/quickbooks/mappings/deposit-account/",
                            {"deposit_account": "99999"}, follow=True)
    assert "Choose Undeposited Funds or one of" in bad.content.decode()
    conn.refresh_from_db()
    assert conn.deposit_account_id == ""
    owner_client.post("/settings/integrations/quickbooks/mappings/deposit-account/", {"deposit_account": checking})
    conn.refresh_from_db()
    assert conn.deposit_account_id == checking
    sent, _ = _pay(qbo, _invoice(org, customer), method="Cash", reference="")
    assert sent["DepositToAccountRef"]["value"] == checking
    assert sent["PaymentMethodRef"]["value"] == _by_name(qbo, conn, "PaymentMethod", "Cash")


def test_invoice_sends_the_term_of_its_days_or_none(qbo: Qbo, conn: QuickBooksConnection, customer: Customer,
                                                    org: Organization) -> None:
    net15 = _invoice(org, customer, terms_days=15)
    odd = _invoice(org, customer, terms_days=45)
    refs = {i.pk: ExternalRef.objects.get(object_type="invoice", local_id=i.pk).qbo_id for i in (net15, odd)}
    sent15 = qbo.control.object(conn.realm_id, "Invoice", refs[net15.pk])
    assert sent15["SalesTermRef"]["value"] == _by_name(qbo, conn, "Term", "Net 15")
    assert sent15["DueDate"] == net15.due_date.isoformat()
    sent45 = qbo.control.object(conn.realm_id, "Invoice", refs[odd.pk])
    assert "SalesTermRef" not in sent45
    assert sent45["DueDate"] == odd.due_date.isoformat() == "2026-12-17"


def test_api_chooses_the_deposit_account_as_the_page_does(qbo: Qbo, conn: QuickBooksConnection, customer: Customer,
                                                         org: Organization,
                                                         api_client_for: Callable[[Organization, str], APIClient]
                                                         ) -> None:
    url = "/api/v1/integrations/quickbooks/deposit-account/"
    checking = _by_name(qbo, conn, "Account", "Checking")
    owner, admin = api_client_for(org, Role.OWNER), api_client_for(org, Role.ADMIN)
    listed = admin.get(url).json()  # reading is for anyone who may see the integration
    assert listed["deposit_account"] == "" and [a["name"] for a in listed["accounts"]] == ["Undeposited Funds",
                                                                                             "Checking"]
    assert admin.patch(url, {"deposit_account": checking}, format="json").status_code == 403
    bad = owner.patch(url, {"deposit_account": "99999"}, format="json")
    assert bad.status_code == 400 and "Choose Undeposited Funds or one of" in str(bad.json())
    conn.refresh_from_db()
    assert conn.deposit_account_id == ""
    done = owner.patch(url, {"deposit_account": checking}, format="json")
    assert done.status_code == 200 and done.json()["deposit_account"] == checking
    sent, _ = _pay(qbo, _invoice(org, customer), method="Cash", reference="")
    assert sent["DepositToAccountRef"]["value"] == checking
    assert owner.patch(url, {"deposit_account": ""}, format="json").json()["deposit_account"] == ""
