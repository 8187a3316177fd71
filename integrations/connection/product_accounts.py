"""Mappings: products, one product at a time. A product may post its sales to another QBO Income account than
its type's (`ProductIncomeAccount`); the push takes the product's own choice first (push/handlers/item.py).
Set on the product page (templatetags/qbo_product.py) and through the API (api_company.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from integrations.models import ProductIncomeAccount, QuickBooksConnection
from integrations.push.enqueue import sync_enqueue
from invoicing.models import Product

# How the type's default reads when no account was chosen for the type and none looked up yet (the push
# then takes the company's first income account named like "service", else its first).
COMPANY_DEFAULT = "the company's first service income account"


@dataclass(frozen=True)
class ProductIncomeChoice:
    account_id: str  # "" = the type's default
    account_name: str
    type_default_id: str  # "" = not known yet (the company default, looked up on the first push)
    type_default_name: str


def _names(connection: QuickBooksConnection) -> dict[str, str]:
    return {a["id"]: a["name"] for a in connection.qbo_income_accounts}


def product_income_choice(*, connection: QuickBooksConnection, product: Product) -> ProductIncomeChoice:
    """The product's own account, if one was chosen, and what its type posts to otherwise."""
    names = _names(connection)
    own = (ProductIncomeAccount.objects.filter(connection=connection, product=product)
           .values_list("account_id", flat=True).first()) or ""
    default = str(connection.income_account_by_type.get(product.type) or connection.income_account_qbo_id or "")
    return ProductIncomeChoice(own, names.get(own, own), default, names.get(default, "") or COMPANY_DEFAULT)


@transaction.atomic
def product_income_account_set(*, connection: QuickBooksConnection, product: Product,
                               account_id: str) -> bool:
    """The Income account this product's sales post to ("" = its type's). Must be one of the company's Income
    accounts as last read. Queues the product's push so its QBO item carries it; False when products are not
    synced (the preferences) or the connection is not active."""
    if product.organization_id != connection.organization_id:
        raise ValidationError("Choose a product of this organization.")
    if account_id and account_id not in _names(connection):
        raise ValidationError("Choose one of the QuickBooks company's income accounts (re-read the company "
                              "settings if it was added there since).")
    if account_id:
        ProductIncomeAccount.objects.update_or_create(connection=connection, product=product,
                                                      defaults={"account_id": account_id})
    else:
        ProductIncomeAccount.objects.filter(connection=connection, product=product).delete()
    return sync_enqueue(organization=product.organization, obj=product, by_person=True) is not None


@dataclass(frozen=True)
class IncomeOverrides:
    count: int
    names: list[str]  # the first few, by name
    more: int  # how many are not named


def product_income_overrides(*, connection: QuickBooksConnection, limit: int = 5) -> IncomeOverrides:
    """How many products have their own income account, with the names of the first `limit` of them."""
    rows = ProductIncomeAccount.objects.filter(connection=connection)
    names = list(rows.order_by("product__name").values_list("product__name", flat=True)[:limit])
    count = rows.count() if len(names) == limit else len(names)
    return IncomeOverrides(count, names, count - len(names))


def product_income_forget_gone(connection: QuickBooksConnection) -> None:
    """After a re-read: a product's account gone (or inactive) since posts to its type's again."""
    (ProductIncomeAccount.objects.filter(connection=connection)
     .exclude(account_id__in=list(_names(connection))).delete())
