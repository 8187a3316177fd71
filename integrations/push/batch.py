"""Batching under a backlog: up to 30 creates of one type in one QBO batch request.

QBO counts a batch as one request against the 500/minute limit, so a backlog of new customers, items or
invoices drains up to 30 times faster. Only plain creates qualify: updates, voids, anything whose last
outcome is unknown (it needs a lookup first), and invoices whose customer or items are not in QBO yet
run one by one through the ordinary path. A per-item fault is classified like any other failure; an
unknown outcome of the whole batch marks every item "look up before creating again".
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db import connection as db
from django.db.models import Exists, OuterRef
from django.utils import timezone

from customers.models import Customer
from integrations.models import ExternalRef, JobState, ObjectType, SyncJob
from integrations.push.claim import due_filter, job_take, lease_deadline, served_bump
from integrations.push.handlers.base import Need, PushContext
from integrations.push.handlers.customer import customer_create_payload
from integrations.push.handlers.invoice import (
    invoice_kept,
    invoice_load,
    invoice_needs,
    invoice_payload,
    invoices_preload,
)
from integrations.push.handlers.item import item_body
from integrations.push.policy import SYNCABLE_INVOICE_STATUSES
from integrations.push.refs import ref_save, refs_save_created
from integrations.push.runner import job_failed, job_finish, job_run, jobs_finish
from integrations.qbo.errors import QboDuplicateName, QboError, QboStale, classify
from integrations.qbo.limiter import BatchWindowFull, batch_window_wait
from integrations.qbo.tokens import client_for
from invoicing.models import InvoiceStatus, Product

MAX_BATCH = 30
MIN_BATCH = 3  # below this a batch saves nothing worth its all-or-nothing uncertainty
# QBO takes 40 batch requests a minute per company and app. A batch is claimed only when that window has
# a place now (`batch_window_wait`); if another worker took the last place meanwhile, the batch waits this
# long for one, else its first job goes alone and the rest go back to the queue. Never thirty singles in
# one step: a worker holding a company's singles for seconds (at its 8 requests a second) was a worker the
# other companies waited for (measured: a small company's invoice 10-17 s behind ten backlogs of 2,000).
BATCH_PATIENCE_SECONDS = 1.0
_ENTITY: dict[str, str] = {ObjectType.CUSTOMER: "Customer", ObjectType.ITEM: "Item", ObjectType.INVOICE: "Invoice"}


def _candidates(first: SyncJob) -> list[SyncJob]:
    mapped = ExternalRef.objects.filter(connection=first.connection_id, object_type=first.object_type,
                                        local_id=OuterRef("local_id"))
    return list(SyncJob.objects.filter(due_filter(), connection_id=first.connection_id,
                                       object_type=first.object_type, operation="upsert",
                                       outcome_unknown=False)
                .exclude(pk=first.pk).exclude(Exists(mapped)).order_by("next_attempt_at", "id")[:MAX_BATCH * 2])


def qualifies(job: SyncJob) -> bool:
    return (job.object_type in _ENTITY and job.operation == "upsert" and not job.outcome_unknown
            and not ExternalRef.objects.filter(connection=job.connection_id, object_type=job.object_type,
                                               local_id=job.local_id).exists())


def _needs_mapped(ctx: PushContext) -> bool:
    return all(ctx.need_qbo_id(need) is not None for need in invoice_needs(ctx))


def _payload(ctx: PushContext, job: SyncJob) -> dict[str, Any] | None:
    if job.object_type == ObjectType.CUSTOMER:
        return customer_create_payload(ctx.connection, ctx.load(Customer.objects.all()))
    if job.object_type == ObjectType.ITEM:
        return item_body(ctx, ctx.load(Product.objects.all()))
    invoice = invoice_load(ctx)
    if invoice.status not in SYNCABLE_INVOICE_STATUSES - {InvoiceStatus.VOID} or not _needs_mapped(ctx):
        return None
    return invoice_payload(ctx, invoice)


def batch_claim(first: SyncJob) -> list[SyncJob]:
    """More due creates of the same type and company, claimed for this worker (first is already ours), when
    the company's batch window has a place; else none (the first job goes alone)."""
    if not qualifies(first) or batch_window_wait(first.connection.realm_id) > 0:
        return []
    if db.features.has_select_for_update_skip_locked:
        claimed = _take_locked(_candidates(first))
    else:
        claimed = []
        for job in _candidates(first):
            taken = job_take(job)
            if taken is not None:
                claimed.append(taken)
            if len(claimed) >= MAX_BATCH - 1:
                break
    served_bump(first.connection_id, len(claimed))
    return claimed


def _take_locked(candidates: list[SyncJob]) -> list[SyncJob]:
    """PostgreSQL: lock the still-waiting candidates (SKIP LOCKED: another worker's are left alone) and take
    them in one UPDATE, instead of three statements per job. Abandoned running jobs are left out: their
    outcome is unknown, so they are looked up one by one first."""
    with transaction.atomic():
        ids = list(SyncJob.objects.filter(due_filter(), pk__in=[c.pk for c in candidates],
                                          state__in=[JobState.QUEUED, JobState.BACKOFF])
                   .select_for_update(skip_locked=True, of=("self",)).order_by("next_attempt_at", "id")
                   .values_list("pk", flat=True)[:MAX_BATCH - 1])
        if not ids:
            return []
        SyncJob.objects.filter(pk__in=ids).update(state=JobState.RUNNING, lease_until=lease_deadline(),
                                                  updated_at=timezone.now())
    # Without their connection: batch_run gives them the first job's.
    return list(SyncJob.objects.filter(pk__in=ids).order_by("next_attempt_at", "id"))


def _needs_of(ctx: PushContext) -> list[Need]:
    try:
        return invoice_needs(ctx)
    except Exception:  # noqa: BLE001 - _payload meets it again and sends the job the ordinary way
        return []


def _preload(contexts: list[PushContext]) -> None:
    """The batch's objects (an invoice's customer and lines too) in a few queries, not a few per job; then
    the mappings of all the invoices' customers and items in one."""
    object_type = contexts[0].job.object_type
    if object_type == ObjectType.INVOICE:
        invoices_preload(contexts)
        contexts[0].needs_lookup(need for ctx in contexts for need in _needs_of(ctx))  # one shared `mapped`
        return
    model = Customer if object_type == ObjectType.CUSTOMER else Product
    by_id = {ctx.local_id: ctx for ctx in contexts}
    # Among the connection's organization's rows only, as PushContext.load reads them; a job whose object
    # is not found here goes through load as usual (which says why).
    for obj in model.objects.filter(organization_id=contexts[0].connection.organization_id, pk__in=by_id):
        by_id[obj.pk].preload(obj)


def batch_run(jobs: list[SyncJob]) -> None:
    """Push claimed create jobs in one request; jobs that cannot join run through the ordinary path."""
    first = jobs[0]
    for job in jobs[1:]:
        # One connection row for the batch (they were claimed for it): read once, and what one job learns
        # about it (the income account the items post to) the next job knows without asking QBO again.
        job.connection = first.connection
    client = client_for(first.connection)
    mapped: dict[tuple[str, int], str] = {}
    currencies: dict[tuple[str, int], str] = {}
    shared: dict[str, Any] = {}
    contexts = [PushContext(client=client, connection=first.connection, job=job, local_id=job.local_id,
                            mapped=mapped, currencies=currencies, shared=shared) for job in jobs]
    _preload(contexts)
    items: dict[str, tuple[SyncJob, dict[str, Any]]] = {}
    for ctx in contexts:
        job = ctx.job
        try:
            body = _payload(ctx, job)
        except Exception:  # noqa: BLE001 - the ordinary path reports it properly
            body = None
        if body is None:
            job_run(job)
        else:
            items[str(job.pk)] = (job, body)
    if len(items) < MIN_BATCH:
        for job, _ in items.values():
            job_run(job)
    elif not _send(client, first.object_type, items):
        # The window filled between the check and the send: one single now, the rest back in the queue
        # (nothing was sent for them), in their order, for the next claims.
        waiting = list(items.values())
        job_run(waiting[0][0])
        jobs_release([job for job, _ in waiting[1:]])


def jobs_release(jobs: list[SyncJob]) -> None:
    """Claimed jobs nothing was sent for: queued again as they were (their due time keeps their turn)."""
    SyncJob.objects.filter(pk__in=[job.pk for job in jobs], state=JobState.RUNNING).update(
        state=JobState.QUEUED, lease_until=None, updated_at=timezone.now())


def _send(client: Any, object_type: str, items: dict[str, tuple[SyncJob, dict[str, Any]]]) -> bool:
    """One batch request for `items`; False when nothing was sent because QBO's batch window is full."""
    entity = _ENTITY[object_type]
    started, t0 = timezone.now(), time.monotonic()
    request = [{"bId": bid, "operation": "create", entity: body} for bid, (_, body) in items.items()]
    try:
        responses = {r.get("bId"): r for r in client.batch(request, patience=BATCH_PATIENCE_SECONDS)}
    except BatchWindowFull:
        return False
    except QboError as exc:
        # A transient failure here is an unknown outcome for every item (the client marks it so): each
        # is looked up by its natural key before it is created again.
        for job, _ in items.values():
            job_failed(job, exc, started, t0)
        return True
    created = {bid: responses[bid][entity] for bid in items if entity in (responses.get(bid) or {})}
    if created and not _settle_created(client, [(items[bid][0], record, items[bid][1])
                                                for bid, record in created.items()], started, t0):
        for bid in created:
            _settle(client, items[bid][0], entity, responses[bid], items[bid][1], started, t0)
    for bid, (job, body) in items.items():
        if bid not in created:
            _settle(client, job, entity, responses.get(bid), body, started, t0)
    return True


def _settle_created(client: Any, created: list[tuple[SyncJob, dict[str, Any], dict[str, Any]]], started: datetime,
                    t0: float) -> bool:
    """Every created record's mapping and its job's end in a few statements for the whole batch. False (and
    nothing written) when a mapping clashes with another row: each item is then settled on its own."""
    first = created[0][0]
    try:
        with transaction.atomic():
            refs_save_created(connection_id=first.connection_id, object_type=first.object_type,
                              created=[(job.local_id, record, body, _kept_tax(job, record))
                                       for job, record, body in created])
            jobs_finish([(job, str(record["Id"])) for job, record, _ in created], started, t0, outcome="create",
                        message="batch", call=client.last_call)
    except IntegrityError:
        return False
    return True


def _kept_tax(job: SyncJob, record: dict[str, Any]) -> dict[str, Any]:
    """What the mapping keeps of a created invoice (QBO's own tax, QBO's own number), for the single and the
    bulk settle; every created invoice of a batch gets the same keys (one bulk upsert)."""
    if job.object_type != ObjectType.INVOICE:
        return {}
    return {"qbo_total_tax": None, **invoice_kept(job.connection, record)}


def _settle(client: Any, job: SyncJob, entity: str, response: dict[str, Any] | None, body: dict[str, Any],
            started: datetime, t0: float) -> None:
    if response is not None and entity in response:
        record = response[entity]
        ref_save(connection=job.connection, object_type=job.object_type, local_id=job.local_id, entity=record,
                 body=body, extra=_kept_tax(job, record))
        job_finish(job, started, t0, outcome="create", message="batch", call=client.last_call,
                   qbo_id=str(record["Id"]))
        return
    error = _item_error(response, client)
    if isinstance(error, QboDuplicateName | QboStale) or error.code == "6140":
        # The single path knows how to link a provably-same record or explain the clash (a used invoice
        # number becomes a listed clash there): go there now.
        SyncJob.objects.filter(pk=job.pk).update(state="queued", next_attempt_at=timezone.now(), lease_until=None)
        return
    job_failed(job, error, started, t0)


def _item_error(response: dict[str, Any] | None, client: Any) -> QboError:
    if response is None:
        return classify(http_status=500, code="", message="The batch answer left this item out.",
                        call=client.last_call, write=True)
    fault = (response.get("Fault") or {}).get("Error") or [{}]
    first = fault[0]
    return classify(http_status=400, code=first.get("code", ""), message=first.get("Message", "Batch item failed"),
                    detail=first.get("Detail", ""), call=client.last_call, write=True)
