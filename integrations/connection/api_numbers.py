"""REST endpoints of the Invoice numbers section: our numbers QuickBooks already holds (clashes), a check on
demand, Link (provably the same invoice) and a prefix for our numbers from now on (Owner writes)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import ORG_HEADER_PARAM, OrgAPIMixin, django_error_to_drf
from integrations.connection.api_company import CONFLICT, TAGS, live_for_writes, live_or_409
from integrations.connection.numbers import (
    QBO_FAILURES,
    number_link,
    number_prefix,
    numbers_check,
    numbers_failure,
    prefix_message,
)
from integrations.models import QuickBooksConnection
from integrations.push.number_choices import clash_rows


class ClashSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="clash.pk")
    invoice = serializers.IntegerField(source="invoice.pk")
    number = serializers.CharField(source="clash.number")
    qbo_invoice = serializers.CharField(source="clash.qbo_id")
    qbo_customer_name = serializers.CharField(source="clash.qbo_customer_name")
    qbo_txn_date = serializers.CharField(source="clash.qbo_txn_date")
    qbo_total = serializers.DecimalField(source="clash.qbo_total", max_digits=14, decimal_places=2, allow_null=True)
    same_invoice = serializers.BooleanField(help_text="Same customer, date and total: Link is offered.")
    why_not_same = serializers.CharField()
    renumber_refusal = serializers.CharField(help_text='Why it keeps its number ("" = may be renumbered).')


class InvoiceNumbersSerializer(serializers.Serializer):
    custom_txn_numbers = serializers.BooleanField(help_text="False: QuickBooks numbers invoices; ours are not sent.")
    checked_at = serializers.DateTimeField(allow_null=True)
    prefix = serializers.CharField(help_text="The organization's prefix of new invoice numbers.")
    clashes = ClashSerializer(many=True)


class PrefixSerializer(serializers.Serializer):
    prefix = serializers.CharField(allow_blank=True, max_length=40, trim_whitespace=True)
    renumber = serializers.BooleanField(default=False, help_text="Also renumber the clashing invoices not yet sent.")


class PrefixResultSerializer(InvoiceNumbersSerializer):
    message = serializers.CharField()


def _numbers(conn: QuickBooksConnection) -> dict[str, object]:
    return {"custom_txn_numbers": conn.custom_txn_numbers, "checked_at": conn.doc_numbers_checked_at,
            "prefix": conn.organization.invoice_number_prefix, "clashes": clash_rows(connection=conn)}


class InvoiceNumbersView(OrgAPIMixin, APIView):
    """Our invoice numbers already used in QuickBooks, whose invoices wait; POST checks again (Owner)."""

    capabilities = {"get": "integration.view", "post": "integration.manage"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], responses={200: InvoiceNumbersSerializer, 409: CONFLICT})
    def get(self, request: Request) -> Response:
        return Response(InvoiceNumbersSerializer(_numbers(live_or_409(self.organization))).data)

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=None, summary="Check invoice numbers (Owner)",
                   responses={200: InvoiceNumbersSerializer, 409: CONFLICT})
    def post(self, request: Request) -> Response:
        live = live_for_writes(self.organization)
        try:
            numbers_check(connection=live)  # custom numbers off: asks nothing, frees what waited
        except QBO_FAILURES as exc:
            return Response({"detail": numbers_failure(exc)}, status=status.HTTP_409_CONFLICT)
        live.refresh_from_db()
        return Response(InvoiceNumbersSerializer(_numbers(live)).data)


class InvoiceNumberLinkView(OrgAPIMixin, APIView):
    """Link our invoice to QuickBooks' invoice of the same number, when provably the same (Owner)."""

    capabilities = {"post": "integration.manage"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=None, summary="Link a clash (Owner)",
                   responses={200: InvoiceNumbersSerializer, 400: CONFLICT, 409: CONFLICT})
    def post(self, request: Request, clash_id: int) -> Response:
        live = live_for_writes(self.organization)
        try:
            number_link(connection=live, clash_id=clash_id, actor=self.membership.user)
        except DjangoValidationError as exc:
            raise django_error_to_drf(exc) from None
        except QBO_FAILURES as exc:
            return Response({"detail": numbers_failure(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(InvoiceNumbersSerializer(_numbers(live)).data)


class InvoiceNumberPrefixView(OrgAPIMixin, APIView):
    """Number new invoices with a prefix from now on; `renumber` also renumbers clashing unsent ones (Owner)."""

    capabilities = {"post": "integration.manage"}

    @extend_schema(tags=TAGS, parameters=[ORG_HEADER_PARAM], request=PrefixSerializer,
                   summary="Use a prefix for our invoice numbers (Owner)",
                   responses={200: PrefixResultSerializer, 400: CONFLICT, 409: CONFLICT})
    def post(self, request: Request) -> Response:
        live = live_for_writes(self.organization)
        body = PrefixSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            outcome = number_prefix(connection=live, prefix=body.validated_data["prefix"],
                                    renumber=body.validated_data["renumber"], actor=self.membership.user)
        except DjangoValidationError as exc:
            raise ValidationError({"prefix": exc.messages}) from None
        live.organization.refresh_from_db()
        return Response(PrefixResultSerializer({**_numbers(live), "message": prefix_message(outcome)}).data)
