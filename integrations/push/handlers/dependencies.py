"""Customer and items first when an invoice needs them.

A dependency is pushed through its own outbox row, claimed like any job, so two workers pushing two
invoices of the same new customer never both create it (one claims it, the other waits briefly).
"""

from __future__ import annotations

from integrations.models import JobState
from integrations.push.handlers.base import PushContext
from integrations.qbo.errors import QboDependencyPending, QboValidation


def ensure_pushed(ctx: PushContext, object_type: str, local_id: int, label: str) -> str:
    """The QBO id of a record the current push needs, pushing it first (inline) when unmapped."""
    from integrations.push.claim import job_claim
    from integrations.push.enqueue import upsert_open_job
    from integrations.push.runner import job_run

    ref = ctx.ref(object_type, local_id)
    if ref is not None:
        return ref.qbo_id
    job = upsert_open_job(ctx.connection, object_type, local_id, "upsert", by_person=False)
    if job.state == JobState.ERROR:
        raise QboValidation(f"The {label} could not be synced: {job.last_error}", code=job.last_fault_code)
    claimed = job_claim(job.pk)
    if claimed is None:
        retry_at = job.next_attempt_at if job.state == JobState.BACKOFF else None
        raise QboDependencyPending(f"Waiting for the {label} to reach QuickBooks first.", retry_at=retry_at)
    state = job_run(claimed)
    ref = ctx.ref(object_type, local_id)
    if ref is not None:
        return ref.qbo_id
    claimed.refresh_from_db()
    if state == JobState.ERROR:
        raise QboValidation(f"The {label} could not be synced: {claimed.last_error}", code=claimed.last_fault_code)
    raise QboDependencyPending(f"Waiting for the {label} to reach QuickBooks first ({claimed.last_error}).",
                               retry_at=claimed.next_attempt_at)
