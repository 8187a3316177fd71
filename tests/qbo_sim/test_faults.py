"""Every fault a sync engine must survive, as python-quickbooks surfaces it."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from quickbooks import exceptions as qbe
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer

from qbo_sim.testing import SimControl, SimulatorProcess, make_qb_client

from .test_crud import new_customer


def test_401_after_access_token_ttl(sim: SimulatorProcess, control: SimControl, realm: str) -> None:
    control.config(access_token_ttl=1)
    try:
        tokens = control.connect(realm)
    finally:
        control.config(access_token_ttl=3600)
    assert tokens["expires_in"] == 1
    qb = make_qb_client(sim.url, realm, tokens["access_token"], tokens["refresh_token"])
    time.sleep(1.2)  # no assertion before the sleep: on a loaded machine 1 s can pass anyway
    with pytest.raises(qbe.AuthorizationException) as err:
        CompanyInfo.get(realm, qb=qb)
    assert err.value.error_code == 401 and "Token expired" in err.value.detail


def test_401_after_forced_expiry_and_recovery_by_refresh(qb: Any, control: SimControl, realm: str) -> None:
    control.expire_tokens(realm)
    with pytest.raises(qbe.AuthorizationException):
        Customer.count(qb=qb)
    qb.auth_client.refresh()
    qb._start_session()  # python-quickbooks has no auto-refresh (reference §7.2)
    assert Customer.count(qb=qb) == 0


def test_stale_sync_token_is_5010(qb: Any) -> None:
    cust = new_customer(qb, "Stale Token Co")
    cust.Notes = "first"
    cust.save(qb=qb)  # the caller's object keeps SyncToken "0" (python-quickbooks trap)
    cust.Notes = "second"
    with pytest.raises(qbe.QuickbooksException) as err:
        cust.save(qb=qb)
    assert err.value.error_code == 5010 and type(err.value) is qbe.QuickbooksException


def test_duplicate_name_vs_vendor_and_inactive_customer(qb: Any, control: SimControl, realm: str) -> None:
    control.entities(realm, "Vendor", {"DisplayName": "Northwind Supply Co"})
    with pytest.raises(qbe.QuickbooksException) as vendor_clash:
        new_customer(qb, "Northwind Supply Co")
    assert vendor_clash.value.error_code == 6240
    dormant = new_customer(qb, "Dormant Dan's Diner")
    dormant.Active = False
    dormant.save(qb=qb)
    with pytest.raises(qbe.QuickbooksException) as inactive_clash:
        new_customer(qb, "dormant dan's diner")
    assert inactive_clash.value.error_code == 6240
    assert "customer, vendor or employee" in inactive_clash.value.detail
    for bad_name, code in (("Colon: Inc", 2040), ("Tab\tInc", 2040), ("x" * 501, 2050)):
        with pytest.raises(qbe.QuickbooksException) as err:
            new_customer(qb, bad_name)
        assert err.value.error_code == code


def test_429_after_500_requests_in_a_minute(api: Any, qb: Any, control: SimControl, realm: str) -> None:
    url = f"{api.base}/companyinfo/{realm}"
    statuses = [api.get(url).status_code for _ in range(500)]
    assert statuses == [200] * 500
    over = api.get(url)
    assert over.status_code == 429 and over.json()["Fault"]["Error"][0]["code"] == "3001"
    with pytest.raises(qbe.ValidationException) as err:
        Customer.count(qb=qb)
    assert err.value.error_code == 3001
    stats = control.stats(realm)
    assert stats["throttle"]["max_requests_per_minute"] == 500 and stats["throttled_429"] == 2
    control.throttle_reset(realm)  # a test-only escape hatch instead of waiting 60 s
    assert Customer.count(qb=qb) == 0


def test_429_burst_and_historical_xml_body(qb: Any, control: SimControl, realm: str) -> None:
    control.set_faults(realm, throttle_burst=2)
    for _ in range(2):
        with pytest.raises(qbe.ValidationException):
            Customer.count(qb=qb)
    assert Customer.count(qb=qb) == 0
    control.config(throttle_xml=True)
    try:
        control.set_faults(realm, throttle_burst=1)
        with pytest.raises(qbe.QuickbooksException) as err:
            Customer.count(qb=qb)
        assert err.value.error_code == 10000 and "ThrottleExceeded" in err.value.message
    finally:
        control.config(throttle_xml=False)


def test_commit_then_drop_leaves_exactly_one_object(qb: Any, control: SimControl, realm: str) -> None:
    control.set_faults(realm, drop_next=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        new_customer(qb, "Dropped But Created")
    found = Customer.filter(DisplayName="Dropped But Created", qb=qb)
    assert len(found) == 1
    # The engine's recovery: retry with the same requestid -> QBO replays, nothing new.
    control.set_faults(realm, drop_next=1)
    c = Customer()
    c.DisplayName = "Replay Saves Us"
    with pytest.raises(requests.exceptions.ConnectionError):
        c.save(qb=qb, request_id="create-replay-1")
    again = Customer()
    again.DisplayName = "Replay Saves Us"
    assert again.save(qb=qb, request_id="create-replay-1").Id
    stats = control.stats(realm)
    assert stats["objects"]["Customer"]["total"] == 2 and stats["requests"]["faults_drop"] == 2


def test_error_rate_500s_are_severe_and_deterministic(qb: Any, control: SimControl, realm: str) -> None:
    control.set_faults(realm, error_rate=1.0)
    with pytest.raises(qbe.SevereException) as err:
        Customer.count(qb=qb)
    assert err.value.error_code == 10000
    control.set_faults(realm, error_rate=0.3, seed=7)
    first = _outcomes(qb, 40)
    control.set_faults(realm, seed=7)
    assert _outcomes(qb, 40) == first and 0 < first.count(False) < 40
    control.set_faults(realm, error_rate=0.0, error_next=2)
    assert _outcomes(qb, 3) == [False, False, True]
    by_status = control.stats(realm)["requests"]["by_status"]
    assert set(by_status) <= {"200", "500", "503"} and by_status.get("500", 0) + by_status.get("503", 0) >= 3


def _outcomes(qb: Any, n: int) -> list[bool]:
    out = []
    for _ in range(n):
        try:
            Customer.count(qb=qb)
            out.append(True)
        except qbe.SevereException:
            out.append(False)
    return out


def test_timeout_hangs_then_closes(qb: Any, control: SimControl, realm: str) -> None:
    control.set_faults(realm, timeout_next=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        new_customer(qb, "Never Written")
    assert Customer.filter(DisplayName="Never Written", qb=qb) == []
    control.set_faults(realm, timeout_next=1, timeout_commits=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        new_customer(qb, "Written Anyway")
    assert len(Customer.filter(DisplayName="Written Anyway", qb=qb)) == 1


def test_latency_does_not_change_answers(qb: Any, control: SimControl, realm: str) -> None:
    control.set_faults(realm, latency_ms=30, latency_jitter_ms=10)
    assert new_customer(qb, "Slow But Fine").Id
    assert control.clear_faults(realm)["latency_ms"] == 0
