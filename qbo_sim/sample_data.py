"""The sample data of a new sandbox company, modelled on Intuit's "Sandbox Company_US": customers
(one with sub-customers), vendors, products and services, invoices (open, partly and fully
paid, overdue), payments, an estimate, a sales receipt and a credit memo. Terms, tax codes and
the chart of accounts come from ``fixtures``. ``--empty`` (or ``"empty": true`` on
``POST /_sim/companies``) skips this. Installed with the company lock held; no webhooks."""

from __future__ import annotations

from functools import partial
from typing import Any

from . import clock, kinds
from .entities import ops
from .entities.common import WriteOpts
from .store import Company

INTERNAL = WriteOpts(internal=True)
CUSTOMERS: list[dict[str, Any]] = [
    {"DisplayName": "Amy's Bird Sanctuary", "GivenName": "Amy", "FamilyName": "Lauterbach",
     "CompanyName": "Amy's Bird Sanctuary", "PrimaryEmailAddr": {"Address": "Birds@Intuit.com"},
     "PrimaryPhone": {"FreeFormNumber": "(650) 555-3311"},
     "BillAddr": {"Line1": "4581 Finch St.", "City": "Bayshore", "CountrySubDivisionCode": "CA",
                  "PostalCode": "94326"}, "Notes": "Note added via the sample data"},
    {"DisplayName": "Bill's Windsurf Shop", "GivenName": "Bill", "FamilyName": "Lucchini",
     "CompanyName": "Bill's Windsurf Shop", "PrimaryEmailAddr": {"Address": "Surf@Intuit.com"},
     "BillAddr": {"Line1": "12 Ocean Dr.", "City": "Half Moon Bay", "CountrySubDivisionCode": "CA",
                  "PostalCode": "94213"}},
    {"DisplayName": "Cool Cars", "GivenName": "Grace", "FamilyName": "Pariente", "CompanyName": "Cool Cars",
     "PrimaryEmailAddr": {"Address": "Cool_Cars@intuit.com"},
     "BillAddr": {"Line1": "65 Ocean Dr.", "City": "Half Moon Bay", "CountrySubDivisionCode": "CA",
                  "PostalCode": "94213"}},
    {"DisplayName": "Freeman Sporting Goods", "GivenName": "Kirby", "FamilyName": "Freeman",
     "CompanyName": "Freeman Sporting Goods", "PrimaryEmailAddr": {"Address": "Sporting_goods@intuit.com"},
     "BillAddr": {"Line1": "370 Easy St.", "City": "Middlefield", "CountrySubDivisionCode": "CA",
                  "PostalCode": "94482"}},
    {"DisplayName": "Red Rock Diner", "GivenName": "Stephanie", "FamilyName": "Martini",
     "CompanyName": "Red Rock Diner", "PrimaryEmailAddr": {"Address": "qbwebsamplecompany@yahoo.com"},
     "BillAddr": {"Line1": "500 Red Rock Rd.", "City": "Bayshore", "CountrySubDivisionCode": "CA",
                  "PostalCode": "94326"}},
]
SUB_CUSTOMERS = [("0969 Ocean View Road", "Freeman Sporting Goods"), ("55 Twin Lane", "Freeman Sporting Goods")]
VENDORS: list[dict[str, Any]] = [{"DisplayName": "Books by Bessie", "CompanyName": "Books by Bessie",
            "PrimaryEmailAddr": {"Address": "Books@Intuit.com"}},
           {"DisplayName": "Hicks Hardware", "CompanyName": "Hicks Hardware"}]
ITEMS = [("Design", 75.0, "Custom Design"), ("Gardening", 0.0, "Weekly Gardening Service"),
         ("Installation", 50.0, "Installation of landscape design"), ("Pest Control", 35.0, "Pest Control Services"),
         ("Rocks", 0.0, "Garden Rocks"), ("Sprinkler Heads", 2.0, "Sprinkler Heads")]


def _line(item: str, qty: float, price: float, desc: str, code: str = "NON") -> dict[str, Any]:
    return {"DetailType": "SalesItemLineDetail", "Description": desc, "Amount": round(qty * price, 2),
            "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": qty, "UnitPrice": price,
                                    "TaxCodeRef": {"value": code}}}


def install(co: Company) -> None:
    # Untaxed lines: NON in a US company, the kind's exempt code elsewhere (TAX/NON are US-only, §4.1).
    line = partial(_line, code=kinds.sale_code(co, False))
    income = co.names["Account"]["services"][1]
    ids: dict[str, str] = {}
    for body in CUSTOMERS:
        ids[body["DisplayName"]] = ops.create(co, "Customer", dict(body), INTERNAL).id
    for name, parent in SUB_CUSTOMERS:
        ids[name] = ops.create(co, "Customer", {"DisplayName": name, "ParentRef": {"value": ids[parent]},
                                                "BillWithParent": True}, INTERNAL).id
    for body in VENDORS:
        ops.create(co, "Vendor", dict(body), INTERNAL)
    items = {name: ops.create(co, "Item", {"Name": name, "Type": "Service", "UnitPrice": price,
                                           "Description": desc, "IncomeAccountRef": {"value": income}},
                              INTERNAL).id for name, price, desc in ITEMS}
    today = clock.today(co.created)
    ago = {n: clock.add_days(today, -n) for n in (5, 20, 45, 75)}

    def invoice(customer: str, lines: list[dict[str, Any]], days: int, **extra: Any) -> str:
        body = {"CustomerRef": {"value": ids[customer]}, "Line": lines, "TxnDate": ago[days],
                "DueDate": clock.add_days(ago[days], 30), **extra}
        return ops.create(co, "Invoice", body, INTERNAL).id

    est = ops.create(co, "Estimate", {"CustomerRef": {"value": ids["Cool Cars"]}, "TxnDate": ago[20],
                                      "Line": [line(items["Pest Control"], 1, 35.0, "Pest Control Services"),
                                               line(items["Installation"], 3, 50.0, "Installation")]}, INTERNAL)
    invoice("Amy's Bird Sanctuary", [line(items["Design"], 3, 75.0, "Custom Design")], 5)
    paid = invoice("Bill's Windsurf Shop", [line(items["Pest Control"], 2, 35.0, "Pest Control Services")], 45)
    part = invoice("Red Rock Diner", [line(items["Gardening"], 4, 40.0, "Weekly Gardening Service")], 20)
    invoice("55 Twin Lane", [line(items["Sprinkler Heads"], 25, 2.0, "Sprinkler Heads"),
                             line(items["Installation"], 2, 50.0, "Installation")], 75)  # overdue
    invoice("0969 Ocean View Road", [line(items["Rocks"], 10, 8.0, "Garden Rocks")], 20)
    invoice("Cool Cars", [line(items["Pest Control"], 1, 35.0, "Pest Control Services"),
                          line(items["Installation"], 3, 50.0, "Installation")], 5,
            LinkedTxn=[{"TxnId": est.id, "TxnType": "Estimate"}])
    for customer, inv, amount, days in (("Bill's Windsurf Shop", paid, 70.0, 20), ("Red Rock Diner", part, 60.0, 5)):
        ops.create(co, "Payment", {"CustomerRef": {"value": ids[customer]}, "TotalAmt": amount, "TxnDate": ago[days],
                                   "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": inv, "TxnType": "Invoice"}]}]},
                   INTERNAL)
    ops.create(co, "SalesReceipt", {"CustomerRef": {"value": ids["Amy's Bird Sanctuary"]}, "TxnDate": ago[20],
                                    "Line": [line(items["Gardening"], 1, 40.0, "Weekly Gardening Service")]}, INTERNAL)
    ops.create(co, "CreditMemo", {"CustomerRef": {"value": ids["Amy's Bird Sanctuary"]}, "TxnDate": ago[5],
                                  "Line": [line(items["Design"], 1, 25.0, "Design credit")]}, INTERNAL)
