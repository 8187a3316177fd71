"""The Owner settles an invoice number QuickBooks already holds, in a real browser: a company with custom
transaction numbers whose bookkeeper already used our next number, the invoice that waits before its first
push, the QuickBooks page's Invoice numbers section, a prefix chosen there, and the invoice goes renumbered.
An Admin sees the same section read-only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from pytest_django.live_server_helper import LiveServer

from customers.models import Customer
from integrations.models import ExternalRef, JobState, SyncJob
from invoicing import lifecycle
from invoicing.models import Invoice
from invoicing.services import LineInput, invoice_create
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import SCREENSHOT_DIR, DemoBooks
from tests.browser.test_invoice_flow import _sign_in
from tests.integrations.push_helpers import drain

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QBO_PAGE = "/settings/integrations/quickbooks/"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOT_DIR / f"fsm-invoice-numbers-{name}.png"), full_page=True)


def test_owner_chooses_a_prefix_and_the_waiting_invoice_goes(live_server: LiveServer, sim: SimulatorProcess,
                                                            demo_books: DemoBooks, new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    # The bookkeeper numbers invoices by hand (CustomTxnNumbers on).
    org, realm, conn = demo_books("Numbered Heating Books", preferences={"CustomTxnNumbers": True})
    customer = Customer.objects.for_org(org).order_by("id").first()
    assert customer is not None
    invoice = invoice_create(organization=org, customer=customer, issue_date=date.today(),
                             lines=[LineInput(description="Furnace tune-up", quantity=Decimal(1),
                                              unit_price=Decimal("180.00"), taxable=False)])
    # QuickBooks already holds that number: an invoice the bookkeeper entered for a walk-in customer.
    walk_in = sim.control.entities(realm, "Customer", {"DisplayName": "Walk-in"})
    item = sim.control.entities(realm, "Item", {"Name": "Counter sale", "Type": "Service", "UnitPrice": 25,
                                               "IncomeAccountRef": {"value": "1"}})
    sim.control.entities(realm, "Invoice", {
        "DocNumber": invoice.number, "CustomerRef": {"value": walk_in["Id"]}, "TxnDate": "2026-01-15",
        "Line": [{"Amount": 25, "DetailType": "SalesItemLineDetail",
                  "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": 25,
                                          "TaxCodeRef": {"value": "NON"}}}]})
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    job = SyncJob.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert job.state == JobState.ERROR and "already has an invoice numbered" in job.last_error

    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{QBO_PAGE}")
    section = page.get_by_test_id("qbo-invoice-numbers")
    expect(section.get_by_role("heading", name="Invoice numbers")).to_be_visible()
    expect(section.get_by_test_id("qbo-clash-count")).to_contain_text("1 of our invoice numbers is already used")
    row = section.get_by_test_id("qbo-clash-row")
    expect(row).to_contain_text(invoice.number)
    expect(row).to_contain_text(f"QuickBooks' invoice is dated 2026-01-15, ours {invoice.issue_date.isoformat()}.")
    expect(section.get_by_test_id("qbo-clash-link")).to_have_count(0)  # not the same invoice: no Link
    section.scroll_into_view_if_needed()
    _shot(page, "1-clash")

    section.get_by_label("Use a prefix for our invoice numbers from now on").fill("FSM-")
    expect(section.get_by_test_id("qbo-prefix-renumber")).to_be_checked()
    section.get_by_test_id("qbo-prefix-save").click()
    invoice.refresh_from_db()
    assert invoice.number.startswith("FSM-")
    success = page.locator(".message-success")
    expect(success).to_contain_text("New invoices are numbered with the prefix “FSM-” from now on.")
    expect(success).to_contain_text(f"→ {invoice.number}")
    expect(page.get_by_test_id("qbo-invoice-numbers")).not_to_contain_text("already used in QuickBooks")
    _shot(page, "2-prefix-chosen")

    drain()  # the worker's turn
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.last_error
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert sim.control.object(realm, "Invoice", ref.qbo_id)["DocNumber"] == invoice.number
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("qbo-id")).to_contain_text(f"#{ref.qbo_id}")
    _shot(page, "3-invoice-pushed")
    page.goto(f"{live_server.url}/settings/invoicing/")
    expect(page.get_by_label("Invoice number prefix")).to_have_value("FSM-")
    assert Invoice.objects.filter(organization=org, number__startswith="FSM-").count() == 1


def test_admin_sees_the_clash_read_only(live_server: LiveServer, sim: SimulatorProcess, demo_books: DemoBooks,
                                        new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    org, realm, _ = demo_books("Numbered Heating Books 2", preferences={"CustomTxnNumbers": True})
    customer = Customer.objects.for_org(org).order_by("id").first()
    assert customer is not None
    invoice = invoice_create(organization=org, customer=customer, issue_date=date.today(),
                             lines=[LineInput(description="Filter", quantity=Decimal(1), unit_price=Decimal("18.50"),
                                              taxable=False)])
    walk_in = sim.control.entities(realm, "Customer", {"DisplayName": "Walk-in"})
    item = sim.control.entities(realm, "Item", {"Name": "Counter sale", "Type": "Service", "UnitPrice": 5,
                                               "IncomeAccountRef": {"value": "1"}})
    sim.control.entities(realm, "Invoice", {
        "DocNumber": invoice.number, "CustomerRef": {"value": walk_in["Id"]},
        "Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail",
                  "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": 5,
                                          "TaxCodeRef": {"value": "NON"}}}]})
    lifecycle.invoice_finalize(invoice=invoice)
    drain()

    page = new_page()
    _sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}{QBO_PAGE}")
    section = page.get_by_test_id("qbo-invoice-numbers")
    expect(section).to_contain_text("Read-only")
    expect(section.get_by_test_id("qbo-clash-row")).to_contain_text(invoice.number)
    expect(section.get_by_test_id("qbo-prefix-form")).to_have_count(0)
    expect(section.get_by_test_id("qbo-numbers-check")).to_have_count(0)
    section.scroll_into_view_if_needed()
    _shot(page, "4-admin-read-only")
