"""The Owner sees the QuickBooks company's currency setting on the QuickBooks page in a real browser: a
multicurrency company's home currency, and that this organization is taken to bill in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import SCREENSHOT_DIR, DemoBooks
from tests.browser.test_invoice_flow import _sign_in

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_company_card_shows_multicurrency_and_the_home_currency(live_server: LiveServer, demo_books: DemoBooks,
                                                                 new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    demo_books("Maple Multicurrency Books", kind="ca", preferences={"MultiCurrencyEnabled": True})
    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/settings/integrations/quickbooks/")
    currency = page.get_by_test_id("qbo-company-currency")
    expect(currency).to_contain_text("home currency CAD · multicurrency on")
    expect(currency).to_contain_text("This organization is taken to bill in CAD")
    page.get_by_test_id("qbo-company-settings").screenshot(path=str(SCREENSHOT_DIR / "fsm-company-currency.png"))
