"""Issue 16: one product posts its sales to another income account than its type's. The Owner chooses it on
the product page (or through the API); saving queues the product's push, and the item in QuickBooks (the
simulator over HTTP) carries the product's account over the type's; cleared, the type's again. A bad
account id, a stale form, another role or another organization's product change nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from integrations.connection.company import income_account_set
from integrations.models import ProductIncomeAccount, QuickBooksConnection
from invoicing.models import Product, ProductType
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import drain
from tests.integrations.test_income_accounts import _account, _posts_to
from tests.integrations.test_push_books_match import PAGE, _connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def conn(qbo: Qbo, org: Organization) -> QuickBooksConnection:
    return _connect(qbo, org, "us_manual")


@pytest.fixture
def duct(org: Organization) -> Product:
    product = Product.objects.create(organization=org, name="Duct cleaning", unit_price=Decimal("240.00"),
                                     type=ProductType.SERVICE)
    drain()
    return product


def _save(client: Client, product: Product, data: dict[str, str]) -> str:
    answer = client.post(f"{PAGE}mappings/products/{product.pk}/income-account/", data, follow=True)
    assert answer.status_code == 200
    return answer.content.decode()


def test_owner_chooses_a_products_own_account_on_its_page(conn: QuickBooksConnection, org: Organization, duct: Product,
                                                          owner_client: Client,
                                                          client_for: Callable[[Organization, str], Client]) -> None:
    services, goods = _account(conn, "Services"), _account(conn, "Sales of Product Income")
    income_account_set(connection=conn, product_type=ProductType.SERVICE, account_id=services)
    conn.refresh_from_db()
    assert _posts_to(conn, duct) == services
    edit = f"/products/{duct.pk}/edit/"
    page = owner_client.get(edit).content.decode()
    assert "Income account in QuickBooks" in page and "Type default (Services)" in page

    done = _save(owner_client, duct, {"income_account": goods})
    assert "Duct cleaning posts its sales in QuickBooks to Sales of Product Income; its item is queued" in done
    assert f'<option value="{goods}" selected>' in done  # back on the product page, the choice shown
    drain()
    assert _posts_to(conn, duct) == goods  # the product's own account wins over its type's
    listing = owner_client.get(PAGE).content.decode()
    assert "1 product posts sales to an income account of its own" in listing and "Duct cleaning" in listing

    assert "Choose one of the QuickBooks company&#x27;s income accounts" in _save(owner_client, duct,
                                                                                  {"income_account": "99999"})
    assert "form is out of date; reload the page" in _save(owner_client, duct, {"other": "x"})
    admin = client_for(org, Role.ADMIN)
    assert admin.post(f"{PAGE}mappings/products/{duct.pk}/income-account/", {"income_account": ""}).status_code == 403
    assert ProductIncomeAccount.objects.get(connection=conn, product=duct).account_id == goods  # none of it stuck
    shown = admin.get(edit).content.decode()
    assert "Read-only" in shown and "Income account in QuickBooks:" in shown and "qbo-save-product-income" not in shown

    cleared = _save(owner_client, duct, {"income_account": ""})
    assert "to its type&#x27;s default (Services)" in cleared
    drain()
    assert _posts_to(conn, duct) == services  # cleared: back to the type's
    assert "income account of its own" not in owner_client.get(PAGE).content.decode()


def test_another_organizations_product_is_not_found(conn: QuickBooksConnection, other_org: Organization,
                                                    owner_client: Client) -> None:
    theirs = Product.objects.create(organization=other_org, name="Their part", unit_price=Decimal(1))
    answer = owner_client.post(f"{PAGE}mappings/products/{theirs.pk}/income-account/", {"income_account": ""})
    assert answer.status_code == 404


def test_no_card_and_nothing_saved_without_a_connection(org: Organization, owner_client: Client) -> None:
    part = Product.objects.create(organization=org, name="Filter 16x25", unit_price=Decimal("24.00"))
    assert "Income account in QuickBooks" not in owner_client.get(f"/products/{part.pk}/edit/").content.decode()
    assert "No QuickBooks company is connected" in _save(owner_client, part, {"income_account": "1"})


def test_api_sets_a_products_income_account(conn: QuickBooksConnection, org: Organization, other_org: Organization,
                                            duct: Product,
                                            api_client_for: Callable[[Organization, str], APIClient]) -> None:
    url = f"/api/v1/integrations/quickbooks/products/{duct.pk}/income-account/"
    services, goods = _account(conn, "Services"), _account(conn, "Sales of Product Income")
    owner, admin = api_client_for(org, Role.OWNER), api_client_for(org, Role.ADMIN)
    read = admin.get(url).json()
    assert (read["account"], read["type_default"], read["type_default_name"]) == ("", services, "Services")
    assert [a["name"] for a in read["accounts"]] == ["Services", "Sales of Product Income", "Discounts given"]
    assert admin.patch(url, {"account": goods}, format="json").status_code == 403
    bad = owner.patch(url, {"account": "99999"}, format="json")
    assert bad.status_code == 400 and "income accounts (re-read the company settings" in str(bad.json())
    assert not ProductIncomeAccount.objects.exists()

    done = owner.patch(url, {"account": goods}, format="json")
    assert done.status_code == 200 and done.json()["account"] == goods
    drain()
    assert _posts_to(conn, duct) == goods
    assert owner.patch(url, {"account": ""}, format="json").json()["account"] == ""
    drain()
    assert _posts_to(conn, duct) == services

    theirs = Product.objects.create(organization=other_org, name="Their part", unit_price=Decimal(1))
    other_url = f"/api/v1/integrations/quickbooks/products/{theirs.pk}/income-account/"
    assert owner.get(other_url).status_code == 404
    assert owner.patch(other_url, {"account": goods}, format="json").status_code == 404


def test_api_answers_409_without_a_connection(org: Organization,
                                              api_client_for: Callable[[Organization, str], APIClient]) -> None:
    part = Product.objects.create(organization=org, name="Filter 16x25", unit_price=Decimal("24.00"))
    answer = api_client_for(org, Role.OWNER).get(f"/api/v1/integrations/quickbooks/products/{part.pk}/income-account/")
    assert answer.status_code == 409 and answer.json()["detail"] == "No QuickBooks company is connected."
