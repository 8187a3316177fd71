"""Admin for the QuickBooks integration: read-mostly, organization-scoped, and never a token field."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_scoping import OrgScopedAdmin
from integrations.models import AuditEvent, ExternalRef, QuickBooksConnection, SyncAttempt, SyncJob, SyncPreferences


class ReadOnlyAdmin(OrgScopedAdmin):
    """State owned by the services (OAuth, the push queue): editing it by hand would bypass their rules."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(QuickBooksConnection)
class QuickBooksConnectionAdmin(ReadOnlyAdmin):
    # An explicit field list: access_token / refresh_token must never reach a page, not even encrypted.
    fields = ["organization", "company_name", "realm_id", "environment", "status", "status_reason",
              "connected_by", "connected_at", "disconnected_at", "last_sync_at", "last_refreshed_at",
              "access_token_expires_at", "refresh_token_expires_at", "refresh_token_hard_expires_at"]
    list_display = ["organization", "company_name", "realm_id", "environment", "status", "connected_at"]
    list_filter = ["status", "environment"]
    search_fields = ["company_name", "realm_id", "organization__name"]


@admin.register(SyncPreferences)
class SyncPreferencesAdmin(ReadOnlyAdmin):
    list_display = ["organization", "sync_customers", "sync_products", "sync_invoices", "sync_projects",
                    "sync_payments", "invoice_trigger", "updated_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organization", "action", "actor", "detail"]
    list_filter = ["action"]
    search_fields = ["detail", "organization__name"]


@admin.register(ExternalRef)
class ExternalRefAdmin(ReadOnlyAdmin):
    org_path = "connection__organization"
    list_display = ["connection", "object_type", "local_id", "qbo_id", "sync_token", "last_synced_at", "deleted_in_qbo"]
    list_filter = ["object_type", "deleted_in_qbo"]
    search_fields = ["qbo_id"]


@admin.register(SyncJob)
class SyncJobAdmin(ReadOnlyAdmin):
    org_path = "connection__organization"
    list_display = ["connection", "object_type", "local_id", "operation", "state", "attempts", "next_attempt_at"]
    list_filter = ["state", "object_type"]


@admin.register(SyncAttempt)
class SyncAttemptAdmin(ReadOnlyAdmin):
    org_path = "connection__organization"
    list_display = ["started_at", "connection", "object_type", "local_id", "outcome", "http_status", "fault_code"]
    list_filter = ["outcome", "object_type"]
