"""Each kind of QuickBooks company, and the tax and money QBO computes in it, replayed over HTTP.
Expected numbers are the reference's (../shared/reference/qbo-tax-and-money.md, section in each
test) or Intuit's own examples, never numbers read off the simulator."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from qbo_sim import tax_switches
from qbo_sim.testing import SimControl, SimulatorProcess, authorize

Api = Callable[..., requests.Response]


class Company:
    """A fresh company of one kind and a raw JSON session to its API."""

    def __init__(self, sim: SimulatorProcess, control: SimControl, kind: str | None) -> None:
        self.realm = control.create_company(f"Tax {kind} {uuid.uuid4().hex[:6]}", kind=kind, empty=True)
        self.control = control
        token = control.connect(self.realm)["access_token"]
        self.s = requests.Session()
        self.s.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        self.base = f"{sim.url}/v3/company/{self.realm}"
        self.customer = self.post("Customer", {"DisplayName": "Job Site Customer"}).json()["Customer"]["Id"]

    def post(self, entity: str, body: dict[str, Any], **params: str) -> requests.Response:
        return self.s.post(f"{self.base}/{entity.lower()}", json=body, params=params, timeout=10)

    def get(self, path: str) -> dict[str, Any]:
        resp = self.s.get(f"{self.base}/{path}", timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def query(self, text: str) -> list[dict[str, Any]]:
        resp = self.s.post(f"{self.base}/query", data=text, headers={"Content-Type": "application/text"}, timeout=10)
        assert resp.status_code == 200, resp.text
        return next(iter(v for v in resp.json()["QueryResponse"].values() if isinstance(v, list)), [])

    def invoice(self, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        resp = self.post("Invoice", {"CustomerRef": {"value": self.customer}, "Line": lines, **fields})
        assert resp.status_code == 200, resp.text
        return resp.json()["Invoice"]

    def fault(self, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        resp = self.post("Invoice", {"CustomerRef": {"value": self.customer}, "Line": lines, **fields})
        assert resp.status_code == 400, resp.text
        return resp.json()["Fault"]["Error"][0]


def line(amount: float, code: str | None, qty: float | None = None, price: float | None = None,
         item: str = "1") -> dict[str, Any]:
    detail: dict[str, Any] = {"ItemRef": {"value": item}}
    if code is not None:
        detail["TaxCodeRef"] = {"value": code}
    if qty is not None:
        detail.update(Qty=qty, UnitPrice=price)
    return {"DetailType": "SalesItemLineDetail", "Amount": amount, "SalesItemLineDetail": detail}


def discount(amount: float = 0, percent: float | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"PercentBased": percent is not None}
    if percent is not None:
        detail["DiscountPercent"] = percent
    return {"DetailType": "DiscountLineDetail", "Amount": amount, "DiscountLineDetail": detail}


def rates(inv: dict[str, Any]) -> list[tuple[float, float, float]]:
    """(TaxPercent, NetAmountTaxable, Amount) per TaxLine."""
    return [(t["TaxLineDetail"]["TaxPercent"], t["TaxLineDetail"]["NetAmountTaxable"], t["Amount"])
            for t in inv["TxnTaxDetail"].get("TaxLine", [])]


@pytest.fixture
def company(sim: SimulatorProcess, control: SimControl) -> Callable[[str | None], Company]:
    return lambda kind: Company(sim, control, kind)


@pytest.fixture
def switches(control: SimControl) -> Iterator[Callable[..., None]]:
    """Flip unverified-fact switches for one test; restored afterwards."""
    def flip(**values: Any) -> None:
        control.config(tax_switches=values)
    yield flip
    control.config(tax_switches=dict(tax_switches.DEFAULTS))


def code_id(co: Company, name: str) -> str:
    rows = [r for r in co.query("select * from TaxCode") if r["Name"] == name]
    assert len(rows) == 1, name
    return str(rows[0]["Id"])


# --- what each kind starts with (§1, §11) ---------------------------------------------------------

@pytest.mark.parametrize(("kind", "country", "currency", "partner", "codes"), [
    (None, "US", "USD", None, {"TAX", "NON", "CustomSalesTax", "California", "Tucson"}),
    ("us_manual", "US", "USD", None, {"TAX", "NON", "CustomSalesTax", "California", "Tucson"}),
    ("us_ast", "US", "USD", True, {"TAX", "NON", "CustomSalesTax", "CA (automated)"}),
    ("us_no_tax", "US", "USD", None, set()),
    ("ca", "CA", "CAD", None, {"GST", "GST/QST QC - 9.975", "Zero-rated", "Exempt"}),
    ("uk", "GB", "GBP", None, {"20.0% S", "5.0% R", "0.0% Z", "Exempt", "No VAT"}),
    ("au", "AU", "AUD", None, {"GST", "GST free"}),
])
def test_kind_preferences_country_and_tax_records(company: Callable[[str | None], Company], kind: str | None,
                                                  country: str, currency: str, partner: bool | None,
                                                  codes: set[str]) -> None:
    co = company(kind)
    info = co.get(f"companyinfo/{co.realm}")["CompanyInfo"]
    prefs = co.get("preferences")["Preferences"]
    assert info["Country"] == country
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == currency
    assert prefs["TaxPrefs"].get("PartnerTaxEnabled") is partner    # §1.1: absent unless AST
    assert prefs["TaxPrefs"]["UsingSalesTax"] is (kind != "us_no_tax")
    names = {r["Name"] for r in co.query("select * from TaxCode")}
    assert codes <= names
    if kind in ("ca", "uk", "au"):
        assert not {"TAX", "NON"} & names   # §4.1: US pseudo codes only
        other = {nv["Name"]: nv["Value"] for nv in prefs["OtherPrefs"]["NameValue"]}
        assert other["AccountingInfoPrefs.DefaultTaxRateSelection"] == "1"
    assert co.query("select * from TaxRate") or kind == "us_no_tax"
    assert co.query("select * from TaxAgency") or kind == "us_no_tax"
    assert co.control.company(co.realm)["kind"] == (kind or "us_manual")


def test_unknown_kind_is_refused(control: SimControl) -> None:
    resp = requests.post(f"{control.url}/_sim/companies", json={"name": "X", "kind": "fr"}, timeout=10)
    assert resp.status_code == 400 and "kind" in resp.text


# --- US manual (§2) -------------------------------------------------------------------------------

def test_us_manual_intuit_invoice_example(company: Callable[[str | None], Company]) -> None:
    """Intuit's Invoice page: 275 + 12.75 + 47.50 TAX lines with code 2 (California 8 %)."""
    co = company("us_manual")
    inv = co.invoice([line(275.0, "TAX"), line(12.75, "TAX"), line(47.50, "TAX")],
                     TxnTaxDetail={"TxnTaxCodeRef": {"value": code_id(co, "California")}})
    assert rates(inv) == [(8.0, 335.25, 26.82)]
    assert inv["TxnTaxDetail"]["TotalTax"] == 26.82 and inv["TotalAmt"] == 362.07 and inv["Balance"] == 362.07


def test_us_manual_group_code_one_tax_line_per_rate(company: Callable[[str | None], Company]) -> None:
    """§2.2: Tucson = AZ State 7.1 % + Tucson City 2 %; labour NON, capacitor TAX."""
    co = company("us_manual")
    inv = co.invoice([line(190.0, "NON", 2, 95), line(84.50, "TAX", 1, 84.50)],
                     TxnTaxDetail={"TxnTaxCodeRef": {"value": code_id(co, "Tucson")}})
    assert rates(inv) == [(7.1, 84.50, 6.00), (2.0, 84.50, 1.69)]
    assert inv["TxnTaxDetail"]["TotalTax"] == 7.69 and inv["TotalAmt"] == 282.19 and inv["Balance"] == 282.19


@pytest.mark.parametrize(("after", "taxable", "tax", "total"), [(True, 180.0, 14.40, 194.40),
                                                                 (False, 200.0, 16.00, 196.00)])
def test_us_discount_before_or_after_tax(company: Callable[[str | None], Company], after: bool, taxable: float,
                                         tax: float, total: float) -> None:
    """§6.2: 2 × 100 TAX, 10 % discount, 8 % code."""
    co = company("us_manual")
    inv = co.invoice([line(200.0, "TAX", 2, 100), discount(20.0, percent=10)], ApplyTaxAfterDiscount=after,
                     TxnTaxDetail={"TxnTaxCodeRef": {"value": code_id(co, "California")}})
    assert rates(inv) == [(8.0, taxable, tax)] and inv["TotalAmt"] == total
    assert [ln["Amount"] for ln in inv["Line"] if ln["DetailType"] == "DiscountLineDetail"] == [20.0]


def test_us_manual_total_tax_override_with_code(company: Callable[[str | None], Company]) -> None:
    """§2.3: TxnTaxCodeRef + TotalTax keeps the amount; OverrideDeltaAmount holds the difference."""
    co = company("us_manual")
    inv = co.invoice([line(190.0, "NON"), line(84.50, "TAX")],
                     TxnTaxDetail={"TxnTaxCodeRef": {"value": code_id(co, "Tucson")}, "TotalTax": 8.00})
    assert inv["TxnTaxDetail"]["TotalTax"] == 8.00 and inv["TotalAmt"] == 282.50
    taxes = inv["TxnTaxDetail"]["TaxLine"]
    assert round(sum(t["Amount"] for t in taxes), 2) == 8.00
    assert round(sum(t["TaxLineDetail"]["OverrideDeltaAmount"] for t in taxes), 2) == round(8.00 - 7.69, 2)


def test_us_manual_python_quickbooks_zero_total_tax_is_not_an_override(
        company: Callable[[str | None], Company]) -> None:
    """§2.4: TxnTaxDetail() sends TotalTax 0 with the code; switch zero_total_tax_is_override (False)."""
    co = company("us_manual")
    inv = co.invoice([line(275.0, "TAX"), line(12.75, "TAX"), line(47.50, "TAX")],
                     TxnTaxDetail={"TxnTaxCodeRef": {"value": code_id(co, "California")}, "TotalTax": 0,
                                   "TaxLine": []})
    assert inv["TxnTaxDetail"]["TotalTax"] == 26.82


def test_the_apps_push_shape_still_works_in_the_default_company(company: Callable[[str | None], Company]) -> None:
    """The app sends TAX/NON lines and a bare TotalTax (§2.3 unverified; switch us_manual_bare_total_tax)."""
    co = company(None)
    inv = co.invoice([line(190.0, "TAX", 2, 95), line(18.74, "NON", 1.5, 12.49)],
                     TxnTaxDetail={"TotalTax": 16.86})
    assert inv["TxnTaxDetail"]["TotalTax"] == 16.86 and inv["TotalAmt"] == 225.60 and inv["Balance"] == 225.60


def test_us_manual_bare_total_tax_switch(company: Callable[[str | None], Company],
                                         switches: Callable[..., None]) -> None:
    switches(us_manual_bare_total_tax="ignore")
    co = company("us_manual")
    inv = co.invoice([line(100.0, "TAX")], TxnTaxDetail={"TotalTax": 9.99})
    assert inv["TxnTaxDetail"]["TotalTax"] == 0 and inv["TotalAmt"] == 100.0


def test_us_rejects_unknown_tax_code(company: Callable[[str | None], Company]) -> None:
    co = company("us_manual")
    err = co.fault([line(100.0, "TAX")], TxnTaxDetail={"TxnTaxCodeRef": {"value": "999"}})
    assert err["code"] == "2500"
    assert co.fault([line(100.0, "999")])["code"] == "2500"


def test_us_no_tax_ignores_txn_tax_detail(company: Callable[[str | None], Company]) -> None:
    """§1.1: with UsingSalesTax false, TxnTaxDetail is ignored and not stored."""
    co = company("us_no_tax")
    inv = co.invoice([line(100.0, "TAX")], TxnTaxDetail={"TxnTaxCodeRef": {"value": "2"}, "TotalTax": 8})
    assert "TxnTaxDetail" not in inv and inv["TotalAmt"] == 100.0


def test_us_global_tax_calculation_is_dropped(company: Callable[[str | None], Company]) -> None:
    """§3.5: python-quickbooks sends GlobalTaxCalculation on US invoices; not applicable there."""
    co = company("us_manual")
    inv = co.invoice([line(100.0, "NON")], GlobalTaxCalculation="TaxExcluded")
    assert "GlobalTaxCalculation" not in inv and inv["TotalAmt"] == 100.0


# --- US AST (§3) ----------------------------------------------------------------------------------

def test_ast_picks_the_code_from_the_ship_address_and_replaces_the_placeholder(
        company: Callable[[str | None], Company]) -> None:
    """§3.2: Intuit's AST create sample sends a placeholder TxnTaxCodeRef (14); AST replaces it.
    NY in the simulator's stand-in table: 4 % + 4.5 % + 0.375 % (README)."""
    co = company("us_ast")
    ship = {"Line1": "1 Main St", "City": "New York", "CountrySubDivisionCode": "NY", "PostalCode": "10001"}
    inv = co.invoice([line(100.0, "TAX"), line(50.0, "NON")], ShipAddr=ship,
                     TxnTaxDetail={"TxnTaxCodeRef": {"value": "14"}})
    assert inv["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] != "14"
    assert rates(inv) == [(4.0, 100.0, 4.0), (4.5, 100.0, 4.5), (0.375, 100.0, 0.38)]
    assert inv["TxnTaxDetail"]["TotalTax"] == 8.88 and inv["TotalAmt"] == 158.88


def test_ast_line_without_code_is_taxable_when_the_item_is(company: Callable[[str | None], Company]) -> None:
    """§3.1 (since 2018-08-10): no TaxCodeRef = TAX with the item's taxability; address falls back
    to the company's (San Pablo, CA: 7.25 % + 1 % in the stand-in table)."""
    co = company("us_ast")
    taxable = co.post("Item", {"Name": "Part", "Type": "NonInventory", "Taxable": True,
                               "IncomeAccountRef": {"value": "2"}}).json()["Item"]["Id"]
    inv = co.invoice([line(100.0, None, item=taxable), line(40.0, None)])
    codes = [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in inv["Line"]
             if ln["DetailType"] == "SalesItemLineDetail"]
    assert codes == ["TAX", "NON"]
    assert inv["TxnTaxDetail"]["TotalTax"] == 8.25 and inv["TotalAmt"] == 148.25


def test_ast_total_tax_override_is_prorated(company: Callable[[str | None], Company]) -> None:
    """§3.2: Intuit's AST update sample overrides with TotalTax 210; AST keeps it across its rates."""
    co = company("us_ast")
    inv = co.invoice([line(2000.0, "TAX")], TxnTaxDetail={"TxnTaxCodeRef": {"value": "14"}, "TotalTax": 210})
    assert inv["TxnTaxDetail"]["TotalTax"] == 210.0 and inv["TotalAmt"] == 2210.0
    assert len(inv["TxnTaxDetail"]["TaxLine"]) == 2
    assert round(sum(t["Amount"] for t in inv["TxnTaxDetail"]["TaxLine"]), 2) == 210.0


def test_manual_company_switched_to_ast(company: Callable[[str | None], Company]) -> None:
    co = company("us_manual")
    co.control.preferences(co.realm, PartnerTaxEnabled=True)
    assert co.control.company(co.realm)["kind"] == "us_ast"
    inv = co.invoice([line(100.0, "TAX")], TxnTaxDetail={"TxnTaxCodeRef": {"value": "2"}})
    assert inv["TxnTaxDetail"]["TotalTax"] == 8.25   # the engine's CA code, not California 8 %


# --- Global: UK, CA, AU (§4, §5) ------------------------------------------------------------------

def test_uk_invoice_example(company: Callable[[str | None], Company]) -> None:
    """§4.2: code 10 = 20.0% S → sales rate 4; code 17 = Exempt."""
    co = company("uk")
    inv = co.invoice([line(240.0, "10", 4, 60), line(35.0, "17", 1, 35)], GlobalTaxCalculation="TaxExcluded")
    assert inv["TxnTaxDetail"]["TaxLine"] == [
        {"DetailType": "TaxLineDetail", "Amount": 48.0, "TaxLineDetail": {
            "TaxRateRef": {"value": "4"}, "PercentBased": True, "TaxPercent": 20.0, "NetAmountTaxable": 240.0}}]
    assert inv["TxnTaxDetail"]["TotalTax"] == 48.0 and inv["TotalAmt"] == 323.0
    assert inv["GlobalTaxCalculation"] == "TaxExcluded" and inv["CurrencyRef"]["value"] == "GBP"
    assert "TxnTaxCodeRef" not in inv["TxnTaxDetail"]


def test_uk_rounds_per_line(company: Callable[[str | None], Company]) -> None:
    """§5.2 second example: three lines of 10.03 at 20 % → 2.01 each = 6.03 (not 6.02)."""
    co = company("uk")
    inv = co.invoice([line(10.03, "10") for _ in range(3)])
    assert inv["GlobalTaxCalculation"] == "TaxExcluded"   # §4.1 default
    assert rates(inv) == [(20.0, 30.09, 6.03)] and inv["TotalAmt"] == 36.12


def test_ca_rounding_example_with_a_taxservice_code(company: Callable[[str | None], Company]) -> None:
    """§5.2 first example (C-ca-round2): 29 × 1.59 and 2 × (11 × 1.59) at 12 % → 9.71 (not 9.73);
    the 12 % code is made through TaxService (§4.5)."""
    co = company("ca")
    agency = co.query("select * from TaxAgency")[0]["Id"]
    resp = co.post("taxservice/taxcode", {"TaxCode": "HST 12", "TaxRateDetails": [
        {"TaxRateName": "HST 12", "RateValue": 12, "TaxAgencyId": agency, "TaxApplicableOn": "Sales"}]})
    assert resp.status_code == 200, resp.text
    svc = resp.json()["TaxService"]
    assert svc["TaxCode"] == "HST 12" and svc["TaxCodeId"] and svc["TaxRateDetails"][0]["TaxRateId"]
    assert svc["TaxRateDetails"][0]["TaxAgencyId"] == str(agency)
    code = svc["TaxCodeId"]
    inv = co.invoice([line(1.59, code, 1, 1.59) for _ in range(29)] + [line(17.49, code, 11, 1.59)] * 2)
    assert inv["TxnTaxDetail"]["TotalTax"] == 9.71 and inv["TotalAmt"] == round(81.09 + 9.71, 2)
    dup = co.post("taxservice/taxcode", {"TaxCode": "HST 12", "TaxRateDetails": [{"TaxRateId": "1"}]})
    assert dup.status_code == 400 and dup.json()["Fault"]["Error"][0]["code"] == "6240"


def test_ca_two_rate_code_per_rate_lines(company: Callable[[str | None], Company]) -> None:
    """§4.3 (Fyle fixture): a 1,060.71 net line under a 7 % + 5 % code → 74.25 + 53.04."""
    co = company("ca")
    inv = co.invoice([line(1060.71, code_id(co, "GST/PST BC"))])
    assert sorted(rates(inv)) == [(5.0, 1060.71, 53.04), (7.0, 1060.71, 74.25)]
    assert inv["TxnTaxDetail"]["TotalTax"] == 127.29 and inv["TotalAmt"] == 1188.0


@pytest.mark.parametrize(("kind", "word"), [("uk", "VAT"), ("ca", "GST/HST")])
def test_global_line_without_tax_code_is_6000(company: Callable[[str | None], Company], kind: str, word: str) -> None:
    """§4.6 (mcp#94, ap#8539): the 6000 body with the country's wording."""
    co = company(kind)
    err = co.fault([line(100.0, None)])
    assert err["code"] == "6000"
    assert err["Message"] == "A business validation error has occurred while processing your request"
    assert err["Detail"] == f"Business Validation Error: Make sure all your transactions have a {word} rate before you save."


@pytest.mark.parametrize("code", ["TAX", "NON"])
def test_global_refuses_us_pseudo_codes(company: Callable[[str | None], Company], code: str) -> None:
    """§4.1: TAX/NON are US pseudo codes; switch non_us_accepts_non (False)."""
    assert company("uk").fault([line(100.0, code)])["code"] == "2500"


def test_global_override_tax_lines(company: Callable[[str | None], Company]) -> None:
    """§4.3: the Stack Overflow override, 20 % VAT on 16.67 kept at 3.33; then the errors of §4.6."""
    co = company("uk")
    override: dict[str, Any] = {"TotalTax": 3.33, "TaxLine": [{"Amount": 3.33, "DetailType": "TaxLineDetail", "TaxLineDetail": {
        "TaxRateRef": {"value": "4"}, "PercentBased": True, "TaxPercent": 20, "NetAmountTaxable": 16.67}}]}
    inv = co.invoice([line(16.67, "10")], TxnTaxDetail=override)
    assert rates(inv) == [(20.0, 16.67, 3.33)] and inv["TotalAmt"] == 20.0
    kept = dict(override, TaxLine=[dict(override["TaxLine"][0], Amount=3.40)])
    assert co.invoice([line(16.67, "10")], TxnTaxDetail=kept)["TotalAmt"] == 20.07
    wrong = dict(override, TaxLine=[dict(override["TaxLine"][0], TaxLineDetail={"TaxRateRef": {"value": "999"}})])
    err = co.fault([line(16.67, "10")], TxnTaxDetail=wrong)
    assert err["code"] == "2500" and "TaxRate" in err["Detail"]
    no_type = {"TaxLine": [{"Amount": 3.33, "TaxLineDetail": {"TaxRateRef": {"value": "4"}}}]}
    assert "DetailTypeEnum" in co.fault([line(16.67, "10")], TxnTaxDetail=no_type)["Detail"]


def test_global_override_must_name_every_rate_of_a_two_rate_code(company: Callable[[str | None], Company]) -> None:
    """§4.3 (unverified Quebec report; switch override_must_cover_every_rate): one rate of GST+QST → 6000."""
    co = company("ca")
    code = code_id(co, "GST/QST QC - 9.975")
    gst = {"Amount": 5.0, "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value": "1"}}}
    err = co.fault([line(100.0, code)], TxnTaxDetail={"TaxLine": [gst]})
    assert err["code"] == "6000" and "calculating tax" in err["Detail"]
    qst = {"Amount": 0.0, "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value": "2"}}}
    inv = co.invoice([line(100.0, code)], TxnTaxDetail={"TaxLine": [gst, qst]})
    assert inv["TxnTaxDetail"]["TotalTax"] == 5.0 and inv["TotalAmt"] == 105.0


def test_au_gst_exclusive_inclusive_and_not_applicable(company: Callable[[str | None], Company]) -> None:
    """AU GST 10 % (§4.4); TaxInclusive backs the tax out of the line (switch tax_inclusive = gross)."""
    co = company("au")
    gst, free = code_id(co, "GST"), code_id(co, "GST free")
    excluded = co.invoice([line(100.0, gst), line(30.0, free)])
    assert rates(excluded) == [(10.0, 100.0, 10.0)] and excluded["TotalAmt"] == 140.0
    assert excluded["CurrencyRef"]["value"] == "AUD"
    inclusive = co.invoice([line(110.0, gst), line(30.0, free)], GlobalTaxCalculation="TaxInclusive")
    assert rates(inclusive) == [(10.0, 100.0, 10.0)] and inclusive["TotalAmt"] == 140.0
    none = co.invoice([line(110.0, gst)], GlobalTaxCalculation="NotApplicable")
    assert none["TxnTaxDetail"]["TotalTax"] == 0 and none["TotalAmt"] == 110.0
    assert co.fault([line(110.0, gst)], GlobalTaxCalculation="TaxIncluded")["code"] == "2170"   # qr#196


def test_global_discount_lowers_the_taxable_amount(company: Callable[[str | None], Company]) -> None:
    """§6.3: a transaction discount in a VAT company; spread by line amount (switch non_us_discount_spread)."""
    co = company("uk")
    inv = co.invoice([line(100.0, "10"), line(100.0, "17"), discount(20.0, percent=10)])
    assert rates(inv) == [(20.0, 90.0, 18.0)] and inv["TotalAmt"] == 198.0


def test_zero_rate_tax_lines_switch(company: Callable[[str | None], Company], switches: Callable[..., None]) -> None:
    """§4.2 unverified: whether 0 % and exempt codes get a TaxLine of 0."""
    co = company("uk")
    assert rates(co.invoice([line(35.0, "17")])) == []
    switches(zero_rate_tax_lines=True)
    assert rates(co.invoice([line(35.0, "17")])) == [(0.0, 35.0, 0.0)]


def test_sales_receipt_and_credit_memo_follow_the_kind(company: Callable[[str | None], Company]) -> None:
    co = company("uk")
    for entity in ("SalesReceipt", "CreditMemo"):
        resp = co.post(entity, {"CustomerRef": {"value": co.customer}, "Line": [line(240.0, "10")]})
        assert resp.status_code == 200, resp.text
        body = resp.json()[entity]
        assert body["TxnTaxDetail"]["TotalTax"] == 48.0 and body["TotalAmt"] == 288.0
        bad = co.post(entity, {"CustomerRef": {"value": co.customer}, "Line": [line(240.0, None)]})
        assert bad.status_code == 400 and bad.json()["Fault"]["Error"][0]["code"] == "6000"


def test_update_recomputes_tax(company: Callable[[str | None], Company]) -> None:
    """§4.1: to change a line amount in a global locale, send the update without TxnTaxDetail."""
    co = company("uk")
    inv = co.invoice([line(240.0, "10")])
    body = {**inv, "Line": [line(300.0, "10")]}
    body.pop("TxnTaxDetail")
    resp = co.post("Invoice", body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["Invoice"]["TxnTaxDetail"]["TotalTax"] == 60.0 and resp.json()["Invoice"]["TotalAmt"] == 360.0


# --- Discounts and totals (§6, §11) ---------------------------------------------------------------

def test_discount_refused_when_the_company_does_not_allow_discounts(
        company: Callable[[str | None], Company]) -> None:
    co = company("us_manual")
    co.control.preferences(co.realm, AllowDiscount=False)
    err = co.fault([line(100.0, "NON"), discount(10.0)])
    assert err["code"] == "6000" and "Discount" in err["Detail"]
    co.control.preferences(co.realm, AllowDiscount=True)
    assert co.invoice([line(100.0, "NON"), discount(10.0)])["TotalAmt"] == 90.0


def test_discount_larger_than_the_subtotal_is_refused(company: Callable[[str | None], Company]) -> None:
    """§6.1 (webgility): QBO does not allow a negative total."""
    err = company("us_manual").fault([line(100.0, "NON"), discount(150.0)])
    assert err["code"] == "6000" and "greater than the subtotal" in err["Detail"]


def test_item_sales_tax_code_and_the_line_code_from_item_switch(company: Callable[[str | None], Company],
                                                                 switches: Callable[..., None]) -> None:
    """§9: SalesTaxCodeRef is the item's default code (non-US); whether QBO fills a line from it is unverified."""
    co = company("uk")
    resp = co.post("Item", {"Name": "Boiler service", "Type": "Service", "IncomeAccountRef": {"value": "1"},
                            "SalesTaxCodeRef": {"value": "10"}})
    assert resp.status_code == 200, resp.text
    item = resp.json()["Item"]
    assert item["SalesTaxCodeRef"]["value"] == "10"
    assert co.fault([line(100.0, None, item=item["Id"])])["code"] == "6000"
    switches(line_code_from_item=True)
    assert co.invoice([line(100.0, None, item=item["Id"])])["TxnTaxDetail"]["TotalTax"] == 20.0
    bad = co.post("Item", {"Name": "Bad", "Type": "Service", "IncomeAccountRef": {"value": "1"},
                           "SalesTaxCodeRef": {"value": "TAX"}})
    assert bad.status_code == 400 and bad.json()["Fault"]["Error"][0]["code"] == "2500"


def test_payment_against_a_vat_invoice(company: Callable[[str | None], Company]) -> None:
    """§8.1: PaymentRefNum, PaymentMethodRef; Undeposited Funds by default; Balance from QBO's TotalAmt."""
    co = company("uk")
    inv = co.invoice([line(240.0, "10"), line(35.0, "17")])
    method = co.query("select * from PaymentMethod")[0]["Id"]
    resp = co.post("Payment", {"CustomerRef": {"value": co.customer}, "TotalAmt": 400.0, "PaymentRefNum": "1045",
                               "PaymentMethodRef": {"value": method},
                               "Line": [{"Amount": 323.0, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})
    assert resp.status_code == 200, resp.text
    pay = resp.json()["Payment"]
    assert pay["PaymentRefNum"] == "1045" and pay["UnappliedAmt"] == 77.0
    assert pay["DepositToAccountRef"]["name"] == "Undeposited Funds"
    assert co.get(f"invoice/{inv['Id']}")["Invoice"]["Balance"] == 0


def test_tax_inclusive_income_is_net_of_tax(company: Callable[[str | None], Company]) -> None:
    """The books: a TaxInclusive 110 GST line posts 100 income and 10 tax, not 110 income."""
    co = company("au")
    co.invoice([line(110.0, code_id(co, "GST"))], GlobalTaxCalculation="TaxInclusive")
    balances = {a["Name"]: a["CurrentBalance"] for a in co.query("select * from Account")}
    assert balances["Services"] == 100.0 and balances["Sales Tax Payable"] == 10.0
    assert balances["Accounts Receivable (A/R)"] == 110.0


def test_authorize_page_creates_a_company_of_the_chosen_kind(sim: SimulatorProcess, control: SimControl) -> None:
    """A person picks "United Kingdom (VAT)" on the sign-in page for a new company."""
    page = requests.get(f"{sim.url}/connect/oauth2", params={"client_id": "sim-client-id", "response_type": "code",
                        "scope": "com.intuit.quickbooks.accounting", "redirect_uri": "http://127.0.0.1/cb",
                        "state": "s"}, timeout=10)
    assert 'id="kind"' in page.text and 'value="uk"' in page.text
    cb = authorize(sim.url, redirect_uri="http://127.0.0.1/cb", new_company=f"VAT Ltd {uuid.uuid4().hex[:6]}",
                   kind="uk")
    assert control.company(cb["realmId"])["kind"] == "uk"
    with pytest.raises(RuntimeError):
        authorize(sim.url, redirect_uri="http://127.0.0.1/cb", new_company="Bad kind", kind="fr")


def test_inline_subtotal_line(company: Callable[[str | None], Company]) -> None:
    """§6.1: a DescriptionOnly line "Subtotal:" sums the lines above it; reads show "Subtotal: nn.nn"."""
    co = company("us_manual")
    sub = {"DetailType": "DescriptionOnly", "Description": "Subtotal:", "DescriptionLineDetail": {}}
    inv = co.invoice([line(35.0, "NON"), line(150.0, "NON"), sub, line(10.0, "NON")])
    texts = [ln.get("Description") for ln in inv["Line"] if ln["DetailType"] == "DescriptionOnly"]
    assert texts == ["Subtotal: 185.00"] and inv["TotalAmt"] == 195.0
    again = co.post("Invoice", {**inv, "Line": [line(40.0, "NON"), *inv["Line"][1:]]}).json()["Invoice"]
    assert [ln.get("Description") for ln in again["Line"] if ln["DetailType"] == "DescriptionOnly"] == \
        ["Subtotal: 190.00"]


def test_taxable_transaction_line_limit(company: Callable[[str | None], Company]) -> None:
    """§4.1: at most 750 lines when taxable."""
    co = company("uk")
    assert co.invoice([line(1.0, "10")] * 750)["TxnTaxDetail"]["TotalTax"] == 150.0
    err = co.fault([line(1.0, "10")] * 751)
    assert err["code"] == "6000" and "750" in err["Detail"]


def test_discount_account_defaults_to_the_preference(company: Callable[[str | None], Company]) -> None:
    """§6.1: DiscountAccountRef is an Income account (DiscountsRefundsGiven), by default
    SalesFormsPrefs.DefaultDiscountAccount; the discount lowers that account, not the sales income."""
    co = company("us_manual")
    account = co.get("preferences")["Preferences"]["SalesFormsPrefs"]["DefaultDiscountAccount"]
    assert co.get(f"account/{account}")["Account"]["AccountSubType"] == "DiscountsRefundsGiven"
    inv = co.invoice([line(100.0, "NON"), discount(10.0)])
    disc = next(ln for ln in inv["Line"] if ln["DetailType"] == "DiscountLineDetail")
    assert disc["DiscountLineDetail"]["DiscountAccountRef"]["value"] == account
    balances = {a["Name"]: a["CurrentBalance"] for a in co.query("select * from Account")}
    assert balances["Services"] == 100.0 and balances["Discounts given"] == -10.0


def test_ast_exempt_customer_is_not_taxed(company: Callable[[str | None], Company]) -> None:
    """§2.4/§3.1: AST takes the customer's taxability; TaxExemptionReasonId 9 = Resale."""
    co = company("us_ast")
    exempt = co.post("Customer", {"DisplayName": "Reseller", "TaxExemptionReasonId": 9, "ResaleNum": "R-1"})
    assert exempt.status_code == 200, exempt.text
    inv = co.post("Invoice", {"CustomerRef": {"value": exempt.json()["Customer"]["Id"]},
                              "Line": [line(100.0, "TAX")]}).json()["Invoice"]
    assert inv["TxnTaxDetail"]["TotalTax"] == 0 and inv["TotalAmt"] == 100.0


def test_sparse_update_of_lines_recomputes_tax_and_a_memo_edit_keeps_it(
        company: Callable[[str | None], Company]) -> None:
    """A bookkeeper edits one field of several: a new line amount gets new VAT, a memo keeps the tax."""
    co = company("uk")
    inv = co.invoice([line(240.0, "10")])
    memo = co.post("Invoice", {"Id": inv["Id"], "SyncToken": inv["SyncToken"], "sparse": True,
                               "PrivateNote": "call first"}).json()["Invoice"]
    assert memo["TxnTaxDetail"]["TotalTax"] == 48.0 and memo["TotalAmt"] == 288.0
    resp = co.post("Invoice", {"Id": inv["Id"], "SyncToken": memo["SyncToken"], "sparse": True,
                               "Line": [line(100.0, "11")]})
    assert resp.status_code == 200, resp.text
    changed = resp.json()["Invoice"]
    assert rates(changed) == [(5.0, 100.0, 5.0)] and changed["TotalAmt"] == 105.0
    manual = company("us_manual")
    first = manual.invoice([line(100.0, "TAX")], TxnTaxDetail={"TxnTaxCodeRef": {"value": "2"}})
    again = manual.post("Invoice", {"Id": first["Id"], "SyncToken": first["SyncToken"], "sparse": True,
                                    "Line": [line(200.0, "TAX")]}).json()["Invoice"]
    assert again["TxnTaxDetail"]["TotalTax"] == 16.0 and again["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == "2"


def test_line_amount_switch(company: Callable[[str | None], Company], switches: Callable[..., None]) -> None:
    """§5.1: the 6070 refusal of Amount ≠ Qty × UnitPrice is one switch (line_amount_must_match)."""
    co = company("uk")
    assert co.fault([line(100.0, "10", 3, 30)])["code"] == "6070"
    switches(line_amount_must_match=False)
    assert co.invoice([line(100.0, "10", 3, 30)])["TotalAmt"] == 120.0
