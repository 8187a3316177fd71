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
    cdc: bool = True            # Intuit's CDC page: every entity except NO_CDC

    def resolve(self, prop: str) -> str | None:
        """The canonical spelling of ``prop`` (QBO ignores case in property names), or None."""
        return _LOWER[self.name].get(prop.lower())


_ENTITIES: tuple[EntityInfo, ...] = (
    EntityInfo("Account", (*_NAME, "AccountType", "AccountSubType", "Classification", "AcctNum",
                           "CurrentBalance", "SubAccount", "ParentRef", "Description"), True),
    EntityInfo("Attachable", ("FileName", "ContentType", "Note", "Category", "Size", "AttachableRef.EntityRef",
                              "AttachableRef.EntityRef.Type", "AttachableRef.EntityRef.value",
                              "AttachableRef.IncludeOnSend")),
    EntityInfo("Bill", _PURCHASE),
    EntityInfo("BillPayment", (*_PURCHASE, "PayType")),
    EntityInfo("Budget", ("Name", "StartDate", "EndDate", "BudgetType", "BudgetEntryType", "Active")),
    EntityInfo("Class", (*_NAME, "SubClass", "ParentRef"), True),
    EntityInfo("CompanyCurrency", ("Code", "Name", "Active")),
    EntityInfo("CompanyInfo", ("CompanyName", "LegalName", "Country")),
    EntityInfo("CreditCardPayment", (*_TXN, "CreditCardAccountRef", "BankAccountRef", "Amount")),
    EntityInfo("CreditMemo", (*_SALES, "RemainingCredit")),
    EntityInfo("Customer", (*_PERSON, "BalanceWithJobs", "Job", "ParentRef", "IsProject", "Taxable",
                            "ResaleNum", "Level"), True),
    EntityInfo("CustomerType", ("Name", "Active")),
    EntityInfo("Department", (*_NAME, "SubDepartment", "ParentRef"), True),
    EntityInfo("Deposit", (*_TXN, "DepositToAccountRef")),
    EntityInfo("Employee", (*_PERSON, "EmployeeNumber", "HiredDate", "ReleasedDate", "BillableTime"), True),
    EntityInfo("Estimate", (*_SALES, "TxnStatus", "ExpirationDate", "AcceptedDate", "AcceptedBy")),
    EntityInfo("ExchangeRate", ("SourceCurrencyCode", "TargetCurrencyCode", "AsOfDate", "Rate")),
    EntityInfo("Invoice", _SALES),
    EntityInfo("Item", (*_NAME, "Type", "Sku", "UnitPrice", "Taxable", "QtyOnHand", "IncomeAccountRef",
                        "ExpenseAccountRef", "AssetAccountRef", "ParentRef", "SubItem", "Description",
                        "TrackQtyOnHand"), True),
    EntityInfo("JournalCode", ("Name", "Type", "Active")),
    EntityInfo("JournalEntry", (*_TXN, "Adjustment")),
    EntityInfo("Payment", (*_SALES, "UnappliedAmt", "ProcessPayment")),
    EntityInfo("PaymentMethod", ("Name", "Active", "Type"), True),
    EntityInfo("Preferences", ()),
    EntityInfo("Purchase", (*_PURCHASE, "Credit")),
    EntityInfo("PurchaseOrder", _PURCHASE),
    EntityInfo("RecurringTransaction", ()),
    EntityInfo("RefundReceipt", _SALES),
    EntityInfo("ReimburseCharge", (*_TXN, "CustomerRef", "HasBeenInvoiced", "Amount")),
    EntityInfo("SalesReceipt", _SALES),
    EntityInfo("TaxAgency", ("DisplayName", "TaxRegistrationNumber", "TaxTrackedOnSales",
                             "TaxTrackedOnPurchases")),
    EntityInfo("TaxClassification", ("Name", "Code", "ParentRef", "Level")),
    EntityInfo("TaxCode", ("Name", "Active", "Taxable", "TaxGroup", "Description"), True),
    EntityInfo("TaxPayment", ("PaymentDate", "PaymentAmount", "Refund", "PaymentAccountRef")),
    EntityInfo("TaxRate", ("Name", "Active", "RateValue", "AgencyRef", "Description"), True),
    EntityInfo("Term", ("Name", "Active", "Type", "DueDays", "DiscountDays"), True),
    EntityInfo("TimeActivity", ("TxnDate", "NameOf", "EmployeeRef", "VendorRef", "CustomerRef", "ItemRef",
                                "BillableStatus", "Hours", "Minutes", "HourlyRate", "Description")),
    EntityInfo("Transfer", ("TxnDate", "Amount", "FromAccountRef", "ToAccountRef", "PrivateNote")),
    EntityInfo("Vendor", (*_PERSON, "Vendor1099", "TaxIdentifier"), True),
    EntityInfo("VendorCredit", _PURCHASE),
)
# "You can use the CDC operation for all API entities except the following" (Intuit's CDC page).
NO_CDC = frozenset({"JournalCode", "TaxAgency", "TimeActivity", "TaxCode", "TaxRate"})
_ENTITIES = tuple(EntityInfo(e.name, e.props, e.name_list, e.name not in NO_CDC) for e in _ENTITIES)
ENTITIES: dict[str, EntityInfo] = {e.name: e for e in _ENTITIES}
BY_LOWER: dict[str, str] = {name.lower(): name for name in ENTITIES}
_LOWER: dict[str, dict[str, str]] = {
    e.name: {p.lower(): p for p in (*COMMON, *e.props)} for e in _ENTITIES}
CDC_ENTITIES = tuple(e.name for e in _ENTITIES if e.cdc)


def entity(name: str) -> EntityInfo | None:
    """QBO matches entity names without regard to case (``from customer``)."""
    canonical = BY_LOWER.get(name.lower())
    return ENTITIES[canonical] if canonical else None
