from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from fsm.api_docs import ApiDocsView
from integrations.inbound.endpoint import quickbooks_webhook
from invoicing.views.dashboard import dashboard

urlpatterns = [
    path("admin/", admin.site.urls),
    # The home page sums invoices, so it is invoicing's; unnamespaced like the sign-in routes (LOGIN_REDIRECT_URL).
    path("", dashboard, name="dashboard"),
    path("", include("accounts.urls")),
    path("customers/", include("customers.urls")),
    path("", include("invoicing.urls")),
    path("settings/integrations/", include("integrations.urls")),
    # Intuit's webhook deliveries (no login, no CSRF: the intuit-signature HMAC authenticates them).
    path("hooks/quickbooks/", quickbooks_webhook, name="qbo-webhook"),
    path("api/v1/", include("fsm.api_urls")),
    path("dev/inbox/", include("devinbox.urls")),  # answers 404 unless FSM_DEV_INBOX=1 (make run)
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

handler500 = "fsm.views.server_error"
