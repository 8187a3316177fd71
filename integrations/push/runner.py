"""Run one claimed job: push what it needs first, then the object's current state; log the attempt and
move the job on.

A need (an invoice's new customer) is pushed through its own outbox row, claimed like any job, so two
workers pushing two invoices of the same new customer never both create it (one claims it, the other
waits briefly). The handler itself never runs another job."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from integrations.models import ExternalRef, JobState, QuickBooksConnection, SyncAttempt, SyncJob
from integrations.models.jobs import new_request_id
from integrations.push.claim import job_claim
from integrations.push.errors_text import plain_message
from integrations.push.handlers import HANDLERS, Need, PushContext
from integrations.push.handlers.invoice import SkipPush
from integrations.push.outbox import upsert_open_job
from integrations.qbo.client import QboClient
from integrations.qbo.errors import (
    CallInfo,
    QboDependencyPending,
    QboError,
    QboNotFound,
    QboTransient,
    QboValidation,
)
from integrations.qbo.retry import Verdict, retry_after
from integrations.qbo.tokens import client_for
from integrations.services.jobs_pause import jobs_pause_for_connection

log = logging.getLogger(__name__)


def job_run(job: SyncJob, client: QboClient | None = None) -> str:
    """Push a job already claimed (state running). Returns the job's new state. `client`: the client of
    the job that runs this one as its need (same connection, its token checked a moment ago)."""
    started, t0 = timezone.now(), time.monotonic()
    try:
        client = client or client_for(job.connection)
        ctx = PushContext(client=client, connection=job.connection, job=job, local_id=job.local_id)
        handler = HANDLERS[job.object_type]
        needs = handler.needs(ctx)
        ctx.needs_lookup(needs)  # one query for all, not one per need
        for need in needs:
            _push_first(ctx, need)
        result = handler.push(ctx)
    except SkipPush as exc:
        return job_finish(job, started, t0, outcome="skipped", message=str(exc), call=_call(client))
    except QboError as exc:
        return job_failed(job, exc, started, t0)
    except Exception as exc:  # a bug must not leave the job running forever
        log.exception("push job %s crashed", job.pk)
        return job_failed(job, QboTransient(f"Internal error: {exc}"), started, t0)
    return job_finish(job, started, t0, outcome=result.operation, message=" ".join(result.notes),
                   call=_call(client), qbo_id=result.qbo_id)


def _push_first(ctx: PushContext, need: Need) -> None:
    """Push an unmapped need now, through its own job; raise when it cannot be had now."""
    if ctx.need_qbo_id(need) is not None:
        return
    if SyncJob.objects.filter(connection=ctx.connection, object_type=need.object_type, local_id=need.local_id,
                              state=JobState.RUNNING, lease_until__gte=timezone.now()).exists():
        # Another worker is creating it now. Not through upsert_open_job: that would mark its job dirty,
        # as if the record had changed, and push it a second time (an update) once the create is done.
        raise QboDependencyPending(f"Waiting for the {need.label} to reach QuickBooks first.")
    job = upsert_open_job(ctx.connection, need.object_type, need.local_id, "upsert", by_person=False)
    if job.state == JobState.ERROR:
        raise QboValidation(f"The {need.label} could not be synced: {job.last_error}", code=job.last_fault_code)
    claimed = job_claim(job.pk)
    if claimed is None:
        retry_at = job.next_attempt_at if job.state == JobState.BACKOFF else None
        raise QboDependencyPending(f"Waiting for the {need.label} to reach QuickBooks first.", retry_at=retry_at)
    state = job_run(claimed, ctx.client)
    if ctx.need_qbo_id(need) is not None:
        return
    claimed.refresh_from_db()
    if state == JobState.ERROR:
        raise QboValidation(f"The {need.label} could not be synced: {claimed.last_error}",
                            code=claimed.last_fault_code)
    raise QboDependencyPending(f"Waiting for the {need.label} to reach QuickBooks first ({claimed.last_error}).",
                               retry_at=claimed.next_attempt_at)


def _call(client: QboClient | None) -> CallInfo:
    return client.last_call if client is not None else CallInfo()


def _attempt(job: SyncJob, started: datetime, t0: float, *, outcome: str, call: CallInfo, message: str = "",
             code: str = "", qbo_id: str = "") -> SyncAttempt:
    return SyncAttempt(
        connection_id=job.connection_id, job=job, object_type=job.object_type, local_id=job.local_id,
        operation=job.operation, outcome=outcome, http_status=call.http_status, fault_code=code,
        intuit_tid=call.intuit_tid, message=message[:2000], qbo_id=qbo_id, started_at=started,
        duration_ms=int((time.monotonic() - t0) * 1000),
    )


def _log(job: SyncJob, started: datetime, t0: float, *, outcome: str, call: CallInfo, message: str = "",
         code: str = "", qbo_id: str = "") -> None:
    _attempt(job, started, t0, outcome=outcome, call=call, message=message, code=code, qbo_id=qbo_id).save()


def job_finish(job: SyncJob, started: datetime, t0: float, *, outcome: str, message: str, call: CallInfo,
               qbo_id: str = "") -> str:
    return jobs_finish([(job, qbo_id)], started, t0, outcome=outcome, message=message, call=call)[job.pk]


def jobs_finish(done: list[tuple[SyncJob, str]], started: datetime, t0: float, *, outcome: str, message: str,
                call: CallInfo) -> dict[int, str]:
    """Jobs that succeeded (one, or a batch's worth in a few statements): logged, then done, or queued
    again when the object changed while we pushed (new requestid: it may be a new operation).
    Returns each job's new state."""
    ids = [job.pk for job, _ in done]
    with transaction.atomic():
        SyncAttempt.objects.bulk_create([_attempt(job, started, t0, outcome=outcome, call=call, message=message,
                                                  qbo_id=qbo_id) for job, qbo_id in done])
        now = timezone.now()
        # Done only while not dirty, in the same statement: an edit that lands a moment later sees the
        # job still running and marks it dirty, and it runs again below.
        done_now = SyncJob.objects.filter(pk__in=ids, state=JobState.RUNNING, dirty=False).update(
            state=JobState.DONE, finished_at=now, lease_until=None, last_error="", last_error_hint="",
            last_fault_code="", outcome_unknown=False, updated_at=now)
        # Every job done (the usual case): none can still be running, so there is nothing to look for.
        rerun = set() if done_now == len(ids) else set(
            SyncJob.objects.filter(pk__in=ids, state=JobState.RUNNING).values_list("pk", flat=True))
        for pk in rerun:
            SyncJob.objects.filter(pk=pk, state=JobState.RUNNING).update(
                state=JobState.QUEUED, dirty=False, next_attempt_at=now, lease_until=None, outcome_unknown=False,
                request_id=new_request_id(), updated_at=now)
        QuickBooksConnection.objects.filter(pk__in={job.connection_id for job, _ in done}).update(last_sync_at=now)
    return {pk: JobState.QUEUED if pk in rerun else JobState.DONE for pk in ids}


def _request_id_after(exc: QboError, job: SyncJob) -> str:
    """The requestid of the next attempt: the one rule for every caller (sweeper, Retry, Sync All Pending,
    an edit). Only after an outcome we could not see is the same id sent again, so that QBO replays a
    create it may have made. After a definite answer QBO has stored that refusal under the id and replays
    it byte for byte to a repeat, even once the cause is fixed (a renumbered duplicate DocNumber, 6140,
    would stay 6140 forever): the next attempt is a new request."""
    if isinstance(exc, QboTransient) and exc.outcome_unknown:
        return job.request_id
    return new_request_id()


def job_failed(job: SyncJob, exc: QboError, started: datetime, t0: float) -> str:
    message, hint = plain_message(exc)
    fields: dict[str, object] = {"last_error": message, "last_error_hint": hint, "last_fault_code": exc.code,
                                 "lease_until": None, "request_id": _request_id_after(exc, job),
                                 "updated_at": timezone.now()}
    if isinstance(exc, QboValidation) and job.outcome_unknown:
        # QBO replays its stored answer to a requestid it has seen. A send cut off mid-body (a worker killed
        # while writing it) left a refusal of an empty body under the kept id; the lookup before this create
        # found no record, so nothing was made under it: one fresh request settles which answer is real.
        state, fields["next_attempt_at"], fields["outcome_unknown"] = JobState.QUEUED, timezone.now(), False
        fields["attempts"] = job.attempts + 1
    else:
        retry = retry_after(exc, job.attempts + 1)
        if retry.spends_attempt:
            fields["attempts"] = job.attempts + 1
        if isinstance(exc, QboTransient):
            fields["outcome_unknown"] = job.outcome_unknown or exc.outcome_unknown
        if retry.verdict == Verdict.PAUSE:
            state = JobState.PAUSED  # resumes on reconnect
            jobs_pause_for_connection(connection=job.connection, reason=message)
        elif retry.verdict == Verdict.WAIT:
            state, fields["next_attempt_at"] = JobState.BACKOFF, retry.at
        else:
            state = JobState.ERROR
            if retry.exhausted:
                fields["last_error_hint"] = (f"QuickBooks kept failing ({job.attempts + 1} tries). "
                                             "Press Retry once it is back.")
            if isinstance(exc, QboNotFound):
                ExternalRef.objects.filter(connection=job.connection, object_type=job.object_type,
                                           local_id=job.local_id).update(deleted_in_qbo=True)
    if state == JobState.ERROR and SyncJob.objects.filter(pk=job.pk, dirty=True).exists():
        # The record was edited while this push failed; the edit may be the fix, so try it at once.
        state, fields["next_attempt_at"], fields["attempts"] = JobState.QUEUED, timezone.now(), 0
    fields["state"] = state
    with transaction.atomic():
        _log(job, started, t0, outcome=state, call=exc.call, message=message, code=exc.code)
        SyncJob.objects.filter(pk=job.pk, state=JobState.RUNNING).update(**fields)
        if state != JobState.PAUSED:
            # An edit that arrived mid-run is folded into the retry, so dirty no longer matters.
            SyncJob.objects.filter(pk=job.pk).update(dirty=False)
    return state
