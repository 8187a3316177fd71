"""``POST /taxservice/taxcode``: the only way to make a TaxCode and its TaxRates through the API
(reference qbo-tax-and-money.md §4.5; Intuit's PHP TaxServiceExample, python-quickbooks taxservice).
TaxCode and TaxRate stay read-only entities; agencies are made with ``POST /taxagency``."""

from __future__ import annotations

from typing import Any

from . import errors
from .entities import ops
from .entities.common import WriteOpts, name_key, number
from .store import Company

INTERNAL = WriteOpts(internal=True)
APPLICABLE = ("Sales", "Purchase", "Adjustment", "Other")


def _taken(co: Company, entity: str, name: str) -> bool:
    return any(not r.deleted and name_key(str(r.data.get("Name", ""))) == name_key(name)
               for r in co.records.get(entity, {}).values())


def _detail(co: Company, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise errors.bad_request_body("TaxRateDetails must hold objects")
    on = raw.get("TaxApplicableOn") or "Sales"
    if on not in APPLICABLE:
        raise errors.validation("2170", "Invalid Enumeration", f"Invalid TaxApplicableOn: {on}", "TaxApplicableOn")
    if raw.get("TaxRateId"):
        rate = co.get("TaxRate", str(raw["TaxRateId"]))
        if rate is None or rate.deleted:
            raise errors.invalid_ref("TaxRate", str(raw["TaxRateId"]), "TaxRateId")
        return {"TaxRateName": rate.data.get("Name"), "TaxRateId": rate.id, "RateValue": rate.data.get("RateValue"),
                "TaxAgencyId": str((rate.data.get("AgencyRef") or {}).get("value", "")), "TaxApplicableOn": on}
    name = str(raw.get("TaxRateName") or "").strip()
    if not name:
        raise errors.required("TaxRateName")
    if raw.get("RateValue") in (None, ""):
        raise errors.required("RateValue")
    agency_id = str(raw.get("TaxAgencyId") or "")
    if not agency_id:
        raise errors.required("TaxAgencyId")
    if co.get("TaxAgency", agency_id) is None:
        raise errors.invalid_ref("TaxAgency", agency_id, "TaxAgencyId")
    if _taken(co, "TaxRate", name):
        raise errors.duplicate_name("tax rate")
    return {"TaxRateName": name, "RateValue": number(raw["RateValue"], "RateValue"), "TaxAgencyId": agency_id,
            "TaxApplicableOn": on}


def create_tax_code(co: Company, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise errors.bad_request_body("Expected a TaxService object")
    name = str(body.get("TaxCode") or "").strip()
    if not name:
        raise errors.required("TaxCode")
    if _taken(co, "TaxCode", name):
        raise errors.duplicate_name("tax code")   # §4.5: 6240 "Duplicate Name Exists Error"
    raw_details = body.get("TaxRateDetails") or []
    if not isinstance(raw_details, list) or not raw_details:
        raise errors.required("TaxRateDetails")
    details = [_detail(co, raw) for raw in raw_details]
    for det in details:
        if "TaxRateId" not in det:
            pct = det["RateValue"]
            rate = ops.create(co, "TaxRate", {
                "Name": det["TaxRateName"], "Description": det["TaxRateName"], "RateValue": pct,
                "AgencyRef": {"value": det["TaxAgencyId"]}, "Active": True,
                "SpecialTaxType": "ZERO_RATE" if not pct else "NONE", "DisplayType": "ReadOnly"}, INTERNAL)
            det["TaxRateId"] = rate.id
    sales = [d["TaxRateId"] for d in details if d["TaxApplicableOn"] == "Sales"]
    purchase = [d["TaxRateId"] for d in details if d["TaxApplicableOn"] == "Purchase"]

    def rate_list(ids: list[str]) -> dict[str, Any]:
        return {"TaxRateDetail": [{"TaxRateRef": {"value": r}, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": n}
                                  for n, r in enumerate(ids)]}

    code = ops.create(co, "TaxCode", {"Name": name, "Description": name, "Active": True, "Taxable": True,
                                      "TaxGroup": len(sales) > 1, "Hidden": False,
                                      "TaxCodeConfigType": "USER_DEFINED", "SalesTaxRateList": rate_list(sales),
                                      "PurchaseTaxRateList": rate_list(purchase)}, INTERNAL)
    return {"TaxCode": name, "TaxCodeId": code.id, "TaxRateDetails": details}
