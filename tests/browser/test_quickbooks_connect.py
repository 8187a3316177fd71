"""The demo Owner connects QuickBooks in a real browser: our page → the simulator's authorize page →
back, Connected; disconnect with a confirmation; reconnect. Dispatchers and Starter see what they may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import Organization, Plan, Role
from accounts.services import member_add, organization_create
from customers.models import Customer
from demo.seed import DEMO_PASSWORD, DEMO_SLUG
from integrations.models import ExternalRef, QuickBooksConnection
from integrations.qbo.errors import QboReauthorizationRequired
from integrations.qbo.tokens import access_token_for
from invoicing.models import Invoice
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
    page.screenshot(path=str(SCREENSHOT_DIR / f"fsm-qbo-{name}.png"), full_page=True)


def _authorize_at_intuit(page: Any, sim_url: str, realm_id: str) -> None:
    """The simulator's authorize page, as a person uses it (ids from qbo_sim/pages.py)."""
    page.wait_for_url(f"{sim_url}/connect/oauth2?**")
    page.locator("#email").fill("owner@demo-heating.example")
    page.locator("#realm").select_option(realm_id)
    page.locator("#authorize").click()


def test_owner_connects_disconnects_and_reconnects(qbo_live: SimulatorProcess, live_server: Any, demo: Organization,
                                                   new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    realm = qbo_live.control.create_company("Demo Heating Books LLC")
    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.get_by_test_id("nav-quickbooks").click()
    expect(page.get_by_role("heading", name="QuickBooks Online")).to_be_visible()
    expect(page.get_by_test_id("qbo-status-label")).to_have_text("Not connected")
    _shot(page, "1-not-connected")

    page.get_by_test_id("qbo-connect").click()
    _authorize_at_intuit(page, qbo_live.url, realm)

    page.wait_for_url(f"{live_server.url}{PAGE}")
    expect(page.locator(".message-success")).to_contain_text("Connected to QuickBooks company “Demo Heating Books LLC”")
    expect(page.get_by_test_id("qbo-status-label")).to_have_text("Connected")
    expect(page.get_by_test_id("qbo-environment")).to_have_text("Simulator")
    expect(page.get_by_test_id("qbo-company")).to_have_text("Demo Heating Books LLC")
    expect(page.get_by_test_id("qbo-realm")).to_have_text(realm)
    expect(page.get_by_test_id("qbo-audit")).to_contain_text("Connected")
    _shot(page, "2-connected")
    conn = QuickBooksConnection.objects.get(organization=demo)

    # The panel follows the connection without a reload: QuickBooks drops the grant, a worker finds out.
    page.evaluate("window.stillTheSamePage = true")
    qbo_live.control.revoke(realm)
    with pytest.raises(QboReauthorizationRequired):
        access_token_for(connection_id=conn.pk, failed_token=conn.access_token)
    expect(page.get_by_test_id("qbo-status-label")).to_have_text("Authorization expired", timeout=20_000)
    expect(page.get_by_test_id("qbo-auth-expired")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    _shot(page, "2b-auth-expired")

    ExternalRef.objects.create(connection=conn, object_type="customer",
                               local_id=Customer.objects.for_org(demo).first().pk, qbo_id="1001")
    customers, invoices = Customer.objects.for_org(demo).count(), Invoice.objects.for_org(demo).count()

    page.get_by_test_id("qbo-disconnect").click()
    expect(page.get_by_role("heading", name="Disconnect QuickBooks?")).to_be_visible()
    _shot(page, "3-confirm")
    page.get_by_test_id("qbo-disconnect-submit").click()

    page.wait_for_url(f"{live_server.url}{PAGE}")
    expect(page.get_by_test_id("qbo-status-label")).to_have_text("Disconnected")
    expect(page.locator(".message-success")).to_contain_text("Customers, invoices and their QuickBooks links are kept")
    _shot(page, "4-disconnected")
    assert (Customer.objects.for_org(demo).count(), Invoice.objects.for_org(demo).count()) == (customers, invoices)
    assert ExternalRef.objects.filter(connection=conn).count() == 1
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(page.get_by_text(f"of {customers}")).to_be_visible()

    page.get_by_test_id("nav-quickbooks").click()
    page.get_by_test_id("qbo-connect").click()
    _authorize_at_intuit(page, qbo_live.url, realm)

    page.wait_for_url(f"{live_server.url}{PAGE}")
    expect(page.get_by_test_id("qbo-status-label")).to_have_text("Connected")
    expect(page.get_by_test_id("qbo-audit")).to_contain_text("Reconnected")
    _shot(page, "5-reconnected")
    assert list(QuickBooksConnection.objects.filter(organization=demo).values_list("pk", flat=True)) == [conn.pk]
    assert ExternalRef.objects.filter(connection=conn).count() == 1


def test_dispatcher_sees_status_without_buttons_and_posts_are_refused(
        qbo_live: SimulatorProcess, live_server: Any, demo: Organization, new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    page = new_page()
    _sign_in(page, live_server.url, "dispatcher")
    page.get_by_test_id("nav-quickbooks").click()

    expect(page.get_by_test_id("qbo-status")).to_be_visible()
    expect(page.get_by_test_id("qbo-read-only")).to_be_visible()
    for control in ("qbo-connect", "qbo-disconnect", "qbo-save-preferences"):
        expect(page.get_by_test_id(control)).to_have_count(0)
    expect(page.locator("#qbo-preferences input[type=checkbox]").first).to_be_disabled()
    _shot(page, "6-dispatcher")
    # The browser's own session and CSRF token: a refusal here is the role, not a missing token.
    statuses = page.evaluate("""async (urls) => {
        // The page's token, as htmx sends it (the CSRF cookie is HttpOnly: no script reads it).
        const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
        const out = [];
        for (const url of urls) {
            const r = await fetch(url, {method: 'POST', headers: {'X-CSRFToken': token}, body: new FormData()});
            out.push([r.status, (await r.text()).includes('integration.manage')]);
        }
        return out;
    }""", [f"{PAGE}connect/", f"{PAGE}disconnect/", f"{PAGE}preferences/"])
    assert statuses == [[403, True]] * 3
    assert not QuickBooksConnection.objects.exists()


def test_starter_sees_the_upgrade_notice(qbo_live: SimulatorProcess, live_server: Any, transactional_db: None,
                                         new_page: Callable[[], Any]) -> None:
    from playwright.sync_api import expect

    starter = organization_create(name="Corner Plumbing", plan=Plan.STARTER, slug="corner-plumbing")
    member_add(organization=starter, username="corner-owner", role=Role.OWNER, password=DEMO_PASSWORD)
    page = new_page()
    _sign_in(page, live_server.url, "corner-owner")
    page.get_by_test_id("nav-quickbooks").click()

    expect(page.get_by_test_id("qbo-upgrade")).to_contain_text("How to upgrade")
    expect(page.get_by_test_id("qbo-connect")).to_have_count(0)
    _shot(page, "7-starter")


def test_owner_switches_company_only_after_the_confirmation(
        qbo_live: SimulatorProcess, live_server: Any, demo: Organization, worker: list[Any],
        new_page: Callable[[], Any]) -> None:
    """Issue 11.3 in a browser: connect A (its initial sync pushes and imports), disconnect, connect B:
    a page names both companies and nothing reaches B until the Owner presses Switch; B's sync then
    links the customer it already has instead of creating it again."""
    from playwright.sync_api import expect

    control = qbo_live.control
    realm_a, realm_b = control.create_company("Alder Books A"), control.create_company("Birch Books B")
    shared = Customer.objects.for_org(demo).order_by("pk").first()
    control.entities(realm_b, "Customer", {"DisplayName": shared.display_name,
                                           **({"PrimaryEmailAddr": {"Address": shared.email}} if shared.email else {})})
    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{PAGE}")
    page.get_by_test_id("qbo-connect").click()
    _authorize_at_intuit(page, qbo_live.url, realm_a)
    page.wait_for_url(f"{live_server.url}{PAGE}")
    expect(page.get_by_test_id("qbo-import")).to_have_attribute("data-state", "done", timeout=90_000)
    page.get_by_test_id("qbo-disconnect").click()
    page.get_by_test_id("qbo-disconnect-submit").click()
    expect(page.get_by_test_id("qbo-status-label")).to_have_text("Disconnected")

    page.get_by_test_id("qbo-connect").click()
    _authorize_at_intuit(page, qbo_live.url, realm_b)

    page.wait_for_url(f"{live_server.url}{PAGE}switch/")
    expect(page.get_by_role("heading", name="Switch to a different QuickBooks company?")).to_be_visible()
    expect(page.get_by_test_id("qbo-switch-old")).to_have_text("Alder Books A")
    expect(page.get_by_test_id("qbo-switch-new")).to_have_text("Birch Books B")
    expect(page.get_by_test_id("qbo-switch-confirm")).to_contain_text("kept but not used")
    _shot(page, "8-switch-confirm")
    writes_to_b = [r for r in control.requests() if r["realm"] == realm_b and r["method"] == "POST"]
    assert writes_to_b == []
    assert [c["DisplayName"] for c in control.objects(realm_b, "Customer")] == [shared.display_name]

    page.get_by_test_id("qbo-switch-submit").click()

    page.wait_for_url(f"{live_server.url}{PAGE}")
    expect(page.locator(".message-success")).to_contain_text("Connected to QuickBooks company “Birch Books B”")
    expect(page.get_by_test_id("qbo-company")).to_have_text("Birch Books B")
    expect(page.get_by_test_id("qbo-import")).to_have_attribute("data-state", "done", timeout=90_000)
    _shot(page, "9-switched")
    conn_b = QuickBooksConnection.objects.get(organization=demo, realm_id=realm_b)
    names = [c["DisplayName"] for c in control.objects(realm_b, "Customer")]
    assert names.count(shared.display_name) == 1  # matched, not created twice
    ref = ExternalRef.objects.get(connection=conn_b, object_type="customer", local_id=shared.pk)
    assert ref.qbo_id == next(str(c["Id"]) for c in control.objects(realm_b, "Customer")
                              if c["DisplayName"] == shared.display_name)
    assert ExternalRef.objects.filter(connection__realm_id=realm_a).exists()  # A's links are kept
