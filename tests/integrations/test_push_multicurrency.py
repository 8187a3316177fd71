"""Issue 16, multicurrency read and respected: the company's CurrencyPrefs are read on connect and shown;
in a multicurrency company invoices, payments and the customers we create carry the home currency; an
invoice for a customer QuickBooks holds in another currency is refused here, before anything is sent; a
single-currency company's bodies are unchanged. Simulator over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, Role
from customers.models import Customer
from integrations.connection.company import company_reread
from integrations.models import ExternalRef, JobState, QuickBooksConnection, SyncJob
from integrations.qbo.client import QboClient
from invoicing import lifecycle
from invoicing.models import Invoice
from invoicing.services import LineInput, invoice_create
from tests.integrations.conftest import Qbo
from tests.integrations.import_helpers import connect_owner, run_import
from tests.integrations.push_helpers import connect_org, drain

pytestmark = pytest.mark.django_db
API = "/api/v1/integrations/quickbooks/"
PAGE = "/settings/integrations/quickbooks/"


def _company(qbo: Qbo, kind: str = "us_manual", *, multi: bool = False) -> str:
    return qbo.control.create_company(f"Money {kind}", kind=kind, preferences={"MultiCurrencyEnabled": multi})


def _connect(qbo: Qbo, org: Organization, realm: str) -> QuickBooksConnection:
    return company_reread(connection=connect_org(qbo.control, org, realm))


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every create body the app sends to QuickBooks, in order."""
    bodies: list[tuple[str, dict[str, Any]]] = []
    original = QboClient.create

    def spy(self: QboClient, entity: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
        bodies.append((entity, body))
        return original(self, entity, body, **kw)

    monkeypatch.setattr(QboClient, "create", spy)
    yield bodies


def _invoice(org: Organization, customer: Customer) -> Invoice:
    invoice = invoice_create(organization=org, customer=customer, issue_date=date(2026, 11, 2),
                             lines=[LineInput(description="Visit", quantity=Decimal(1), unit_price=Decimal("120.00"))])
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    return invoice


def _job(conn: QuickBooksConnection, object_type: str, local_id: int) -> SyncJob:
    """The record's latest job (a payment queues its invoice's update too)."""
    job = SyncJob.objects.filter(connection=conn, object_type=object_type, local_id=local_id).order_by("-pk").first()
    assert job is not None
    return job


def _theirs(qbo: Qbo, conn: QuickBooksConnection, object_type: str, local_id: int, entity: str) -> dict[str, Any]:
    job = _job(conn, object_type, local_id)
    assert job.state == JobState.DONE, job.last_error
    ref = ExternalRef.objects.get(connection=conn, object_type=object_type, local_id=local_id)
    return qbo.control.object(conn.realm_id, entity, ref.qbo_id)


def test_read_shows_the_currency_setting_on_the_page_and_in_the_api(
        qbo: Qbo, org: Organization, owner_client: Client,
        api_client_for: Callable[[Organization, str], APIClient]) -> None:
    conn = _connect(qbo, org, _company(qbo, "ca", multi=True))
    assert (conn.multicurrency_enabled, conn.home_currency) == (True, "CAD")
    body = api_client_for(org, Role.ADMIN).get(API + "company/").json()
    assert body["multicurrency_enabled"] is True and body["home_currency"] == "CAD"
    page = owner_client.get(PAGE).content.decode()
    assert "home currency <strong>CAD</strong> · multicurrency <strong>on</strong>" in page
    assert "taken to bill in CAD" in page


def test_single_currency_company_reads_off_and_sends_no_currency(
        qbo: Qbo, org: Organization, make_customer: Callable[..., Customer],
        sent: list[tuple[str, dict[str, Any]]]) -> None:
    conn = _connect(qbo, org, _company(qbo))
    assert (conn.multicurrency_enabled, conn.home_currency) == (False, "USD")
    invoice = _invoice(org, make_customer(org))
    lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("50.00"), method="check", reference="7")
    drain()
    assert [entity for entity, _ in sent] == ["Customer", "Invoice", "Payment"]
    assert all("CurrencyRef" not in body for _, body in sent)
    assert _theirs(qbo, conn, "invoice", invoice.pk, "Invoice")["CurrencyRef"]["value"] == "USD"


def test_multicurrency_push_carries_the_home_currency_and_lands(
        qbo: Qbo, org: Organization, make_customer: Callable[..., Customer],
        sent: list[tuple[str, dict[str, Any]]]) -> None:
    conn = _connect(qbo, org, _company(qbo, multi=True))
    customer = make_customer(org)
    invoice = _invoice(org, customer)
    payment = lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("50.00"), method="check",
                                               reference="8")
    drain()
    assert [(entity, body.get("CurrencyRef")) for entity, body in sent] == [
        ("Customer", {"value": "USD"}), ("Invoice", {"value": "USD"}), ("Payment", {"value": "USD"})]
    theirs = _theirs(qbo, conn, "invoice", invoice.pk, "Invoice")
    assert theirs["CurrencyRef"]["value"] == "USD" and Decimal(str(theirs["TotalAmt"])) == invoice.total
    assert _theirs(qbo, conn, "customer", customer.pk, "Customer")["CurrencyRef"]["value"] == "USD"
    assert _theirs(qbo, conn, "payment", payment.pk, "Payment")["CurrencyRef"]["value"] == "USD"
    assert ExternalRef.objects.get(connection=conn, object_type="customer", local_id=customer.pk).qbo_currency == "USD"


@pytest.mark.parametrize("local_first", [False, True], ids=["imported", "matched"])
def test_invoice_for_a_customer_held_in_another_currency_is_refused_before_sending(
        qbo: Qbo, org: Organization, member: Callable[[Organization, str], Membership],
        make_customer: Callable[..., Customer], sent: list[tuple[str, dict[str, Any]]], local_first: bool) -> None:
    realm = _company(qbo, multi=True)
    qbo.control.entities(realm, "Customer", {"DisplayName": "Euro Events GmbH", "CurrencyRef": {"value": "EUR"},
                                             "PrimaryEmailAddr": {"Address": "books@euro.example"}})
    if local_first:
        make_customer(org, "Euro Events GmbH", email="books@euro.example")
    conn = connect_owner(qbo, org, member, realm)
    assert conn.multicurrency_enabled
    run_import(conn)
    customer = Customer.objects.get(organization=org, display_name="Euro Events GmbH")
    assert ExternalRef.objects.get(connection=conn, object_type="customer", local_id=customer.pk).qbo_currency == "EUR"
    sent.clear()

    invoice = _invoice(org, customer)
    job = _job(conn, "invoice", invoice.pk)
    assert job.state == JobState.ERROR
    assert "in EUR" in job.last_error and "home currency USD" in job.last_error and "nothing was sent" in job.last_error
    assert "QuickBooks said" not in job.last_error  # refused here: no QuickBooks answer to quote
    assert "cannot be changed" in job.last_error_hint
    assert sent == []
    assert qbo.control.objects(realm, "Invoice") == []
