"""The Owner maps tax codes on the QuickBooks page in a real browser: a Canadian company, an invoice that
waits because its tax code has no QuickBooks code, the Mappings section, Save, and the invoice goes with the
chosen code. An Admin sees the same section read-only. Then payment methods and terms: the choices made on
the page are what a pushed payment and invoice carry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from pytest_django.live_server_helper import LiveServer

from customers.models import Customer
from integrations.models import ExternalRef, JobState, QuickBooksConnection, SyncJob, TaxCodeMap
from invoicing import lifecycle
from invoicing.models import TaxCode
from invoicing.services import InvoiceMoney, LineInput, invoice_create
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import SCREENSHOT_DIR, DemoBooks
from tests.browser.test_invoice_flow import _sign_in
from tests.integrations.push_helpers import drain

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QBO_PAGE = "/settings/integrations/quickbooks/"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOT_DIR / f"fsm-mappings-{name}.png"), full_page=True)


def test_owner_maps_a_tax_code_and_the_waiting_invoice_goes(live_server: LiveServer, sim: SimulatorProcess,
                                                           demo_books: DemoBooks, new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    org, realm, conn = demo_books("Maple Heating Books", kind="ca")
    springfield = TaxCode.objects.get(organization=org, name="Springfield sales tax")
    TaxCodeMap.objects.filter(connection=conn, tax_code=springfield).delete()  # no suggestion kept: unmapped
    # A new invoice after connecting (QuickBooks Canada wants a code on every line): finalizing queues it.
    customer = Customer.objects.for_org(org).order_by("id").first()
    assert customer is not None
    invoice = invoice_create(organization=org, customer=customer, issue_date=date.today(),
                             lines=[LineInput(description="Furnace tune-up", quantity=Decimal(1),
                                              unit_price=Decimal("180.00"), tax_code=springfield, taxable=True)])
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    job = SyncJob.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert job.state == JobState.ERROR and "is not matched to a QuickBooks tax code" in job.last_error

    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{QBO_PAGE}")
    section = page.get_by_test_id("qbo-mappings")
    expect(section.get_by_role("heading", name="Mappings: tax codes")).to_be_visible()
    expect(page.get_by_test_id("qbo-company-kind")).to_contain_text("CA")
    choice = section.get_by_label("QuickBooks tax code for Springfield sales tax")
    expect(choice).to_have_value("")  # not mapped
    _shot(page, "1-unmapped")

    choice.select_option(label="HST ON (13 %)")
    section.get_by_test_id("qbo-save-mappings").click()
    expect(page.locator(".message-success")).to_contain_text("Tax code mappings saved.")
    expect(page.locator(".message-success")).to_contain_text(
        "1 invoice(s) that waited for a mapping are on their way to QuickBooks.")
    expect(page.get_by_test_id("qbo-mappings").get_by_label(
        "QuickBooks tax code for Springfield sales tax")).to_have_value("6")
    _shot(page, "2-saved")

    # Mappings: products — Non-inventory sales post to the goods income account from now on.
    products = page.get_by_test_id("qbo-income-accounts")
    products.get_by_label("Income account for Non-inventory").select_option(label="Sales of Product Income")
    products.get_by_test_id("qbo-save-income").click()
    expect(page.locator(".message-success")).to_contain_text("post their sales to the income accounts chosen")
    expect(page.get_by_test_id("qbo-income-accounts").get_by_label("Income account for Non-inventory")
           ).to_have_value(next(a["id"] for a in QuickBooksConnection.objects.get(pk=conn.pk).qbo_income_accounts
                                if a["name"] == "Sales of Product Income"))
    _shot(page, "2b-income-accounts")

    drain()  # the worker's turn
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.last_error
    # This company numbers invoices itself (custom transaction numbers off): found through the mapping.
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    sent = sim.control.object(realm, "Invoice", ref.qbo_id)
    codes = {line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in sent["Line"]
             if line.get("DetailType") == "SalesItemLineDetail" and line.get("SalesItemLineDetail", {}).get("TaxCodeRef")}
    assert "6" in codes

    admin = new_page()
    _sign_in(admin, live_server.url, "admin")
    admin.goto(f"{live_server.url}{QBO_PAGE}")
    read_only = admin.get_by_test_id("qbo-mappings")
    expect(read_only).to_contain_text("Read-only")
    expect(read_only).to_contain_text("HST ON")
    expect(read_only.get_by_test_id("qbo-save-mappings")).to_have_count(0)
    # 13 % there, 8.875 % here: the page says QuickBooks' totals would differ, next to the choice.
    expect(read_only.get_by_test_id("qbo-rate-hint")).to_contain_text(
        "QuickBooks' HST ON is 13 %, “Springfield sales tax” here is 8.875 %")
    _shot(admin, "3-admin-read-only")


def test_owner_maps_a_payment_method_and_terms_and_what_is_sent_carries_them(
        live_server: LiveServer, sim: SimulatorProcess, demo_books: DemoBooks, new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    org, realm, conn = demo_books("Elm Street Books", kind="us_manual")
    ids = {r["Name"]: str(r["Id"]) for entity in ("PaymentMethod", "Term") for r in sim.control.objects(realm, entity)}
    days = org.payment_terms_days

    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{QBO_PAGE}")
    methods = page.get_by_test_id("qbo-payment-methods")
    check_row = methods.get_by_test_id("qbo-method-row").filter(has=page.get_by_role("cell", name="Check", exact=True))
    expect(check_row).to_contain_text("(matched by name)")
    card = methods.get_by_label("QuickBooks payment method for Card")
    expect(card).to_have_value("")  # QuickBooks has no "Card": sent without a method until someone chooses
    _shot(page, "4-payment-methods-before")
    card.select_option(label="Credit Card")
    methods.get_by_test_id("qbo-save-methods").click()
    expect(page.locator(".message-success")).to_contain_text("Payment methods saved")
    expect(page.get_by_test_id("qbo-payment-methods").get_by_label("QuickBooks payment method for Card")
           ).to_have_value(ids["Credit Card"])

    terms = page.get_by_test_id("qbo-terms")
    expect(terms).to_contain_text("invoices already in QuickBooks keep theirs")
    term = terms.get_by_label(f"QuickBooks term for {days} days")
    term.select_option(label="Net 60 (60 days)")
    terms.get_by_test_id("qbo-save-terms").click()
    expect(page.locator(".message-success")).to_contain_text("Terms saved")
    expect(page.get_by_test_id("qbo-terms").get_by_label(f"QuickBooks term for {days} days")).to_have_value(ids["Net 60"])
    _shot(page, "5-methods-and-terms-saved")

    customer = Customer.objects.for_org(org).order_by("id").first()
    assert customer is not None
    invoice = invoice_create(organization=org, customer=customer, issue_date=date.today(),
                             lines=[LineInput(description="Drain cleaning", quantity=Decimal(1),
                                              unit_price=Decimal("150.00"))],
                             money=InvoiceMoney(terms_days=days))
    lifecycle.invoice_finalize(invoice=invoice)
    payment = lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("40.00"), method="Card",
                                               reference="AUTH-1")
    drain()
    pushed = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    sent = sim.control.object(realm, "Invoice", pushed.qbo_id)
    assert sent["SalesTermRef"]["value"] == ids["Net 60"]
    paid = ExternalRef.objects.get(connection=conn, object_type="payment", local_id=payment.pk)
    assert sim.control.object(realm, "Payment", paid.qbo_id)["PaymentMethodRef"]["value"] == ids["Credit Card"]

    admin = new_page()
    _sign_in(admin, live_server.url, "admin")
    admin.goto(f"{live_server.url}{QBO_PAGE}")
    read_only = admin.get_by_test_id("qbo-terms")
    expect(read_only).to_contain_text("Read-only")
    expect(read_only).to_contain_text("Net 60")
    expect(read_only.get_by_test_id("qbo-save-terms")).to_have_count(0)
    expect(admin.get_by_test_id("qbo-payment-methods")).to_contain_text("Credit Card")
    _shot(admin, "6-admin-read-only")
