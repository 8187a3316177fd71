"""Batch (python-quickbooks batch_create, mixed raw batches) and change data capture."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException, ValidationException
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice

from qbo_sim.testing import SimControl

from .test_crud import new_customer, new_invoice, new_item


def test_batch_create_40_customers_in_chunks_of_30(qb: Any, control: SimControl, realm: str) -> None:
    people = []
    for n in range(40):
        c = Customer()
        c.DisplayName = f"Batch Customer {n:02d}"
        people.append(c)
    result = batch_create(people, qb=qb)
    assert len(result.successes) == 40 and result.faults == []
    assert sorted(c.DisplayName for c in result.successes) == [f"Batch Customer {n:02d}" for n in range(40)]
    stats = control.stats(realm)
    assert stats["requests"]["by_endpoint"]["POST batch"] == {"200": 2}
    assert stats["objects"]["Customer"]["total"] == 40


def test_batch_reports_per_item_faults(qb: Any) -> None:
    cust, item = new_customer(qb, "Batch Mixed"), new_item(qb, "Batch Item", 50.0)
    inv = new_invoice(qb, cust, item, qty=1)
    other = new_invoice(qb, cust, item, qty=2)
    body = {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Batch New"}},
        {"bId": "2", "operation": "create", "Customer": {"DisplayName": "Batch Mixed"}},
        {"bId": "3", "operation": "update", "Invoice": {"Id": inv.Id, "SyncToken": "7", "sparse": True,
                                                         "PrivateNote": "x"}},
        {"bId": "4", "Query": "select * from Item where Name = 'Batch Item'"},
        {"bId": "5", "operation": "update", "optionsData": "void", "Invoice": {"Id": inv.Id, "SyncToken": "0"}},
        {"bId": "6", "operation": "delete", "Invoice": {"Id": other.Id, "SyncToken": "0"}},
    ]}
    answer = {r["bId"]: r for r in qb.batch_operation(json.dumps(body))["BatchItemResponse"]}
    assert answer["1"]["Customer"]["DisplayName"] == "Batch New"
    assert answer["2"]["Fault"]["Error"][0]["code"] == "6240"
    assert answer["3"]["Fault"]["Error"][0]["code"] == "5010"
    assert answer["4"]["QueryResponse"]["Item"][0]["Id"] == item.Id
    assert answer["5"]["Invoice"]["TotalAmt"] == 0 and "Voided" in answer["5"]["Invoice"]["PrivateNote"]
    assert answer["6"]["Invoice"] == {"Id": other.Id, "status": "Deleted", "domain": "QBO"}


def test_batch_size_limit_and_batch_throttle(qb: Any) -> None:
    too_many = {"BatchItemRequest": [{"bId": str(n), "Query": "select * from Term"} for n in range(31)]}
    with pytest.raises(QuickbooksException) as err:
        qb.batch_operation(json.dumps(too_many))
    assert err.value.error_code == 1040
    one = json.dumps({"BatchItemRequest": [{"bId": "q", "Query": "select count(*) from Term"}]})
    for _ in range(39):  # the oversized batch above was admitted too: 40 per minute in all
        qb.batch_operation(one)
    with pytest.raises(ValidationException) as throttled:
        qb.batch_operation(one)
    assert throttled.value.error_code == 3001


def test_cdc_returns_changes_and_deleted_stubs(qb: Any, control: SimControl, realm: str) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    cust, item = new_customer(qb, "CDC Customer"), new_item(qb, "CDC Item", 10.0)
    kept = new_invoice(qb, cust, item, qty=1)
    gone = new_invoice(qb, cust, item, qty=3)
    gone.delete(qb=qb)
    control.entities(realm, "Customer", {"Id": cust.Id, "Notes": "edited by the bookkeeper"})
    cdc = change_data_capture([Customer, Invoice], since.isoformat(), qb=qb)
    assert [c.Notes for c in cdc.Customer] == ["edited by the bookkeeper"]
    invoices = {i.Id: i for i in cdc.Invoice}
    assert invoices[kept.Id].TotalAmt == 10.0
    assert invoices[gone.Id].status == "Deleted"
    raw = qb.change_data_capture("Customer,Invoice,Item", since.isoformat())
    assert [list(r) for r in raw["CDCResponse"][0]["QueryResponse"]][2][0] == "Item"


def test_cdc_window_and_naive_timestamps(qb: Any) -> None:
    with pytest.raises(QuickbooksException) as err:
        qb.change_data_capture("Customer", "2001-01-01T00:00:00")
    assert err.value.error_code == 6000
    new_customer(qb, "Naive Time Customer")
    # python-quickbooks formats datetimes without an offset; QBO reads them in the company's
    # zone (US/Pacific here), so an hour-old Pacific wall-clock time must catch the change.
    pacific = datetime.now(ZoneInfo("America/Los_Angeles")).replace(tzinfo=None) - timedelta(hours=1)
    cdc = change_data_capture([Customer], pacific, qb=qb)
    assert [c.DisplayName for c in cdc.Customer] == ["Naive Time Customer"]
    with pytest.raises(QuickbooksException):
        qb.change_data_capture("TaxCode", pacific.isoformat())  # not available in CDC
