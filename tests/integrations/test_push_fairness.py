"""One organization's backlog must not starve another's: claims go round-robin across connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Organization
from customers.models import Customer
from integrations.models import SyncJob
from integrations.push.claim import job_claim_next
from tests.integrations.push_helpers import connect_org

pytestmark = pytest.mark.django_db


def test_a_small_queue_is_served_between_the_jobs_of_a_big_backlog(
        qbo: Any, make_org: Callable[..., Organization], make_customer: Callable[..., Customer]) -> None:
    big, small = make_org("Big Backlog"), make_org("Small Shop")
    connect_org(qbo.control, big, qbo.company("Big Books"))
    connect_org(qbo.control, small, qbo.company("Small Books"))
    for i in range(40):
        make_customer(big, f"Backlog {i}")
    latecomer = make_customer(small, "Latecomer")  # queued after all 40

    order = []
    for _ in range(4):
        job = job_claim_next()
        assert job is not None
        order.append(job.connection.organization.name)
    assert order.count("Small Shop") == 1 and order.index("Small Shop") <= 1
    assert SyncJob.objects.get(local_id=latecomer.pk, object_type="customer").state == "running"
