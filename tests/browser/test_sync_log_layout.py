"""The sync log fits a 1280 px wide window: no column (the message) is cut off behind a scrollbar."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from accounts.models import Membership, Organization, Role
from customers.models import Customer
from integrations.models import ObjectType, SyncAttempt
from tests.browser.conftest import SCREENSHOT_DIR
from tests.conftest import PASSWORD
from tests.integrations.push_ui_helpers import db_connection

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sync_log_fits_1280_pixels(live_server: LiveServer, org: Organization,
                                       member: Callable[[Organization, str], Membership],
                                       make_customer: Callable[..., Customer], new_page: Callable[[], Page]) -> None:
    owner = member(org, Role.OWNER)
    customer: Customer = make_customer(org, "Maple Street Dental (Amelia Hernández-Castellanos)")
    conn = db_connection(org)
    for n in range(3):
        SyncAttempt.objects.create(
            connection=conn, object_type=ObjectType.CUSTOMER, local_id=customer.pk, operation="upsert",
            outcome="retry", started_at=timezone.now(), http_status=503, fault_code="10000",
            intuit_tid=f"1-6a3f9c2e-4b1d-4e8f-9a7c-2d5e8f1b3c{n:02d}", duration_ms=5042,
            message="QuickBooks is temporarily unavailable (503). The sync will retry on its own with backoff.")
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(owner.user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/settings/integrations/quickbooks/sync-log/")
    sizes = page.evaluate("""() => { const t = document.querySelector('[data-testid=sync-log-table]');
        return {table: t.scrollWidth, room: t.parentElement.clientWidth, page: document.documentElement.scrollWidth}; }""")
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-sync-log-1280.png"), full_page=True)
    assert sizes["table"] <= sizes["room"], sizes
    assert sizes["page"] <= 1280, sizes
    message = page.get_by_test_id("sync-log-row").first.locator(".qbo-log-msg")
    box = message.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280
