"""How the initial sync is started and what it honours: connecting rings the worker once the connection
commits, the Celery task runs the job, and data types switched off in the preferences are left alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import Membership, Organization
from customers.models import Customer, Project
from integrations.importer.tasks import import_run_task
from integrations.models import ExternalRef, ImportRun, ImportState, ObjectType, SyncPreferences
from invoicing.models import Product
from tests.integrations.conftest import Qbo
from tests.integrations.import_helpers import connect_owner, customer, qbo_names, run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def realm(qbo: Qbo) -> str:
    realm_id = qbo.company("Wiring Books")
    acme = customer(qbo.control, realm_id, "Acme Heating", "office@acme.example")
    qbo.control.entities(realm_id, "Customer", {"DisplayName": "Roof", "ParentRef": {"value": acme["Id"]},
                                                "Job": True})
    return realm_id


def test_connecting_queues_a_run_and_rings_the_worker_on_commit(
        qbo: Qbo, realm: str, org: Organization, member: Callable[[Organization, str], Membership],
        monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    rung: list[int] = []
    monkeypatch.setattr(import_run_task, "delay", lambda run_id: rung.append(run_id))  # the broker edge
    with django_capture_on_commit_callbacks(execute=True):
        conn = connect_owner(qbo, org, member, realm)
    run = ImportRun.objects.get(connection=conn)
    assert run.state == ImportState.QUEUED and run.requested_by == conn.connected_by
    assert rung == [run.pk]


def test_the_celery_task_runs_the_job(qbo: Qbo, realm: str, org: Organization,
                                      member: Callable[[Organization, str], Membership]) -> None:
    conn = connect_owner(qbo, org, member, realm)
    run = ImportRun.objects.get(connection=conn)
    result = import_run_task.apply(args=(run.pk,))  # the task body, as a worker runs it
    assert result.get() == ImportState.DONE
    assert ExternalRef.objects.filter(connection=conn, object_type=ObjectType.CUSTOMER).count() == 1
    assert import_run_task.apply(args=(run.pk,)).get() == "not-claimed"  # a duplicate doorbell does nothing


def test_types_switched_off_are_not_imported_or_sent(qbo: Qbo, realm: str, org: Organization,
                                                     member: Callable[[Organization, str], Membership],
                                                     make_customer: Callable[..., Customer]) -> None:
    SyncPreferences.objects.update_or_create(organization=org, defaults={
        "sync_customers": False, "sync_products": False, "sync_projects": False})
    local = make_customer(org, "Local Only")
    conn = connect_owner(qbo, org, member, realm)
    run = run_import(conn)
    assert run.state == ImportState.DONE and run.progress == {}
    assert list(Customer.objects.filter(organization=org)) == [local]
    assert not Product.objects.filter(organization=org).exists() and not Project.objects.filter(organization=org)
    assert qbo_names(qbo.control, realm)["Local Only"] == 0


def test_projects_alone_wait_for_their_parent(qbo: Qbo, realm: str, org: Organization,
                                              member: Callable[[Organization, str], Membership],
                                              make_customer: Callable[..., Customer]) -> None:
    SyncPreferences.objects.update_or_create(organization=org, defaults={"sync_customers": False,
                                                                         "sync_products": False})
    conn = connect_owner(qbo, org, member, realm)
    run = run_import(conn)
    assert set(run.progress) == {"projects"} and run.summary["skipped"] == 1
    assert run.notes[0]["name"] == "Roof" and "parent customer is not linked" in run.notes[0]["reason"]
