"""Kinds of QuickBooks company and what each starts with (reference qbo-tax-and-money.md §0, §1,
§11): tax agencies, rates and codes, the Preferences and CompanyInfo fields that tell the kind, and
the decision procedure of §1.2 that the tax engine runs on the stored records (so a Preferences
edit through the control API changes the kind just as it would in QBO).

Ids of the UK codes follow the reference's §4.2 example (code 10 ``20.0% S`` → sales rate 4,
code 17 ``Exempt``); other ids are ours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import tax_switches

if TYPE_CHECKING:
    from .store import Company

KINDS = ("us_manual", "us_ast", "us_no_tax", "ca", "uk", "au")
DEFAULT_KIND = "us_manual"   # what the simulator's tax computation has always been (see README)
US_KINDS = ("us_manual", "us_ast", "us_no_tax")
LABELS = {"us_manual": "US, manual sales tax", "us_ast": "US, Automated Sales Tax", "us_no_tax": "US, sales tax off",
          "ca": "Canada (GST/HST)", "uk": "United Kingdom (VAT)", "au": "Australia (GST)"}
CURRENCY = {"USD": "United States Dollar", "CAD": "Canadian Dollar", "GBP": "British Pound Sterling",
            "AUD": "Australian Dollar"}
# 6000 wording per country when a line has no tax code (§4.6: UK mcp#94, CA ap#8539; AU is ours).
TAX_WORD = {"GB": "VAT", "CA": "GST/HST", "AU": "GST"}

Rate = tuple[str, str, float, str, str]          # id, name, percent, agency id, applicable on
Code = tuple[str, str, list[str], list[str]]     # id, name, sales rate ids, purchase rate ids

US_MANUAL_AGENCIES = [("1", "California Department of Tax and Fee Administration"),
                      ("2", "Arizona Department of Revenue")]
US_MANUAL_RATES: list[Rate] = [("1", "California", 8.0, "1", "Sales"), ("2", "AZ State tax", 7.1, "2", "Sales"),
                               ("3", "Tucson City", 2.0, "2", "Sales")]
US_MANUAL_CODES: list[Code] = [("2", "California", ["1"], []), ("3", "Tucson", ["2", "3"], [])]

# US AST stand-in engine: state of the destination address → the rates AST would choose. Real AST
# uses street-level jurisdictions; the simulator keys on CountrySubDivisionCode only (README).
AST_STATES: dict[str, list[tuple[str, float]]] = {
    "CA": [("CA State", 7.25), ("CA District", 1.0)],
    "AZ": [("AZ State", 5.6), ("AZ City", 2.6)],
    "NY": [("NY State", 4.0), ("NY City", 4.5), ("NY MCTD", 0.375)],
    "TX": [("TX State", 6.25), ("TX City", 2.0)],
    "WA": [("WA State", 6.5), ("WA Local", 3.6)],
}
AST_NO_TAX_STATES = ("AK", "DE", "MT", "NH", "OR")
AST_OTHER = "OTHER"   # any other state: one 5 % stand-in rate
AST_OTHER_RATE = 5.0

CA_AGENCIES = [("1", "Canada Revenue Agency"), ("2", "Revenu Québec"), ("3", "Ministry of Finance (BC)")]
CA_RATES: list[Rate] = [("1", "GST", 5.0, "1", "Sales"), ("2", "QST", 9.975, "2", "Sales"),
                        ("3", "GST/HST ZR", 0.0, "1", "Sales"), ("4", "HST ON", 13.0, "1", "Sales"),
                        ("5", "PST BC", 7.0, "3", "Sales"), ("6", "Exempt", 0.0, "1", "Sales"),
                        ("7", "GST (purchases)", 5.0, "1", "Purchase")]
CA_CODES: list[Code] = [("2", "GST", ["1"], ["7"]), ("3", "GST/QST QC - 9.975", ["1", "2"], []),
                        ("4", "Zero-rated", ["3"], []), ("5", "Exempt", ["6"], []), ("6", "HST ON", ["4"], []),
                        ("7", "GST/PST BC", ["1", "5"], [])]

UK_AGENCIES = [("1", "HMRC")]
UK_RATES: list[Rate] = [("4", "20.0% S", 20.0, "1", "Sales"), ("5", "20.0% S", 20.0, "1", "Purchase"),
                        ("6", "5.0% R", 5.0, "1", "Sales"), ("7", "5.0% R", 5.0, "1", "Purchase"),
                        ("8", "0.0% Z", 0.0, "1", "Sales"), ("9", "0.0% Z", 0.0, "1", "Purchase"),
                        ("13", "Exempt", 0.0, "1", "Sales"), ("14", "Exempt", 0.0, "1", "Purchase")]
UK_CODES: list[Code] = [("10", "20.0% S", ["4"], ["5"]), ("11", "5.0% R", ["6"], ["7"]),
                        ("12", "0.0% Z", ["8"], ["9"]), ("17", "Exempt", ["13"], ["14"]), ("18", "No VAT", [], [])]

AU_AGENCIES = [("1", "Australian Taxation Office")]
AU_RATES: list[Rate] = [("1", "GST (sales)", 10.0, "1", "Sales"), ("2", "GST (purchases)", 10.0, "1", "Purchase"),
                        ("3", "GST free (sales)", 0.0, "1", "Sales")]
AU_CODES: list[Code] = [("4", "GST", ["1"], ["2"]), ("5", "GST free", ["3"], []), ("6", "N-T", [], [])]

GLOBAL = {"ca": (CA_AGENCIES, CA_RATES, CA_CODES), "uk": (UK_AGENCIES, UK_RATES, UK_CODES),
          "au": (AU_AGENCIES, AU_RATES, AU_CODES)}
# Codes the fixtures/sample data use for "taxed" and "not taxed" lines in each kind.
STANDARD = {"ca": ("2", "5"), "uk": ("10", "17"), "au": ("4", "5")}
ADDRESS = {
    "us": {"Line1": "123 Sierra Way", "City": "San Pablo", "CountrySubDivisionCode": "CA",
           "PostalCode": "87999", "Country": "USA"},
    "ca": {"Line1": "100 King St W", "City": "Toronto", "CountrySubDivisionCode": "ON",
           "PostalCode": "M5X 1A9", "Country": "CAN"},
    "uk": {"Line1": "10 Market Street", "City": "Leeds", "PostalCode": "LS1 6DT", "Country": "GBR"},
    "au": {"Line1": "1 George St", "City": "Sydney", "CountrySubDivisionCode": "NSW",
           "PostalCode": "2000", "Country": "AUS"},
}


def check(kind: Any) -> str:
    if kind in (None, ""):
        return DEFAULT_KIND
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    return str(kind)


def country_code(kind: str) -> str:
    return {"ca": "CA", "uk": str(tax_switches.get("uk_country")), "au": "AU"}.get(kind, "US")


def home_currency(kind: str) -> str:
    return {"ca": "CAD", "uk": "GBP", "au": "AUD"}.get(kind, "USD")


def address(kind: str) -> dict[str, str]:
    return dict(ADDRESS.get(kind, ADDRESS["us"]))


def tax_prefs(kind: str) -> dict[str, Any]:
    """§1.1: PartnerTaxEnabled only in AST companies; absent in manual, no-tax and non-US ones."""
    if kind == "us_no_tax":
        return {"UsingSalesTax": False}
    if kind == "us_ast":
        return {"UsingSalesTax": True, "PartnerTaxEnabled": True, "TaxGroupCodeRef": {"value": ast_code_id("CA")}}
    if kind == "us_manual":
        return {"UsingSalesTax": True, "TaxGroupCodeRef": {"value": "2"}}
    return {"UsingSalesTax": True, "TaxGroupCodeRef": {"value": STANDARD[kind][0]}}


def other_prefs(kind: str) -> list[dict[str, str]]:
    if kind in US_KINDS:
        return []
    extra = [{"Name": "AccountingInfoPrefs.DefaultTaxRateSelection", "Value": "1"}]
    if kind == "uk":
        extra.append({"Name": "MTDEnabled", "Value": "true"})
    return extra


def tax_records(kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(entity, body with Id) for the agencies, rates and codes a company of ``kind`` starts with."""
    out: list[tuple[str, dict[str, Any]]] = []
    if kind == "us_no_tax":
        return out
    if kind in ("us_manual", "us_ast"):
        for ident in ("TAX", "NON", "CustomSalesTax"):   # §2.1: pseudo codes, Id = Name
            out.append(("TaxCode", {"Id": ident, "Name": ident, "Description": ident,
                                    "Taxable": ident != "NON", "TaxGroup": False, "Active": True}))
    if kind == "us_manual":
        out += _records(US_MANUAL_AGENCIES, US_MANUAL_RATES, US_MANUAL_CODES, "USER_DEFINED")
    elif kind == "us_ast":
        out += _ast_records()
    else:
        out += _records(*GLOBAL[kind], "SYSTEM_GENERATED")
    return out


def _rate(ident: str, name: str, pct: float, agency: str, on: str) -> dict[str, Any]:
    return {"Id": ident, "Name": name, "Description": f"{name} ({on.lower()})", "RateValue": pct,
            "AgencyRef": {"value": agency}, "Active": True, "SpecialTaxType": "ZERO_RATE" if not pct else "NONE",
            "DisplayType": "ReadOnly", "EffectiveTaxRate": [{"RateValue": pct, "EffectiveDate": "2010-01-01T00:00:00Z"}]}


def _code(ident: str, name: str, sales: list[str], purchase: list[str], config: str) -> dict[str, Any]:
    def details(ids: list[str]) -> dict[str, Any]:
        return {"TaxRateDetail": [{"TaxRateRef": {"value": r}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": n}
                                  for n, r in enumerate(ids)]}
    return {"Id": ident, "Name": name, "Description": name, "Active": True, "Taxable": bool(sales or purchase),
            "TaxGroup": len(sales) > 1, "Hidden": False, "TaxCodeConfigType": config,
            "SalesTaxRateList": details(sales), "PurchaseTaxRateList": details(purchase)}


def _records(agencies: list[tuple[str, str]], rates: list[Rate], codes: list[Code],
             config: str) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = [("TaxAgency", {"Id": a, "DisplayName": n}) for a, n in agencies]
    out += [("TaxRate", _rate(*r)) for r in rates]
    out += [("TaxCode", _code(*c, config)) for c in codes]
    return out


def _ast_records() -> list[tuple[str, dict[str, Any]]]:
    """AST makes its own agencies and codes (SYSTEM_GENERATED, §3.2); one code per state here."""
    out: list[tuple[str, dict[str, Any]]] = []
    rate_id = 0
    states = {**AST_STATES, AST_OTHER: [("Other state", AST_OTHER_RATE)]}
    for n, (state, rates) in enumerate(states.items(), 1):
        agency = str(100 + n)   # ids above the manual fixtures': a manual company can switch to AST
        out.append(("TaxAgency", {"Id": agency, "DisplayName": f"{state} sales tax agency"}))
        ids = []
        for name, pct in rates:
            rate_id += 1
            ids.append(str(100 + rate_id))
            out.append(("TaxRate", _rate(str(100 + rate_id), name, pct, agency, "Sales")))
        out.append(("TaxCode", _code(ast_code_id(state), f"{state} (automated)", ids, [], "SYSTEM_GENERATED")))
    return out


def ast_code_id(state: str) -> str:
    """The TaxCode the stand-in engine picks for a state (numeric, as QBO ids are)."""
    states = [*AST_STATES, AST_OTHER]
    return str(100 + 1 + states.index(state if state in AST_STATES else AST_OTHER))


def kind_of(co: Company) -> str:
    """§1.2 decision procedure on the company's own CompanyInfo and Preferences."""
    info, prefs = co.get("CompanyInfo", "1"), co.get("Preferences", "1")
    country = str((info.data.get("Country") if info else "US") or "US")
    if country not in ("US", "USA"):
        return {"CA": "ca", "CAN": "ca", "AU": "au", "AUS": "au"}.get(country.upper(), "uk")
    tax = (prefs.data.get("TaxPrefs") or {}) if prefs else {}
    if tax.get("PartnerTaxEnabled") is True:
        return "us_ast"
    return "us_manual" if tax.get("UsingSalesTax") else "us_no_tax"


def sale_code(co: Company, taxed: bool) -> str:
    """The line TaxCodeRef value seed and sample data use in this company."""
    kind = kind_of(co)
    if kind in US_KINDS:
        return "TAX" if taxed else "NON"
    return STANDARD[kind][0 if taxed else 1]
