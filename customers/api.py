"""REST endpoints for customers and their projects."""

from __future__ import annotations

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.filters import SearchFilter

from accounts.api_base import ACTIVE_PARAM, OrgModelViewSet, crud_capabilities, filter_active, int_param
from customers.models import Customer, Project
from customers.serializers import CustomerSerializer, ProjectSerializer


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_PARAM]))
@extend_schema(tags=["customers"])
class CustomerViewSet(OrgModelViewSet):
    model = Customer
    serializer_class = CustomerSerializer
    capabilities = crud_capabilities("customer.view", "customer.edit")
    filter_backends = [SearchFilter]
    search_fields = ["display_name", "company_name", "given_name", "family_name", "email", "phone"]

    def scope(self, queryset: models.QuerySet) -> models.QuerySet:
        return filter_active(queryset, self.request) if self.action == "list" else queryset


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("customer", OpenApiTypes.INT, description="Only the projects of this customer id."),
]))
@extend_schema(tags=["projects"])
class ProjectViewSet(OrgModelViewSet):
    model = Project
    serializer_class = ProjectSerializer
    capabilities = crud_capabilities("customer.view", "project.edit")

    def scope(self, queryset: models.QuerySet) -> models.QuerySet:
        if self.action == "list" and (customer := int_param(self.request, "customer")) is not None:
            queryset = queryset.filter(customer_id=customer)
        return queryset
