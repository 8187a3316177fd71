"""The REST API, version 1: every route acts within the caller's organization."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from accounts.api import BusinessDetailsView, MeView, TokenView
from customers.api import CustomerViewSet, ProjectViewSet
from invoicing.api import InvoiceSettingsView, InvoiceViewSet, ProductViewSet, TaxCodeViewSet, TaxRateViewSet

app_name = "api"


@csrf_exempt  # changes nothing: a DELETE to a wrong path gets this 404, not the CSRF page
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("projects", ProjectViewSet, basename="project")
router.register("products", ProductViewSet, basename="product")
router.register("tax-rates", TaxRateViewSet, basename="tax-rate")
router.register("tax-codes", TaxCodeViewSet, basename="tax-code")
router.register("invoices", InvoiceViewSet, basename="invoice")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
    path("organization/", BusinessDetailsView.as_view(), name="organization"),
    path("invoice-settings/", InvoiceSettingsView.as_view(), name="invoice-settings"),
    path("integrations/quickbooks/", include("integrations.connection.api")),
    path("", include("integrations.push.api")),  # the push queue, sync log and invoices/{id}/sync/
    *router.urls,
    # Anything else under the API (an id that is not a number, a misspelt path) answers JSON like the
    # API does, not the site's HTML 404 page.
    re_path(r"^.*/$", api_not_found, name="not-found"),
]
