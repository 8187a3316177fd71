"""REST endpoints for products, tax rates and codes, invoice settings and invoices, with the invoice
lifecycle as POST actions.

Invoices are written only through invoicing.services and invoicing.lifecycle, which compute totals
and refuse illegal transitions; their ValidationErrors become 400 responses (see accounts.api_base).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import (
    ACTIVE_PARAM,
    ORG_HEADER_PARAM,
    OrgAPIMixin,
    OrgModelViewSet,
    choice_param,
    crud_capabilities,
    filter_active,
    int_param,
)
from invoicing import lifecycle
from invoicing.document import invoice_document
from invoicing.emailing import invoice_email_queue
from invoicing.models import Invoice, InvoiceStatus, Product, TaxCode, TaxRate
from invoicing.pdf import invoice_pdf, invoice_pdf_filename
from invoicing.selectors import (
    ACTION_CAPABILITIES,
    invoice_detail_queryset,
    invoice_document_queryset,
    invoice_emails,
    invoice_list,
)
from invoicing.serializers import (
    InvoiceDetailSerializer,
    InvoiceEmailSerializer,
    InvoiceSettingsSerializer,
    InvoiceSummarySerializer,
    InvoiceWriteSerializer,
    PaymentInputSerializer,
    ProductSerializer,
    RefundInputSerializer,
    SendInputSerializer,
    TaxCodeSerializer,
    TaxRateSerializer,
)
from invoicing.services import invoice_create, invoice_tax_override_clear, invoice_update
from invoicing.validators import invoice_edit_check


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_PARAM]))
@extend_schema(tags=["products"])
class ProductViewSet(OrgModelViewSet):
    model = Product
    serializer_class = ProductSerializer
    capabilities = crud_capabilities("product.view", "product.edit")
    filter_backends = [SearchFilter]
    search_fields = ["name", "sku", "description"]

    def scope(self, queryset: models.QuerySet) -> models.QuerySet:
        return filter_active(queryset, self.request) if self.action == "list" else queryset


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_PARAM]))
@extend_schema(tags=["tax rates"])
class TaxRateViewSet(OrgModelViewSet):
    model = TaxRate
    serializer_class = TaxRateSerializer
    # Tax rates are catalog setup, managed by the same people as products.
    capabilities = crud_capabilities("product.view", "product.edit")

    def scope(self, queryset: models.QuerySet) -> models.QuerySet:
        return filter_active(queryset, self.request) if self.action == "list" else queryset


@extend_schema_view(list=extend_schema(parameters=[ACTIVE_PARAM]))
@extend_schema(tags=["tax codes"])
class TaxCodeViewSet(OrgModelViewSet):
    """Tax codes: one or more component tax rates charged together (none for an exempt code)."""

    model = TaxCode
    serializer_class = TaxCodeSerializer
    capabilities = crud_capabilities("product.view", "product.edit")

    def scope(self, queryset: models.QuerySet) -> models.QuerySet:
        queryset = queryset.prefetch_related("rates")
        return filter_active(queryset, self.request) if self.action == "list" else queryset


@extend_schema(tags=["invoice settings"], parameters=[ORG_HEADER_PARAM])
class InvoiceSettingsView(OrgAPIMixin, APIView):
    """The organization's tax-inclusive prices, tax-after-discount, tax rounding, default payment terms and the
    prefix of new invoice numbers."""

    capabilities = {"get": "product.view", "patch": "product.edit"}

    @extend_schema(responses=InvoiceSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(InvoiceSettingsSerializer(self.organization).data)

    @extend_schema(request=InvoiceSettingsSerializer, responses=InvoiceSettingsSerializer)
    def patch(self, request: Request) -> Response:
        serializer = InvoiceSettingsSerializer(self.organization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


DETAIL = {200: InvoiceDetailSerializer}


def _transition_schema(summary: str, request: type[serializers.Serializer] | None = None) -> Any:
    return extend_schema(summary=summary, request=request, responses=DETAIL)


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=InvoiceStatus.values, description="Only this status."),
        OpenApiParameter("customer", OpenApiTypes.INT, description="Only the invoices of this customer id."),
    ]),
    create=extend_schema(request=InvoiceWriteSerializer, responses={201: InvoiceDetailSerializer}),
    update=extend_schema(request=InvoiceWriteSerializer, responses=DETAIL, description=(
        "`lines` is the whole list: items with an `id` keep that line (fields left out keep their value), "
        "items without one are new, and a stored line the list does not name is removed.")),
    partial_update=extend_schema(request=InvoiceWriteSerializer, responses=DETAIL, description=(
        "`lines` lists changes only: an item with an `id` changes that line (or removes it with "
        "`\"delete\": true`), an item without one adds a line, and every line not named stays as it is.")),
    destroy=extend_schema(summary="Delete a draft invoice (only drafts can be deleted)."),
)
@extend_schema(tags=["invoices"])
class InvoiceViewSet(OrgModelViewSet):
    model = Invoice
    capabilities = {
        **crud_capabilities("invoice.view", "invoice.edit_draft"),
        **ACTION_CAPABILITIES,  # the lifecycle actions, named like the POST actions below
        "destroy": ACTION_CAPABILITIES["delete_draft"],
        "emails": "invoice.view",
        # Changing a finalized invoice's money is the office's (invoicing.validators.invoice_tax_override_check).
        "clear_tax_override": "invoice.finalize",
        "pdf": "invoice.view",
    }

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return InvoiceSummarySerializer if self.action == "list" else InvoiceDetailSerializer

    def scope(self, queryset: models.QuerySet) -> models.QuerySet:
        # The pages' selectors apply the same organization filter, with the joins each read needs.
        if self.action == "list":
            return invoice_list(organization=self.organization,
                                status=choice_param(self.request, "status", InvoiceStatus.values) or "",
                                customer_id=int_param(self.request, "customer"))
        if self.action == "retrieve":
            return invoice_detail_queryset(organization=self.organization)
        return queryset

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        write = self._valid(InvoiceWriteSerializer)
        invoice = invoice_create(organization=self.organization, **write.service_kwargs())
        return Response(self._detail(invoice), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: object, **kwargs: Any) -> Response:
        invoice = self.get_object()
        try:
            invoice_edit_check(invoice=invoice, role=self.role)  # the page's rule; a refusal is a 400 (handle_exception)
        except DjangoPermissionDenied as exc:  # DRF would answer its generic sentence, not the rule's
            raise PermissionDenied(str(exc)) from None
        write = self._valid(InvoiceWriteSerializer, instance=invoice, partial=kwargs.get("partial", False))
        invoice = invoice_update(invoice=invoice, **write.service_kwargs(invoice))
        return Response(self._detail(invoice))

    def destroy(self, request: Request, *args: object, **kwargs: object) -> Response:
        lifecycle.invoice_delete_draft(invoice=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @_transition_schema("Finalize a draft (Draft → Generated), ready to send and bill.")
    @action(detail=True, methods=["post"])
    def finalize(self, request: Request, pk: str) -> Response:
        return self._transition(lifecycle.invoice_finalize)

    @extend_schema(
        summary="Email the invoice (PDF attached) to the customer's billing email or `to`, with optional cc/bcc.",
        description="Answers 202 with the logged send. Delivery runs in the background with its own retries; "
                    "the invoice becomes Sent only when the mail server accepts the message. A refused address "
                    "shows as status `failed` with the server's error (GET .../emails/). Calling it again resends.",
        request=SendInputSerializer, responses={202: InvoiceEmailSerializer},
    )
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str) -> Response:
        data = self._valid(SendInputSerializer).validated_data
        email = invoice_email_queue(invoice=self.get_object(), actor=self.membership.user, **data)
        return Response(InvoiceEmailSerializer(email).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Every send and resend of the invoice by email, newest first.",
                   responses={200: InvoiceEmailSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])  # a short log: one list
    def emails(self, request: Request, pk: str) -> Response:
        return Response(InvoiceEmailSerializer(invoice_emails(invoice=self.get_object()), many=True).data)

    @extend_schema(summary="The invoice as a PDF (the same document the email attaches).",
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        invoice = self.get_object()
        document = invoice_document(invoice_document_queryset(organization=self.organization).get(pk=invoice.pk))
        response = HttpResponse(invoice_pdf(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice_pdf_filename(document)}"'
        return response

    @_transition_schema("Record a payment against the balance.", PaymentInputSerializer)
    @action(detail=True, methods=["post"], url_path="record-payment")
    def record_payment(self, request: Request, pk: str) -> Response:
        payment = self._valid(PaymentInputSerializer).validated_data
        return self._transition(lifecycle.invoice_record_payment, **payment)

    @_transition_schema("Refund part or all of what was paid.", RefundInputSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request: Request, pk: str) -> Response:
        refund = self._valid(RefundInputSerializer).validated_data
        return self._transition(lifecycle.invoice_refund, **refund)

    @_transition_schema("Void an unpaid invoice; its balance becomes zero.")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        return self._transition(lifecycle.invoice_void)

    @_transition_schema("Put the invoice in dispute.")
    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: str) -> Response:
        return self._transition(lifecycle.invoice_dispute)

    @_transition_schema("Take the invoice out of dispute, back to its earlier status.")
    @action(detail=True, methods=["post"], url_path="resolve-dispute")
    def resolve_dispute(self, request: Request, pk: str) -> Response:
        return self._transition(lifecycle.invoice_resolve_dispute)

    @_transition_schema("Drop a tax figure taken from elsewhere: the tax is computed from the lines again. "
                        "Only before the invoice is sent.")
    @action(detail=True, methods=["post"], url_path="clear-tax-override")
    def clear_tax_override(self, request: Request, pk: str) -> Response:
        return self._transition(invoice_tax_override_clear)

    def _valid(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> Any:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer

    def _transition(self, service: Callable[..., object], **params: object) -> Response:
        invoice = self.get_object()
        service(invoice=invoice, **params)
        return Response(self._detail(invoice))

    def _detail(self, invoice: Invoice) -> dict[str, Any]:
        """The invoice as a write left it (services save a locked copy, not the object passed in)."""
        fresh = invoice_detail_queryset(organization=self.organization).get(pk=invoice.pk)
        return InvoiceDetailSerializer(fresh, context=self.get_serializer_context()).data
