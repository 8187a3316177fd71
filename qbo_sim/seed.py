"""Deterministic demo/test data: customers (with edge cases), items, projects, invoices and
payments. The same ``seed`` always produces the same names, amounts and dates."""

from __future__ import annotations

import random
from typing import Any

from . import clock, kinds
from .entities import ops
from .entities.common import WriteOpts
from .errors import ApiError
from .store import Company

INTERNAL = WriteOpts(internal=True)
FIRST = ["Amelia", "Bill", "Carmen", "Dmitri", "Elena", "Farah", "Gus", "Hannah", "Ivan", "Jade",
         "Kofi", "Lena", "Mateo", "Nora", "Oscar", "Priya", "Quinn", "Rosa", "Sam", "Tomás", "Uma",
         "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aiden", "Beatriz", "Chen", "Dana"]
LAST = ["O'Brien", "Lucchini", "Nguyen", "Patel", "García", "Smith", "Kowalski", "D'Angelo",
        "Okafor", "Johansson", "Müller", "Rossi", "Haddad", "Kim", "Murphy", "Silva", "Cohen",
        "Tanaka", "Novak", "Fitzgerald", "Mensah", "Dubois", "Larsen", "Ortiz", "O'Neil"]
TRADES = ["Plumbing", "Heating & Air", "Bakery", "Dental", "Property Management", "Auto Body",
          "Veterinary Clinic", "Brewing Co.", "Yoga Studio", "Law Office", "Hardware", "Diner"]
STREETS = ["Ocean Dr.", "Main St.", "Elm Ave.", "Sierra Way", "Harbor Blvd.", "Pine Ct."]
CITIES = [("Half Moon Bay", "CA", "94019"), ("San Pablo", "CA", "94806"), ("Tucson", "AZ", "85701"),
          ("Bayshore", "CA", "94326"), ("Middlefield", "CA", "94303")]
ITEMS = [("Labor - Hourly", 95.0, "LAB-HR"), ("Diagnostic Fee", 89.0, "DIAG"),
         ("Furnace Tune-up", 149.0, "TUNE-F"), ("AC Tune-up", 139.0, "TUNE-AC"),
         ("Water Heater Flush", 120.0, "WH-FL"), ("Filter 16x25", 18.5, "FLT-1625"),
         ("Thermostat - Smart", 229.0, "TSTAT-S"), ("Emergency Call-out", 175.0, "EMER"),
         ("Duct Cleaning", 399.0, "DUCT"), ("Refrigerant R-410A (lb)", 65.0, "R410A")]
PROJECTS = ["Kitchen Remodel", "Basement HVAC", "Boiler Replacement", "Office Fit-out", "Roof Drains"]


def seed(co: Company, *, customers: int = 0, items: int = 0, projects: int = 0, invoices: int = 0,
         payments: int = 0, seed: int = 1) -> dict[str, int]:
    """Add data to ``co`` (caller holds ``co.lock``). Returns how many of each were created."""
    rng = random.Random(seed)
    made = {"Customer": 0, "Item": 0, "Project": 0, "Invoice": 0, "Payment": 0, "Vendor": 0, "Employee": 0}
    customer_ids = _customers(co, rng, customers, made)
    item_ids = _items(co, rng, items, made)
    project_ids = _projects(co, rng, customer_ids, projects, made)
    invoice_ids = _invoices(co, rng, customer_ids + project_ids, item_ids, invoices, made)
    _payments(co, rng, invoice_ids, payments, made)
    return made


def _try_create(co: Company, entity: str, body: dict[str, Any], made: dict[str, int], key: str = "") -> str | None:
    try:
        rec = ops.create(co, entity, body, INTERNAL)
    except ApiError:
        return None  # e.g. the name is taken by an earlier seed run: skip, stay deterministic
    made[key or entity] += 1
    return rec.id


def _person(rng: random.Random, n: int) -> dict[str, Any]:
    given, family = rng.choice(FIRST), rng.choice(LAST)
    city, state, zip_code = rng.choice(CITIES)
    addr = {"Line1": f"{rng.randint(1, 999)} {rng.choice(STREETS)}", "City": city,
            "CountrySubDivisionCode": state, "PostalCode": zip_code, "Country": "USA"}
    slug = "".join(ch for ch in f"{given}.{family}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))
    body: dict[str, Any] = {"GivenName": given, "FamilyName": family, "BillAddr": addr,
                            "PrimaryEmailAddr": {"Address": f"{slug}{n}@example.com"},
                            "PrimaryPhone": {"FreeFormNumber": f"(555) {rng.randint(200, 999)}-{n % 10000:04d}"}}
    if rng.random() < 0.4:
        body["CompanyName"] = f"{family} {rng.choice(TRADES)}"
        body["DisplayName"] = f"{body['CompanyName']} #{n}"
    else:
        body["DisplayName"] = f"{given} {family} {n}" if n > 40 else f"{given} {family}"
    return body


EDGE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("Customer", {"DisplayName": "O'Brien Heating & Air", "CompanyName": "O'Brien Heating & Air",
                  "PrimaryEmailAddr": {"Address": "office@obrien-heating.example.com"}}),
    ("Customer", {"DisplayName": "Dormant Dan's Diner", "Active": False,
                  "PrimaryEmailAddr": {"Address": "dan@dormant.example.com"}}),
    ("Customer", {"DisplayName": "José Núñez", "GivenName": "José", "FamilyName": "Núñez"}),
    ("Customer", {"DisplayName": "Jane Smith", "PrimaryEmailAddr": {"Address": "jane.smith@example.com"}}),
    ("Customer", {"DisplayName": "Jane A. Smith", "PrimaryEmailAddr": {"Address": "jane.smith@example.com"}}),
    ("Customer", {"DisplayName": "Bayshore Property Management LLC " + "x" * 60}),
    ("Vendor", {"DisplayName": "Northwind Supply Co", "CompanyName": "Northwind Supply Co"}),
    ("Employee", {"DisplayName": "Pat Technician", "GivenName": "Pat", "FamilyName": "Technician"}),
]


def _customers(co: Company, rng: random.Random, count: int, made: dict[str, int]) -> list[str]:
    ids: list[str] = []
    edge = EDGE_CASES if count >= 10 else []
    for entity, body in edge:
        ident = _try_create(co, entity, body, made)
        if ident and entity == "Customer" and body.get("Active", True):
            ids.append(ident)
    start = co.seq["Customer"]
    for n in range(start + 1, start + 1 + count - sum(1 for e, _ in edge if e == "Customer")):
        ident = _try_create(co, "Customer", _person(rng, n), made)
        if ident:
            ids.append(ident)
    return ids


def _items(co: Company, rng: random.Random, count: int, made: dict[str, int]) -> list[str]:
    ids = []
    for n in range(count):
        name, price, sku = ITEMS[n] if n < len(ITEMS) else (f"Part #{n + 1000}", round(rng.uniform(5, 300), 2),
                                                              f"PRT-{n + 1000}")
        body = {"Name": name, "Type": "Service" if n < 5 else "NonInventory", "UnitPrice": price, "Sku": sku,
                "Description": name, "IncomeAccountRef": {"value": "1" if n < 5 else "2"},
                "Taxable": n >= 5}
        ident = _try_create(co, "Item", body, made)
        if ident:
            ids.append(ident)
    return ids or ["1"]


def _projects(co: Company, rng: random.Random, parents: list[str], count: int, made: dict[str, int]) -> list[str]:
    ids = []
    for n in range(count if parents else 0):
        parent = co.records["Customer"][rng.choice(parents)]
        body = {"DisplayName": f"{parent.data['DisplayName'][:60]} - {PROJECTS[n % len(PROJECTS)]} {n + 1}",
                "ParentRef": {"value": parent.id}, "Job": True, "IsProject": True, "BillWithParent": True}
        ident = _try_create(co, "Customer", body, made, "Project")
        if ident:
            ids.append(ident)
    return ids


def _invoices(co: Company, rng: random.Random, customers: list[str], items: list[str], count: int,
              made: dict[str, int]) -> list[str]:
    ids = []
    for _ in range(count if customers else 0):
        lines = []
        for _ in range(rng.randint(1, 3)):
            item = co.records["Item"][rng.choice(items)]
            qty, price = rng.randint(1, 4), float(item.data.get("UnitPrice") or 100.0)
            lines.append({"DetailType": "SalesItemLineDetail", "Amount": round(qty * price, 2),
                          "Description": item.data["Name"],
                          "SalesItemLineDetail": {"ItemRef": {"value": item.id}, "Qty": qty, "UnitPrice": price,
                                                  "TaxCodeRef": {"value": kinds.sale_code(co, bool(item.data.get("Taxable")))}}})
        body: dict[str, Any] = {"CustomerRef": {"value": rng.choice(customers)}, "Line": lines,
                                "TxnDate": clock.add_days(clock.today(), -rng.randint(0, 60))}
        if kinds.kind_of(co) == "us_manual" and any(
                ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "TAX" for ln in lines):
            body["TxnTaxDetail"] = {"TxnTaxCodeRef": {"value": "2"}}
        ident = _try_create(co, "Invoice", body, made)
        if ident:
            ids.append(ident)
    return ids


def _payments(co: Company, rng: random.Random, invoices: list[str], count: int, made: dict[str, int]) -> None:
    for inv_id in invoices[:count]:
        inv = co.records["Invoice"][inv_id].data
        amount = inv["Balance"] if rng.random() < 0.7 else round(inv["Balance"] / 2, 2)
        body = {"CustomerRef": {"value": inv["CustomerRef"]["value"]}, "TotalAmt": amount,
                "PaymentMethodRef": {"value": str(rng.randint(1, 3))},
                "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": inv_id, "TxnType": "Invoice"}]}]}
        _try_create(co, "Payment", body, made)
