"""Tax codes as companies in several regions keep them, for the totals tests."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import Organization
from invoicing.models import TaxCode, TaxRate

# code name -> [(rate name, percent, agency)]; an empty list is an exempt code.
REGION_CODES: dict[str, list[tuple[str, str, str]]] = {
    # US: a group of state + city rates (QBO's Tucson example) and a one-rate code.
    "Tucson": [("AZ State tax", "7.1", "Arizona DOR"), ("Tucson City", "2", "City of Tucson")],
    "California": [("California", "8", "CDTFA")],
    # Canada: GST alone, GST + PST (British Columbia), GST + QST (Quebec), HST 12 %.
    "GST": [("GST", "5", "Canada Revenue Agency")],
    "GST/PST BC": [("GST", "5", "Canada Revenue Agency"), ("PST BC", "7", "BC Ministry of Finance")],
    "GST/QST QC": [("GST", "5", "Canada Revenue Agency"), ("QST", "9.975", "Revenu Québec")],
    "HST 12": [("HST 12", "12", "Canada Revenue Agency")],
    # UK: VAT standard, reduced, zero-rated, exempt.
    "20.0% S": [("VAT 20", "20", "HMRC")],
    "5.0% R": [("VAT 5", "5", "HMRC")],
    "0.0% Z": [("VAT 0", "0", "HMRC")],
    "Exempt": [],
    # Australia: GST 10 %, GST-free.
    "GST AU": [("GST 10", "10", "ATO")],
    "GST-free": [],
}


def make_codes(organization: Organization, names: list[str] | None = None) -> dict[str, TaxCode]:
    rates: dict[str, TaxRate] = {}
    codes: dict[str, TaxCode] = {}
    for code_name in names or list(REGION_CODES):
        code = TaxCode.objects.create(organization=organization, name=code_name)
        for rate_name, percent, agency in REGION_CODES[code_name]:
            if rate_name not in rates:
                rates[rate_name] = TaxRate.objects.create(organization=organization, name=rate_name,
                                                          rate=Decimal(percent), agency=agency)
            code.rates.add(rates[rate_name])
        codes[code_name] = code
    return codes
