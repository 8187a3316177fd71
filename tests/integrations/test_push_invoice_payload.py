"""The invoice push payload for an invoice without a discount and with one tax code is exactly what it was
before tax codes, discounts and terms existed (issue 14: "nothing that worked before stops working").

The expected bodies below were captured from the push of the same invoices on the code before issue 14.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import Organization
from customers.models import Customer
from integrations.models import ExternalRef, QuickBooksConnection
from integrations.push.handlers import invoice as invoice_handler
from invoicing import lifecycle
from invoicing.models import Invoice, LineKind, Product, TaxCode, TaxRate
from invoicing.services import InvoiceMoney, LineInput, invoice_create
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import drain

pytestmark = pytest.mark.django_db

ISSUED = date(2026, 11, 2)


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Payload Books")


@pytest.fixture
def sent_bodies(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    original = invoice_handler.invoice_payload

    def capture(ctx: Any, invoice: Invoice) -> dict[str, Any]:
        body = original(ctx, invoice)
        bodies.append(body)
        return body

    monkeypatch.setattr(invoice_handler, "invoice_payload", capture)
    return bodies


def _expected(conn: QuickBooksConnection, invoice: Invoice, product: Product, *, total_tax: float,
              taxable: tuple[str, ...], memo: str, internal_note: str = "") -> dict[str, Any]:
    customer_id = ExternalRef.objects.get(connection=conn, object_type="customer", local_id=invoice.customer_id).qbo_id
    item_id = ExternalRef.objects.get(connection=conn, object_type="item", local_id=product.pk).qbo_id
    return {
        "DocNumber": invoice.number,
        "TxnDate": "2026-11-02",
        "DueDate": "2026-12-02",
        "CustomerRef": {"value": customer_id},
        "Line": [
            {"DetailType": "SalesItemLineDetail", "Amount": 190.0, "Description": "Furnace tune-up",
             "SalesItemLineDetail": {"Qty": 2.0, "UnitPrice": 95.0, "TaxCodeRef": {"value": taxable[0]},
                                     "ItemRef": {"value": item_id}}},
            {"DetailType": "SalesItemLineDetail", "Amount": 1.01, "Description": "Washers",
             "SalesItemLineDetail": {"Qty": 3.0, "UnitPrice": 0.34, "TaxCodeRef": {"value": taxable[1]},
                                     "ItemRef": {"value": item_id}}},
            {"DetailType": "SalesItemLineDetail", "Amount": 29.99, "Description": "Permit fee",
             "SalesItemLineDetail": {"Qty": 1.5, "UnitPrice": 19.99, "TaxCodeRef": {"value": taxable[2]}}},
        ],
        "TxnTaxDetail": {"TotalTax": total_tax},
        # Issue 16 changed exactly these two fields: the message to the customer is QBO's CustomerMemo (it
        # used to go to PrivateNote), the internal note is PrivateNote. Everything else is as before.
        "CustomerMemo": {"value": memo},
        "PrivateNote": internal_note,
        "BillEmail": {"Address": "jane@example.com"},
    }


def _lines(product: Product) -> list[LineInput]:
    return [
        LineInput(description="Furnace tune-up", quantity=Decimal(2), unit_price=Decimal("95.00"), product=product),
        LineInput(description="Washers", quantity=Decimal(3), unit_price=Decimal("0.335"), product=product),
        LineInput(description="Permit fee", quantity=Decimal("1.5"), unit_price=Decimal("19.99"), taxable=False),
    ]


def test_one_tax_rate_invoice_pushes_the_same_body_as_before(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, make_customer: Callable[..., Customer],
        make_product: Callable[..., Product], sent_bodies: list[dict[str, Any]]) -> None:
    customer = make_customer(org, email="jane@example.com")
    product = make_product(org)
    rate = TaxRate.objects.create(organization=org, name="NYC", rate=Decimal("8.875"))
    invoice = invoice_create(organization=org, customer=customer, issue_date=ISSUED,
                             due_date=ISSUED + timedelta(days=30), tax_rate=rate, lines=_lines(product),
                             memo="Thank you for your business.")
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    # 190.00 + 1.01 taxable at 8.875 % = 16.952... -> 16.95 (one rounding on the taxable subtotal, as before).
    assert invoice.tax_amount == Decimal("16.95") and invoice.total == Decimal("237.95")
    assert sent_bodies == [_expected(conn, invoice, product, total_tax=16.95, taxable=("TAX", "TAX", "NON"),
                                     memo="Thank you for your business.")]


def test_no_tax_invoice_pushes_the_same_body_as_before(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, make_customer: Callable[..., Customer],
        make_product: Callable[..., Product], sent_bodies: list[dict[str, Any]]) -> None:
    customer = make_customer(org, email="jane@example.com")
    product = make_product(org)
    invoice = invoice_create(organization=org, customer=customer, issue_date=ISSUED,
                             due_date=ISSUED + timedelta(days=30), lines=_lines(product))
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    assert sent_bodies == [_expected(conn, invoice, product, total_tax=0.0, taxable=("TAX", "TAX", "NON"), memo="")]


def test_per_line_tax_code_invoice_pushes_the_same_body(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, make_customer: Callable[..., Customer],
        make_product: Callable[..., Product], sent_bodies: list[dict[str, Any]]) -> None:
    """The same invoice written the new way (a tax code per line, as the pages and API now do, terms
    setting the due date) sends exactly the body the one-rate invoice sent before."""
    customer = make_customer(org, email="jane@example.com", payment_terms_days=30)
    code = TaxCode.objects.create(organization=org, name="NYC")
    code.rates.add(TaxRate.objects.create(organization=org, name="NYC", rate=Decimal("8.875")))
    product = make_product(org, tax_code=code)
    lines = [LineInput(description=ln.description, quantity=ln.quantity, unit_price=ln.unit_price,
                       product=ln.product, tax_code=code if ln.taxable else None, taxable=ln.taxable)
             for ln in _lines(product)]
    invoice = invoice_create(organization=org, customer=customer, issue_date=ISSUED, lines=lines,
                             memo="Thank you for your business.",
                             money=InvoiceMoney(internal_note="Never leaves the business"))
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    assert sent_bodies == [_expected(conn, invoice, product, total_tax=16.95, taxable=("TAX", "TAX", "NON"),
                                     memo="Thank you for your business.", internal_note="Never leaves the business")]
    # The internal note reaches QBO only as PrivateNote, which QBO never prints for the customer.
    assert "Never leaves" not in str({k: v for k, v in sent_bodies[0].items() if k != "PrivateNote"})


def test_credit_line_reaches_qbo_with_its_negative_amount(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, make_customer: Callable[..., Customer],
        make_product: Callable[..., Product], sent_bodies: list[dict[str, Any]]) -> None:
    product = make_product(org)
    invoice = invoice_create(organization=org, customer=make_customer(org), issue_date=ISSUED, lines=[
        LineInput(description="Repair", quantity=Decimal(1), unit_price=Decimal("200.00"), product=product),
        LineInput(description="Goodwill", quantity=Decimal(1), unit_price=Decimal("25.00"), product=product,
                  kind=LineKind.CREDIT)])
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    pushed = qbo.control.objects(realm, "Invoice")
    assert len(pushed) == 1, ExternalRef.objects.all()
    sales = [ln for ln in pushed[0]["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert [Decimal(str(ln["Amount"])) for ln in sales] == [Decimal("200.00"), Decimal("-25.00")]
    assert Decimal(str(pushed[0]["TotalAmt"])) == invoice.total == Decimal("175.00")
