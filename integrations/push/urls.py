"""Push-queue pages, included by integrations/urls.py under quickbooks/ (names join the "integrations"
namespace with a push_ prefix)."""

from django.urls import path

from integrations.push import views

urlpatterns = [
    path("queue/", views.queue_banner_partial, name="push_banner"),
    path("queue/badge/", views.nav_badge_partial, name="push_badge"),
    path("queue/sync-all-pending/", views.queue_sync_all_pending, name="push_sync_all_pending"),
    path("queue/<int:job_id>/retry/", views.queue_job_retry, name="push_job_retry"),
    path("sync-log/", views.sync_log_page, name="push_sync_log"),
    path("invoices/<int:pk>/sync/", views.invoice_sync, name="push_invoice_sync"),
    path("invoices/<int:pk>/take-tax/", views.invoice_take_tax, name="push_invoice_take_tax"),
]
