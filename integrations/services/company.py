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

from integrations.models import CompanyKind, QuickBooksConnection, TaxCodeMap
from integrations.quickbooks.client import QboClient
from integrations.quickbooks.tokens import client_for
from invoicing.models import TaxCode

US_COUNTRIES = {"US", "USA"}
COMPANY_FIELDS = ("company_country", "company_kind", "allow_discount", "custom_txn_numbers",
                  "apply_tax_after_discount", "qbo_tax_codes", "company_read_at")


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
    """Each TaxCode with the combined rate of its sales rates (pseudo codes TAX/NON/CustomSalesTax have none)."""
    rates = _rates(client)
    codes: list[dict[str, str]] = []
    for row in client.read_all("TaxCode"):
        details = ((row.get("SalesTaxRateList") or {}).get("TaxRateDetail")) or []
        total = sum((rates.get(str((d.get("TaxRateRef") or {}).get("value")), Decimal(0)) for d in details),
                    Decimal(0))
        codes.append({"id": str(row["Id"]), "name": str(row.get("Name", "")), "rate": str(total.normalize()),
                      "has_rates": "1" if details else ""})
    return codes


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
    conn.qbo_tax_codes = codes
    conn.company_read_at = timezone.now()
    if conn.pk:
        conn.save(update_fields=[*COMPANY_FIELDS, "updated_at"])
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


def company_reread(*, connection: QuickBooksConnection) -> QuickBooksConnection:
    """"Re-read company settings": the same read as on connect, with the connection's own tokens."""
    return company_read(connection=connection, client=client_for(connection))
