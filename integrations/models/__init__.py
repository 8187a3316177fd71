"""QuickBooks integration state: the connection, mappings (ExternalRef), the outbox (SyncJob) and its log,
the initial import, review items and the audit trail."""

from integrations.models.audit import AuditEvent
from integrations.models.connection import (
    CompanyKind,
    ConnectionStatus,
    InvoiceTrigger,
    OAuthState,
    QboEnvironment,
    QuickBooksConnection,
    SyncPreferences,
)
from integrations.models.importing import (
    OPEN_IMPORT_STATES,
    ImportIntent,
    ImportRun,
    ImportState,
    ReviewItem,
    ReviewState,
)
from integrations.models.inbound import (
    ConflictWinner,
    DriftItem,
    DriftResolution,
    DriftRun,
    DriftRunState,
    EventState,
    InboundCursor,
    RemoteState,
    RemoteVersion,
    SyncConflict,
    WebhookEvent,
)
from integrations.models.jobs import JobState, RateBucket, SyncAttempt, SyncJob
from integrations.models.mapping import ExternalRef, ObjectType, ProductIncomeAccount, TaxCodeMap
from integrations.models.numbering import DocNumberClash

__all__ = [
    "OPEN_IMPORT_STATES",
    "AuditEvent",
    "CompanyKind",
    "ConflictWinner",
    "ConnectionStatus",
    "DocNumberClash",
    "DriftItem",
    "DriftResolution",
    "DriftRun",
    "DriftRunState",
    "EventState",
    "ExternalRef",
    "ImportIntent",
    "ImportRun",
    "ImportState",
    "InboundCursor",
    "InvoiceTrigger",
    "JobState",
    "OAuthState",
    "ObjectType",
    "ProductIncomeAccount",
    "QboEnvironment",
    "QuickBooksConnection",
    "RateBucket",
    "RemoteState",
    "RemoteVersion",
    "ReviewItem",
    "ReviewState",
    "SyncAttempt",
    "SyncConflict",
    "SyncJob",
    "SyncPreferences",
    "TaxCodeMap",
    "WebhookEvent",
]
