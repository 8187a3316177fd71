"""Issue 16: items speak the tax-code mappings both ways in a VAT/GST company (simulator over HTTP). A pushed
product carries its mapped code as the item's SalesTaxCodeRef; an item made in QuickBooks after connecting
comes back as a product with the local code mapped to its SalesTaxCodeRef."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from accounts.models import Organization
from integrations.connection.company import company_reread
from integrations.inbound.cdc import cdc_sweep
from integrations.models import ExternalRef, QuickBooksConnection, TaxCodeMap
from integrations.qbo.tokens import client_for
from invoicing.models import Product, TaxCode, TaxRate
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain

pytestmark = pytest.mark.django_db
UK_STANDARD, UK_REDUCED = "10", "11"  # the simulator's UK codes "20.0% S" and "5.0% R" (qbo_sim/kinds.py)


def _code(org: Organization, name: str, rate: str) -> TaxCode:
    code = TaxCode.objects.create(organization=org, name=name)
    code.rates.add(TaxRate.objects.create(organization=org, name=name, rate=Decimal(rate)))
    return code


def _uk(qbo: Qbo, org: Organization) -> tuple[QuickBooksConnection, TaxCode, TaxCode]:
    standard, reduced = _code(org, "20.0% S", "20"), _code(org, "Reduced rate", "5")
    realm = qbo.control.create_company("Thames Heating Ltd", kind="uk")
    conn = company_reread(connection=connect_org(qbo.control, org, realm))
    # "20.0% S" is suggested by its name; the reduced one by its rate (the one 5 % code).
    assert dict(TaxCodeMap.objects.filter(connection=conn).values_list("tax_code__name", "qbo_id")) == {
        "20.0% S": UK_STANDARD, "Reduced rate": UK_REDUCED}
    return conn, standard, reduced


def test_a_pushed_product_carries_its_mapped_vat_code(qbo: Qbo, org: Organization) -> None:
    conn, _, reduced = _uk(qbo, org)
    product = Product.objects.create(organization=org, name="Boiler service", unit_price=Decimal("90.00"),
                                     tax_code=reduced)
    drain()
    ref = ExternalRef.objects.get(connection=conn, object_type="item", local_id=product.pk)
    item = client_for(conn).get("Item", ref.qbo_id)
    assert item["SalesTaxCodeRef"]["value"] == UK_REDUCED


def test_an_item_made_in_quickbooks_keeps_its_vat_code_here(qbo: Qbo, org: Organization) -> None:
    conn, standard, _ = _uk(qbo, org)
    assert cdc_sweep(connection=conn).mode in ("cdc", "full")
    time.sleep(1.1)  # QBO times have whole seconds: an item of the connection's own second is the import's
    client = client_for(conn)
    income = client.query("SELECT * FROM Account WHERE AccountType = 'Income' MAXRESULTS 1")["Account"][0]
    made = client.create("Item", {"Name": "Radiator flush", "Type": "Service", "UnitPrice": 120,
                                  "IncomeAccountRef": {"value": str(income["Id"])},
                                  "SalesTaxCodeRef": {"value": UK_STANDARD}})
    cdc_sweep(connection=conn)
    ref = ExternalRef.objects.get(connection=conn, object_type="item", qbo_id=str(made["Id"]))
    product = Product.objects.get(pk=ref.local_id)
    assert (product.name, product.tax_code, product.taxable) == ("Radiator flush", standard, True)
