"""The invoice settings page says, under the discount setting, what the connected QuickBooks company does
with a discount: a UK company (always taxes the discounted amount) with discounts switched off (the discount
goes into the line prices). Seen in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import Organization
from demo.seed import DEMO_SLUG
from integrations.connection.company import company_reread
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.test_invoice_flow import _sign_in
from tests.integrations.push_helpers import connect_org

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invoice_settings_note_the_quickbooks_company_discount_rules(
        live_server: LiveServer, sim: SimulatorProcess, settings: Settings, new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    settings.QBO_ENVIRONMENT = "simulator"
    settings.QBO_SIM_URL = sim.url
    call_command("seed_demo", verbosity=0)
    org = Organization.objects.get(slug=DEMO_SLUG)
    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/settings/invoicing/")
    expect(page.get_by_label("Apply tax after the discount", exact=False).first).to_be_visible()
    expect(page.get_by_test_id("qbo-discount-note-non-us")).to_have_count(0)

    realm = sim.control.create_company("Thames Heating Ltd", kind="uk", preferences={"AllowDiscount": False})
    company_reread(connection=connect_org(sim.control, org, realm))
    page.goto(f"{live_server.url}/settings/invoicing/")
    expect(page.get_by_test_id("qbo-discount-note-non-us")).to_contain_text(
        "Your QuickBooks company (GB) always taxes the discounted amount")
    expect(page.get_by_test_id("qbo-discount-note-off")).to_contain_text("put into its line prices")
    page.screenshot(path=str(SCREENSHOT_DIR / "fsm-invoice-settings-discount-note.png"), full_page=True)
