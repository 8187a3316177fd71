"""The initial sync in slices: a run stops after any committed page and goes on later (another slice, another
worker, after a dead worker) without reading again a page it committed; a 429 queues the run until QBO's
wait is over instead of putting a worker to sleep; two companies' runs take turns on the workers; the
sweeper rings runs whose message was lost."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.importer import push, tasks
from integrations.importer.run import import_execute, import_slice
from integrations.importer.services import import_request
from integrations.importer.tasks import import_run_task, import_sweep
from integrations.models import ExternalRef, ImportRun, ImportState, ObjectType
from tests.integrations.import_helpers import connect_owner

pytestmark = pytest.mark.django_db

PANEL = "/settings/integrations/quickbooks/import/status/"
QBO_CUSTOMERS, LOCAL_NEW = 2500, 45  # three pages of customers; two chunks of creates


def _reads(control: Any, realm: str) -> int:
    by_endpoint = control.stats(realm)["requests"]["by_endpoint"]
    return sum(sum(v.values()) for k, v in by_endpoint.items() if k.endswith(" query"))


def _page_minimum(run: ImportRun) -> int:
    """A COUNT per phase, and every page up to and including the first that is not full."""
    return sum(1 + run.progress[k]["total"] // 1000 + 1 for k in ("customers", "items", "projects"))


def _company(qbo: Any, org: Organization, member: Any, name: str) -> tuple[str, Any]:
    realm = qbo.control.create_company(name, seed={"customers": QBO_CUSTOMERS, "seed": 11})
    Customer.objects.bulk_create([Customer(organization=org, display_name=f"{name} Local {n}",
                                           email=f"l{n}@{org.slug}.example") for n in range(LOCAL_NEW)])
    return realm, connect_owner(qbo, org, member, realm)


def test_a_run_stopped_after_a_few_pages_goes_on_without_reading_them_again(qbo: Any, org: Organization,
                                                                            member: Any) -> None:
    realm, conn = _company(qbo, org, member, "Slice Books")
    run = import_request(connection=conn, enqueue=False)
    reads_before = _reads(qbo.control, realm)

    for _ in range(3):  # one step a slice: the COUNT, then pages 1 and 2
        sliced = import_slice(run.pk, seconds=0)
        assert sliced is not None and sliced.state == ImportState.QUEUED
    assert sliced is not None
    assert sliced.cursor == {"phase": "customers", "start": 2001}
    assert sliced.progress["customers"]["done"] == 2000
    assert _reads(qbo.control, realm) - reads_before == 3

    # The next slice's worker dies after committing page 3 (it never released the run): the run is taken
    # over once its owner is known dead, from the cursor, not from the start.
    assert import_slice(run.pk, seconds=0) is not None
    ImportRun.objects.filter(pk=run.pk).update(state=ImportState.RUNNING, owner="elsewhere:1",
                                               heartbeat_at=timezone.now() - timedelta(minutes=5))
    done = import_execute(run.pk)

    assert done is not None and done.state == ImportState.DONE, done and done.status_reason
    assert _reads(qbo.control, realm) - reads_before == _page_minimum(done)
    assert done.progress["customers"]["done"] == done.progress["customers"]["total"]
    assert done.summary["created_in_qbo"] == LOCAL_NEW
    assert qbo.control.stats(realm)["duplicate_counts"]["Customer"] == 0
    refs = ExternalRef.objects.filter(connection=conn, object_type=ObjectType.CUSTOMER)
    assert refs.count() == Customer.objects.filter(organization=org).count()


class Killed(BaseException):
    """The worker process dies (SIGKILL): no handler of ours runs."""


def test_a_worker_killed_between_a_create_and_its_mapping_is_taken_over_without_a_duplicate(
        qbo: Any, org: Organization, member: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    realm, conn = _company(qbo, org, member, "Killed Books")
    run = import_request(connection=conn, enqueue=False)
    commit = push._Pusher.commit

    def killed(self: Any) -> None:
        monkeypatch.setattr(push._Pusher, "commit", commit)
        raise Killed  # QBO created the first chunk; its mappings were never written

    monkeypatch.setattr(push._Pusher, "commit", killed)
    with pytest.raises(Killed):
        import_slice(run.pk, seconds=None)
    stuck = ImportRun.objects.get(pk=run.pk)
    assert stuck.state == ImportState.RUNNING and stuck.cursor["phase"] == "push"
    ImportRun.objects.filter(pk=run.pk).update(owner="elsewhere:1", heartbeat_at=timezone.now() - timedelta(minutes=5))

    done = import_slice(run.pk, seconds=None)  # the sweeper's doorbell: the slice goes on from the cursor

    assert done is not None and done.state == ImportState.DONE, done and done.status_reason
    assert done.summary["created_in_qbo"] == LOCAL_NEW
    stats = qbo.control.stats(realm)
    assert stats["requests"]["replays"] == 1  # the same batch again: QBO answered it from its store
    assert stats["duplicate_counts"]["Customer"] == 0
    assert ExternalRef.objects.filter(connection=conn, object_type=ObjectType.CUSTOMER).count() == \
        Customer.objects.filter(organization=org).count()


def test_a_429_queues_the_run_until_quickbooks_wait_is_over(qbo: Any, org: Organization, member: Any,
                                                            client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    realm, conn = _company(qbo, org, member, "Throttled Books")
    run = import_request(connection=conn, enqueue=False)
    rung: list[dict[str, Any]] = []
    monkeypatch.setattr(import_run_task, "apply_async", lambda args, **kw: rung.append({"args": args, **kw}))

    slept: list[float] = []  # the limiter paces requests (sleep(0) when a slot is free); nothing else sleeps
    monkeypatch.setattr(time, "sleep", slept.append)
    qbo.control.set_faults(realm, throttle_burst=1)
    assert import_run_task.apply(args=(run.pk,)).get() == ImportState.QUEUED

    waiting = ImportRun.objects.get(pk=run.pk)
    assert waiting.next_attempt_at is not None
    assert timedelta(seconds=55) < waiting.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert waiting.status_reason.startswith("QuickBooks asked us to slow down while reading customers")
    assert "continuing in 60 s" in waiting.status_reason or "continuing in 59 s" in waiting.status_reason
    assert waiting.attempts == 0  # a 429 spends no attempt
    assert rung == [{"args": (run.pk, waiting.ticket), "eta": waiting.next_attempt_at}]
    assert import_run_task.apply(args=(run.pk, waiting.ticket)).get() == "not-claimed"  # not due yet
    assert max(slept, default=0.0) < 1.0  # the worker did not wait out QBO's minute
    # Every member sees it going on, and why it pauses.
    html = client_for(org, Role.TECHNICIAN).get(PANEL).content.decode()
    assert 'data-state="running"' in html and 'data-testid="qbo-import-waiting"' in html
    assert "QuickBooks asked us to slow down while reading customers" in html

    # QBO's minute is over (the message with its eta arrives): the run goes on and finishes.
    ImportRun.objects.filter(pk=run.pk).update(next_attempt_at=timezone.now())
    state, slices = import_run_task.apply(args=(run.pk, waiting.ticket)).get(), 1
    while state == ImportState.QUEUED and slices < 50:  # each slice re-queued itself (rung)
        state, slices = import_run_task.apply(args=rung[-1]["args"]).get(), slices + 1
    done = ImportRun.objects.get(pk=run.pk)
    assert done.state == ImportState.DONE and done.status_reason == ""
    assert done.summary["created_in_qbo"] == LOCAL_NEW
    assert qbo.control.stats(realm)["requests"]["by_status"]["429"] == 1


def test_two_companies_take_turns_slice_by_slice(qbo: Any, make_org: Any, member: Any, settings: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings.QBO_IMPORT_SLICE_SECONDS = 0  # one step a slice
    queue: list[tuple[int, int | None]] = []  # the broker: first in, first out
    monkeypatch.setattr(import_run_task, "apply_async", lambda args, **kw: queue.append(tuple(args)))
    runs = []
    for name in ("Alpha", "Bravo"):
        org = make_org(name)
        _, conn = _company(qbo, org, member, f"{name} Books")
        runs.append(import_request(connection=conn, enqueue=False).pk)
        queue.append((runs[-1], None))

    order: list[int] = []
    both_moving = False
    while queue and len(order) < 200:
        run_id, ticket = queue.pop(0)
        assert import_run_task.apply(args=(run_id, ticket)).get() != "not-claimed"
        order.append(run_id)
        progress = [ImportRun.objects.get(pk=pk).progress for pk in runs]
        both_moving |= all(0 < p.get("customers", {}).get("done", 0) < QBO_CUSTOMERS for p in progress)

    assert [ImportRun.objects.get(pk=pk).state for pk in runs] == [ImportState.DONE, ImportState.DONE]
    assert order[:10] == runs * 5  # strictly alternating while both have work
    assert both_moving  # each shows progress while the other is running


def test_the_sweeper_rings_a_run_whose_message_was_lost_and_one_whose_worker_died(
        qbo: Any, make_org: Any, member: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rung: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks.import_run_task, "delay", lambda run_id, ticket: rung.append((run_id, ticket)))
    lost, dead, fresh = (import_request(connection=_company(qbo, make_org(n), member, f"{n} Books")[1],
                                        enqueue=False) for n in ("Lost", "Dead", "Fresh"))
    long_ago = timezone.now() - timedelta(minutes=5)
    ImportRun.objects.filter(pk=lost.pk).update(next_attempt_at=long_ago, ticket=4)
    ImportRun.objects.filter(pk=dead.pk).update(state=ImportState.RUNNING, owner="elsewhere:1", heartbeat_at=long_ago)

    assert import_sweep.apply().get() == 2
    assert sorted(rung) == sorted([(lost.pk, 4), (dead.pk, 0)])  # the fresh one's message is still on its way
    assert import_run_task.apply(args=(lost.pk, 3)).get() == "not-claimed"  # an older message does nothing
    assert import_run_task.apply(args=(lost.pk, 4)).get() in ("queued", "done")
    assert ImportRun.objects.get(pk=fresh.pk).state == ImportState.QUEUED
