"""CompanyInfo and Preferences as QBO returns them (Intuit's CompanyInfo and Preferences pages):
every Preferences section, and the updates QBO allows."""

from __future__ import annotations

from typing import Any

from . import clock, errors, kinds
from .entities.common import strip_junk
from .store import Company, Record

SECTIONS = ("AccountingInfoPrefs", "ProductAndServicesPrefs", "SalesFormsPrefs", "EmailMessagesPrefs",
            "VendorAndPurchasesPrefs", "TimeTrackingPrefs", "TaxPrefs", "CurrencyPrefs", "ReportPrefs",
            "OtherPrefs")
# Settings QBO decides and an API update cannot change (home currency is fixed once set; multicurrency
# and automated sales tax are switched on in QBO, not through the API: both read-only, qbo-tax-and-money §1.1).
READ_ONLY = {"CurrencyPrefs": ("HomeCurrency", "MultiCurrencyEnabled"),
             "TaxPrefs": ("PartnerTaxEnabled", "TaxGroupCodeRef")}
ENVELOPE = ("Id", "SyncToken", "domain", "sparse", "MetaData", "status")


def _message(subject: str, company: str) -> dict[str, str]:
    return {"Subject": f"{subject} from {company}",
            "Message": f"Dear [Name],\n\nPlease review the {subject.lower()} below.\n\nHave a great day!\n{company}"}


def preferences(company_name: str = "Sandbox Company", kind: str = kinds.DEFAULT_KIND) -> dict[str, Any]:
    currency = kinds.home_currency(kind)
    return {
        "AccountingInfoPrefs": {"FirstMonthOfFiscalYear": "January", "UseAccountNumbers": False,
                                "TaxYearMonth": "January", "ClassTrackingPerTxn": False,
                                "ClassTrackingPerTxnLine": False, "TrackDepartments": False, "TaxForm": "6",
                                "CustomerTerminology": "Customers",
                                "DepartmentTerminology": "Location"},
        "ProductAndServicesPrefs": {"ForSales": True, "ForPurchase": True, "QuantityWithPriceAndRate": True,
                                    "QuantityOnHand": True, "RevenueRecognitionEnabled": False,
                                    "RevenueRecognitionFrequency": "Monthly"},
        "SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowDeposit": True, "AllowDiscount": True,
                            "AllowShipping": False, "AllowServiceDate": False, "AllowEstimates": True,
                            "DefaultTerms": {"value": "3"},
                            "DefaultCustomerMessage": "Thank you for your business and have a great day!",
                            "EmailCopyToCompany": False, "AutoApplyCredit": True, "AutoApplyPayments": True,
                            "IPNSupportEnabled": False, "UsingPriceLevels": False, "UsingProgressInvoicing": False,
                            "ETransactionEnabledStatus": "NotApplicable", "ETransactionAttachPDF": False,
                            "ETransactionPaymentEnabled": False, "PrintItemWithZeroAmount": False,
                            "CustomField": [{"CustomField": [
                                {"Name": "SalesFormsPrefs.UseSalesCustom1", "Type": "BooleanType",
                                 "BooleanValue": False}]}]},
        "EmailMessagesPrefs": {"InvoiceMessage": _message("Invoice", company_name),
                               "EstimateMessage": _message("Estimate", company_name),
                               "SalesReceiptMessage": _message("Sales Receipt", company_name),
                               "StatementMessage": _message("Statement", company_name)},
        "VendorAndPurchasesPrefs": {"BillableExpenseTracking": True, "TrackingByCustomer": True,
                                    "DefaultTerms": {"value": "3"}, "DefaultMarkup": 0,
                                    "POCustomField": [{"CustomField": [
                                        {"Name": "PurchasePrefs.UsePurchaseCustom1", "Type": "BooleanType",
                                         "BooleanValue": False}]}]},
        "TimeTrackingPrefs": {"UseServices": True, "BillCustomers": True, "ShowBillRateToAll": False,
                              "WorkWeekStartDate": "Monday", "MarkTimeEntriesBillable": True},
        "TaxPrefs": kinds.tax_prefs(kind),
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": currency}},
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {"NameValue": [
            {"Name": "ProjectsEnabled", "Value": "true"},
            {"Name": "SalesFormsPrefs.DefaultCustomerMessage",
             "Value": "Thank you for your business and have a great day!"},
            {"Name": "SalesFormsPrefs.DefaultShipMethod", "Value": "UPS"},
            {"Name": "SalesFormsPrefs.DefaultItem", "Value": "1"},
            {"Name": "DTXCopyMemo", "Value": "false"}, {"Name": "Vendor1099Enabled", "Value": "true"},
            {"Name": "TimeTrackingFeatureEnabled", "Value": "true"}, {"Name": "FDPEnabled", "Value": "false"},
            {"Name": "DateFormat", "Value": "Month Date Year separated by a slash"},
            {"Name": "DateFormatMnemonic", "Value": "MMDDYYYY_SEP_SLASH"},
            {"Name": "NumberFormat", "Value": "US Number"}, {"Name": "NumberFormatMnemonic", "Value": "US_NB"},
            {"Name": "WarnDuplicateCheckNumber", "Value": "true"}, {"Name": "WarnDuplicateBillNumber", "Value": "false"},
            {"Name": "WarnDuplicateJournalNumber", "Value": "false"}, {"Name": "UsingLanguage", "Value": "English"},
            {"Name": "UsingMultiCurrency", "Value": "false"}, *kinds.other_prefs(kind)]},
    }


def company_info(co: Company, kind: str = kinds.DEFAULT_KIND) -> dict[str, Any]:
    addr = {"Id": "1", **kinds.address(kind)}  # QBO returns ISO-3 "USA" since 2025 (§2.11)
    return {"CompanyName": co.name, "LegalName": co.name, "CompanyAddr": addr,
            "CustomerCommunicationAddr": dict(addr), "LegalAddr": dict(addr),
            "CustomerCommunicationEmailAddr": {"Address": "noreply@quickbooks.com"},
            "PrimaryPhone": {"FreeFormNumber": "(650) 944-4444"}, "CompanyStartDate": clock.today(co.created),
            "FiscalYearStartMonth": "January", "Country": kinds.country_code(kind), "Email": {"Address": "noreply@quickbooks.com"},
            "SupportedLanguages": "en", "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"}, {"Name": "IndustryType", "Value": "Field services"},
                {"Name": "IndustryCode", "Value": "238220"}, {"Name": "CompanyType", "Value": "Other/None"},
                {"Name": "SubscriptionStatus", "Value": "SUBSCRIBED"},
                {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
                {"Name": "PayrollFeature", "Value": "false"}, {"Name": "AccountantFeature", "Value": "false"},
                {"Name": "IsQbdtMigrated", "Value": "false"},
                {"Name": "AssignedTime", "Value": clock.iso_s(co.created)},
                {"Name": "ItemCategoriesFeature", "Value": "true"}]}


def _bump(co: Company, rec: Record) -> Record:
    ts = clock.now()
    rec.data["SyncToken"] = str(int(rec.data["SyncToken"]) + 1)
    rec.data["MetaData"]["LastUpdatedTime"] = clock.iso_s(ts)
    rec.updated = ts
    rec.touch()
    co.emit(rec.entity, rec.id, "Update", ts)
    return rec


def _check_token(rec: Record, body: dict[str, Any]) -> None:
    sent = body.get("SyncToken")
    if sent is None:
        raise errors.required("SyncToken")
    if str(sent) != rec.data["SyncToken"]:
        raise errors.stale(rec.entity, str(sent), rec.data["SyncToken"])


def update_preferences(co: Company, body: Any) -> Record:
    """QBO updates Preferences sparsely: sections and fields not sent keep their values
    (python-quickbooks sends no Id, UpdateNoIdMixin). Read-only fields are ignored."""
    if not isinstance(body, dict):
        raise errors.bad_request_body("Expected a Preferences object")
    rec = co.get("Preferences", "1")
    if rec is None:
        raise errors.not_found("Preferences", "1")
    if "SyncToken" in body:
        _check_token(rec, body)
    for key, value in body.items():
        if key in ENVELOPE:
            continue
        if key not in SECTIONS or not isinstance(value, dict):
            raise errors.bad_request_body(f"Preferences has no section {key}")
    for key, value in body.items():
        if key in ENVELOPE:
            continue
        fixed = READ_ONLY.get(key, ())
        # python-quickbooks sends "" and empty refs for fields it does not set: not changes.
        changes = {k: v for k, v in strip_junk(value).items() if k not in fixed}
        if key == "OtherPrefs" and "NameValue" in changes:
            merged = {nv["Name"]: nv for nv in rec.data[key].get("NameValue", [])}
            merged.update({nv["Name"]: nv for nv in changes.pop("NameValue") or [] if isinstance(nv, dict)
                           and nv.get("Name")})
            rec.data[key]["NameValue"] = list(merged.values())
        rec.data[key] = {**rec.data.get(key, {}), **changes}
    return _bump(co, rec)


def update_company_info(co: Company, body: Any) -> Record:
    """CompanyInfo takes full and sparse updates; Country and CompanyStartDate are QBO's."""
    if not isinstance(body, dict):
        raise errors.bad_request_body("Expected a CompanyInfo object")
    rec = co.get("CompanyInfo", "1")
    if rec is None:
        raise errors.not_found("CompanyInfo", "1")
    _check_token(rec, body)
    fixed = ("Country", "CompanyStartDate", "NameValue", "SupportedLanguages")
    sent = {k: v for k, v in body.items() if k not in ENVELOPE and k not in fixed}
    if body.get("sparse") in (True, "true"):
        new = {**rec.data, **sent}
    else:
        if not sent.get("CompanyName"):
            raise errors.required("CompanyName")
        new = {**{k: rec.data[k] for k in (*ENVELOPE, *fixed) if k in rec.data}, **sent}
    if not new.get("CompanyName"):
        raise errors.required("CompanyName")
    if len(str(new["CompanyName"])) > 1024:
        raise errors.too_long("CompanyName", 1024, len(str(new["CompanyName"])))
    rec.data = {**new, "Id": "1", "domain": "QBO", "sparse": False}
    co.name = str(new["CompanyName"])
    return _bump(co, rec)
