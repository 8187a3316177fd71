"""What QuickBooks tells us: webhook events as received, the CDC cursor, the last QBO version applied per
entity, per-mapping remote state (agreed field values, QBO-side flags), the conflict log and drift reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EventState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class WebhookEvent(models.Model):
    """One event of a verified webhook delivery, stored before anything is done with it (the database,
    not the Celery message, holds the work). Unique on `dedupe_key`, so a replay stores nothing new."""

    dedupe_key = models.CharField(max_length=200, unique=True)
    connection = models.ForeignKey(
        "integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="webhook_events"
    )
    realm_id = models.CharField(max_length=40)
    format = models.CharField(max_length=20)
    entity = models.CharField(max_length=40)
    entity_id = models.CharField(max_length=40)
    operation = models.CharField(max_length=20)
    occurred_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=20, choices=EventState.choices, default=EventState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"]), models.Index(fields=["connection", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id} {self.operation} ({self.state})"


class InboundCursor(models.Model):
    """Per connection: how far the CDC sweep has brought us (changes before `cdc_since` are applied)."""

    connection = models.OneToOneField(
        "integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="inbound_cursor"
    )
    cdc_since = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_sweep_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_full_compare_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_applied = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"CDC cursor of {self.connection_id}: {self.cdc_since}"


class RemoteVersion(models.Model):
    """The newest QBO version of an entity we have applied (or seen as our own echo). Changes are applied
    only when QBO's SyncToken is newer, so duplicates and late, out-of-order reads change nothing."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=40)
    qbo_id = models.CharField(max_length=40)
    sync_token = models.CharField(max_length=20, blank=True)
    deleted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "entity", "qbo_id"], name="uniq_remote_version"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.qbo_id} v{self.sync_token}"


class RemoteState(models.Model):
    """What we know of a mapped record's QBO side: the key fields both sides last agreed on (the base of
    the field-by-field merge) and QBO-only facts shown on the record (inactive, merged away)."""

    ref = models.OneToOneField("integrations.ExternalRef", on_delete=models.CASCADE, related_name="remote_state")
    base = models.JSONField(default=dict, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    inactive_in_qbo = models.BooleanField(default=False)
    merged_into_qbo_id = models.CharField(max_length=40, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"QBO state of {self.ref}"


class ConflictWinner(models.TextChoices):
    OURS = "ours", "Ours kept"
    THEIRS = "theirs", "QuickBooks taken"
    NONE = "none", "Not applied"


class SyncConflict(models.Model):
    """A change that could not simply be applied: both sides edited the same field (newest wins), or a
    QuickBooks change that does not fit here (a payment on an invoice already paid here...)."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20)
    local_id = models.BigIntegerField(null=True, blank=True)
    qbo_id = models.CharField(max_length=60, blank=True)
    label = models.CharField(max_length=300, blank=True)
    field = models.CharField(max_length=60, blank=True)
    ours = models.TextField(blank=True)
    theirs = models.TextField(blank=True)
    winner = models.CharField(max_length=10, choices=ConflictWinner.choices)
    ours_changed_at = models.DateTimeField(null=True, blank=True)
    theirs_changed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["connection", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.label} {self.field}: {self.winner}"


class DriftRunState(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class DriftRun(models.Model):
    """One comparison of every mapped record's key fields on both sides (nightly, or a person's button)."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=DriftRunState.choices, default=DriftRunState.RUNNING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compared = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Drift run {self.pk} ({self.state})"


class DriftResolution(models.TextChoices):
    OPEN = "", "Open"
    PUSHED_OURS = "pushed_ours", "Pushed ours"
    TOOK_THEIRS = "took_theirs", "Took QuickBooks'"


class DriftItem(models.Model):
    run = models.ForeignKey(DriftRun, on_delete=models.CASCADE, related_name="items")
    object_type = models.CharField(max_length=20)
    local_id = models.BigIntegerField()
    qbo_id = models.CharField(max_length=40)
    label = models.CharField(max_length=300)
    field = models.CharField(max_length=60)
    ours = models.TextField(blank=True)
    theirs = models.TextField(blank=True)
    resolution = models.CharField(max_length=20, choices=DriftResolution.choices, default="", blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["object_type", "label", "id"]

    def __str__(self) -> str:
        return f"{self.label} {self.field}: {self.ours!r} vs {self.theirs!r}"
