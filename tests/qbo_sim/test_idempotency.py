"""requestid: a replay returns the stored answer byte for byte and executes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer

from qbo_sim.testing import SimControl


def test_save_with_request_id_returns_same_id(qb: Any, control: SimControl, realm: str) -> None:
    first = Customer()
    first.DisplayName = "Idempotent Plumbing"
    a = first.save(qb=qb, request_id="job-42-create")
    second = Customer()
    second.DisplayName = "Idempotent Plumbing"
    b = second.save(qb=qb, request_id="job-42-create")
    assert a.Id == b.Id
    stats = control.stats(realm)
    assert stats["objects"]["Customer"]["total"] == 1 and stats["requests"]["replays"] == 1
    assert stats["duplicate_counts"]["Customer"] == 0


def test_replay_is_byte_for_byte_even_for_faults(api: Any) -> None:
    url = f"{api.base}/customer"
    body = json.dumps({"DisplayName": "Byte Exact"})
    one = api.post(url, data=body, params={"requestid": "r-1"}, headers={"Content-Type": "application/json"})
    two = api.post(url, data=body, params={"requestid": "r-1"}, headers={"Content-Type": "application/json"})
    assert one.status_code == two.status_code == 200 and one.content == two.content
    dup = api.post(url, data=body, params={"requestid": "r-2"}, headers={"Content-Type": "application/json"})
    assert dup.status_code == 400 and dup.json()["Fault"]["Error"][0]["code"] == "6240"
    again = api.post(url, data=json.dumps({"DisplayName": "Something Else"}), params={"requestid": "r-2"},
                     headers={"Content-Type": "application/json"})
    assert again.content == dup.content  # the stored answer, not a re-execution of the new body


def test_request_id_longer_than_50_is_rejected(qb: Any) -> None:
    c = Customer()
    c.DisplayName = "Long Request Id"
    with pytest.raises(QuickbooksException) as err:
        c.save(qb=qb, request_id="x" * 51)
    assert err.value.error_code == 2050
    assert c.save(qb=qb, request_id="x" * 50).Id
