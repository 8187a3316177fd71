"""A bookkeeper records a payment in QuickBooks (the simulator); its webhook reaches the app's live server,
the worker (Celery, run in-process here) applies it, and the Owner's invoice list shows the invoice Paid."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import Membership, Organization, Role
from fsm.celery import app as celery_app
from integrations.models import ExternalRef
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import SCREENSHOT_DIR
from tests.conftest import PASSWORD
from tests.integrations.inbound_helpers import webhooks_to
from tests.integrations.push_helpers import connect_org, drain

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextmanager
def _eager() -> Iterator[None]:
    """Celery tasks run where they are sent: the webhook's doorbell runs the worker's task in the live
    server's thread, as a worker would right after the delivery was stored."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before


def test_payment_recorded_in_quickbooks_turns_the_invoice_paid_in_the_list(
        live_server: LiveServer, qbo_live: SimulatorProcess, org: Organization,
        member: Callable[[Organization, str], Membership], make_invoice: Callable[..., Invoice],
        new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    control = qbo_live.control
    realm = control.create_company("Browser Payment Books")
    connect_org(control, org, realm)
    owner = member(org, Role.OWNER)
    invoice = make_invoice(org, lines=[("3", "95.00")])
    lifecycle.invoice_finalize(invoice=invoice)
    drain()  # the invoice and its customer are in QuickBooks
    invoice_id = ExternalRef.objects.get(object_type="invoice", local_id=invoice.pk).qbo_id
    customer_id = ExternalRef.objects.get(object_type="customer", local_id=invoice.customer_id).qbo_id

    page = new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(owner.user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/invoices/")
    row = page.get_by_test_id("invoice-table").locator("tbody tr", has_text=invoice.number)
    expect(row.locator(".badge")).to_have_text("Generated")

    with webhooks_to(live_server, control, settings.QBO_WEBHOOK_VERIFIER_TOKEN) as hooks, _eager():
        control.entities(realm, "Payment", {"CustomerRef": {"value": customer_id}, "TotalAmt": 285.0, "Line": [
            {"Amount": 285.0, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}]})
        hooks.settle()  # delivered, stored, and applied by the doorbell task before the 200
        page.reload()
        expect(row.locator(".badge")).to_have_text("Paid")
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-qbo-payment-paid.png"), full_page=True)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

