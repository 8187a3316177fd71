"""Inbound pages, included by integrations/urls.py under quickbooks/changes/ (names join the "integrations"
namespace with an inbound prefix)."""

from django.urls import path

from integrations.inbound import views

urlpatterns = [
    path("", views.inbound_page, name="inbound"),
    path("drift/run/", views.inbound_drift_run, name="inbound_drift_run"),
    path("drift/<int:item_id>/fix/", views.inbound_drift_fix, name="inbound_drift_fix"),
    path("recreate/<int:ref_id>/", views.inbound_repush, name="inbound_repush"),
]
