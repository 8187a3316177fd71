"""The demo Owner syncs one invoice to QuickBooks from the invoice list's row menu in a real browser:
Sync to QuickBooks → Sync queued → (the queue runs) → Force re-sync with the QBO id. Then the queue banner
on the QuickBooks page, with a failed item retried from the banner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization
from demo.seed import DEMO_SLUG
from integrations.models import ExternalRef, JobState, ObjectType, SyncJob
from invoicing.models import Invoice, InvoiceStatus
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.test_invoice_flow import _sign_in
from tests.integrations.push_helpers import connect_org, drain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QBO_PAGE = "/settings/integrations/quickbooks/"


@pytest.fixture
def connected_demo(transactional_db: None, sim: SimulatorProcess, settings: Any) -> tuple[Organization, str]:
    settings.QBO_ENVIRONMENT = "simulator"
    settings.QBO_SIM_URL = sim.url
    call_command("seed_demo", verbosity=0)
    org = Organization.objects.get(slug=DEMO_SLUG)
    realm = sim.control.create_company("Demo Heating Books")
    connect_org(sim.control, org, realm)  # after the demo data: its invoices are history, pushed on request
    return org, realm


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOT_DIR / f"fsm-push-{name}.png"), full_page=True)


def _row_menu(page: Any, number: str) -> Any:
    """Open the row's actions menu; returns the open panel."""
    row = page.locator(f'tr[data-invoice="{number}"]')
    row.get_by_label(f"Actions for {number}").click()
    return row.locator(".menu-panel")


def test_owner_syncs_an_invoice_from_the_row_menu(live_server: Any, connected_demo: tuple[Organization, str],
                                                  sim: SimulatorProcess, new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    org, realm = connected_demo
    invoice = Invoice.objects.for_org(org).filter(status=InvoiceStatus.SENT).order_by("-issue_date", "-id").first()
    assert invoice is not None and not SyncJob.objects.exists()
    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/invoices/?status=sent")

    menu = _row_menu(page, invoice.number)
    expect(menu.get_by_role("button", name="Sync to QuickBooks")).to_be_enabled()
    _shot(page, "row-menu-sync")
    menu.get_by_role("button", name="Sync to QuickBooks").click()

    expect(page.get_by_text(f"Invoice {invoice.number} is queued for QuickBooks.")).to_be_visible()
    assert page.url.endswith("/invoices/?status=sent")  # back where the person was
    menu = _row_menu(page, invoice.number)
    expect(menu.get_by_role("button", name="Sync queued")).to_be_disabled()
    _shot(page, "row-menu-queued")

    drain()  # the worker's part: claim the job and push it to the simulator
    ref = ExternalRef.objects.get(object_type=ObjectType.INVOICE, local_id=invoice.pk)
    page.reload()
    menu = _row_menu(page, invoice.number)
    expect(menu.get_by_role("button", name="Force re-sync")).to_be_enabled()
    qbo_link = menu.get_by_test_id("qbo-id")
    expect(qbo_link).to_contain_text(f"#{ref.qbo_id}")
    _shot(page, "row-menu-synced")
    assert [i["DocNumber"] for i in sim.control.objects(realm, "Invoice")] == [invoice.number]

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("invoice-actions").get_by_role("button", name="Force re-sync")).to_be_visible()
    expect(page.get_by_test_id("qbo-id")).to_contain_text(f"#{ref.qbo_id}")
    _shot(page, "invoice-detail")


def test_queue_banner_and_retry_from_it(live_server: Any, connected_demo: tuple[Organization, str],
                                        new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    org, _ = connected_demo
    invoices = list(Invoice.objects.for_org(org).filter(status=InvoiceStatus.SENT).order_by("id")[:3])
    conn = org.qbo_connections.get()
    failed = SyncJob.objects.create(
        connection=conn, object_type=ObjectType.INVOICE, local_id=invoices[0].pk, state=JobState.ERROR, attempts=1,
        last_error="QuickBooks refused the invoice: the customer is inactive in QuickBooks.",
        last_error_hint="Make the customer active in QuickBooks, then retry.", last_fault_code="6000")
    failed.new_request_id()
    failed.save()
    for n, invoice in enumerate(invoices[1:], start=1):
        SyncJob.objects.create(connection=conn, object_type=ObjectType.INVOICE, local_id=invoice.pk,
                               state=JobState.BACKOFF, attempts=n,
                               next_attempt_at=timezone.now() + timedelta(minutes=5 * n), request_id=f"r{n}")
    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{QBO_PAGE}")
    banner = page.get_by_test_id("qbo-queue-banner")
    expect(banner.get_by_test_id("qbo-queue-state")).to_have_text("Errors")
    expect(banner.get_by_test_id("qbo-queue-pending")).to_contain_text("2 items pending retry — in backoff")
    expect(banner.get_by_test_id("qbo-queue-error")).to_contain_text("customer is inactive")
    expect(page.get_by_test_id("qbo-nav-badge")).to_have_text("1")
    _shot(page, "banner-errors")

    banner.get_by_role("button", name="Retry").click()  # htmx swaps the banner in place
    expect(banner.get_by_test_id("qbo-queue-notice")).to_contain_text(f"Retrying Invoice {invoices[0].number} now.")
    expect(banner.get_by_test_id("qbo-queue-error")).to_have_count(0)
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) in {(JobState.QUEUED, 0), (JobState.RUNNING, 0), (JobState.DONE, 0)}
    expect(page.get_by_test_id("qbo-nav-badge")).to_have_text("3")  # the badge follows the banner's change
    _shot(page, "banner-after-retry")

    banner.get_by_role("button", name="Sync All Pending").click()
    expect(banner.get_by_test_id("qbo-queue-notice")).to_contain_text(
        "1 item queued to run now. Items in backoff keep their schedule (2 waiting")
    _shot(page, "banner-sync-all")
    drain()  # the worker runs the retried item; the backoff ones wait for their time
    expect(banner.get_by_test_id("qbo-queue-state")).to_have_text("Pending retry")  # the poll catches up
    page.get_by_test_id("qbo-sync-log-link").click()
    expect(page.get_by_role("heading", name="Sync log")).to_be_visible()
    _shot(page, "sync-log")
