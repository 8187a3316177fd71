"""A person's path through the product in a real browser: sign in, look around, bill a draft to Paid."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from demo.seed import DEMO_PASSWORD
from invoicing.email_delivery import invoice_email_deliver
from invoicing.models import Invoice, InvoiceEmail, InvoiceStatus
from tests.browser.conftest import SCREENSHOT_DIR
from tests.conftest import DevMail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", verbosity=0)


def _sign_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def _open_a_draft(page: Any) -> str:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    page.get_by_label("Status").select_option("draft")
    page.get_by_role("button", name="Filter").click()
    link = page.get_by_test_id("invoice-table").locator("tbody tr").first.get_by_role("link").first
    number = link.inner_text().strip()
    link.click()
    page.get_by_role("heading", name=re.compile(number)).wait_for()
    return number


def test_owner_bills_a_draft_to_paid(live_server: Any, demo: None, dev_mail: DevMail,
                                     new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    page = new_page()
    _sign_in(page, live_server.url, "owner")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("org-name")).to_have_text("Demo Heating & Cooling")
    expect(page.get_by_test_id("stat-drafts")).to_contain_text("10")
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-dashboard.png"), full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(page.get_by_text("1–25 of 50")).to_be_visible()

    number = _open_a_draft(page)
    badge = page.locator("h1 .badge")
    expect(badge).to_have_text("Draft")

    page.get_by_role("button", name="Finalize").click()
    expect(badge).to_have_text("Generated")
    expect(page.get_by_text(f"Invoice {number} finalized.")).to_be_visible()

    page.get_by_test_id("invoice-actions").get_by_role("link", name="Send", exact=True).click()
    page.get_by_role("button", name="Send invoice").click()
    expect(page.get_by_text(f"Invoice {number} is being emailed to")).to_be_visible()
    invoice_email_deliver(email_id=InvoiceEmail.objects.get(invoice__number=number).pk)  # the worker's part
    page.reload()
    expect(badge).to_have_text("Sent")

    page.get_by_role("link", name="Record payment").click()
    amount = page.get_by_label("Amount")
    expect(amount).to_be_visible()
    balance = Invoice.objects.get(number=number, organization__slug="demo").balance
    expect(amount).to_have_value(str(balance))  # the form offers the full balance
    page.get_by_role("button", name="Save payment").click()

    expect(badge).to_have_text("Paid")
    expect(page.get_by_test_id("invoice-balance")).to_have_text("$0.00")
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-invoice.png"), full_page=True)
    assert Invoice.objects.get(number=number, organization__slug="demo").status == InvoiceStatus.PAID


def test_technician_sees_no_finalize_button(live_server: Any, demo: None, new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    page = new_page()
    _sign_in(page, live_server.url, "technician")
    expect(page.get_by_test_id("current-role")).to_contain_text("Technician")
    _open_a_draft(page)
    expect(page.locator("h1 .badge")).to_have_text("Draft")
    expect(page.get_by_test_id("invoice-actions").get_by_role("link", name="Edit")).to_be_visible()
    expect(page.get_by_role("button", name="Finalize")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete draft")).to_have_count(0)


def test_invoice_form_line_editor(live_server: Any, demo: None, new_page: Callable[[], Any]) -> None:
    """Product choice fills description and price, rows add and remove, projects follow the customer."""
    from playwright.sync_api import expect

    from customers.models import Project

    project = Project.objects.filter(organization__slug="demo").select_related("customer").first()
    customer = project.customer
    page = new_page()
    _sign_in(page, live_server.url, "dispatcher")
    page.goto(f"{live_server.url}/invoices/new/")

    page.locator("#id_customer").select_option(str(customer.pk))
    # htmx swaps in the customer's projects.
    expect(page.locator("#id_project option", has_text=project.name)).to_have_count(1)
    page.locator("#id_project").select_option(str(project.pk))

    rows = page.locator("tbody[data-lines] tr[data-line]:not(.removed)")
    first = rows.nth(0)
    first.locator("select[name$='-product']").select_option(label="Duct cleaning")
    expect(first.locator("input[name$='-description']")).to_have_value("Duct cleaning — standard rate")
    expect(first.locator("input[name$='-unit_price']")).to_have_value("349.00")
    first.locator("input[name$='-quantity']").fill("2")

    page.get_by_role("button", name="+ Add line").click()
    page.get_by_role("button", name="+ Add line").click()
    page.get_by_role("button", name="+ Add line").click()
    expect(rows).to_have_count(4)
    rows.nth(1).locator("input[name$='-description']").fill("Haul-away fee")
    rows.nth(1).locator("input[name$='-unit_price']").fill("25")
    rows.nth(2).get_by_role("button", name="Remove line").click()
    expect(rows).to_have_count(3)
    # A part takes its product's default tax code; a credit row previews as money taken off.
    part = rows.nth(2)
    part.locator("select[name$='-product']").select_option(label="Smart thermostat")
    expect(part.locator("select[name$='-tax_code'] option:checked")).to_have_text("Springfield sales tax")
    page.get_by_role("button", name="+ Add line").click()
    credit = rows.nth(3)
    credit.locator("select[name$='-kind']").select_option("credit")
    credit.locator("input[name$='-description']").fill("Goodwill")
    credit.locator("input[name$='-unit_price']").fill("23")
    expect(credit.locator("[data-line-amount]")).to_have_text("\u2212$23.00")
    expect(page.locator("[data-preview-subtotal]")).to_have_text("$919.00")
    page.locator("#id_discount_kind").select_option("percent")
    page.locator("#id_discount_value").fill("10")
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-invoice-form.png"), full_page=True)

    page.get_by_role("button", name="Create draft invoice").click()
    expect(page.locator("h1 .badge")).to_have_text("Draft")
    invoice = Invoice.objects.filter(organization__slug="demo").order_by("-id").first()
    # 698 + 25 + 219 - 23 = 919; 10 % off = 91.90; the thermostat's 219 less its 21.90 share is taxed.
    assert (invoice.customer_id, invoice.project_id, str(invoice.subtotal), str(invoice.discount_amount)) == (
        customer.pk, project.pk, "919.00", "91.90")
    assert list(invoice.lines.values_list("description", "kind")) == [
        ("Duct cleaning — standard rate", "item"), ("Haul-away fee", "item"),
        ("Smart thermostat — standard rate", "item"), ("Goodwill", "credit")]
    assert [str(t.taxable_amount) for t in invoice.tax_lines.all()] == ["197.10"] * 3
    expect(page.get_by_test_id("invoice-tax-line")).to_have_count(3)
    expect(page.get_by_test_id("invoice-discount")).to_contain_text("−$91.90")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-invoice-list.png"), full_page=False)
    row = page.locator(f"tr[data-invoice='{invoice.number}']")
    row.get_by_label(f"Actions for {invoice.number}").click()
    expect(row.get_by_role("button", name="Finalize")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-invoice-list-menu.png"), full_page=False)
