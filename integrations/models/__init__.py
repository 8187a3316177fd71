"""QuickBooks integration state: the connection, mappings (ExternalRef), the outbox (SyncJob) and its log,
the initial import, review items and the audit trail."""

from integrations.models.audit import AuditEvent
from integrations.models.connection import (
    ConnectionStatus,
    InvoiceTrigger,
    OAuthState,
    QboEnvironment,
    QuickBooksConnection,
    SyncPreferences,
)
from integrations.models.jobs import JobState, RateBucket, SyncAttempt, SyncJob
from integrations.models.mapping import ExternalRef, ObjectType

__all__ = [
    "AuditEvent",
    "ConnectionStatus",
    "ExternalRef",
    "InvoiceTrigger",
    "JobState",
    "OAuthState",
    "ObjectType",
    "QboEnvironment",
    "QuickBooksConnection",
    "RateBucket",
    "SyncAttempt",
    "SyncJob",
    "SyncPreferences",
]
