"""What the sync tells people agrees with what they (and the sync itself) did, against the simulator over
HTTP: the import's own "Name (2)" renames are not drift, a product linked with another price or SKU is
said so in the import summary, every customer the import creates in QuickBooks is in the sync log, and an
invoice deleted in QuickBooks offers only the deliberate "Create in QuickBooks again"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organization, Role
from customers.models import Customer
from integrations.inbound.cdc import cdc_sweep
from integrations.inbound.drift import drift_execute
from integrations.inbound.services import drift_request
from integrations.models import (
    DriftItem,
    ExternalRef,
    ImportRun,
    JobState,
    ObjectType,
    QuickBooksConnection,
    SyncAttempt,
    SyncJob,
)
from invoicing import lifecycle
from invoicing.models import Invoice, Product
from tests.integrations.conftest import Qbo
from tests.integrations.import_helpers import customer, income_account, qbo_names, run_import
from tests.integrations.push_helpers import drain
from tests.integrations.push_ui_helpers import by_testid
from tests.integrations.qbo_helpers import connect_over_oauth

pytestmark = pytest.mark.django_db
PAGE = "/settings/integrations/quickbooks/"


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Agreeing Books")


@pytest.fixture
def owner(org: Organization, member: Callable[[Organization, str], Membership]) -> Membership:
    return member(org, Role.OWNER)


@pytest.fixture
def owner_page(owner: Membership) -> Client:
    client = Client()
    client.force_login(owner.user)
    return client


@pytest.fixture
def imported(qbo: Qbo, realm: str, org: Organization, owner: Membership, make_customer: Callable[..., Customer],
             make_product: Callable[..., Product]) -> dict[str, Any]:
    """A company whose vendor holds one of our customer names, and whose items match ours by name only
    (one with another price, one with another SKU); then the initial sync, as the Owner's connect runs it."""
    control = qbo.control
    control.entities(realm, "Vendor", {"DisplayName": "Northwind Supply Co"})
    customer(control, realm, "Bookkeeper Renamed", "renamed@example.com")
    income = income_account(control, realm)
    control.entities(realm, "Item", {"Name": "AC Tune-up", "Type": "Service", "UnitPrice": 139,
                                     "IncomeAccountRef": {"value": income}})
    control.entities(realm, "Item", {"Name": "Filter 16x25", "Type": "NonInventory", "UnitPrice": 18.5,
                                     "Sku": "F-1625", "IncomeAccountRef": {"value": income}})
    control.entities(realm, "Item", {"Name": "Duct Cleaning", "Type": "Service", "UnitPrice": 399,
                                     "IncomeAccountRef": {"value": income}})
    local = {"northwind": make_customer(org, "Northwind Supply Co"), "solo": make_customer(org, "Local Only"),
             "renamed": make_customer(org, "Bookkeeper Renamed", email="renamed@example.com")}
    make_product(org, "AC tune-up", "129.00")
    make_product(org, "Filter 16x25", "18.50", sku="FLT-1625")
    make_product(org, "Duct Cleaning", "399.00")
    conn = connect_over_oauth(qbo.url, org, owner.user, realm)
    run = run_import(conn)
    return {"conn": conn, "run": run, **local}


# ---- the import's own renames are not drift -------------------------------------------------------------

def test_the_imports_own_name_suffix_is_not_drift_but_a_bookkeepers_rename_is(
        qbo: Qbo, realm: str, imported: dict[str, Any]) -> None:
    conn, northwind = imported["conn"], imported["northwind"]
    assert qbo_names(qbo.control, realm)["Northwind Supply Co (2)"] == 1  # the vendor holds the plain name
    ref = ExternalRef.objects.get(connection=conn, object_type=ObjectType.CUSTOMER, local_id=northwind.pk)
    # A bookkeeper really renames another linked customer in QuickBooks: that one is drift.
    other = ExternalRef.objects.get(connection=conn, object_type=ObjectType.CUSTOMER,
                                    local_id=imported["renamed"].pk)
    qbo.control.entities(realm, "Customer", {"Id": other.qbo_id, "DisplayName": "Bookkeeper Renamed (Main St)"})

    run = drift_request(connection=conn, actor=None)
    assert drift_execute(run_id=run.pk) == "done"
    names = {(i.local_id, i.ours, i.theirs) for i in DriftItem.objects.filter(run_id=run.pk, field="Display name")}
    assert (northwind.pk, "Northwind Supply Co", "Northwind Supply Co (2)") not in names
    assert names == {(imported["renamed"].pk, "Bookkeeper Renamed", "Bookkeeper Renamed (Main St)")}
    assert ref.qbo_id  # still linked to the suffixed record


def test_an_edit_of_a_customer_the_import_renamed_keeps_its_qbo_name(
        qbo: Qbo, realm: str, imported: dict[str, Any]) -> None:
    """Pushing ours after the import's rename must not ask QBO for the name the vendor holds (6240)."""
    northwind: Customer = imported["northwind"]
    northwind.phone = "555-0142"
    northwind.save()  # a person's edit here queues the push
    drain()
    job = SyncJob.objects.filter(object_type=ObjectType.CUSTOMER, local_id=northwind.pk).latest("id")
    assert job.state == JobState.DONE, job.last_error
    ref = ExternalRef.objects.get(connection=imported["conn"], object_type=ObjectType.CUSTOMER, local_id=northwind.pk)
    theirs = qbo.control.object(realm, "Customer", ref.qbo_id)
    assert (theirs["DisplayName"], theirs["PrimaryPhone"]["FreeFormNumber"]) == ("Northwind Supply Co (2)", "555-0142")


# ---- products linked with another price or SKU are said so ---------------------------------------------

def test_a_product_linked_with_another_price_or_sku_is_listed_with_both_values(
        imported: dict[str, Any], owner_page: Client) -> None:
    run: ImportRun = imported["run"]
    assert run.summary["differs"] == 2 and run.summary["linked"] >= 3
    differs = {n["name"]: n["reason"] for n in run.notes if n["kind"] == "differs"}
    assert set(differs) == {"AC tune-up", "Filter 16x25"}  # Duct Cleaning agrees: not listed
    assert "$129.00 here, $139.00 in QuickBooks" in differs["AC tune-up"]
    assert "“AC Tune-up”" in differs["AC tune-up"]
    assert "SKU “FLT-1625” here, “F-1625” in QuickBooks" in differs["Filter 16x25"]

    page = owner_page.get(PAGE + "import/status/")  # the import panel the QuickBooks page loads
    notes = " ".join(e.text for e in by_testid(page.content, "qbo-import-notes"))
    assert "$129.00 here, $139.00 in QuickBooks" in notes and "“F-1625” in QuickBooks" in notes


# ---- the sync log shows the initial sync's creates ------------------------------------------------------

def test_every_customer_the_import_creates_in_qbo_is_in_the_sync_log(
        qbo: Qbo, realm: str, imported: dict[str, Any], owner_page: Client) -> None:
    conn = imported["conn"]
    created = {c["DisplayName"]: str(c["Id"]) for c in qbo.control.objects(realm, "Customer")}
    attempts = {a.local_id: a for a in SyncAttempt.objects.filter(connection=conn)}
    for key, name in (("solo", "Local Only"), ("northwind", "Northwind Supply Co (2)")):
        attempt = attempts[imported[key].pk]
        assert (attempt.object_type, attempt.operation, attempt.outcome) == (ObjectType.CUSTOMER, "import", "create")
        assert attempt.qbo_id == created[name] and attempt.http_status == 200
    assert "Northwind Supply Co (2)" in attempts[imported["northwind"].pk].message
    assert imported["renamed"].pk not in attempts  # linked by reading, nothing sent to QBO

    rows = by_testid(owner_page.get(PAGE + "sync-log/").content, "sync-log-row")
    texts = [r.text for r in rows]
    assert sum("Local Only" in t and "Created" in t for t in texts) == 1
    assert sum("Northwind Supply Co" in t and "Created" in t for t in texts) == 1


# ---- an invoice deleted in QuickBooks ------------------------------------------------------------------

def test_an_invoice_deleted_in_qbo_offers_only_create_again_and_that_creates_it(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, owner_client: Client,
        make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    cdc_sweep(connection=conn)  # our own echoes
    ref = ExternalRef.objects.get(connection=conn, object_type=ObjectType.INVOICE, local_id=invoice.pk)
    old_id = ref.qbo_id
    qbo.control.delete_entity(realm, "Invoice", old_id)  # a bookkeeper deletes it in QuickBooks
    cdc_sweep(connection=conn)
    assert ExternalRef.objects.get(pk=ref.pk).deleted_in_qbo

    detail = owner_client.get(reverse("invoicing:invoice_detail", args=[invoice.pk]))
    actions = by_testid(detail.content, "qbo-sync-action")
    assert [(a.text.strip(), a.attrs.get("data-kind")) for a in actions] == [("Create in QuickBooks again", "recreate")]
    assert "Force re-sync" not in detail.content.decode()

    response = owner_client.post(reverse("integrations:push_invoice_sync", args=[invoice.pk]))
    assert response.status_code == 302
    drain()
    job = SyncJob.objects.filter(object_type=ObjectType.INVOICE, local_id=invoice.pk).latest("id")
    assert job.state == JobState.DONE, job.last_error
    live = [i for i in qbo.control.objects(realm, "Invoice")
            if i.get("DocNumber") == invoice.number and not i["_sim"]["deleted"]]
    assert len(live) == 1 and str(live[0]["Id"]) != old_id
    new_ref = ExternalRef.objects.get(connection=conn, object_type=ObjectType.INVOICE, local_id=invoice.pk)
    assert (new_ref.qbo_id, new_ref.deleted_in_qbo) == (str(live[0]["Id"]), False)
    after = by_testid(owner_client.get(reverse("invoicing:invoice_detail", args=[invoice.pk])).content,
                      "qbo-sync-action")
    assert [a.attrs.get("data-kind") for a in after] == ["resync"]
