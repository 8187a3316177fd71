"""The REST API, version 1: every route acts within the caller's organization."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import BusinessDetailsView, MeView, TokenView
from customers.api import CustomerViewSet, ProjectViewSet
from invoicing.api import InvoiceViewSet, ProductViewSet, TaxRateViewSet

app_name = "api"

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("projects", ProjectViewSet, basename="project")
router.register("products", ProductViewSet, basename="product")
router.register("tax-rates", TaxRateViewSet, basename="tax-rate")
router.register("invoices", InvoiceViewSet, basename="invoice")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
    path("organization/", BusinessDetailsView.as_view(), name="organization"),
    path("integrations/quickbooks/", include("integrations.api")),
    path("", include("integrations.push.api")),  # the push queue, sync log and invoices/{id}/sync/
    *router.urls,
]
