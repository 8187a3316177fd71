"""US automated sales tax in a real browser: an invoice pushed to an AST company comes back with QuickBooks'
own tax; the invoice page shows both figures and "Use QuickBooks' tax (X)"; the Owner presses it, the
totals follow, the update reaches QuickBooks and the difference is gone."""

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
from invoicing.models import TaxCode
from invoicing.services import LineInput, invoice_create
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import SCREENSHOT_DIR, DemoBooks
from tests.browser.test_invoice_flow import _sign_in
from tests.integrations.push_helpers import drain

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOT_DIR / f"fsm-ast-tax-{name}.png"), full_page=True)


def test_owner_takes_quickbooks_tax_on_the_invoice_page(live_server: LiveServer, sim: SimulatorProcess,
                                                        demo_books: DemoBooks, new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    org, realm, conn = demo_books("Sunbelt Heating Books", kind="us_ast")
    springfield = TaxCode.objects.get(organization=org, name="Springfield sales tax")
    customer = Customer.objects.for_org(org).order_by("id").first()
    assert customer is not None
    invoice = invoice_create(organization=org, customer=customer, issue_date=date.today(),
                             lines=[LineInput(description="Furnace tune-up", quantity=Decimal(1),
                                              unit_price=Decimal("180.00"), tax_code=springfield, taxable=True)])
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    theirs = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk).qbo_total_tax
    assert theirs is not None and theirs != invoice.tax_amount
    ours = invoice.tax_amount

    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("qbo-tax-differs")).to_have_text(f"QuickBooks computed tax {theirs}, ours {ours}.")
    expect(page.get_by_test_id("invoice-tax")).to_have_text(f"${ours}")
    button = page.get_by_test_id("qbo-take-tax")
    expect(button).to_have_text(f"Use QuickBooks' tax ({theirs})")
    _shot(page, "1-differs")

    button.click()
    expect(page.locator(".message-success")).to_contain_text(f"now uses QuickBooks' tax ({theirs})")
    total = Decimal("180.00") + theirs
    expect(page.get_by_test_id("invoice-tax")).to_have_text(f"${theirs}")
    expect(page.get_by_test_id("invoice-total")).to_have_text(f"${total}")
    expect(page.get_by_test_id("invoice-balance")).to_have_text(f"${total}")
    expect(page.get_by_test_id("invoice-tax-override")).to_contain_text(
        "taken from QuickBooks automated sales tax by owner")
    expect(page.get_by_test_id("invoice-tax-line")).to_have_count(1)
    expect(page.get_by_test_id("qbo-tax-differs")).to_have_count(0)
    expect(page.get_by_test_id("qbo-take-tax")).to_have_count(0)
    _shot(page, "2-taken")

    drain()  # the worker's turn: the update reaches QuickBooks, whose engine computes the same tax
    job = SyncJob.objects.filter(connection=conn, object_type="invoice", local_id=invoice.pk).latest("id")
    assert job.state == JobState.DONE, job.last_error
    # Found through its mapping: a company that numbers invoices itself gets no DocNumber of ours.
    qbo_id = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk).qbo_id
    [sent] = [i for i in sim.control.objects(realm, "Invoice") if i["Id"] == qbo_id]
    assert Decimal(str(sent["TotalAmt"])) == total
    page.reload()
    expect(page.get_by_test_id("invoice-total")).to_have_text(f"${total}")
    expect(page.get_by_test_id("qbo-tax-differs")).to_have_count(0)
    _shot(page, "3-synced")


def test_after_sending_the_page_keeps_both_figures_and_says_why(live_server: LiveServer, sim: SimulatorProcess,
                                                                demo_books: DemoBooks,
                                                                new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    org, _, _ = demo_books("Sunbelt Sent Books", kind="us_ast")
    springfield = TaxCode.objects.get(organization=org, name="Springfield sales tax")
    customer = Customer.objects.for_org(org).order_by("id").first()
    assert customer is not None
    invoice = invoice_create(organization=org, customer=customer, issue_date=date.today(),
                             lines=[LineInput(description="Boiler repair", quantity=Decimal(1),
                                              unit_price=Decimal("240.00"), tax_code=springfield, taxable=True)])
    lifecycle.invoice_finalize(invoice=invoice)
    lifecycle.invoice_send(invoice=invoice)
    drain()
    invoice.refresh_from_db()

    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("qbo-tax-differs")).to_contain_text(f"ours {invoice.tax_amount}")
    expect(page.get_by_test_id("qbo-take-tax")).to_have_count(0)
    expect(page.get_by_test_id("qbo-tax-kept")).to_contain_text(
        "was already sent to the customer; the tax they were sent stays as it is")
    _shot(page, "4-sent")
