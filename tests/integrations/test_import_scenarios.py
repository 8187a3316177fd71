"""The initial sync against the simulator over HTTP, with overlaps seeded on both sides: exact links,
creations and review items on both sides, and nothing at all on a rerun."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import Membership, Organization
from customers.models import Customer, Project
from integrations.models import ExternalRef, ImportState, ObjectType, QuickBooksConnection, ReviewItem
from invoicing.models import Product
from qbo_sim.testing import SimControl
from tests.integrations.conftest import Qbo
from tests.integrations.import_helpers import (
    connect_owner,
    customer,
    income_account,
    qbo_names,
    run_import,
)

pytestmark = pytest.mark.django_db


def _seed_qbo(control: SimControl, realm: str) -> dict[str, str]:
    ids = {}
    ids["acme"] = customer(control, realm, "Acme Heating", "office@acme.example")["Id"]
    ids["jane"] = customer(control, realm, "Jane Smith", "jane@qbo.example")["Id"]
    ids["bob"] = customer(control, realm, "Bob's Plumbing", "bob@plumb.example")["Id"]
    ids["obrien"] = customer(control, realm, "O'Brien Heating & Air", "office@obrien.example")["Id"]
    ids["zed"] = customer(control, realm, "Zed Only", "zed@zed.example", CompanyName="Zed Ltd",
                          BillAddr={"Line1": "1 Zed St", "City": "Tucson"})["Id"]
    ids["multi"] = customer(control, realm, "Multi Match", "multi@qbo.example")["Id"]
    customer(control, realm, "Dormant Dan's Diner", "dan@dormant.example", Active=False)
    customer(control, realm, "Old Timer", "old@qbo.example", Active=False)
    control.entities(realm, "Vendor", {"DisplayName": "Northwind Supply Co"})
    # Projects: a project and a sub-customer under linked/created parents, one under a pair in review.
    control.entities(realm, "Customer", {"DisplayName": "Kitchen Remodel", "ParentRef": {"value": ids["acme"]},
                                         "Job": True, "IsProject": True})
    control.entities(realm, "Customer", {"DisplayName": "Boiler", "ParentRef": {"value": ids["acme"]}, "Job": True})
    control.entities(realm, "Customer", {"DisplayName": "Phase 1", "ParentRef": {"value": ids["zed"]}, "Job": True})
    control.entities(realm, "Customer", {"DisplayName": "Jane's Patio", "ParentRef": {"value": ids["jane"]},
                                         "Job": True, "IsProject": True})
    income = income_account(control, realm)
    control.entities(realm, "Item", {"Name": "Labor - Hourly", "Type": "Service", "Sku": "LAB-HR", "UnitPrice": 95,
                                     "IncomeAccountRef": {"value": income}})
    control.entities(realm, "Item", {"Name": "Filter 16x25", "Type": "NonInventory", "UnitPrice": 18.5,
                                     "IncomeAccountRef": {"value": income}})
    control.entities(realm, "Item", {"Name": "Duct Cleaning", "Type": "Service", "UnitPrice": 399,
                                     "IncomeAccountRef": {"value": income}})
    control.entities(realm, "Item", {"Name": "Install Bundle", "Type": "Group"})
    return ids


def _seed_local(org: Organization, make: Callable[..., Customer], make_product: Callable[..., Product]) -> dict:
    c: dict[str, Any] = {  # the customers, then two products: the tests pick them by key
        "acme": make(org, "Acme Heating", email="OFFICE@acme.example"),
        "jane": make(org, "Jane Smith", email="jane@local.example"),
        "bob": make(org, "bobs   PLUMBING"),
        "obrien": make(org, "O’Brien Heating & Air", email="office@obrien.example"),
        "multi1": make(org, "Multi Match", email="m1@local.example"),
        "multi2": make(org, "multi match"),
        "dan": make(org, "Dormant Dan's Diner", email="dan@dormant.example"),
        "old": make(org, "Old Timer", email="old@local.example"),
        "northwind": make(org, "Northwind Supply Co"),
        "local": make(org, "Local Only", email="local@only.example"),
        "colon": make(org, "Smith: Main St"),
        "twin1": make(org, "Twin Co"),
        "twin2": make(org, "TWIN CO"),
        "gone": make(org, "Gone Local", is_active=False),
    }
    Project.objects.create(organization=org, customer=c["acme"], name="boiler")
    c["labor"] = make_product(org, "Hourly labour", sku="lab-hr")
    c["filter"] = make_product(org, "filter 16X25", unit_price="17.00")
    return c


def _ref(conn: QuickBooksConnection, object_type: str, local_id: int) -> str | None:
    return ExternalRef.objects.filter(connection=conn, object_type=object_type, local_id=local_id).values_list(
        "qbo_id", flat=True).first()


@pytest.fixture
def scenario(qbo: Qbo, org: Organization, member: Callable[[Organization, str], Membership],
             make_customer: Callable[..., Customer], make_product: Callable[..., Product]) -> dict[str, Any]:
    realm = qbo.company("Overlap Books")
    qids = _seed_qbo(qbo.control, realm)
    local = _seed_local(org, make_customer, make_product)
    conn = connect_owner(qbo, org, member, realm)
    return {"realm": realm, "qids": qids, "local": local, "conn": conn, "control": qbo.control}


def test_first_run_links_creates_and_asks_exactly_as_expected(scenario: dict[str, Any], org: Organization) -> None:
    conn, local, qids, control, realm = (scenario[k] for k in ("conn", "local", "qids", "control", "realm"))
    run = run_import(conn)

    assert run.state == ImportState.DONE, run.status_reason
    # Links: exact, case/spacing/punctuation variants with one side lacking an email, curly apostrophe.
    assert _ref(conn, ObjectType.CUSTOMER, local["acme"].pk) == qids["acme"]
    assert _ref(conn, ObjectType.CUSTOMER, local["bob"].pk) == qids["bob"]
    assert _ref(conn, ObjectType.CUSTOMER, local["obrien"].pk) == qids["obrien"]
    # Review instead of a duplicate: same name/other email, and a name shared by two local customers.
    reviews = {r.qbo_id: r for r in ReviewItem.objects.filter(connection=conn)}
    assert set(reviews) == {qids["jane"], qids["multi"]}
    assert reviews[qids["jane"]].reason == "Same name, but the email addresses differ."
    assert [c["id"] for c in reviews[qids["jane"]].candidates] == [local["jane"].pk]
    assert sorted(c["id"] for c in reviews[qids["multi"]].candidates) == sorted([local["multi1"].pk,
                                                                                  local["multi2"].pk])
    for key in ("jane", "multi1", "multi2"):
        assert _ref(conn, ObjectType.CUSTOMER, local[key].pk) is None
    # Created here: the QBO-only customer, with its details.
    zed = Customer.objects.get(organization=org, display_name="Zed Only")
    assert (zed.email, zed.company_name, zed.billing_city) == ("zed@zed.example", "Zed Ltd", "Tucson")
    assert _ref(conn, ObjectType.CUSTOMER, zed.pk) == qids["zed"]
    assert Customer.objects.filter(organization=org).count() == 15  # 14 seeded + Zed; no duplicates

    names = qbo_names(control, realm)
    # Created in QBO: the local-only ones (':' is not allowed there), the twins apart, and renamed ones
    # whose plain name is held by an inactive customer with another email or by a vendor.
    for name in ("Local Only", "Smith - Main St", "Twin Co", "TWIN CO (2)", "Old Timer (2)",
                 "Northwind Supply Co (2)"):
        assert names[name] == 1, name
    # Provably the same (inactive in QBO, same email): linked, not renamed.
    dan = _ref(conn, ObjectType.CUSTOMER, local["dan"].pk)
    assert dan is not None and names["Dormant Dan's Diner"] == 1 and "Dormant Dan's Diner (2)" not in names
    assert "Gone Local" not in names and "Jane Smith (2)" not in names and "Multi Match (2)" not in names
    assert sum(names.values()) == 8 + 4 + 6  # seeded customers + jobs + six created
    assert control.stats(realm)["duplicate_counts"] == {"Customer": 0, "Item": 0, "Invoice": 0}

    # Items: SKU match, name match, created here, a bundle skipped with its reason.
    assert _ref(conn, ObjectType.ITEM, local["labor"].pk) is not None
    assert _ref(conn, ObjectType.ITEM, local["filter"].pk) is not None
    duct = Product.objects.get(organization=org, name="Duct Cleaning")
    assert duct.unit_price == Decimal("399.00") and _ref(conn, ObjectType.ITEM, duct.pk) is not None
    assert not Product.objects.filter(organization=org, name="Install Bundle").exists()
    # Projects: created under linked/created parents, matched by name, and one waiting for its parent.
    projects = {(p.customer.display_name, p.name) for p in Project.objects.filter(organization=org)}
    assert projects == {("Acme Heating", "boiler"), ("Acme Heating", "Kitchen Remodel"), ("Zed Only", "Phase 1")}
    assert ExternalRef.objects.filter(connection=conn, object_type=ObjectType.PROJECT).count() == 3

    # linked: 3 customers + Dan by email, 2 items, 1 project; created here: Zed, Duct Cleaning plus the
    # simulator's stock "Services" and "Hours" items, 2 projects. The filter is linked at $17.00 here and
    # $18.50 in QBO: said so ("differs"), not silently.
    assert run.summary == {"linked": 3 + 1 + 2 + 1, "created_here": 1 + 3 + 2, "created_in_qbo": 6,
                           "needs_review": 2, "skipped": 2, "failed": 0, "unchanged": 0, "renamed": 3,
                           "differs": 1}
    skipped = {(n["type"], n["name"]) for n in run.notes if n["kind"] == "skipped"}
    assert skipped == {("items", "Install Bundle"), ("projects", "Jane's Patio")}
    assert run.progress["customers"] == {"done": 6, "total": 6}
    assert run.progress["push"] == {"done": 7, "total": 7}


def test_rerun_changes_nothing_on_either_side(scenario: dict[str, Any], org: Organization) -> None:
    conn, control, realm = scenario["conn"], scenario["control"], scenario["realm"]
    run_import(conn)
    before_qbo = control.stats(realm)["objects"]
    before_local = (Customer.objects.count(), Product.objects.count(), Project.objects.count(),
                    ExternalRef.objects.count(), ReviewItem.objects.count())
    writes_before = _writes(control.stats(realm))

    again = run_import(conn)

    assert again.state == ImportState.DONE
    assert control.stats(realm)["objects"] == before_qbo
    assert _writes(control.stats(realm)) == writes_before  # not one create or update was sent
    assert (Customer.objects.count(), Product.objects.count(), Project.objects.count(),
            ExternalRef.objects.count(), ReviewItem.objects.count()) == before_local
    assert again.summary["linked"] == again.summary["created_here"] == again.summary["created_in_qbo"] == 0
    assert again.summary["needs_review"] == 2  # still waiting for the Owner, not asked twice
    # Mapped and seen again: 4 + 6 top-level customers (Dan is inactive, so not read), 5 items, 3 projects.
    assert again.summary["unchanged"] == 10 + 5 + 3
    assert again.summary["skipped"] == 2


def _writes(stats: dict[str, Any]) -> int:
    return sum(sum(v.values()) for k, v in stats["requests"]["by_endpoint"].items()
               if k.startswith("POST") and "query" not in k)
