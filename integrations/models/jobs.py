from __future__ import annotations

import uuid

from django.db import models


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    BACKOFF = "backoff", "Pending retry"
    ERROR = "error", "Error"
    PAUSED = "paused", "Paused"
    DONE = "done", "Done"


def new_request_id() -> str:
    """A requestid QBO has never seen (it replays its stored answer to one it has)."""
    return uuid.uuid4().hex


OPEN_STATES = (JobState.QUEUED, JobState.RUNNING, JobState.BACKOFF, JobState.ERROR, JobState.PAUSED)
# The states a claim or the sweeper looks at; the partial index below holds only these rows, so a million
# finished jobs cost the claim nothing (bench/queue_at_size.py).
CLAIMABLE_STATES = ("queued", "backoff", "running")


class SyncJob(models.Model):
    """The outbox row: one piece of push work, written in the same transaction as the change."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="jobs")
    object_type = models.CharField(max_length=20)
    local_id = models.BigIntegerField()
    operation = models.CharField(max_length=20, default="upsert")
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Kept only for a retry after an outcome we could not see, so QBO replays a create it made instead of
    # creating twice; every other attempt gets a new one (runner.job_failed / job_finish decide).
    request_id = models.CharField(max_length=50, default="")
    # Set after an outcome we could not observe (timeout, reset, 5xx): look up before creating again.
    outcome_unknown = models.BooleanField(default=False)
    # The object changed again while this job was running: run once more after it finishes.
    dirty = models.BooleanField(default=False)
    # A person asked for this push (per-invoice action, Retry): pre-connection invoices are pushed too.
    requested_by_person = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)
    last_error_hint = models.CharField(max_length=500, blank=True)
    last_fault_code = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one open job per object: rapid edits coalesce into it.
            models.UniqueConstraint(
                fields=["connection", "object_type", "local_id"],
                condition=~models.Q(state="done"),
                name="one_open_job_per_object",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            # The claim (per connection, oldest due first) and the sweeper's due count read open rows only.
            models.Index(fields=["connection", "next_attempt_at", "id"], name="syncjob_claimable",
                         condition=models.Q(state__in=CLAIMABLE_STATES)),
            # Whether a worker is pushing for a company now (the claim prefers idle ones) and jobs whose worker
            # died: a probe of the company's few running rows, not a read of its whole backlog.
            models.Index(fields=["connection", "lease_until"], name="syncjob_running", condition=models.Q(state="running")),
            # Pruning finished jobs by age, without walking the open ones or every finished one.
            models.Index(fields=["finished_at"], name="syncjob_done_finished", condition=models.Q(state="done")),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.object_type} {self.local_id} ({self.state})"

    def new_request_id(self) -> None:
        self.request_id = new_request_id()


class SyncAttempt(models.Model):
    """One try of a job against QBO: what the sync log shows. Pruned after 30 days."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="attempts")
    job = models.ForeignKey(SyncJob, on_delete=models.SET_NULL, null=True, related_name="attempt_log")
    object_type = models.CharField(max_length=20)
    local_id = models.BigIntegerField()
    operation = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    fault_code = models.CharField(max_length=20, blank=True)
    intuit_tid = models.CharField(max_length=100, blank=True)
    message = models.TextField(blank=True)
    qbo_id = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["connection", "-started_at"]),
            # Pruning by age (the sweeper deletes the oldest rows in bounded chunks).
            models.Index(fields=["started_at"], name="syncattempt_started"),
        ]


class RateBucket(models.Model):
    """The per-company limiter's state when no Redis is configured (embedded default): a token bucket
    (`tokens`) for requests, or the times of the last batch requests (`stamps`) for the batch window."""

    realm_id = models.CharField(max_length=40, unique=True)
    tokens = models.FloatField(default=0)
    stamps = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField()
