"""Every entity of the Accounting API v3 and what its query may filter and sort on.

Intuit's entity reference pages mark attributes "filterable" and "sortable"; the lists below
follow them where they are given. Where a page is silent the simulator allows the entity's
identity, dates, amounts and references (README "Assumptions"). A property outside the list is
answered 400 ``QueryValidationError`` (4001), never an empty result."""

from __future__ import annotations

from dataclasses import dataclass

COMMON = ("Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime")
_NAME = ("Name", "Active", "FullyQualifiedName")
_PERSON = ("DisplayName", "GivenName", "MiddleName", "FamilyName", "CompanyName", "PrintOnCheckName",
           "Title", "Suffix", "Active", "PrimaryEmailAddr", "PrimaryPhone", "Mobile", "Balance",
           "FullyQualifiedName", "AcctNum")
_TXN = ("TxnDate", "DocNumber", "TotalAmt", "PrivateNote", "CurrencyRef", "DepartmentRef")
_SALES = (*_TXN, "CustomerRef", "Balance", "DueDate", "ShipDate", "EmailStatus", "PrintStatus", "ClassRef",
          "SalesTermRef", "BillEmail", "DepositToAccountRef", "PaymentMethodRef", "ProjectRef")
_PURCHASE = (*_TXN, "VendorRef", "APAccountRef", "Balance", "DueDate", "SalesTermRef", "AccountRef",
             "PaymentType", "EntityRef", "POStatus")


@dataclass(frozen=True)
class EntityInfo:
    name: str
    props: tuple[str, ...]      # filterable and sortable properties (besides COMMON)
    name_list: bool = False     # queries default to Active = true
    cdc: bool = False           # listed on Intuit's change data capture page

    def resolve(self, prop: str) -> str | None:
        """The canonical spelling of ``prop`` (QBO ignores case in property names), or None."""
        return _LOWER[self.name].get(prop.lower())


_ENTITIES = (
    EntityInfo("Account", (*_NAME, "AccountType", "AccountSubType", "Classification", "AcctNum",
                           "CurrentBalance", "SubAccount", "ParentRef", "Description"), True, True),
    EntityInfo("Attachable", ("FileName", "ContentType", "Note", "Category", "Size", "AttachableRef.EntityRef",
                              "AttachableRef.EntityRef.Type", "AttachableRef.EntityRef.value",
                              "AttachableRef.IncludeOnSend")),
    EntityInfo("Bill", _PURCHASE, cdc=True),
    EntityInfo("BillPayment", (*_PURCHASE, "PayType"), cdc=True),
    EntityInfo("Budget", ("Name", "StartDate", "EndDate", "BudgetType", "BudgetEntryType", "Active")),
    EntityInfo("Class", (*_NAME, "SubClass", "ParentRef"), True, True),
    EntityInfo("CompanyCurrency", ("Code", "Name", "Active")),
    EntityInfo("CompanyInfo", ("CompanyName", "LegalName", "Country")),
    EntityInfo("CreditCardPayment", (*_TXN, "CreditCardAccountRef", "BankAccountRef", "Amount")),
    EntityInfo("CreditMemo", (*_SALES, "RemainingCredit"), cdc=True),
    EntityInfo("Customer", (*_PERSON, "BalanceWithJobs", "Job", "ParentRef", "IsProject", "Taxable",
                            "ResaleNum", "Level"), True, True),
    EntityInfo("CustomerType", ("Name", "Active")),
    EntityInfo("Department", (*_NAME, "SubDepartment", "ParentRef"), True, True),
    EntityInfo("Deposit", (*_TXN, "DepositToAccountRef"), cdc=True),
    EntityInfo("Employee", (*_PERSON, "EmployeeNumber", "HiredDate", "ReleasedDate", "BillableTime"), True, True),
    EntityInfo("Estimate", (*_SALES, "TxnStatus", "ExpirationDate", "AcceptedDate", "AcceptedBy"), cdc=True),
    EntityInfo("ExchangeRate", ("SourceCurrencyCode", "TargetCurrencyCode", "AsOfDate", "Rate")),
    EntityInfo("Invoice", _SALES, cdc=True),
    EntityInfo("Item", (*_NAME, "Type", "Sku", "UnitPrice", "Taxable", "QtyOnHand", "IncomeAccountRef",
                        "ExpenseAccountRef", "AssetAccountRef", "ParentRef", "SubItem", "Description",
                        "TrackQtyOnHand"), True, True),
    EntityInfo("JournalCode", ("Name", "Type", "Active"), cdc=True),
    EntityInfo("JournalEntry", (*_TXN, "Adjustment"), cdc=True),
    EntityInfo("Payment", (*_SALES, "UnappliedAmt", "ProcessPayment"), cdc=True),
    EntityInfo("PaymentMethod", ("Name", "Active", "Type"), True, True),
    EntityInfo("Preferences", ()),
    EntityInfo("Purchase", (*_PURCHASE, "Credit"), cdc=True),
    EntityInfo("PurchaseOrder", _PURCHASE, cdc=True),
    EntityInfo("RecurringTransaction", ()),
    EntityInfo("RefundReceipt", _SALES, cdc=True),
    EntityInfo("ReimburseCharge", (*_TXN, "CustomerRef", "HasBeenInvoiced", "Amount")),
    EntityInfo("SalesReceipt", _SALES, cdc=True),
    EntityInfo("TaxAgency", ("DisplayName", "TaxRegistrationNumber", "TaxTrackedOnSales",
                             "TaxTrackedOnPurchases"), cdc=True),
    EntityInfo("TaxClassification", ("Name", "Code", "ParentRef", "Level")),
    EntityInfo("TaxCode", ("Name", "Active", "Taxable", "TaxGroup", "Description"), True),
    EntityInfo("TaxPayment", ("PaymentDate", "PaymentAmount", "Refund", "PaymentAccountRef")),
    EntityInfo("TaxRate", ("Name", "Active", "RateValue", "AgencyRef", "Description"), True),
    EntityInfo("Term", ("Name", "Active", "Type", "DueDays", "DiscountDays"), True, True),
    EntityInfo("TimeActivity", ("TxnDate", "NameOf", "EmployeeRef", "VendorRef", "CustomerRef", "ItemRef",
                                "BillableStatus", "Hours", "Minutes", "HourlyRate", "Description"), cdc=True),
    EntityInfo("Transfer", ("TxnDate", "Amount", "FromAccountRef", "ToAccountRef", "PrivateNote"), cdc=True),
    EntityInfo("Vendor", (*_PERSON, "Vendor1099", "TaxIdentifier"), True, True),
    EntityInfo("VendorCredit", _PURCHASE, cdc=True),
)
ENTITIES: dict[str, EntityInfo] = {e.name: e for e in _ENTITIES}
BY_LOWER: dict[str, str] = {name.lower(): name for name in ENTITIES}
_LOWER: dict[str, dict[str, str]] = {
    e.name: {p.lower(): p for p in (*COMMON, *e.props)} for e in _ENTITIES}
CDC_ENTITIES = tuple(e.name for e in _ENTITIES if e.cdc)


def entity(name: str) -> EntityInfo | None:
    """QBO matches entity names without regard to case (``from customer``)."""
    canonical = BY_LOWER.get(name.lower())
    return ENTITIES[canonical] if canonical else None
