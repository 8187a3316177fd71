"""The Owner gives one product its own QuickBooks income account on the product's page in a real browser:
the QuickBooks card offers the type's default and the company's income accounts, Save queues the product's
push, and the item QuickBooks holds posts to the account chosen. The QuickBooks page names the product under
Mappings: products; an Admin sees the choice read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from pytest_django.live_server_helper import LiveServer

from integrations.models import ExternalRef
from invoicing.models import Product
from qbo_sim.testing import SimulatorProcess
from tests.browser.conftest import QBO_PAGE, SCREENSHOT_DIR, DemoBooks
from tests.browser.test_invoice_flow import _sign_in
from tests.integrations.push_helpers import drain

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOT_DIR / f"fsm-product-income-{name}.png"), full_page=True)


def test_owner_gives_a_product_its_own_income_account(live_server: LiveServer, sim: SimulatorProcess,
                                                      demo_books: DemoBooks, new_page: Callable[[], Page]) -> None:
    from playwright.sync_api import expect

    org, realm, conn = demo_books("Oak Lane Books", kind="us_manual")
    duct = Product.objects.get(organization=org, name="Duct cleaning")
    goods = next(a["id"] for a in conn.qbo_income_accounts if a["name"] == "Sales of Product Income")

    page = new_page()
    _sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/products/{duct.pk}/edit/")
    card = page.get_by_test_id("qbo-product-income")
    choice = card.get_by_label("Income account in QuickBooks")
    expect(choice).to_have_value("")  # the type's default until someone chooses
    expect(choice.locator("option").first).to_contain_text("Type default (")
    _shot(page, "1-type-default")

    choice.select_option(label="Sales of Product Income")
    card.get_by_test_id("qbo-save-product-income").click()
    expect(page.locator(".message-success")).to_contain_text(
        "Duct cleaning posts its sales in QuickBooks to Sales of Product Income; its item is queued")
    expect(page.get_by_test_id("qbo-product-income").get_by_label("Income account in QuickBooks")).to_have_value(goods)
    _shot(page, "2-saved")

    drain()  # the worker's turn
    ref = ExternalRef.objects.get(connection=conn, object_type="item", local_id=duct.pk)
    assert sim.control.object(realm, "Item", ref.qbo_id)["IncomeAccountRef"]["value"] == goods

    page.goto(f"{live_server.url}{QBO_PAGE}")
    expect(page.get_by_test_id("qbo-income-overrides")).to_contain_text(
        "1 product posts sales to an income account of its own (chosen on the product's page) instead of the "
        "type's: Duct cleaning.")
    page.get_by_test_id("qbo-income-accounts").screenshot(
        path=str(SCREENSHOT_DIR / "fsm-product-income-3-mappings-products.png"))

    admin = new_page()
    _sign_in(admin, live_server.url, "admin")
    admin.goto(f"{live_server.url}/products/{duct.pk}/edit/")
    read_only = admin.get_by_test_id("qbo-product-income")
    expect(read_only).to_contain_text("Read-only")
    expect(read_only.get_by_test_id("qbo-product-income-value")).to_contain_text("Sales of Product Income")
    expect(read_only.get_by_test_id("qbo-save-product-income")).to_have_count(0)
    _shot(admin, "4-admin-read-only")
