"""Read what kind of QBO company is connected (tax model, discount and numbering preferences, its tax
codes) and keep it on the connection; suggest a QBO TaxCode for each local tax code.

The kind decides how invoices are pushed (qbo-tax-and-money.md §1.2): US manual sales tax, US automated
sales tax (AST), US without sales tax, or a VAT/GST company outside the US.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.connection.method_terms import method_terms_forget_gone
from integrations.connection.product_accounts import product_income_forget_gone
from integrations.models import CompanyKind, QuickBooksConnection, TaxCodeMap
from integrations.qbo.client import QboClient
from integrations.qbo.errors import QboError, with_reference
from integrations.qbo.tokens import client_for
from invoicing.models import ProductType, TaxCode

US_COUNTRIES = {"US", "USA"}
COMPANY_FIELDS = ("company_country", "company_kind", "allow_discount", "custom_txn_numbers",
                  "apply_tax_after_discount", "qbo_tax_codes", "qbo_payment_methods", "qbo_terms",
                  "qbo_deposit_accounts", "deposit_account_id", "qbo_income_accounts", "income_account_by_type",
                  "payment_method_map", "term_map", "multicurrency_enabled", "home_currency", "company_read_at")


def company_kind_of(*, country: str, preferences: dict[str, Any]) -> str:
    """The one rule (§1.2): Country ≠ US → non-US; else PartnerTaxEnabled true → AST; else UsingSalesTax
    true → manual; else no tax. `preferences` is the raw JSON: an absent PartnerTaxEnabled means false."""
    if country.strip().upper() not in US_COUNTRIES:
        return CompanyKind.NON_US
    tax = preferences.get("TaxPrefs") or {}
    if tax.get("PartnerTaxEnabled") is True:
        return CompanyKind.US_AST
    if tax.get("UsingSalesTax") is True:
        return CompanyKind.US_MANUAL
    return CompanyKind.US_NO_TAX


def _rates(client: QboClient) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for row in client.read_all("TaxRate"):
        try:
            out[str(row["Id"])] = Decimal(str(row.get("RateValue", 0)))
        except (InvalidOperation, KeyError):
            continue
    return out


def _codes(client: QboClient) -> list[dict[str, str]]:
    """Each TaxCode with the combined rate of its sales rates (pseudo codes TAX/NON/CustomSalesTax have none),
    and those rates apart ("5,7"): outside the US QBO rounds each of them on each line (§5.2)."""
    rates = _rates(client)
    codes: list[dict[str, str]] = []
    for row in client.read_all("TaxCode"):
        details = ((row.get("SalesTaxRateList") or {}).get("TaxRateDetail")) or []
        parts = [rates.get(str((d.get("TaxRateRef") or {}).get("value")), Decimal(0)) for d in details]
        codes.append({"id": str(row["Id"]), "name": str(row.get("Name", "")),
                      "rate": str(sum(parts, Decimal(0)).normalize()), "has_rates": "1" if details else "",
                      "rates": ",".join(str(p.normalize()) for p in parts)})
    return codes


def _named(client: QboClient, entity: str) -> list[dict[str, str]]:
    return [{"id": str(r["Id"]), "name": str(r.get("Name", ""))} for r in client.read_all(entity)
            if r.get("Active", True) is not False]


def _terms(client: QboClient) -> list[dict[str, str]]:
    """Standard terms (DueDays); date-driven terms (DayOfMonthDue) never match a number of days."""
    return [{"id": str(r["Id"]), "name": str(r.get("Name", "")), "days": str(r["DueDays"])}
            for r in client.read_all("Term") if r.get("Active", True) is not False and r.get("DueDays") is not None]


def _accounts(client: QboClient) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """From one read of the Accounts: where a Payment may be deposited (Undeposited Funds, QBO's default,
    first, then the Bank accounts), and the Income accounts an item's sales may post to."""
    rows = [r for r in client.read_all("Account") if r.get("Active", True) is not False]
    undeposited = [r for r in rows if r.get("AccountSubType") == "UndepositedFunds"]
    banks = [r for r in rows if r.get("AccountType") == "Bank"]
    income = [r for r in rows if r.get("AccountType") == "Income"]

    def named(found: list[dict[str, Any]]) -> list[dict[str, str]]:
        return [{"id": str(r["Id"]), "name": str(r.get("Name", ""))} for r in found]

    return named(undeposited + banks), named(income)


def company_read(*, connection: QuickBooksConnection, client: QboClient,
                 info: dict[str, Any] | None = None) -> QuickBooksConnection:
    """Read Preferences (raw), CompanyInfo.Country (unless `info` was just read) and the tax codes; store
    the kind and the flags."""
    info = info if info is not None else client.company_info()
    prefs = client.preferences()
    codes = _codes(client)
    sales = prefs.get("SalesFormsPrefs") or {}
    conn = connection
    conn.company_country = str(info.get("Country", "") or "")[:10]
    conn.company_kind = company_kind_of(country=conn.company_country, preferences=prefs)
    conn.allow_discount = sales.get("AllowDiscount") is True
    conn.custom_txn_numbers = sales.get("CustomTxnNumbers") is not False
    # QBO US: a discount reduces the taxable amount unless the company says otherwise (ApplyTaxAfterDiscount
    # lives on each transaction; the company's default is not in Preferences, so true unless set).
    conn.apply_tax_after_discount = sales.get("ApplyTaxAfterDiscount", True) is not False
    currency = prefs.get("CurrencyPrefs") or {}
    conn.multicurrency_enabled = currency.get("MultiCurrencyEnabled") is True
    conn.home_currency = str((currency.get("HomeCurrency") or {}).get("value") or "")[:3].upper()
    conn.qbo_tax_codes = codes
    conn.qbo_payment_methods = _named(client, "PaymentMethod")
    conn.qbo_terms = _terms(client)
    conn.qbo_deposit_accounts, conn.qbo_income_accounts = _accounts(client)
    if conn.deposit_account_id not in {a["id"] for a in conn.qbo_deposit_accounts}:
        conn.deposit_account_id = ""  # the chosen account is gone (or inactive): back to QBO's default
    income_ids = {a["id"] for a in conn.qbo_income_accounts}
    # A chosen income account gone (or inactive) since: that type posts to the default again.
    conn.income_account_by_type = {t: a for t, a in conn.income_account_by_type.items() if a in income_ids}
    method_terms_forget_gone(conn)
    conn.company_read_at = timezone.now()
    if conn.pk:
        conn.save(update_fields=[*COMPANY_FIELDS, "updated_at"])
        product_income_forget_gone(conn)
        tax_codes_suggest(connection=conn)
    return conn


def _local_percent(code: TaxCode) -> Decimal:
    return sum((r.rate for r in code.rates.all()), Decimal(0))


def _suggestion(code: TaxCode, choices: list[dict[str, str]]) -> str:
    real = [c for c in choices if c.get("has_rates")]
    for c in real:
        if c["name"].strip().casefold() == code.name.strip().casefold():
            return c["id"]
    percent = _local_percent(code)
    same_rate = [c for c in real if Decimal(c["rate"]) == percent]
    return same_rate[0]["id"] if len(same_rate) == 1 else ""


@transaction.atomic
def tax_codes_suggest(*, connection: QuickBooksConnection) -> int:
    """Map each unmapped local tax code to the QBO code of the same name (case-insensitive) or, failing
    that, the one code of the same combined rate. A person's choice is never replaced. Returns how many."""
    if connection.company_kind in ("", CompanyKind.US_NO_TAX, CompanyKind.US_AST):
        return 0  # AST computes its own tax and a tax-off company has none: nothing to map
    mapped = set(TaxCodeMap.objects.filter(connection=connection).values_list("tax_code_id", flat=True))
    made = 0
    for code in TaxCode.objects.filter(organization_id=connection.organization_id).prefetch_related("rates"):
        if code.pk in mapped:
            continue
        qbo_id = _suggestion(code, connection.qbo_tax_codes)
        if qbo_id:
            TaxCodeMap.objects.create(connection=connection, tax_code=code, qbo_id=qbo_id, suggested=True)
            made += 1
    return made


def tax_code_map_set(*, connection: QuickBooksConnection, tax_code: TaxCode, qbo_id: str) -> TaxCodeMap | None:
    """A person's choice for one local code ("" removes the mapping). The QBO id must be one of the
    company's codes as last read."""
    if tax_code.organization_id != connection.organization_id:
        raise ValidationError("Choose a tax code of this organization.")
    if not qbo_id:
        TaxCodeMap.objects.filter(connection=connection, tax_code=tax_code).delete()
        return None
    if qbo_id not in {c["id"] for c in connection.qbo_tax_codes if c.get("has_rates")}:
        raise ValidationError("Choose one of the QuickBooks company's tax codes (re-read the company settings "
                         "if it was added there since).")
    row, _ = TaxCodeMap.objects.update_or_create(connection=connection, tax_code=tax_code,
                                                 defaults={"qbo_id": qbo_id, "suggested": False})
    return row


def deposit_account_set(*, connection: QuickBooksConnection, account_id: str) -> QuickBooksConnection:
    """Where pushed payments are deposited ("" = QBO's default, Undeposited Funds). Must be one of the
    accounts as last read."""
    if account_id and account_id not in {a["id"] for a in connection.qbo_deposit_accounts}:
        raise ValidationError("Choose Undeposited Funds or one of the QuickBooks company's bank accounts "
                              "(re-read the company settings if it was added there since).")
    connection.deposit_account_id = account_id
    connection.save(update_fields=["deposit_account_id", "updated_at"])
    return connection


def income_account_set(*, connection: QuickBooksConnection, product_type: str, account_id: str) -> QuickBooksConnection:
    """The Income account the sales of one product type post to ("" = the default account). Must be one of
    the company's Income accounts as last read. Items pushed from now on carry it."""
    if product_type not in ProductType.values:
        raise ValidationError(f"No product type “{product_type}”.")
    if account_id and account_id not in {a["id"] for a in connection.qbo_income_accounts}:
        raise ValidationError("Choose one of the QuickBooks company's income accounts (re-read the company "
                              "settings if it was added there since).")
    chosen = {**connection.income_account_by_type, product_type: account_id}
    connection.income_account_by_type = {t: a for t, a in chosen.items() if a}
    connection.save(update_fields=["income_account_by_type", "updated_at"])
    return connection


def company_reread(*, connection: QuickBooksConnection) -> QuickBooksConnection:
    """"Re-read company settings": the same read as on connect, with the connection's own tokens."""
    return company_read(connection=connection, client=client_for(connection))


def company_reread_failure(exc: Exception) -> str:
    """What a person is told when the re-read fails: plain words and Intuit's request id, never QBO's raw
    answer (Intuit's app review). For the page and the API alike."""
    if isinstance(exc, QboError):
        return with_reference(f"QuickBooks refused to give the company settings ({exc.message}).",
                              exc.call.intuit_tid)
    return "QuickBooks did not answer when asked for the company settings; try again shortly."
