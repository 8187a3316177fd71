"""An Owner bills a new customer in a real browser: creates the customer and a three-line invoice, finalizes
and sends it; the dev SMTP server receives one message whose PDF shows the right total, the print view shows
the same invoice, and the dev inbox (staff) opens the message and its PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from customers.models import Customer
from demo.seed import DEMO_PASSWORD, SUPERUSER
from devinbox.mailbox import attachment_get
from invoicing.email_delivery import invoice_email_deliver
from invoicing.models import EmailStatus, Invoice, InvoiceEmail, InvoiceStatus
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.test_invoice_flow import _sign_in
from tests.conftest import DevMail, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 2 × Smart thermostat 219.00 (Springfield: state 6.25 % + county 1 % + city 1.625 %) + Thermostat install
# 85.00 (Illinois state only: 6.25 %) + Haul-away fee 25.00 (no tax) = 548.00; 10 % off = 54.80, taken before
# tax: state 6.25 % of 394.20 + 76.50 = 29.42, county 1 % of 394.20 = 3.94, city 1.625 % of 394.20 = 6.41.
SUBTOTAL, DISCOUNT, TOTAL = "$548.00", "$54.80", "$532.97"
TAXES = ("Illinois state 6.25%", "$29.42", "Sangamon County 1%", "$3.94", "Springfield city 1.625%", "$6.41")


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", verbosity=0)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOT_DIR / f"fsm-email-{name}.png"), full_page=True)


def _create_customer(page: Any, base_url: str) -> Customer:
    page.goto(f"{base_url}/customers/")
    page.get_by_role("link", name="+ New customer").click()
    page.get_by_label("Display name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@engines.example")
    page.get_by_label("Address line 1").fill("12 Analytical Way")
    page.get_by_label("City").fill("London")
    page.get_by_role("button", name="Create customer").click()
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    return Customer.objects.get(display_name="Ada Lovelace")


def _create_invoice(page: Any, base_url: str, customer: Customer) -> Invoice:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/invoices/new/")
    page.locator("#id_customer").select_option(str(customer.pk))
    rows = page.locator("tbody[data-lines] tr[data-line]:not(.removed)")
    page.get_by_role("button", name="+ Add line").click()
    page.get_by_role("button", name="+ Add line").click()
    expect(rows).to_have_count(3)
    rows.nth(0).locator("select[name$='-product']").select_option(label="Smart thermostat")
    rows.nth(0).locator("input[name$='-quantity']").fill("2")
    expect(rows.nth(0).locator("select[name$='-tax_code'] option:checked")).to_have_text("Springfield sales tax")
    rows.nth(1).locator("select[name$='-product']").select_option(label="Thermostat install")
    rows.nth(1).locator("select[name$='-tax_code']").select_option(label="Illinois state only")
    rows.nth(2).locator("input[name$='-description']").fill("Haul-away fee")
    rows.nth(2).locator("input[name$='-unit_price']").fill("25")
    rows.nth(2).locator("input[name$='-quantity']").fill("1")
    rows.nth(2).locator("select[name$='-tax_code']").select_option(label="No tax")
    expect(page.locator("[data-preview-subtotal]")).to_have_text(SUBTOTAL)
    page.locator("#id_discount_kind").select_option("percent")
    page.locator("#id_discount_value").fill("10")
    page.get_by_role("button", name="Create draft invoice").click()
    expect(page.locator("h1 .badge")).to_have_text("Draft")
    return Invoice.objects.filter(customer=customer).get()


def test_owner_emails_a_new_invoice_and_the_pdf_and_print_view_agree(
        live_server: Any, demo: None, dev_mail: DevMail, settings: Any, new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    settings.FSM_DEV_INBOX = True
    page = new_page()
    violations: list[str] = []  # the print view and the dev inbox run under the site's CSP too
    page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text else None)
    base = live_server.url
    _sign_in(page, base, "owner")
    customer = _create_customer(page, base)
    invoice = _create_invoice(page, base, customer)
    assert str(invoice.total) == TOTAL[1:]

    badge = page.locator("h1 .badge")
    page.get_by_role("button", name="Finalize").click()
    expect(badge).to_have_text("Generated")
    page.get_by_test_id("invoice-actions").get_by_role("link", name="Send", exact=True).click()
    expect(page.get_by_label("To")).to_have_value("ada@engines.example")
    _shot(page, "send-panel")
    page.get_by_role("button", name="Send invoice").click()
    expect(page.get_by_text(f"Invoice {invoice.number} is being emailed to ada@engines.example")).to_be_visible()
    expect(badge).to_have_text("Generated")  # not sent until the mail server accepts it

    [email] = InvoiceEmail.objects.filter(invoice=invoice)
    invoice_email_deliver(email_id=email.pk)  # the worker's part: render the PDF and send over SMTP
    page.reload()
    expect(badge).to_have_text("Sent")
    expect(page.get_by_test_id("emails").locator("tr[data-email-status='sent']")).to_have_count(1)
    _shot(page, "invoice-sent")

    [caught] = dev_mail.messages()
    assert caught.to == "ada@engines.example" and caught.subject == f"Invoice {invoice.number} from Demo Heating & Cooling"
    raw = (dev_mail.directory / caught.name).read_bytes()
    assert b"Content-Type: application/pdf" in raw
    text = pdf_text(_attachment(dev_mail, caught.name))
    for expected in (invoice.number, "Ada Lovelace", "12 Analytical Way", "Smart thermostat", "Thermostat install",
                     "Haul-away fee", SUBTOTAL, "Discount 10%", DISCOUNT, *TAXES, TOTAL, "HOW TO PAY"):
        assert expected in text, expected

    page.goto(f"{base}/invoices/{invoice.pk}/print/")
    expect(page.get_by_test_id("doc-total")).to_have_text(TOTAL)
    expect(page.locator(".business-name")).to_have_css("font-weight", "700")  # the stylesheet applied
    page.evaluate("window.print = () => { window.printed = true; }")  # headless: note the call instead
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") is True
    shown = page.locator("body").inner_text()
    for expected in (invoice.number, "Ada Lovelace", "12 Analytical Way", "Haul-away fee", SUBTOTAL,
                     "Discount 10%", DISCOUNT, *TAXES, TOTAL):
        assert expected in shown, expected
    _shot(page, "print-view")

    page.get_by_role("link", name="Back to the invoice").click()
    expect(page.get_by_role("link", name="Dev inbox")).to_have_count(0)  # staff only; the Owner is not staff
    page = new_page()  # the demo's superuser (staff) reads the dev inbox
    page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text else None)
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(SUPERUSER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(f"{base}/dev/inbox/")
    _shot(page, "dev-inbox")
    page.get_by_role("link", name=f"Invoice {invoice.number} from Demo Heating & Cooling").click()
    expect(page.get_by_test_id("message-text")).to_contain_text(f"Total:          {TOTAL}")
    with page.expect_download() as download:
        page.get_by_test_id("attachment").click()
    assert download.value.suggested_filename == f"invoice-{invoice.number}.pdf"
    assert TOTAL in pdf_text(Path(download.value.path()).read_bytes())
    _shot(page, "dev-inbox-message")
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.SENT
    assert InvoiceEmail.objects.get().status == EmailStatus.SENT
    assert violations == []


def _attachment(dev_mail: DevMail, name: str) -> bytes:
    found = attachment_get(dev_mail.directory, name, 0)
    assert found is not None
    return found[1]
