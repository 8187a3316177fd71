"""The initial sync in a real browser: the Owner connects, watches the progress bars fill to 100 % without
reloading, reads the summary, and resolves a Needs review pair."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import Organization
from customers.models import Customer
from demo.seed import DEMO_SLUG
from integrations.models import ExternalRef, ImportRun, ImportState, ObjectType, ReviewItem, ReviewState
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.test_invoice_flow import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE = "/settings/integrations/quickbooks/"


@pytest.fixture
def demo(transactional_db: None) -> Organization:
    call_command("seed_demo", verbosity=0)
    return Organization.objects.get(slug=DEMO_SLUG)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOT_DIR / f"fsm-qbo-import-{name}.png"), full_page=True)


def test_owner_watches_the_initial_sync_and_resolves_a_pair(qbo_live: SimulatorProcess, live_server: Any,
                                                            demo: Organization, worker: list[threading.Thread],
                                                            new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    control = qbo_live.control
    realm = control.create_company("Demo Heating Books LLC", seed={"customers": 1500, "items": 30, "projects": 20})
    # The simulator's "Jane Smith" has jane.smith@example.com; ours has another address: a pair to review.
    jane = Customer.objects.create(organization=demo, display_name="Jane Smith", email="jane@demo-local.example")
    control.set_faults(realm, latency_ms=250)  # slow enough to see the bars move

    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{PAGE}")
    page.get_by_test_id("qbo-connect").click()
    page.wait_for_url(f"{qbo_live.url}/connect/oauth2?**")
    page.locator("#email").fill("owner@demo-heating.example")
    page.locator("#realm").select_option(realm)
    page.locator("#authorize").click()
    page.wait_for_url(f"{live_server.url}{PAGE}")

    panel = page.get_by_test_id("qbo-import")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-state", "running", timeout=20_000)
    _shot(page, "1-running")
    expect(panel).to_have_attribute("data-state", "done", timeout=90_000)  # polled in place: no reload
    bars = page.get_by_test_id("qbo-import-bar")
    expect(bars).to_have_count(4)
    for i in range(4):
        expect(bars.nth(i)).to_have_attribute("data-percent", "100")
    summary = page.get_by_test_id("qbo-import-summary")
    expect(summary.locator('[data-key="needs_review"] dd')).to_have_text("1")
    expect(page.get_by_test_id("qbo-import-state")).to_have_text("Finished")
    _shot(page, "2-finished")
    run = ImportRun.objects.get(connection__organization=demo)
    assert run.state == ImportState.DONE and run.progress["customers"]["total"] > 1000

    page.get_by_test_id("qbo-import-review-link").click()
    expect(page.get_by_role("heading", name="Needs review")).to_be_visible()
    pair = page.get_by_test_id("review-item")
    expect(pair).to_have_count(1)
    expect(pair.get_by_test_id("review-qbo")).to_contain_text("jane.smith@example.com")
    expect(pair.get_by_test_id("review-local")).to_contain_text("jane@demo-local.example")
    _shot(page, "3-review")
    pair.get_by_test_id("review-link").click()

    expect(page.locator(".message-success")).to_contain_text("“Jane Smith” linked")
    expect(page.get_by_test_id("review-empty")).to_be_visible()
    item = ReviewItem.objects.get(connection__organization=demo)
    assert item.state == ReviewState.LINKED
    assert ExternalRef.objects.get(object_type=ObjectType.CUSTOMER, local_id=jane.pk).qbo_id == item.qbo_id
    _shot(page, "4-resolved")
