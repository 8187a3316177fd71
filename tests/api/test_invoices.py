"""Invoices through the API: totals from the services only, nested reads, filters, the lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Organization
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus, PaymentKind, Product, TaxRate
from tests.api.conftest import API, invoice_payload


def test_client_sent_totals_are_ignored(owner_api: APIClient, org: Organization,
                                        make_customer: Callable[..., Customer]) -> None:
    tax = TaxRate.objects.create(organization=org, name="Sales", rate=Decimal(10))
    payload = invoice_payload(make_customer(org), tax_rate=tax.pk, total="1", subtotal="1", balance="1",
                              amount_paid="999", tax_amount="0", status="paid", number="HACK-1")
    payload["lines"] = [
        {"description": "Labour", "quantity": "1.5", "unit_price": "80.00"},
        {"description": "Permit", "quantity": "1", "unit_price": "25.00", "taxable": False},
    ]
    response = owner_api.post(f"{API}/invoices/", payload, format="json")
    assert response.status_code == 201, response.content
    stored = Invoice.objects.get(pk=response.json()["id"])
    # 1.5 x 80 = 120 taxable at 10% = 12; the permit is not taxed.
    assert (stored.subtotal, stored.tax_amount, stored.total) == (Decimal("145.00"), Decimal("12.00"),
                                                                  Decimal("157.00"))
    assert (stored.balance, stored.amount_paid, stored.status) == (Decimal("157.00"), Decimal("0.00"),
                                                                   InvoiceStatus.DRAFT)
    assert stored.number != "HACK-1"
    assert response.json()["total"] == "157.00"


def test_line_defaults_come_from_the_product(owner_api: APIClient, org: Organization,
                                             make_customer: Callable[..., Customer],
                                             make_product: Callable[..., Product]) -> None:
    product = make_product(org, name="Filter", unit_price="12.50", taxable=False)
    payload = invoice_payload(make_customer(org), lines=[{"product": product.pk, "quantity": "2"}])
    response = owner_api.post(f"{API}/invoices/", payload, format="json")
    assert response.status_code == 201, response.content
    [line] = response.json()["lines"]
    assert (line["description"], line["unit_price"], line["amount"], line["taxable"]) == (
        "Filter", "12.50", "25.00", False)


def test_retrieve_nests_lines_and_payments(owner_api: APIClient, org: Organization,
                                           make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "100.00"), ("2", "10.00")])
    lifecycle.invoice_finalize(invoice=invoice)
    lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("30.00"), reference="CHK-7")
    body = owner_api.get(f"{API}/invoices/{invoice.pk}/").json()
    assert [line["amount"] for line in body["lines"]] == ["100.00", "20.00"]
    assert [(p["kind"], p["amount"], p["reference"]) for p in body["payments"]] == [
        (PaymentKind.PAYMENT, "30.00", "CHK-7")]
    assert (body["status"], body["balance"], body["amount_paid"]) == (InvoiceStatus.PARTIALLY_PAID, "90.00", "30.00")


def test_list_is_newest_first_and_filters(owner_api: APIClient, org: Organization,
                                          make_customer: Callable[..., Customer],
                                          make_invoice: Callable[..., Invoice]) -> None:
    alice, bob = make_customer(org, "Alice"), make_customer(org, "Bob")
    older = make_invoice(org, customer=alice)
    Invoice.objects.filter(pk=older.pk).update(issue_date=date.today() - timedelta(days=5))
    newer = make_invoice(org, customer=bob)
    sent = make_invoice(org, customer=alice)
    lifecycle.invoice_finalize(invoice=sent)
    lifecycle.invoice_send(invoice=sent)

    def ids(**params: str | int) -> list[int]:
        response = owner_api.get(f"{API}/invoices/", params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [sent.pk, newer.pk, older.pk]
    assert ids(status="draft") == [newer.pk, older.pk]
    assert ids(status="sent") == [sent.pk]
    assert ids(customer=alice.pk) == [sent.pk, older.pk]
    assert ids(customer=alice.pk, status="draft") == [older.pk]


def test_list_query_count_does_not_grow_with_rows(owner_api: APIClient, org: Organization,
                                                  make_invoice: Callable[..., Invoice],
                                                  make_customer: Callable[..., Customer]) -> None:
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_api.get(f"{API}/invoices/").status_code == 200
        return len(queries)

    make_invoice(org)
    few = count_queries()
    for n in range(5):
        make_invoice(org, customer=make_customer(org, f"Customer {n}"))
    assert count_queries() == few


def test_patch_keeps_what_was_not_sent(owner_api: APIClient, org: Organization,
                                       make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("3", "20.00")])
    response = owner_api.patch(f"{API}/invoices/{invoice.pk}/", {"memo": "Gate code 1234"}, format="json")
    assert response.status_code == 200, response.content
    invoice.refresh_from_db()
    assert (invoice.memo, invoice.total) == ("Gate code 1234", Decimal("60.00"))
    assert [(line.quantity, line.unit_price) for line in invoice.lines.all()] == [(Decimal(3), Decimal("20.00"))]


def test_put_replaces_lines_and_recomputes(owner_api: APIClient, org: Organization,
                                           make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    payload = invoice_payload(invoice.customer, total="0.01",
                              lines=[{"description": "Repair", "quantity": "1", "unit_price": "250.00"}])
    response = owner_api.put(f"{API}/invoices/{invoice.pk}/", payload, format="json")
    assert response.status_code == 200, response.content
    invoice.refresh_from_db()
    assert invoice.total == Decimal("250.00")
    assert list(invoice.lines.values_list("description", flat=True)) == ["Repair"]


def test_full_lifecycle(owner_api: APIClient, org: Organization, make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "100.00")])
    url = f"{API}/invoices/{invoice.pk}"

    def post(action: str, body: dict[str, str] | None = None) -> dict:
        response = owner_api.post(f"{url}/{action}/", body or {}, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    assert post("finalize")["status"] == InvoiceStatus.GENERATED
    lifecycle.invoice_send(invoice=invoice)  # Send by email: tests/api/test_invoice_email_api.py
    paid = post("record-payment", {"amount": "40.00", "received_on": "2025-03-01", "method": "check",
                                   "reference": "CHK-1"})
    assert (paid["status"], paid["balance"]) == (InvoiceStatus.PARTIALLY_PAID, "60.00")
    assert paid["payments"][0]["received_on"] == "2025-03-01"
    assert post("dispute")["status"] == InvoiceStatus.DISPUTED
    assert post("resolve-dispute")["status"] == InvoiceStatus.PARTIALLY_PAID
    assert post("record-payment", {"amount": "60.00"})["status"] == InvoiceStatus.PAID
    refunded = post("refund", {"amount": "100.00"})
    assert refunded["status"] == InvoiceStatus.REFUNDED
    assert [p["kind"] for p in refunded["payments"]][-1] == PaymentKind.REFUND
    assert Invoice.objects.get(pk=invoice.pk).amount_refunded == Decimal("100.00")


def test_delete_draft(owner_api: APIClient, org: Organization, make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    assert owner_api.delete(f"{API}/invoices/{invoice.pk}/").status_code == 204
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
