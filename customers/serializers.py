"""API representations of customers and projects."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.api_base import OrgPrimaryKeyRelatedField
from customers.models import Customer, Project
from customers.services import project_check_customer_change

TIMESTAMPS = ("created_at", "updated_at")


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = (
            "id", "display_name", "company_name", "given_name", "family_name", "email", "phone",
            "billing_line1", "billing_line2", "billing_city", "billing_region", "billing_postal_code",
            "billing_country", "payment_terms_days", "notes", "is_active", *TIMESTAMPS,
        )
        read_only_fields = TIMESTAMPS

    def validate_display_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Give the customer a display name.")
        return value


class ProjectSerializer(serializers.ModelSerializer):
    customer = OrgPrimaryKeyRelatedField(queryset=Customer.objects.all())

    class Meta:
        model = Project
        fields = ("id", "customer", "name", "status", "start_date", "end_date", "description", *TIMESTAMPS)
        read_only_fields = TIMESTAMPS

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": ["The end date cannot be before the start date."]})
        if self.instance is not None and "customer" in attrs:
            try:
                project_check_customer_change(project=self.instance, customer=attrs["customer"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from None
        return attrs
