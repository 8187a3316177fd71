"""Item, Account, Term, PaymentMethod and the read-only TaxCode/TaxRate/CompanyInfo/Preferences."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..store import Company, Record
from . import common
from .common import USD, EntityType, WriteOpts

ITEM_TYPES = ("Service", "NonInventory", "Inventory", "Group", "Category")
# AccountType -> (Classification, default AccountSubType)
ACCOUNT_TYPES: dict[str, tuple[str, str]] = {
    "Bank": ("Asset", "Checking"),
    "Other Current Asset": ("Asset", "UndepositedFunds"),
    "Accounts Receivable": ("Asset", "AccountsReceivable"),
    "Fixed Asset": ("Asset", "MachineryAndEquipment"),
    "Other Asset": ("Asset", "OtherLongTermAssets"),
    "Accounts Payable": ("Liability", "AccountsPayable"),
    "Credit Card": ("Liability", "CreditCard"),
    "Other Current Liability": ("Liability", "OtherCurrentLiabilities"),
    "Long Term Liability": ("Liability", "NotesPayable"),
    "Equity": ("Equity", "OpeningBalanceEquity"),
    "Income": ("Revenue", "ServiceFeeIncome"),
    "Other Income": ("Revenue", "OtherMiscellaneousIncome"),
    "Cost of Goods Sold": ("Expense", "SuppliesMaterialsCogs"),
    "Expense": ("Expense", "OfficeGeneralAdministrativeExpenses"),
    "Other Expense": ("Expense", "OtherMiscellaneousExpense"),
}
SUBTYPE_TO_TYPE = {
    "SalesOfProductIncome": "Income", "ServiceFeeIncome": "Income", "DiscountsRefundsGiven": "Income",
    "UndepositedFunds": "Other Current Asset", "Inventory": "Other Current Asset",
    "Checking": "Bank", "Savings": "Bank", "AccountsReceivable": "Accounts Receivable",
    "AccountsPayable": "Accounts Payable", "SuppliesMaterialsCogs": "Cost of Goods Sold",
}


class NamedType(EntityType):
    """A name list keyed by ``Name`` (unique within its own list)."""

    name_list = True
    what = "item"
    max_name = 100
    readonly_fields = frozenset({"FullyQualifiedName", "Level"})

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = dict(body)
        if not d.get("Name"):
            raise errors.required("Name")
        common.check_text(d, "Name", self.max_name)
        if any(ch in d["Name"] for ch in "\t\n\r"):
            raise errors.bad_string("Name")
        common.claim_name(co, self.name, d["Name"], self.name, old.id if old else None, self.what)
        common.set_default(d, "Active", True)
        d["FullyQualifiedName"] = d["Name"]
        return d

    def after_write(self, co: Company, old: dict[str, Any] | None, rec: Record, ts: float) -> None:
        common.index_name(co, self.name, old.get("Name") if old else None, rec.data["Name"], self.name, rec.id)


class ItemType(NamedType):
    name = "Item"
    what = "product or service"

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = super().prepare(co, body, old, opts, ts)
        common.check_text(d, "Sku", 100)
        common.check_text(d, "Description", 4000)
        common.set_default(d, "Type", "Service")
        if d["Type"] not in ITEM_TYPES:
            raise errors.validation("2170", "Invalid Enumeration", f"Invalid Type: {d['Type']}", "Type")
        for key in ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"):
            common.resolve_ref(co, d, key, "Account")
        common.resolve_ref(co, d, "SalesTaxCodeRef", "TaxCode")
        if d["Type"] in ("Service", "NonInventory", "Inventory") and "IncomeAccountRef" not in d:
            raise errors.required("IncomeAccountRef")
        if d["Type"] == "Inventory":
            for key in ("ExpenseAccountRef", "AssetAccountRef", "QtyOnHand", "InvStartDate"):
                if key not in d:
                    raise errors.required(key)
            d["TrackQtyOnHand"] = True
        parent = common.resolve_ref(co, d, "ParentRef", "Item")
        d["SubItem"] = parent is not None
        if parent is not None:
            d["FullyQualifiedName"] = f"{parent.data['FullyQualifiedName']}:{d['Name']}"
        common.set_default(d, "UnitPrice", 0)
        common.set_default(d, "Taxable", False)
        common.set_default(d, "TrackQtyOnHand", False)
        return d


class AccountType(NamedType):
    name = "Account"
    what = "account"

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        name = body.get("Name")
        if isinstance(name, str) and any(ch in name for ch in ':"'):
            raise errors.bad_string("Name")  # QBO: account names may not contain " or :
        d = super().prepare(co, body, old, opts, ts)
        acct_num = d.get("AcctNum")
        if acct_num is not None and ":" in str(acct_num):
            raise errors.bad_string("AcctNum")
        if "AccountType" not in d and "AccountSubType" not in d:
            raise errors.required("AccountType")
        if "AccountType" not in d:
            d["AccountType"] = SUBTYPE_TO_TYPE.get(d["AccountSubType"], "Expense")
        acct_type = d["AccountType"]
        if acct_type not in ACCOUNT_TYPES:
            raise errors.validation("2170", "Invalid Enumeration", f"Invalid AccountType: {acct_type}",
                                    "AccountType")
        d["Classification"], default_sub = ACCOUNT_TYPES[acct_type]
        common.set_default(d, "AccountSubType", default_sub)
        parent = common.resolve_ref(co, d, "ParentRef", "Account")
        d["SubAccount"] = parent is not None
        if parent is not None:
            d["FullyQualifiedName"] = f"{parent.data['FullyQualifiedName']}:{d['Name']}"
        d["CurrencyRef"] = dict(USD)
        d["CurrentBalance"] = old.data.get("CurrentBalance", 0) if old else 0
        d["CurrentBalanceWithSubAccounts"] = d["CurrentBalance"]
        return d


class TermType(NamedType):
    name = "Term"
    what = "term"
    max_name = 31

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = super().prepare(co, body, old, opts, ts)
        d.pop("FullyQualifiedName", None)
        common.set_default(d, "Type", "STANDARD")
        common.set_default(d, "DueDays", 0)
        return d


class PaymentMethodType(NamedType):
    name = "PaymentMethod"
    what = "payment method"
    max_name = 31

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = super().prepare(co, body, old, opts, ts)
        d.pop("FullyQualifiedName", None)
        common.set_default(d, "Type", "NON_CREDIT_CARD")
        return d


class ReadOnlyType(EntityType):
    """QBO: TaxCode/TaxRate are read-only in v3 (created through /taxservice); not in CDC."""

    creatable = updatable = False
    cdc = False

    def __init__(self, name: str, name_list: bool = True, cdc: bool = False) -> None:
        self.name, self.name_list, self.cdc = name, name_list, cdc
