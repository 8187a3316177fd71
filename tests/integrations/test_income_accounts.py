"""Issue 16: Mappings: products. The company's Income accounts are read with its settings; the Owner
chooses one per product type on the QuickBooks page; items pushed afterwards post to it (simulator over
HTTP), a type without a choice to the default, and a bad choice saves nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from integrations.models import ExternalRef, QuickBooksConnection
from integrations.qbo.tokens import client_for
from invoicing.models import Product, ProductType
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import drain
from tests.integrations.test_push_books_match import PAGE, _connect

pytestmark = pytest.mark.django_db
SAVE = PAGE + "mappings/income-accounts/"


@pytest.fixture
def conn(qbo: Qbo, org: Organization) -> QuickBooksConnection:
    return _connect(qbo, org, "us_manual")


def _account(conn: QuickBooksConnection, name: str) -> str:
    return next(a["id"] for a in conn.qbo_income_accounts if a["name"] == name)


def _posts_to(conn: QuickBooksConnection, product: Product) -> str:
    ref = ExternalRef.objects.get(connection=conn, object_type="item", local_id=product.pk)
    return str(client_for(conn).get("Item", ref.qbo_id)["IncomeAccountRef"]["value"])


def test_owner_chooses_an_income_account_per_product_type(conn: QuickBooksConnection, org: Organization,
                                                          owner_client: Client,
                                                          client_for: Callable[[Organization, str], Client]) -> None:
    assert [a["name"] for a in conn.qbo_income_accounts] == ["Services", "Sales of Product Income", "Discounts given"]
    goods = _account(conn, "Sales of Product Income")
    page = owner_client.get(PAGE).content.decode()
    assert "Mappings: products" in page and 'aria-label="Income account for Non-inventory"' in page

    refused = client_for(org, Role.ADMIN).post(SAVE, {"account_non_inventory": goods})
    assert refused.status_code == 403
    bad = owner_client.post(SAVE, {"account_non_inventory": goods, "account_service": "99999"}, follow=True)
    assert "income accounts (re-read the company settings" in bad.content.decode()
    conn.refresh_from_db()
    assert conn.income_account_by_type == {}  # all or nothing: the good half was not kept either

    done = owner_client.post(SAVE, {"account_non_inventory": goods, "account_service": ""}, follow=True)
    assert "post their sales to the income accounts chosen" in done.content.decode()
    conn.refresh_from_db()
    assert conn.income_account_by_type == {ProductType.NON_INVENTORY: goods}

    part = Product.objects.create(organization=org, name="Filter 16x25", unit_price=Decimal("24.00"),
                                  type=ProductType.NON_INVENTORY)
    visit = Product.objects.create(organization=org, name="Service call", unit_price=Decimal("95.00"),
                                   type=ProductType.SERVICE)
    drain()
    assert _posts_to(conn, part) == goods
    assert _posts_to(conn, visit) == _account(conn, "Services")  # no choice: the default ("service" by name)


def test_api_chooses_income_accounts_as_the_page_does(conn: QuickBooksConnection, org: Organization,
                                                      api_client_for: Callable[[Organization, str], APIClient]
                                                      ) -> None:
    url = "/api/v1/integrations/quickbooks/income-accounts/"
    goods = _account(conn, "Sales of Product Income")
    owner, admin = api_client_for(org, Role.OWNER), api_client_for(org, Role.ADMIN)
    listed = admin.get(url).json()
    assert listed["income_accounts"] == [{"product_type": "service", "account": ""},
                                         {"product_type": "non_inventory", "account": ""}]
    assert [a["name"] for a in listed["accounts"]] == ["Services", "Sales of Product Income", "Discounts given"]
    choice = {"income_accounts": [{"product_type": "non_inventory", "account": goods}]}
    assert admin.patch(url, choice, format="json").status_code == 403
    bad = owner.patch(url, {"income_accounts": [{"product_type": "non_inventory", "account": goods},
                                                {"product_type": "service", "account": "99999"}]}, format="json")
    assert bad.status_code == 400 and "income accounts (re-read the company settings" in str(bad.json())
    conn.refresh_from_db()
    assert conn.income_account_by_type == {}  # all or nothing
    done = owner.patch(url, choice, format="json")
    assert done.status_code == 200
    assert done.json()["income_accounts"][1] == {"product_type": "non_inventory", "account": goods}
    part = Product.objects.create(organization=org, name="Capacitor 45/5", unit_price=Decimal("31.00"),
                                  type=ProductType.NON_INVENTORY)
    drain()
    assert _posts_to(conn, part) == goods
