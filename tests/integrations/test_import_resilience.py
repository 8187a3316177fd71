"""The import against a misbehaving QBO: 429s and 5xx wait and continue, a dropped answer to a batch
create is replayed (same requestid) instead of creating twice, and an expired authorization pauses the
run with that reason until the Owner reconnects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import Settings

from accounts.models import Membership, Organization
from customers.models import Customer
from integrations.models import ConnectionStatus, ExternalRef, ImportRun, ImportState, ObjectType
from tests.integrations.conftest import Qbo
from tests.integrations.import_helpers import connect_owner, customer, qbo_names, run_import
from tests.integrations.qbo_helpers import connect_over_oauth

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(qbo: Qbo, org: Organization, member: Callable[[Organization, str], Membership],
          make_customer: Callable[..., Customer], settings: Settings) -> dict[str, Any]:
    settings.QBO_THROTTLE_WAIT_SECONDS = 0  # QBO asks for 60 s; the test only needs the wait to happen
    settings.QBO_BACKOFF_BASE_SECONDS = 0
    realm = qbo.company("Flaky Books")
    for n in range(3):
        customer(qbo.control, realm, f"QBO Customer {n}", f"q{n}@qbo.example")
    locals_ = [make_customer(org, f"Local Customer {n}", email=f"l{n}@local.example") for n in range(4)]
    conn = connect_owner(qbo, org, member, realm)
    return {"realm": realm, "conn": conn, "control": qbo.control, "locals": locals_}


def _complete(setup: dict[str, Any], run: ImportRun) -> None:
    assert run.state == ImportState.DONE, run.status_reason
    assert run.summary["created_here"] == 3 + 2  # three customers, plus the simulator's two stock items
    assert run.summary["created_in_qbo"] == 4
    names = qbo_names(setup["control"], setup["realm"])
    assert all(names[f"Local Customer {n}"] == 1 for n in range(4))
    assert setup["control"].stats(setup["realm"])["duplicate_counts"]["Customer"] == 0
    assert ExternalRef.objects.filter(connection=setup["conn"], object_type=ObjectType.CUSTOMER).count() == 7


def test_throttling_waits_and_continues(setup: dict[str, Any]) -> None:
    setup["control"].set_faults(setup["realm"], throttle_burst=3)
    run = run_import(setup["conn"])
    _complete(setup, run)
    assert setup["control"].stats(setup["realm"])["requests"]["by_status"]["429"] == 3
    assert run.status_reason == ""  # the "waiting" line is cleared once QBO answers again


def test_a_full_batch_window_sends_single_creates_instead_of_waiting(setup: dict[str, Any], settings: Settings,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """QBO meters batch requests (40 a minute per app) but single writes only by the 500/minute budget: while
    the window is full the import sends the chunk one create per request rather than wait up to a minute."""
    import time

    from integrations.importer import push
    from integrations.models import RateBucket
    from integrations.qbo import limiter

    settings.QBO_LIMITER_REDIS_URL, settings.QBO_BATCH_PER_MINUTE = "", 1
    limiter._redis.cache_clear()
    monkeypatch.setattr(push, "batch_patience", lambda size: 0)
    # Another batch went to this company a second ago: the window (1 per 61 s) is full for a minute.
    RateBucket.objects.create(realm_id=f"qbo:rlbw:{setup['realm']}", stamps=[time.time() - 1],
                              updated_at=timezone.now())
    started = time.monotonic()
    run = run_import(setup["conn"])
    limiter._redis.cache_clear()
    _complete(setup, run)
    assert time.monotonic() - started < 30  # it did not wait for the window (a minute) to open
    sent = [r for r in setup["control"].requests() if f"/company/{setup['realm']}/" in r["path"]]
    creates = [r for r in sent if r["method"] == "POST" and r["path"].lower().split("?")[0].endswith("/customer")]
    assert not [r for r in sent if "/batch" in r["path"].lower()], sent
    assert len(creates) == 4, creates
    assert run.status_reason == ""


def test_transient_errors_wait_and_continue(setup: dict[str, Any]) -> None:
    setup["control"].set_faults(setup["realm"], error_next=3)
    run = run_import(setup["conn"])
    _complete(setup, run)
    assert setup["control"].stats(setup["realm"])["requests"]["total"] > 3


def test_a_lost_answer_to_the_batch_create_is_replayed_not_repeated(setup: dict[str, Any]) -> None:
    # Commit-then-drop: QBO creates the four customers but the answer never arrives.
    setup["control"].set_faults(setup["realm"], drop_next=1)
    run = run_import(setup["conn"])
    _complete(setup, run)
    assert setup["control"].stats(setup["realm"])["requests"]["replays"] == 1


def test_expired_authorization_pauses_until_reconnect(setup: dict[str, Any], qbo: Qbo) -> None:
    conn, control, realm = setup["conn"], setup["control"], setup["realm"]
    control.revoke(realm)  # the refresh token dies: QBO answers invalid_grant
    conn.__class__.objects.filter(pk=conn.pk).update(access_token_expires_at=None)  # force a refresh

    paused = run_import(conn)
    assert paused.state == ImportState.PAUSED
    assert "authorization expired" in paused.status_reason and "Reconnect" in paused.status_reason
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.AUTH_EXPIRED

    connect_over_oauth(qbo.url, conn.organization, conn.connected_by, realm)  # the Owner reconnects
    resumed = ImportRun.objects.filter(connection=conn).first()
    assert resumed is not None and resumed.pk != paused.pk and resumed.state == ImportState.QUEUED
    _complete(setup, run_import(conn))


def test_a_stored_refusal_of_a_cut_off_batch_does_not_block_the_rerun(qbo: Qbo, org: Organization,
                                                                      member: Callable[[Organization, str], Membership],
                                                                      make_customer: Callable[..., Customer]) -> None:
    """A process killed between sending a batch's headers and its body leaves QBO holding "required
    parameter missing" under that batch's requestid; the rerun's identical batch must still go through."""
    import requests

    from integrations.importer.push import _digest
    from integrations.push.handlers.customer import customer_payload

    realm = qbo.company("Poisoned Books")
    locals_ = [make_customer(org, f"Cut Off {n}", email=f"cut{n}@local.example") for n in range(2)]
    conn = connect_owner(qbo, org, member, realm)
    items = [{"bId": str(i), "operation": "create", "Customer": customer_payload(c)} for i, c in enumerate(locals_)]
    request_id = f"imp-{_digest([realm, items], 31)}"
    cut = requests.post(f"{qbo.url}/v3/company/{realm}/batch", params={"requestid": request_id, "minorversion": "75"},
                        headers={"Authorization": f"Bearer {conn.access_token}", "Accept": "application/json",
                                 "Content-Type": "application/json"}, data=b"", timeout=10)
    assert cut.status_code == 400  # what the killed process's request left behind

    run = run_import(conn)
    assert run.state == ImportState.DONE, run.status_reason
    assert run.summary["created_in_qbo"] == 2
    names = qbo_names(qbo.control, realm)
    assert names["Cut Off 0"] == names["Cut Off 1"] == 1
