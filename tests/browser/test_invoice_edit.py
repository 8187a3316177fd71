"""The office corrects one line of a three-line invoice already in QuickBooks, in a real browser: the page
and QuickBooks (the simulator's record, read over HTTP) both keep all three lines, one of them changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from pytest_django.live_server_helper import LiveServer

from accounts.models import Plan, Role
from accounts.services import member_add, organization_create
from customers.models import Customer
from integrations.models import ExternalRef, ObjectType
from invoicing import lifecycle
from invoicing.models import Invoice, Product
from invoicing.services import LineInput, invoice_create
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import SCREENSHOT_DIR
from tests.conftest import PASSWORD
from tests.integrations.push_helpers import connect_org, drain

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sales_lines(qbo_invoice: dict[str, Any]) -> list[tuple[str, float, float, float]]:
    return [(line["Description"], line["SalesItemLineDetail"]["Qty"], line["SalesItemLineDetail"]["UnitPrice"],
             line["Amount"])
            for line in qbo_invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]


@pytest.fixture
def synced_invoice(transactional_db: None, qbo_live: SimulatorProcess) -> tuple[Invoice, str]:
    """A sent three-line invoice of a connected company, already pushed to QuickBooks."""
    org = organization_create(name="Edit Heating", slug="edit-heating", plan=Plan.PRO)
    member_add(organization=org, username="office", role=Role.OWNER, password=PASSWORD)
    realm = qbo_live.control.create_company("Edit Heating Books")
    connect_org(qbo_live.control, org, realm)
    customer = Customer.objects.create(organization=org, display_name="Grace Hopper")
    labour = Product.objects.create(organization=org, name="Labour", unit_price=Decimal("95.00"))
    filters = Product.objects.create(organization=org, name="Filter", unit_price=Decimal("12.50"))
    today = date.today()
    invoice = invoice_create(organization=org, customer=customer, issue_date=today,
                             due_date=today + timedelta(days=30), lines=[
                                 LineInput("Furnace repair", Decimal(2), Decimal("95.00"), labour),
                                 LineInput("Air filter", Decimal(3), Decimal("12.50"), filters),
                                 LineInput("Call-out", Decimal(1), Decimal("40.00")),
                             ])
    lifecycle.invoice_send(invoice=lifecycle.invoice_finalize(invoice=invoice))
    drain()
    return invoice, realm


def test_editing_one_line_keeps_all_three_here_and_in_quickbooks(
        live_server: LiveServer, synced_invoice: tuple[Invoice, str], qbo_live: SimulatorProcess,
        new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    invoice, realm = synced_invoice
    ref = ExternalRef.objects.get(object_type=ObjectType.INVOICE, local_id=invoice.pk)
    assert len(_sales_lines(qbo_live.control.object(realm, "Invoice", ref.qbo_id))) == 3

    page = new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("office")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/edit/")
    page.locator('input[name="lines-0-quantity"]').fill("3")  # the furnace repair took three hours
    page.get_by_role("button", name="Save invoice").click()

    expect(page.get_by_text(f"Invoice {invoice.number} saved.")).to_be_visible()
    rows = page.get_by_test_id("invoice-lines").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Furnace repair")
    expect(rows.nth(1)).to_contain_text("Air filter")
    expect(rows.nth(2)).to_contain_text("Call-out")
    expect(page.get_by_test_id("invoice-total")).to_have_text("$362.50")  # 3 × 95 + 3 × 12.50 + 40
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-invoice-edit-one-line.png"), full_page=True)

    drain()  # the worker pushes the update
    qbo = qbo_live.control.object(realm, "Invoice", ref.qbo_id)
    assert _sales_lines(qbo) == [("Furnace repair", 3, 95.0, 285.0), ("Air filter", 3, 12.5, 37.5),
                                 ("Call-out", 1, 40.0, 40.0)]
    assert qbo["TotalAmt"] == 362.5
    assert qbo["SyncToken"] != "0"
