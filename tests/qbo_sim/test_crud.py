"""Create/read/update/void/delete through unmodified python-quickbooks objects."""

from __future__ import annotations

from typing import Any

import pytest
from quickbooks import exceptions as qbe
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException
from quickbooks.objects.base import Ref
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.tax import TxnTaxDetail

from qbo_sim.testing import SimControl


def new_customer(qb: Any, name: str, **fields: Any) -> Customer:
    c = Customer()
    c.DisplayName = name
    for key, value in fields.items():
        setattr(c, key, value)
    return c.save(qb=qb)


def new_item(qb: Any, name: str, price: float = 95.0) -> Item:
    item = Item()
    item.Name, item.Type, item.UnitPrice = name, "Service", price
    item.IncomeAccountRef = Item.where("Name = 'Services'", qb=qb)[0].IncomeAccountRef
    return item.save(qb=qb)


def new_invoice(qb: Any, customer: Customer, item: Item, qty: float = 2, taxed: bool = False, **fields: Any) -> Invoice:
    line = SalesItemLine()
    line.Amount = qty * item.UnitPrice
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty, line.SalesItemLineDetail.UnitPrice = qty, item.UnitPrice
    if taxed:
        tax_ref = Ref()
        tax_ref.value = "TAX"
        line.SalesItemLineDetail.TaxCodeRef = tax_ref
    inv = Invoice()
    inv.Line, inv.CustomerRef = [line], customer.to_ref()
    if taxed:
        inv.TxnTaxDetail = TxnTaxDetail()
        inv.TxnTaxDetail.TxnTaxCodeRef = Ref()
        inv.TxnTaxDetail.TxnTaxCodeRef.value = "2"   # fixture TaxCode "California", 8 %
    for key, value in fields.items():
        setattr(inv, key, value)
    return inv.save(qb=qb)


def test_customer_create_get_full_and_sparse_update(qb: Any, control: SimControl, realm: str) -> None:
    created = new_customer(qb, "Bill's Windsurf Shop", CompanyName="Bill's", GivenName="Bill", Notes="vip")
    assert created.Id and created.SyncToken == "0" and created.FullyQualifiedName == "Bill's Windsurf Shop"
    assert created.Taxable is True  # python-quickbooks' default junk is accepted as a real value

    fetched = Customer.get(created.Id, qb=qb)
    fetched.Notes = None  # full update: an omitted writable field becomes null
    full = fetched.save(qb=qb)
    assert full.SyncToken == "1" and full.CompanyName == "Bill's"
    assert "Notes" not in control.object(realm, "Customer", created.Id)

    sparse = Customer()
    sparse.Id, sparse.SyncToken, sparse.sparse = full.Id, full.SyncToken, True
    sparse.DisplayName = ""  # QBO: a sparse update cannot clear DisplayName; "" is "not set"
    sparse.FamilyName = "Lucchini"
    result = sparse.save(qb=qb)
    assert result.SyncToken == "2" and result.DisplayName == "Bill's Windsurf Shop"
    assert result.FamilyName == "Lucchini" and result.CompanyName == "Bill's"


def test_customer_cannot_be_deleted_only_deactivated(qb: Any, control: SimControl, realm: str) -> None:
    cust = new_customer(qb, "Short Lived LLC")
    with pytest.raises(qbe.UnsupportedException):
        qb.delete_object("Customer", f'{{"Id": "{cust.Id}", "SyncToken": "0"}}')
    cust.Active = False
    inactive = cust.save(qb=qb)
    assert inactive.Active is False
    assert Customer.filter(DisplayName="Short Lived LLC", qb=qb) == []
    assert len(Customer.filter(DisplayName="Short Lived LLC", Active=False, qb=qb)) == 1
    assert [o["Active"] for o in control.objects(realm, "Customer")] == [False]


def test_sub_customer_and_read_only_is_project(qb: Any) -> None:
    parent = new_customer(qb, "Harbor Property Mgmt")
    job = Customer()
    job.DisplayName, job.ParentRef, job.IsProject, job.Job = "Unit 4B", parent.to_ref(), True, True
    saved = job.save(qb=qb)
    assert saved.Job is True and saved.Level == 1 and saved.ParentRef.value == parent.Id
    assert saved.FullyQualifiedName == "Harbor Property Mgmt:Unit 4B"
    assert saved.IsProject is False  # read-only in v3: sending true is ignored


def test_item_create_update_and_unique_name(qb: Any) -> None:
    item = new_item(qb, "Furnace Tune-up", 149.0)
    assert item.FullyQualifiedName == "Furnace Tune-up" and item.UnitPrice == 149.0
    item.UnitPrice = 159.0
    updated = item.save(qb=qb)
    assert updated.SyncToken == "1" and updated.UnitPrice == 159.0
    assert Item.all(qb=qb)[-1].Id == item.Id  # "SELECT *, Sku FROM Item MAXRESULTS 100" parses
    with pytest.raises(QuickbooksException) as err:
        new_item(qb, "furnace tune-up")
    assert err.value.error_code == 6240
    fetched = Item.get(item.Id, qb=qb)
    assert fetched.Sku is None and fetched.SyncToken == "1"
    sparse = Item()
    sparse.Id, sparse.SyncToken, sparse.sparse, sparse.Sku = item.Id, "1", True, "TUNE-F"
    sparse.Name = ""  # python-quickbooks default: "" is "not set", so no rename
    after = sparse.save(qb=qb)
    assert after.Sku == "TUNE-F" and after.Name == "Furnace Tune-up"
    # Trap reproduced as QBO would: a fresh Item() also sends its default UnitPrice 0, and a
    # sparse update applies every field it is sent.
    assert after.UnitPrice == 0
    with pytest.raises(qbe.UnsupportedException):  # no delete for name lists: deactivate instead
        qb.delete_object("Item", f'{{"Id": "{item.Id}", "SyncToken": "2"}}')
    after.Active = False
    assert after.save(qb=qb).Active is False and Item.filter(Name="Furnace Tune-up", qb=qb) == []


def test_item_without_name_or_income_account_is_2020(qb: Any) -> None:
    item = Item()
    item.Type = "Service"
    with pytest.raises(QuickbooksException) as err:
        item.save(qb=qb)
    assert err.value.error_code == 2020


def test_invoice_totals_tax_docnumber_update_void(qb: Any) -> None:
    cust = new_customer(qb, "Red Rock Diner", PrimaryEmailAddr=None)
    item = new_item(qb, "Labor - Hourly", 95.0)
    inv = new_invoice(qb, cust, item, qty=2, taxed=True)
    assert inv.TotalAmt == 205.2 and inv.Balance == 205.2 and inv.TxnTaxDetail.TotalTax == 15.2
    assert inv.DocNumber == "1001" and inv.Line[-1].DetailType == "SubTotalLineDetail"
    second = new_invoice(qb, cust, item, qty=1)
    assert second.DocNumber == "1002" and second.TotalAmt == 95.0

    fetched = Invoice.get(inv.Id, qb=qb)  # re-save everything QBO sent, read-only echoes included
    fetched.PrivateNote = "Furnace repair"
    updated = fetched.save(qb=qb)
    assert updated.SyncToken == "1" and updated.TotalAmt == 205.2 and updated.PrivateNote == "Furnace repair"

    sparse = Invoice()
    sparse.Id, sparse.SyncToken, sparse.sparse, sparse.DueDate = inv.Id, updated.SyncToken, True, "2031-01-31"
    sparse.Line = None  # sparse: lines not sent stay as they are
    partial = sparse.save(qb=qb)
    assert partial.DueDate == "2031-01-31" and partial.TotalAmt == 205.2 and partial.PrivateNote == "Furnace repair"
    assert partial.SyncToken == "2"

    partial.void(qb=qb)
    voided = Invoice.get(inv.Id, qb=qb)
    assert voided.TotalAmt == 0 and voided.Balance == 0 and "Voided" in voided.PrivateNote


def test_invoice_delete_then_gone(qb: Any, control: SimControl, realm: str) -> None:
    cust, item = new_customer(qb, "Gone Soon"), new_item(qb, "Diagnostic Fee", 89.0)
    inv = new_invoice(qb, cust, item, qty=1)
    answer = inv.delete(qb=qb)
    assert answer["Invoice"] == {"Id": inv.Id, "status": "Deleted", "domain": "QBO"}
    assert Invoice.filter(CustomerRef=cust.Id, qb=qb) == []
    with pytest.raises(ObjectNotFoundException):
        Invoice.get(inv.Id, qb=qb)
    assert control.objects(realm, "Invoice")[0]["_sim"]["deleted"] is True


def test_invoice_validation_faults(qb: Any) -> None:
    cust, item = new_customer(qb, "Validation Co"), new_item(qb, "Part A", 10.0)
    empty = Invoice()
    empty.CustomerRef = cust.to_ref()
    with pytest.raises(QuickbooksException) as err:
        empty.save(qb=qb)
    assert err.value.error_code == 2020 and "Line" in err.value.detail
    first = new_invoice(qb, cust, item, DocNumber="1001")
    with pytest.raises(QuickbooksException) as dup:
        new_invoice(qb, cust, item, DocNumber="1001")
    assert dup.value.error_code == 6140 and f"TxnId={first.Id}" in dup.value.detail
    allowed = new_invoice(qb, cust, item, DocNumber="X-1")
    assert allowed.DocNumber == "X-1"
    with pytest.raises(QuickbooksException) as long_doc:
        new_invoice(qb, cust, item, DocNumber="D" * 22)
    assert long_doc.value.error_code == 2050
    ghost = Ref()
    ghost.value = "99999"
    bad = Invoice()
    bad.CustomerRef, bad.Line = ghost, [SalesItemLine()]
    bad.Line[0].Amount = 5
    with pytest.raises(QuickbooksException) as missing_ref:
        bad.save(qb=qb)
    assert missing_ref.value.error_code == 2500
    cust.Active = False
    cust.SyncToken = Customer.get(cust.Id, qb=qb).SyncToken
    inactive = cust.save(qb=qb)
    with pytest.raises(ObjectNotFoundException) as inactive_ref:
        new_invoice(qb, inactive, item)
    assert inactive_ref.value.error_code == 610


def test_duplicate_docnumber_allowed_with_include(qb: Any, control: SimControl, realm: str) -> None:
    cust, item = new_customer(qb, "Dup Doc Co"), new_item(qb, "Part B", 20.0)
    line = new_invoice(qb, cust, item, DocNumber="A-7").Line[0]
    inv = Invoice()
    inv.CustomerRef, inv.Line, inv.DocNumber = cust.to_ref(), [line], "A-7"
    again = inv.save(qb=qb, params={"include": "allowduplicatedocnum"})
    assert again.DocNumber == "A-7"
    # Same DocNumber + customer + amount, different Id: exactly what stats must flag.
    assert control.stats(realm)["duplicates"]["Invoice"] == [["1", again.Id]]


def test_payment_lowers_invoice_balance_and_void_restores(qb: Any) -> None:
    cust, item = new_customer(qb, "Pay Me Inc"), new_item(qb, "Service Call", 100.0)
    inv = new_invoice(qb, cust, item, qty=1)
    pay = Payment()
    pay.CustomerRef, pay.TotalAmt = cust.to_ref(), 150.0
    line = PaymentLine()
    line.Amount, line.LinkedTxn = 60.0, [inv.to_linked_txn()]
    pay.Line = [line]
    saved = pay.save(qb=qb)
    assert saved.UnappliedAmt == 90.0 and saved.DepositToAccountRef.name == "Undeposited Funds"
    after = Invoice.get(inv.Id, qb=qb)
    assert after.Balance == 40.0 and after.SyncToken == "1"  # applying a payment edits the invoice
    assert after.LinkedTxn[0].TxnType == "Payment"
    assert Customer.get(cust.Id, qb=qb).Balance == -50.0  # 40 open minus 90 unapplied credit
    saved.void(qb=qb)
    voided = Payment.get(saved.Id, qb=qb)
    assert voided.TotalAmt == 0 and "Voided" in voided.PrivateNote
    assert Invoice.get(inv.Id, qb=qb).Balance == 100.0
    deleted = Payment.get(saved.Id, qb=qb).delete(qb=qb)
    assert deleted["Payment"]["status"] == "Deleted"


def test_companyinfo_and_preferences(qb: Any, realm: str, control: SimControl) -> None:
    info = CompanyInfo.get(realm, qb=qb)
    assert info.CompanyName.startswith("Test Co") and info.CompanyAddr.Country == "USA"
    prefs = Preferences.get(qb=qb)
    # The default company is US manual sales tax: QBO leaves PartnerTaxEnabled out (reference §1.1), and
    # python-quickbooks' TaxPrefs() then reads it as True (its constructor default): read the raw JSON.
    assert prefs.SalesFormsPrefs.CustomTxnNumbers is False and prefs.TaxPrefs.UsingSalesTax is True
    control.preferences(realm, CustomTxnNumbers=True, ProjectsEnabled=False)
    assert control.preferences(realm) == {"CustomTxnNumbers": True, "PartnerTaxEnabled": False,
                                          "ProjectsEnabled": False, "AllowDiscount": True, "AllowDeposit": True,
                                          "MultiCurrencyEnabled": False}
    cust, item = new_customer(qb, "Custom Numbers Co"), new_item(qb, "Part C", 5.0)
    assert not getattr(new_invoice(qb, cust, item), "DocNumber", None)  # no auto-number when custom
