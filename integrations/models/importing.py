"""The initial sync (import) of a QBO company: its runs, the pairs a person must decide, and the
write-ahead intents that keep an interrupted push from creating a second QBO record."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


OPEN_IMPORT_STATES = (ImportState.QUEUED, ImportState.RUNNING)


class ImportRun(models.Model):
    """One pass of the initial sync. Progress and summary live here (not in a worker's memory) so the
    page survives reloads and every member sees the same numbers."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE,
                                   related_name="import_runs")
    state = models.CharField(max_length=20, choices=ImportState.choices, default=ImportState.QUEUED)
    # Why it is paused or failed, or what it waits for right now (throttling, a transient error).
    status_reason = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    # "host:pid" of the process running it: a rerun on the same host can tell a dead owner at once.
    owner = models.CharField(max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"customers": {"done": 10, "total": 20}, ...} per data type, totals from QBO COUNT queries.
    progress = models.JSONField(default=dict, blank=True)
    # {"linked": n, "created_here": n, "created_in_qbo": n, "needs_review": n, "skipped": n, "failed": n, ...}
    summary = models.JSONField(default=dict, blank=True)
    # [{"kind": "skipped|failed|renamed", "type": "item", "name": "...", "reason": "..."}], capped.
    notes = models.JSONField(default=list, blank=True)
    # Where the run stands, committed with every page, so it can stop after any page and go on later (in
    # another slice, on another worker) without reading again what it committed: {"phase": "customers",
    # "start": 3001} (the next STARTPOSITION), {"phase": "push", "after": 812, "chunk": [...], "done": [...]}.
    cursor = models.JSONField(default=dict, blank=True)
    # Normalized names of every QBO customer and job read so far: the push phase suffixes a name QBO holds
    # before sending it, and a resumed slice must know the names of pages it will not read again.
    qbo_names = models.JSONField(default=list, blank=True)
    # A queued run is due at this time (a throttle or backoff wait; None: now).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Failed slices in a row (transient QBO errors), for the shared retry policy; reset by progress.
    attempts = models.PositiveIntegerField(default=0)
    # Bumped each time a worker is asked to run the next slice: a message with an older ticket (a lost
    # message re-sent by the sweeper, then found) is a duplicate and does nothing.
    ticket = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["connection", "state"])]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.get_state_display()})"


class ReviewState(models.TextChoices):
    OPEN = "open", "Needs review"
    LINKED = "linked", "Linked"
    CREATED = "created", "Created new"
    SKIPPED = "skipped", "Skipped"


class ReviewItem(models.Model):
    """An ambiguous pair: one QBO record and the local record(s) it might be. Decided once by the
    Owner and remembered, so a rerun applies the decision instead of asking again."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE,
                                   related_name="review_items")
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="review_items")
    object_type = models.CharField(max_length=20)  # integrations.models.ObjectType value
    qbo_id = models.CharField(max_length=40)
    qbo_data = models.JSONField(default=dict)  # the QBO side as shown: name, email, company, phone, address
    candidates = models.JSONField(default=list)  # the local side(s): [{"id", "name", "email", ...}]
    reason = models.CharField(max_length=300)
    state = models.CharField(max_length=20, choices=ReviewState.choices, default=ReviewState.OPEN)
    local_id = models.BigIntegerField(null=True, blank=True)  # the local record linked or created
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "object_type", "qbo_id"], name="uniq_review_qbo"),
        ]

    def __str__(self) -> str:
        return f"Review {self.object_type} QBO {self.qbo_id} ({self.get_state_display()})"


class ImportIntent(models.Model):
    """Written and committed before a create is sent to QBO: if the process dies before the mapping is
    saved, the rerun recognises the record it created by the exact name it sent and links it."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20)
    local_id = models.BigIntegerField()
    name = models.CharField(max_length=500)
    request_id = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "object_type", "local_id"], name="uniq_intent_local"),
        ]

    def __str__(self) -> str:
        return f"Intent {self.object_type} {self.local_id} as {self.name!r}"
