"""Issue 16: discounts where QuickBooks cannot take them as the app means them (qbo-tax-and-money.md §6),
pushed to the simulator over HTTP.

* Outside the US QBO always taxes the discounted amount (§6.3): an invoice taxed before its discount is
  refused plainly before anything is sent, and goes once it is switched to tax after the discount.
* Discounts switched off in the company (§6.1): the discount goes into the lines (§6.3's workaround), each
  line's share as our totals split it, and QBO's TotalAmt, TotalTax and Balance are ours to the cent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import Organization
from customers.models import Customer
from integrations.connection.company import company_reread
from integrations.models import ExternalRef, JobState, QuickBooksConnection, SyncJob
from invoicing import lifecycle
from invoicing.models import Invoice, TaxCode, TaxRate
from invoicing.services import InvoiceMoney, LineInput, invoice_create, invoice_update
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain

pytestmark = pytest.mark.django_db
ISSUED = date(2026, 11, 2)


def _code(org: Organization, name: str, *rates: str) -> TaxCode:
    code = TaxCode.objects.create(organization=org, name=name)
    for i, rate in enumerate(rates):
        code.rates.add(TaxRate.objects.create(organization=org, name=f"{name} {i}", rate=Decimal(rate)))
    return code


def _connect(qbo: Qbo, org: Organization, kind: str, *, discounts: bool = True) -> QuickBooksConnection:
    realm = qbo.control.create_company(f"Discount {kind}", kind=kind, preferences={"AllowDiscount": discounts})
    conn = company_reread(connection=connect_org(qbo.control, org, realm))
    assert conn.allow_discount is discounts
    return conn


def _line(desc: str, qty: str, price: str, code: TaxCode | None, kind: str = "item") -> LineInput:
    return LineInput(description=desc, quantity=Decimal(qty), unit_price=Decimal(price), tax_code=code,
                     taxable=code is not None, kind=kind)


def _push(org: Organization, customer: Customer, lines: list[LineInput], kind: str, value: str) -> Invoice:
    invoice = invoice_create(organization=org, customer=customer, issue_date=ISSUED, lines=lines,
                             money=InvoiceMoney(discount_kind=kind, discount_value=Decimal(value)))
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    return invoice


def _job(conn: QuickBooksConnection, invoice: Invoice) -> SyncJob:
    return SyncJob.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)


def _theirs(qbo: Qbo, conn: QuickBooksConnection, invoice: Invoice) -> dict[str, Any]:
    job = _job(conn, invoice)
    assert job.state == JobState.DONE, job.last_error
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    theirs = qbo.control.object(conn.realm_id, "Invoice", ref.qbo_id)
    got = {k: Decimal(str(theirs[k])) for k in ("TotalAmt", "Balance")}
    got["TotalTax"] = Decimal(str((theirs.get("TxnTaxDetail") or {}).get("TotalTax", 0)))
    assert got == {"TotalAmt": invoice.total, "Balance": invoice.balance, "TotalTax": invoice.tax_amount}
    return theirs


@pytest.mark.parametrize("kind", ["ca", "uk"])
def test_outside_the_us_tax_before_the_discount_is_refused_plainly_then_goes_once_switched(
        qbo: Qbo, org: Organization, kind: str, make_customer: Callable[..., Customer]) -> None:
    org.tax_rounding, org.tax_after_discount = "line", False
    org.save()
    low, high = _code(org, "GST", "5"), _code(org, "Standard rated", "20" if kind == "uk" else "13")
    conn = _connect(qbo, org, kind)
    invoice = _push(org, make_customer(org), [_line("Tune-up", "3", "10.03", low),
                                              _line("Filter", "1", "49.99", high)], "amount", "8.00")
    job = _job(conn, invoice)
    assert job.state == JobState.ERROR
    assert "always taxes the discounted amount" in job.last_error and "nothing was sent" in job.last_error
    assert "Apply tax after the discount" in job.last_error_hint and "remove its discount" in job.last_error_hint
    assert "QuickBooks said" not in job.last_error  # refused here: no QuickBooks answer to quote
    assert qbo.control.objects(conn.realm_id, "Invoice") == []

    # The office removes the discount (an issued invoice keeps its tax order): saving the edit sends it.
    _without_discount(invoice)
    drain()
    _theirs(qbo, conn, invoice)

    # With the organization switched to QuickBooks' way, a new invoice with the same discount goes.
    org.tax_after_discount = True
    org.save()
    again = _push(org, invoice.customer, [_line("Tune-up", "3", "10.03", low), _line("Filter", "1", "49.99", high)],
                  "amount", "8.00")
    _theirs(qbo, conn, again)


def _without_discount(invoice: Invoice) -> None:
    lines = [LineInput(description=ln.description, quantity=ln.quantity, unit_price=ln.unit_price,
                       tax_code=ln.tax_code, taxable=ln.taxable, kind=ln.kind, id=ln.pk) for ln in invoice.lines.all()]
    invoice_update(invoice=invoice, customer=invoice.customer, issue_date=invoice.issue_date, lines=lines,
                   due_date=invoice.due_date, memo=invoice.memo, money=InvoiceMoney())
    invoice.refresh_from_db()
    assert invoice.discount_amount == 0


def test_outside_the_us_tax_before_a_discount_on_an_untaxed_invoice_is_no_difference(
        qbo: Qbo, org: Organization, make_customer: Callable[..., Customer]) -> None:
    org.tax_after_discount = False
    org.save()
    zero = _code(org, "0.0% Z", "0")  # suggested: QBO's "0.0% Z" by its name
    conn = _connect(qbo, org, "uk")
    invoice = _push(org, make_customer(org), [_line("Children's car seat", "2", "45.00", zero)], "percent", "10")
    assert invoice.tax_amount == 0
    _theirs(qbo, conn, invoice)


@pytest.mark.parametrize(("kind", "inclusive"), [("us_manual", False), ("us_no_tax", False), ("ca", False),
                                                 ("uk", True), ("au", False)])
@pytest.mark.parametrize(("discount", "value"), [("percent", "7.5"), ("amount", "13.37")])
def test_discounts_off_the_discount_goes_into_the_lines_and_the_books_match(
        qbo: Qbo, org: Organization, kind: str, inclusive: bool, discount: str, value: str,
        make_customer: Callable[..., Customer]) -> None:
    us = kind.startswith("us")
    org.prices_include_tax, org.tax_rounding = inclusive, "invoice" if us else "line"
    org.save()
    first: TaxCode | None
    second: TaxCode | None
    if kind == "us_manual":
        first = second = _code(org, "Tucson", "7.1", "2")
    elif kind == "us_no_tax":
        first = second = None
    else:
        rates = {"ca": (("GST", "5"), ("GST/PST BC", "5", "7")), "uk": (("20.0% S", "20"), ("5.0% R", "5")),
                 "au": (("GST", "10"), ("GST free", "0"))}[kind]
        first, second = (_code(org, *r) for r in rates)
    conn = _connect(qbo, org, kind, discounts=False)
    invoice = _push(org, make_customer(org), [
        _line("Tune-up", "3", "10.03", first), _line("Filter", "1.5", "12.49", second),
        _line("Permit", "1", "40.00", first), _line("Goodwill", "1", "5.00", first, kind="credit")],
        discount, value)
    assert invoice.discount_amount > 0
    theirs = _theirs(qbo, conn, invoice)
    assert not [ln for ln in theirs["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    sales = [ln for ln in theirs["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    lines_sum = sum((Decimal(str(ln["Amount"])) for ln in sales), Decimal(0))
    assert lines_sum == invoice.total - (0 if inclusive else invoice.tax_amount)
    assert sales[0]["Description"].startswith("Tune-up (3 × 10.03 list price, less ")
    assert sales[1]["SalesItemLineDetail"]["Qty"] == 1.5  # the quantity stays; the price carries the share


def test_discounts_off_and_tax_before_the_discount_is_refused_plainly(
        qbo: Qbo, org: Organization, make_customer: Callable[..., Customer]) -> None:
    org.tax_after_discount = False
    org.save()
    california = _code(org, "California", "8")
    conn = _connect(qbo, org, "us_manual", discounts=False)
    invoice = _push(org, make_customer(org), [_line("Tune-up", "2", "95.00", california)], "percent", "10")
    job = _job(conn, invoice)
    assert job.state == JobState.ERROR
    assert "discounts are off in the QuickBooks company" in job.last_error
    assert "Turn on" in job.last_error_hint and "remove the invoice's discount" in job.last_error_hint
    assert qbo.control.objects(conn.realm_id, "Invoice") == []
    _without_discount(invoice)
    drain()
    _theirs(qbo, conn, invoice)


def test_a_line_too_big_for_a_seven_decimal_price_goes_as_its_total(
        qbo: Qbo, org: Organization, make_customer: Callable[..., Customer]) -> None:
    """250,000 × 0.01 less a cent: no 7-decimal price times 250,000 lands on 2,499.99, so the line goes as its
    Amount alone (QBO takes a line total without Qty and UnitPrice) and its Description keeps the rest."""
    conn = _connect(qbo, org, "us_no_tax", discounts=False)
    invoice = _push(org, make_customer(org), [_line("Screws", "250000", "0.01", None),
                                              _line("Labour", "1", "100.00", None)], "amount", "0.01")
    theirs = _theirs(qbo, conn, invoice)
    screws, labour = theirs["Line"][0], theirs["Line"][1]
    assert Decimal(str(screws["Amount"])) == Decimal("2499.99")
    assert "Qty" not in screws["SalesItemLineDetail"] and "UnitPrice" not in screws["SalesItemLineDetail"]
    assert screws["Description"] == "Screws (250000 × 0.01 list price, less 0.01 of the invoice discount)"
    assert (labour["Amount"], labour["SalesItemLineDetail"]["UnitPrice"]) == (100.0, 100.0)


def test_invoice_settings_say_what_the_quickbooks_company_does_with_a_discount(
        qbo: Qbo, org: Organization, owner_client: Any) -> None:
    page = "/settings/invoicing/"
    before = owner_client.get(page).content.decode()
    assert "qbo-discount-note" not in before  # not connected: nothing about QuickBooks
    _connect(qbo, org, "uk", discounts=False)
    text = owner_client.get(page).content.decode()
    assert 'data-testid="qbo-discount-note-non-us"' in text and "(GB) always taxes the discounted amount" in text
    assert 'data-testid="qbo-discount-note-off"' in text and "put into its line prices" in text
